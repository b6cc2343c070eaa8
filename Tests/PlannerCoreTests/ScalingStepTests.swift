import XCTest
@testable import PlannerCore

/// `--max-throughput-scaling-replicas` (Dynamo 1.6's `max_throughput_scaling_replicas`):
/// one decision moves each pool at most N replicas from the running count; the floors
/// and the GPU budget are applied after it and win. No limit reproduces Dynamo 1.0.2.
/// Runs on the linear profile of DryrunTests.
final class ScalingStepTests: XCTestCase {
    func testCappedStepMovesAtMostTheLimitEachWay() {
        XCTAssertEqual(ScalingMath.cappedStep(desired: 10, current: 2, limit: 3), 5, "up by 3")
        XCTAssertEqual(ScalingMath.cappedStep(desired: 0, current: 5, limit: 2), 3, "down by 2")
        XCTAssertEqual(ScalingMath.cappedStep(desired: 4, current: 2, limit: 3), 4, "within the limit: as asked")
        XCTAssertEqual(ScalingMath.cappedStep(desired: 0, current: 1, limit: 8), 0, "never below 0")
        XCTAssertEqual(ScalingMath.cappedStep(desired: 40, current: 2, limit: nil), 40, "no limit: Dynamo 1.0.2")
        XCTAssertEqual(ScalingMath.cappedStep(desired: Int.max, current: Int.max - 1, limit: 5), Int.max, "no overflow")
    }

    func testEngineCapsAgainstTheRunningWorkersThenFloorsAndBudgetWin() throws {
        var s = settings60(budget: -1)
        // 3000 requests of ISL 4000 / OSL 500 per minute: 17 prefill and 22 decode replicas.
        let load = PredictedLoad(requestCount: 3000, isl: 4000, osl: 500)
        let unlimited = try makeEngine(s).decide(load)
        XCTAssertEqual([unlimited.prefill, unlimited.decode], [17, 22])
        s.maxScalingStep = 4
        let engine = try makeEngine(s)
        let capped = engine.capScalingStep(engine.decide(load), workers: WorkerCounts(prefill: 2, decode: 30))
        XCTAssertEqual([capped.prefill, capped.decode], [6, 26], "up 4 from 2, down 4 from 30")
        XCTAssertEqual([capped.requestedPrefill, capped.requestedDecode], [17, 22], "what the SLA asked is kept")

        // The floor wins over the limit: from 1 worker, a floor of 8 is met at once.
        s.prefillMinEndpoint = 8
        let floored = try makeEngine(s)
        let f = floored.capScalingStep(floored.decide(load), workers: WorkerCounts(prefill: 1, decode: 22))
        XCTAssertEqual(f.prefill, 8)

        // The budget wins too: 10 GPUs split after the step (6 + 26 asked) never exceed 10.
        s.prefillMinEndpoint = nil
        s.maxGPUBudget = 10
        let budgeted = try makeEngine(s)
        let b = budgeted.capScalingStep(budgeted.decide(load), workers: WorkerCounts(prefill: 2, decode: 30))
        XCTAssertLessThanOrEqual(b.prefill + b.decode, 10)
        XCTAssertGreaterThanOrEqual(b.prefill, 1)
        XCTAssertGreaterThanOrEqual(b.decode, 1)

        // No limit: the decision is returned as it was.
        let plain = try makeEngine(settings60(budget: -1))
        XCTAssertEqual(plain.capScalingStep(unlimited, workers: WorkerCounts(prefill: 1, decode: 1)), unlimited)
    }

    func testIntervalDecisionAndDryrunStepFromTheRunningCounts() throws {
        var s = settings60(budget: -1)
        s.maxScalingStep = 2
        // Ten intervals of heavy load after a light one: the dryrun climbs 1 → 3 → 5 → … → 17.
        let trace = metrics([(10, 1000, 100)] + Array(repeating: (3000, 4000, 500), count: 10))
        let r = try DryrunLoop.run(intervals: trace, engine: try makeEngine(s), predictor: .constant,
                                   startPrefill: 1, startDecode: 1)
        XCTAssertEqual(Array(r.series.numP.prefix(4)), [1, 1, 3, 5], "interval 1 forecasts the light load; then +2 each")
        for k in 1..<r.series.numP.count {
            XCTAssertLessThanOrEqual(abs(r.series.numP[k] - r.series.numP[k - 1]), 2, "prefill step at \(k)")
            XCTAssertLessThanOrEqual(abs(r.series.numD[k] - r.series.numD[k - 1]), 2, "decode step at \(k)")
        }
        XCTAssertEqual(r.series.numP.last, 17, "it arrives where the SLA asks")

        // The live path: decideInterval caps against the workers it is given.
        let engine = try makeEngine(s)
        var state = PlannerState(workers: WorkerCounts(prefill: 3, decode: 40), settings: s)
        let observed = ObservedMetrics(ttftMilliseconds: 100, itlMilliseconds: 10, requestCount: 3000, isl: 4000, osl: 500,
                                       requestDurationSeconds: 10)
        let d = try XCTUnwrap(engine.decideInterval(observed: observed, workers: WorkerCounts(prefill: 3, decode: 40),
                                                    state: &state))
        XCTAssertEqual([d.decision.prefill, d.decision.decode], [5, 38])
    }
}
