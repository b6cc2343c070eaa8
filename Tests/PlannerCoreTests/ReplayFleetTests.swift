import Foundation
import XCTest
import PlannerNumerics
@testable import PlannerCore

/// Several deployments replayed on one GPU pool (issue 15): the fleet's budget holds
/// at every interval, without a budget each deployment replays exactly as alone,
/// and under contention the heavier-weighted deployment is served better.
final class ReplayFleetTests: XCTestCase {
    /// GPUs requested at each interval end (what the budget granted).
    private enum GrantedGPUs {
        static func requested(_ r: ReplayResult) -> [Int] {
            r.intervals.requestedPrefill.indices.map {
                ReplayFleet.gpus(requested: (r.intervals.requestedPrefill[$0], r.intervals.requestedDecode[$0]), r.configuration)
            }
        }
    }

    /// A quiet minute, then `rate` requests/s for `seconds`: enough to want several workers.
    private func rows(rate: Double, seconds: Double, isl: Int, offset: Double = 0) -> [ReplayTraceRow] {
        var times = (0..<6).map { offset + Double($0) * 10 }
        let n = Int(rate * seconds)
        times += (0..<n).map { offset + 60 + Double($0) / rate }
        return times.enumerated().map { i, t in
            ReplayTraceRow(arrivalSeconds: t, inputLength: isl + i % 5, outputLength: 150, hashIDs: nil, location: "t:\(i + 1)")
        }
    }

    private func configuration(ttft: Double = 400) -> ReplayConfiguration {
        var planner = PlannerSettings()
        planner.intervalSeconds = 60
        planner.maxGPUBudget = -1
        planner.ttftMilliseconds = ttft
        planner.itlMilliseconds = 30
        var sim = ReplaySimulatorSettings()
        sim.mode = .disaggregated
        sim.perf = .mockerPolynomial
        sim.startupTimeSeconds = 10
        sim.maxWorkersPerPool = 16
        var c = ReplayConfiguration(planner: planner, predictor: nil, mode: .disagg, perfModel: .mocker, prefillWorkers: 1,
                                    decodeWorkers: 1, maxSimTimeSeconds: 1e6, simulator: sim)
        var p = LoadPredictorConfiguration()
        p.kind = .constant
        c.predictor = p
        return c
    }

    private func engine(_ c: ReplayConfiguration) throws -> PlannerDecisionEngine {
        let profile = try InterpolationFixtures.profile("Tests/Fixtures/profiles/h100_qwen32b_tp2")
        return try PlannerDecisionEngine(settings: c.planner, profile: profile, predictor: c.predictor ?? LoadPredictorConfiguration())
    }

    private func fleet(_ traces: [(String, [ReplayTraceRow], Double)], maxTotalGPUs: Int = -1) async throws -> ReplayFleetResult {
        let c = configuration()
        let deployments = try traces.map { name, rows, weight in
            ReplayFleetDeployment(name: name, configuration: c, engine: try engine(c), source: ClosureRequestSource(rows: rows),
                                  weight: weight)
        }
        return try await ReplayFleet(deployments: deployments, maxTotalGPUs: maxTotalGPUs).run()
    }

    private func attainment(_ r: ReplayResult) -> Double {
        (r.summaryFields.first { $0.0 == "sla_attainment" }?.1 ?? nil) ?? -1
    }

    private var traces: [(String, [ReplayTraceRow], Double)] {
        [("a", rows(rate: 30, seconds: 600, isl: 3000), 1), ("b", rows(rate: 20, seconds: 420, isl: 5000, offset: 1000), 1)]
    }

    func testWithoutABudgetEachDeploymentReplaysAsAlone() async throws {
        let together = try await fleet(traces)
        XCTAssertEqual(together.results.count, 2)
        for (k, (_, rows, _)) in traces.enumerated() {
            let c = configuration()
            let alone = try await ReplayDriver(configuration: c, engine: try engine(c), source: ClosureRequestSource(rows: rows)).run()
            let fleetRun = together.results[k]
            XCTAssertEqual(fleetRun.summaryFields.map(\.0), alone.summaryFields.map(\.0))
            XCTAssertEqual(fleetRun.summaryFields.map { $0.1 ?? .nan }.map(\.bitPattern),
                           alone.summaryFields.map { $0.1 ?? .nan }.map(\.bitPattern), "deployment \(k): same numbers")
            XCTAssertEqual(fleetRun.events, alone.events)
            XCTAssertEqual(fleetRun.intervals, alone.intervals)
            XCTAssertEqual(fleetRun.decisions, alone.decisions)
            XCTAssertGreaterThan(alone.events.count, 0, "the planner scaled")
        }
        XCTAssertEqual(together.completed, traces.reduce(0) { $0 + $1.1.count })
    }

