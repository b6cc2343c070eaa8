import Foundation
import XCTest
import PlannerNumerics
@testable import PlannerCore

/// The project's planning additions inside the replay: the oracle's interval grid
/// and the load-based mode reacting between the planner's intervals.
final class ReplayPlanningTests: XCTestCase {
    private func rows(_ times: [Double], isl: Int = 3000, osl: Int = 200) -> [ReplayTraceRow] {
        times.enumerated().map { i, t in
            ReplayTraceRow(arrivalSeconds: t, inputLength: isl + i % 7, outputLength: osl, hashIDs: nil, location: "t:\(i + 1)")
        }
    }

    /// Intervals start at the first arrival (as the driver's), empty ones are zeros.
    func testOracleIntervalsFollowTheReplayGrid() throws {
        let r = rows([100, 105, 159.9, 160, 290])
        let intervals = try ReplayOracle.intervals(ClosureRequestSource(rows: r), intervalSeconds: 60)
        XCTAssertEqual(intervals.map(\.requestCount), [3, 1, 0, 1])
        XCTAssertEqual(intervals[0].averageISL, Double(3000 + 3000 + 1 + 3000 + 2) / 3, accuracy: 1e-12)
        XCTAssertEqual(intervals[2].averageOSL, 0)
    }

    private func configuration(loadBased: Bool) -> ReplayConfiguration {
        var planner = PlannerSettings()
        planner.intervalSeconds = 60
        planner.maxGPUBudget = -1
        planner.ttftMilliseconds = 600
        planner.itlMilliseconds = 20
        var sim = ReplaySimulatorSettings()
        sim.mode = ReplayServingMode.disagg.simulatorMode
        sim.perf = .mockerPolynomial
        sim.startupTimeSeconds = 5
        sim.maxWorkersPerPool = 16
        var c = ReplayConfiguration(planner: planner, predictor: nil, mode: .disagg, perfModel: .mocker, prefillWorkers: 1,
                                    decodeWorkers: 1, maxSimTimeSeconds: 1e6, simulator: sim)
        var p = LoadPredictorConfiguration()
        p.kind = .constant
        c.predictor = p
        if loadBased {
            var l = LoadBasedSettings()
            l.tickSeconds = 5
            l.minDwellSeconds = 30
            c.loadBased = l
        }
        return c
    }

    private func replay(_ c: ReplayConfiguration, _ r: [ReplayTraceRow]) async throws -> ReplayResult {
        let profile = try InterpolationFixtures.profile("Tests/Fixtures/profiles/h100_qwen32b_tp2")
        let engine = try PlannerDecisionEngine(settings: c.planner, profile: profile, predictor: c.predictor!)
        return try await ReplayDriver(configuration: c, engine: engine, source: ClosureRequestSource(rows: r)).run()
    }

    /// A quiet minute, then a burst far above one prefill worker: the planner only
    /// sees it at the next 60 s boundary; the load-based mode adds prefill workers at
    /// its 5 s ticks before that, and never lets the pool go below the planner's answer.
    func testLoadBasedModeReactsBetweenIntervals() async throws {
        var times = (0..<30).map { Double($0) * 2 }                    // 0.5 rps for a minute
        times += (0..<1200).map { 61 + Double($0) * 0.05 }             // 20 rps from t = 61 s
        let trace = rows(times, isl: 6000)
        let plain = try await replay(configuration(loadBased: false), trace)
        let reactive = try await replay(configuration(loadBased: true), trace)
        XCTAssertFalse(plain.events.contains { $0.timeSeconds.truncatingRemainder(dividingBy: 60) != 0 },
                       "the throughput planner scales on interval boundaries only")
        let early = reactive.events.filter { $0.component == .prefill && $0.to > $0.from && $0.timeSeconds < 120 }
        XCTAssertFalse(early.isEmpty, "load-based scale-up before the 120 s boundary: \(reactive.events)")
        XCTAssert(early.allSatisfy { $0.timeSeconds.truncatingRemainder(dividingBy: 5) == 0 })
        let attained = { (r: ReplayResult) in r.summaryFields.first { $0.0 == "ttft_attainment" }?.1 ?? nil }
        XCTAssertGreaterThanOrEqual(attained(reactive) ?? 0, attained(plain) ?? 1)
        XCTAssertEqual(reactive.summary.completed, trace.count)
    }
}
