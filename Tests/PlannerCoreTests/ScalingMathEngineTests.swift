import XCTest
@testable import PlannerCore

/// The decision engine's use of the formulas in the live loop: correction
/// factors from observations, corrected decisions, and the shared state.
/// Runs on the linear profile of DryrunTests (TTFT = 10 + 0.03·isl,
/// ITL = 4 + 30·kv, throughput 100 + 2000·kv, max_kv_tokens 100 000).
final class ScalingMathEngineTests: XCTestCase {
    let observed = ObservedMetrics(ttftMilliseconds: 200, itlMilliseconds: 17, requestCount: 600, isl: 3000, osl: 200,
                                   requestDurationSeconds: 10)

    func testCorrectionFactorsFromObservations() throws {
        var s = settings60()
        s.correctionEnabled = true
        let engine = try makeEngine(s)
        let cf = engine.correctionFactors(observed: observed, decodeWorkers: 2)
        // Profile TTFT at 3000 is 100 ms; observed 200 → 2.
        XCTAssertEqual(cf.prefill, 2, accuracy: 1e-9)
        // Concurrency 600 / 2 · 10 / 60 = 50; kv = 50 · 3100 / 100 000 = 1.55 → last cell (kv 1, ITL 34 ms); 17 / 34.
        XCTAssertEqual(cf.decode, 0.5, accuracy: 1e-6)
    }

    func testCorrectionFactorsKeepPreviousWhenUnusable() throws {
        var s = settings60()
        s.correctionEnabled = true
        let engine = try makeEngine(s)
        let previous = CorrectionFactors(prefill: 0.7, decode: 1.3)
        var bad = observed
        bad.itlMilliseconds = .nan
        XCTAssertEqual(engine.correctionFactors(observed: bad, decodeWorkers: 2, previous: previous), previous,
                       "invalid metrics: no update")
        let noDecode = engine.correctionFactors(observed: observed, decodeWorkers: 0, previous: previous)
        XCTAssertEqual(noDecode.decode, 1.3, "zero decode workers: decode factor skipped")
        XCTAssertEqual(noDecode.prefill, 2, accuracy: 1e-9)
        s.correctionEnabled = false
        XCTAssertEqual(try makeEngine(s).correctionFactors(observed: observed, decodeWorkers: 2, previous: previous), .neutral)
    }

    func testCorrectedDecisions() throws {
        let engine = try makeEngine(settings60(budget: -1))
        let load = PredictedLoad(requestCount: 3000, isl: 4000, osl: 500)
        // p_cf above 1 is not applied; below 1 it scales demand: 200 000 · 0.5 / 12 000 = 8.3 → 9.
        XCTAssertEqual(engine.decide(load, corrections: CorrectionFactors(prefill: 3, decode: 1)).prefill, 17)
        XCTAssertEqual(engine.decide(load, corrections: CorrectionFactors(prefill: 0.5, decode: 1)).prefill, 9)
        // d_cf 0.5 relaxes the profile target to 40 ms: every cell qualifies, kv 1 → 2100 tok/s → 25 000 / 2100 → 12.
        XCTAssertEqual(engine.decide(load, corrections: CorrectionFactors(prefill: 1, decode: 0.5)).decode, 12)
        // d_cf 2 tightens it to 10 ms: kv ≤ 0.2 → cell 19 (kv 0.1919) → 483.8 tok/s → 51.7 → 52.
        XCTAssertEqual(engine.decide(load, corrections: CorrectionFactors(prefill: 1, decode: 2)).decode, 52)
        // d_cf ≤ 0 falls back to the SLA itself (22, as uncorrected).
        XCTAssertEqual(engine.decide(load, corrections: CorrectionFactors(prefill: 1, decode: 0)).decode, 22)
    }

    func testTargetsFollowTheMode() {
        let d = ScalingDecision(prefill: 2, decode: 3, requestedPrefill: 2, requestedDecode: 3, budgetLimited: false,
                                decodeSLAInfeasible: false)
        XCTAssertEqual(d.targets(mode: .disagg), [TargetReplica(component: .prefill, replicas: 2),
                                                  TargetReplica(component: .decode, replicas: 3)])
        XCTAssertEqual(d.targets(mode: .decode), [TargetReplica(component: .decode, replicas: 3)])
    }

    func testPlannerStateChargesGPUHours() {
        var s = settings60()
        s.prefillEngineGPUs = 2
        var state = PlannerState(workers: WorkerCounts(prefill: 1, decode: 1), settings: s)
        state.finishInterval(workers: WorkerCounts(prefill: 2, decode: 3), observed: observed, intervalSeconds: 1800)
        state.finishInterval(workers: WorkerCounts(prefill: 1, decode: 0), observed: nil, intervalSeconds: 1800)
        XCTAssertEqual(state.gpuHours.total, (7.0 + 2.0) * 0.5, accuracy: 1e-12)
        XCTAssertEqual(state.intervals, 2)
        XCTAssertNil(state.observed)
    }
}