    /// SLA feedback and `--hold-scale-down` act in the fleet as in a single replay: without a
    /// budget each deployment still equals its own replay, and they change the decisions.
    func testWithFeedbackAndHoldEachDeploymentStillReplaysAsAlone() async throws {
        var c = configuration()
        c.predictor?.targetAttainment = 0.99
        c.predictor?.holdScaleDown = true
        let deployments = try traces.map { name, rows, weight in
            ReplayFleetDeployment(name: name, configuration: c, engine: try engine(c), source: ClosureRequestSource(rows: rows),
                                  weight: weight)
        }
        let together = try await ReplayFleet(deployments: deployments).run()
        let plain = try await fleet(traces)
        var changed = false
        for (k, (_, rows, _)) in traces.enumerated() {
            let alone = try await ReplayDriver(configuration: c, engine: try engine(c), source: ClosureRequestSource(rows: rows)).run()
            let fleetRun = together.results[k]
            XCTAssertEqual(fleetRun.summaryFields.map { $0.1 ?? .nan }.map(\.bitPattern),
                           alone.summaryFields.map { $0.1 ?? .nan }.map(\.bitPattern), "deployment \(k): same numbers")
            XCTAssertEqual(fleetRun.events, alone.events)
            XCTAssertEqual(fleetRun.intervals, alone.intervals)
            XCTAssertEqual(fleetRun.decisions, alone.decisions)
            changed = changed || fleetRun.intervals != plain.results[k].intervals
        }
        XCTAssertTrue(changed, "feedback and the hold change the fleet's decisions")
    }

    func testTheBudgetHoldsAtEveryInterval() async throws {
        let free = try await fleet(traces)
        let budget = 6
        XCTAssertGreaterThan(free.peakGrantedGPUs, budget, "the deployments want more than the budget: \(free.grantedGPUs)")
        let tight = try await fleet(traces, maxTotalGPUs: budget)
        XCTAssertFalse(tight.grantedGPUs.isEmpty)
        for (k, g) in tight.grantedGPUs.enumerated() { XCTAssertLessThanOrEqual(g, budget, "interval \(k): \(tight.grantedGPUs)") }
        XCTAssertGreaterThan(tight.budgetLimitedDecisions, 0)
        XCTAssertEqual(tight.completed, tight.requests, "scale-downs drain: nothing is lost")
        XCTAssertLessThan(tight.gpuHours, free.gpuHours)
    }

    func testTheHeavierDeploymentIsServedBetterUnderContention() async throws {
        // Two copies of one trace at the same time, weights 4 and 1, GPUs for about one of them.
        let load = rows(rate: 30, seconds: 600, isl: 3000)
        let free = try await fleet([("heavy", load, 4), ("light", load, 1)])
        XCTAssertEqual(attainment(free.results[0]), attainment(free.results[1]), "alike without contention")
        let tight = try await fleet([("heavy", load, 4), ("light", load, 1)], maxTotalGPUs: 6)
        let heavy = attainment(tight.results[0]), light = attainment(tight.results[1])
        XCTAssertGreaterThan(heavy, light + 0.05, "heavy \(heavy), light \(light)")
        // Over the intervals both run, the heavier one holds more of the pool.
        let shared = min(tight.results[0].intervals.count, tight.results[1].intervals.count)
        let held = tight.results.map { r in GrantedGPUs.requested(r).prefix(shared).reduce(0, +) }
        XCTAssertGreaterThan(held[0], held[1], "GPU-intervals granted: \(held)")
        for g in tight.grantedGPUs { XCTAssertLessThanOrEqual(g, 6) }
    }
}
