import XCTest
@testable import PlannerCore

/// Table-driven checks of docs/behaviour.md §5's formulas. Expected counts were computed
/// with tools/ref_planner.py (prefill_replicas, decode_replicas) on
/// stub interpolators returning the tabled throughput.
final class ScalingMathTests: XCTestCase {
    func testPrefillReplicasTable() {
        // (requests, isl, interval s, p_cf, thpt/GPU, GPUs/engine, min_endpoint) → replicas
        let table: [(Double, Double, Int, Double, Double, Int, Int, Int, String)] = [
            (10, 1000, 60, 1, 10000, 1, 1, 1, "low load rounds up to one"),
            (0, 1000, 60, 1, 10000, 1, 1, 1, "no load keeps min_endpoint"),
            (0, 1000, 60, 1, 10000, 1, 0, 0, "no load, min_endpoint 0"),
            (600, 3000, 60, 1, 10000, 1, 1, 3, "exact multiple is not rounded up"),
            (601, 3000, 60, 1, 10000, 1, 1, 4, "just above a multiple rounds up"),
            (600, 3000, 60, 1, 10000, 2, 1, 2, "two GPUs per engine"),
            (600, 3000, 60, 0.5, 10000, 1, 1, 2, "correction factor below 1 lowers demand"),
            (600, 3000, 60, 2, 10000, 1, 1, 3, "correction factor above 1 is capped at 1"),
            (600, 3000, 60, 1, 10000, 1, 5, 5, "min_endpoint floor"),
            (162, 13637.487654320988, 60, 1, 21000.5, 1, 1, 2, "mooncake-like interval"),
            (10000, 8000, 180, 0.9, 15000, 4, 1, 7, "high load, 4 GPUs, p_cf 0.9"),
            (177, 14974.9604519774, 60, 1, 10000.0 / 3, 1, 1, 14, "non-terminating throughput"),
        ]
        for (n, isl, interval, cf, thpt, gpus, minEndpoint, expected, label) in table {
            let got = ScalingMath.prefillReplicas(requestCount: n, isl: isl, intervalSeconds: interval, correctionFactor: cf,
                                                  throughputPerGPU: thpt, engineGPUs: gpus, minEndpoint: minEndpoint)
            XCTAssertEqual(got, expected, label)
        }
    }

    func testPrefillReplicasSurviveBrokenInputs() {
        // A profile whose throughput is 0 or NaN must not trap (Int(inf)) but fall back to min_endpoint.
        for thpt in [0.0, -1, .nan, .infinity] {
            XCTAssertEqual(ScalingMath.prefillReplicas(requestCount: 100, isl: 1000, intervalSeconds: 60,
                                                       throughputPerGPU: thpt, engineGPUs: 1, minEndpoint: 2), 2, "\(thpt)")
        }
        // NaN correction factor counts as 1; NaN/negative demand as 0.
        XCTAssertEqual(ScalingMath.prefillReplicas(requestCount: 600, isl: 3000, intervalSeconds: 60, correctionFactor: .nan,
                                                   throughputPerGPU: 10000, engineGPUs: 1, minEndpoint: 1), 3)
        XCTAssertEqual(ScalingMath.prefillReplicas(requestCount: .nan, isl: 3000, intervalSeconds: 60,
                                                   throughputPerGPU: 10000, engineGPUs: 1, minEndpoint: 1), 1)
        XCTAssertEqual(ScalingMath.prefillReplicas(requestCount: -5, isl: 3000, intervalSeconds: 60,
                                                   throughputPerGPU: 10000, engineGPUs: 1, minEndpoint: 0), 0)
        // Absurd demand saturates instead of overflowing.
        let huge = ScalingMath.prefillReplicas(requestCount: 1e300, isl: 1e300, intervalSeconds: 1,
                                               throughputPerGPU: 1e-300, engineGPUs: 1, minEndpoint: 1)
        XCTAssertEqual(huge, ScalingMath.saturatedCount)
    }

    func testDecodeReplicasTable() {
        // (requests, osl, interval s, best thpt/GPU, GPUs/engine, min_endpoint) → replicas
        let table: [(Double, Double, Int, Double, Int, Int, Int, String)] = [
            (600, 200, 60, 500, 1, 1, 4, "exact multiple"),
            (600, 200, 60, 500, 4, 1, 1, "four GPUs per engine"),
            (0, 200, 60, 500, 1, 1, 1, "no load keeps min_endpoint"),
            (0, 200, 60, 500, 1, 0, 0, "no load, min_endpoint 0"),
            (601, 200, 60, 500, 1, 1, 5, "just above a multiple"),
            (600, 200, 60, 0, 1, 1, 1, "infeasible ITL: no throughput → min_endpoint"),
            (600, 200, 60, 0, 1, 3, 3, "infeasible ITL with min_endpoint 3"),
            (600, 200, 60, -5, 1, 2, 2, "negative throughput → min_endpoint"),
            (1000, 333.3, 180, 123.4, 2, 1, 8, "high load, two GPUs"),
            (5, 7, 60, 1e-3, 1, 1, 584, "tiny per-GPU throughput"),
        ]
        for (n, osl, interval, thpt, gpus, minEndpoint, expected, label) in table {
            let got = ScalingMath.decodeReplicas(requestCount: n, osl: osl, intervalSeconds: interval,
                                                 throughputPerGPU: thpt, engineGPUs: gpus, minEndpoint: minEndpoint)
            XCTAssertEqual(got, expected, label)
        }
    }

    func testCorrectedITL() {
        let table: [(Double, Double, Double)] = [(2, 50, 25), (0.5, 50, 100), (1, 50, 50), (0, 50, 50), (-1, 50, 50), (.nan, 50, 50)]
        for (cf, sla, expected) in table {
            XCTAssertEqual(ScalingMath.correctedITL(slaMilliseconds: sla, correctionFactor: cf), expected, "cf \(cf)")
        }
    }

    func testCorrectionFactors() {
        XCTAssertEqual(ScalingMath.prefillCorrectionFactor(observedTTFTMilliseconds: 120, expectedTTFTMilliseconds: 100)!,
                       1.2, accuracy: 1e-15)
        XCTAssertEqual(ScalingMath.prefillCorrectionFactor(observedTTFTMilliseconds: 40, expectedTTFTMilliseconds: 100)!,
                       0.4, accuracy: 1e-15)
        XCTAssertNil(ScalingMath.prefillCorrectionFactor(observedTTFTMilliseconds: 40, expectedTTFTMilliseconds: 0))
        XCTAssertNil(ScalingMath.prefillCorrectionFactor(observedTTFTMilliseconds: .nan, expectedTTFTMilliseconds: 10))
        XCTAssertEqual(ScalingMath.decodeCorrectionFactor(observedITLMilliseconds: 30, expectedITLMilliseconds: 20)!, 1.5)
        XCTAssertNil(ScalingMath.decodeCorrectionFactor(observedITLMilliseconds: 30, expectedITLMilliseconds: -1))
    }

    func testDecodeConcurrency() {
        // 100 requests over 2 workers, each lasting 3 s of a 60 s interval → 2.5 concurrent per worker.
        XCTAssertEqual(ScalingMath.decodeConcurrency(requestCount: 100, decodeWorkers: 2, requestDurationSeconds: 3,
                                                     intervalSeconds: 60)!, 2.5, accuracy: 1e-15)
        XCTAssertNil(ScalingMath.decodeConcurrency(requestCount: 100, decodeWorkers: 0, requestDurationSeconds: 3,
                                                   intervalSeconds: 60), "zero decode workers: factor skipped")
        XCTAssertEqual(ScalingMath.decodeContextLength(isl: 3000, osl: 150), 3075)
    }

    func testMetricsValidity() {
        let full = ObservedMetrics(ttftMilliseconds: 100, itlMilliseconds: 10, requestCount: 5, isl: 100, osl: 10,
                                   requestDurationSeconds: 1)
        XCTAssertTrue(full.isValid)
        var m = full; m.ttftMilliseconds = nil
        XCTAssertFalse(m.isValid, "missing ttft")
        m = full; m.itlMilliseconds = .nan
        XCTAssertFalse(m.isValid, "NaN itl")
        m = full; m.isl = nil
        XCTAssertFalse(m.isValid, "missing isl")
        m = full; m.osl = .nan
        XCTAssertFalse(m.isValid, "NaN osl")
        m = full; m.requestCount = nil; m.requestDurationSeconds = nil
        XCTAssertTrue(m.isValid, "request count and duration are not part of validity")
    }

    func testGPUHours() {
        XCTAssertEqual(ScalingMath.gpuHours(prefill: 3, decode: 2, prefillEngineGPUs: 2, decodeEngineGPUs: 4,
                                            intervalSeconds: 180), 14.0 * 180 / 3600)
        var meter = GPUHoursMeter(prefillEngineGPUs: 1, decodeEngineGPUs: 2)
        meter.charge(prefill: 1, decode: 1, intervalSeconds: 3600)   // 3 GPU-h
        meter.charge(prefill: 2, decode: 0, intervalSeconds: 1800)   // +1 GPU-h
        XCTAssertEqual(meter.total, 4, accuracy: 1e-12)
    }

    func testSafeThroughput() {
        XCTAssertEqual(ScalingMath.safePrefillThroughput(replicas: 3, expectedTTFTMilliseconds: 400, ttftSLAMilliseconds: 500,
                                                         throughputPerGPU: 1000), 3000)
        XCTAssertEqual(ScalingMath.safePrefillThroughput(replicas: 3, expectedTTFTMilliseconds: 600, ttftSLAMilliseconds: 500,
                                                         throughputPerGPU: 1000), 0, "TTFT over SLA: no safe capacity")
        let ok = BestDecodeThroughput(throughputPerGPU: 250, itlMilliseconds: 18, kvUsage: 0.5, feasible: true)
        let bad = BestDecodeThroughput(throughputPerGPU: 250, itlMilliseconds: 25, kvUsage: 0, feasible: false)
        XCTAssertEqual(ScalingMath.safeDecodeThroughput(replicas: 2, best: ok, itlSLAMilliseconds: 20), 500)
        XCTAssertEqual(ScalingMath.safeDecodeThroughput(replicas: 2, best: bad, itlSLAMilliseconds: 20), 0)
    }
}
