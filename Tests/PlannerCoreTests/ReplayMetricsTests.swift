import PlannerNumerics
import XCTest
@testable import PlannerCore

/// The replay's metric maths: per-request judgments, the frontend's interval
/// means (what Prometheus would give the planner), the histogram percentiles'
/// error bound, and the summary's GPU-hours and attainment.
final class ReplayMetricsTests: XCTestCase {
    /// A finished request as the simulator reports it (seconds; mean ITL in ms), judged against the SLA.
    private func record(id: Int64 = 0, arrival: Double, first: Double, finish: Double, isl: Int = 100, osl: Int,
                        itl: Double, ttft sla: Double = 1, itlSLA: Double = 1) -> ReplayRequestRecord {
        ReplayRequestRecord(id: id, arrival: arrival, firstToken: first, finish: finish, isl: isl, osl: osl, cachedTokens: 0,
                            preemptions: 0, queueTime: 0.01, meanITLms: itl, ttftSLAMilliseconds: sla,
                            itlSLAMilliseconds: itlSLA)
    }

    func testRequestRecordTimesAndSLAJudgments() {
        // 10 output tokens: 9 gaps over 0.9 s → 100 ms each.
        let r = record(arrival: 1, first: 1.25, finish: 2.15, osl: 10, itl: 100, ttft: 300, itlSLA: 90)
        XCTAssertEqual(r.ttftMilliseconds, 250, accuracy: 1e-9)
        XCTAssertEqual(r.e2eMilliseconds, 1150, accuracy: 1e-9)
        XCTAssertEqual(r.tpotMilliseconds ?? 0, 100, accuracy: 1e-9)
        XCTAssertEqual(r.queueMilliseconds, 10, accuracy: 1e-12)
        XCTAssertTrue(r.metTTFT)
        XCTAssertFalse(r.metITL)
        XCTAssertFalse(r.metBoth)
        // One output token: no ITL, which cannot miss its SLA.
        let single = record(arrival: 0, first: 0.5, finish: 0.5, osl: 1, itl: 0, ttft: 400, itlSLA: 10)
        XCTAssertNil(single.itlMilliseconds)
        XCTAssertNil(single.tpotMilliseconds)
        XCTAssertFalse(single.metTTFT)
        XCTAssertTrue(single.metITL)
    }

    func testFrontendMetricsAreIntervalMeansWithTokenWeightedITL() {
        let m = ReplayFrontendMetrics()
        let a = record(arrival: 0, first: 0.1, finish: 0.1 + 0.01 * 3, osl: 4, itl: 10)
        let b = record(arrival: 0, first: 0.3, finish: 0.3 + 0.03 * 1, isl: 300, osl: 2, itl: 30)
        m.record(a)
        m.record(b)
        let o = m.takeInterval()
        XCTAssertEqual(o.requestCount, 2)
        XCTAssertEqual(o.ttftMilliseconds ?? 0, 200, accuracy: 1e-9)
        // 3 gaps of 10 ms and 1 of 30 ms: (30 + 30) / 4 = 15 ms, not the per-request mean 20 ms.
        XCTAssertEqual(o.itlMilliseconds ?? 0, 15, accuracy: 1e-9)
        XCTAssertEqual(o.isl ?? 0, 200, accuracy: 1e-12)
        XCTAssertEqual(o.osl ?? 0, 3, accuracy: 1e-12)
        XCTAssertEqual(o.requestDurationSeconds ?? 0, (0.13 + 0.33) / 2, accuracy: 1e-12)
        XCTAssertTrue(o.isValid)
        // The next interval starts empty: count 0 and NaN means, as Prometheus' 0/0.
        let empty = m.takeInterval()
        XCTAssertEqual(empty.requestCount, 0)
        XCTAssertTrue(empty.ttftMilliseconds?.isNaN ?? false)
        XCTAssertFalse(empty.isValid)
    }

    func testHistogramPercentilesStayWithinTheStatedBoundOfTheExactOnes() {
        var d = LatencyDistribution()
        var values: [Double] = []
        var state: UInt64 = 12345
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = Double(state >> 11) / Double(1 << 53)
            let v = 0.5 + 3000 * u * u * u   // skewed, 0.5 ms to 3 s
            values.append(v)
            d.record(v)
        }
        XCTAssertEqual(d.count, 20_000)
        XCTAssertEqual(d.mean ?? 0, values.reduce(0, +) / 20_000, accuracy: 1e-9)
        XCTAssertEqual(d.minimum, values.min())
        XCTAssertEqual(d.maximum, values.max())
        for p in [50.0, 75, 90, 95, 99, 99.9] {
            let exact = ExactPercentile.value(values, p)!
            let h = d.percentile(p)!
            XCTAssertLessThanOrEqual(abs(h - exact) / exact, 0.001 + 1e-6 / exact, "p\(p): \(h) vs exact \(exact)")
        }
    }

    func testWeightedRecordsCountOncePerWeight() {
        var d = LatencyDistribution()
        d.record(10, weight: 3)
        d.record(40, weight: 1)
        XCTAssertEqual(d.count, 4)
        XCTAssertEqual(d.mean ?? 0, 17.5, accuracy: 1e-12)
        XCTAssertEqual(d.percentile(50) ?? 0, 10, accuracy: 0.01)
        XCTAssertEqual(d.percentile(99) ?? 0, 40, accuracy: 0.04)
        d.record(.nan)
        d.record(-1)
        d.record(.infinity)
        d.record(5, weight: 0)
        XCTAssertEqual(d.count, 4, "non-finite, negative and weightless samples are ignored")
        XCTAssertNil(LatencyDistribution().percentile(50))
    }

    func testExactPercentileIsTheSampleAtTheRoundedIndex() {
        let v: [Double] = [5, 1, 4, 2, 3]
        XCTAssertEqual(ExactPercentile.value(v, 50), 3)
        XCTAssertEqual(ExactPercentile.value(v, 90), 5)
        XCTAssertEqual(ExactPercentile.value(v, 0), 1)
        XCTAssertEqual(ExactPercentile.value(v, 1e300), 5)
        XCTAssertEqual(ExactPercentile.value(v, -.infinity), 1)
        XCTAssertNil(ExactPercentile.value([], 50))
        // round((n − 1) p/100): n = 4, p = 50 → index round(1.5) = 2 (half away from zero, as the mocker).
        XCTAssertEqual(ExactPercentile.value([10, 20, 30, 40], 50), 30)
    }

    func testSummaryAttainmentGoodputAndGPUHours() {
        var settings = PlannerSettings()
        settings.ttftMilliseconds = 300
        settings.itlMilliseconds = 50
        settings.prefillEngineGPUs = 2
        settings.decodeEngineGPUs = 4
        let config = ReplayConfiguration(planner: settings, predictor: nil, mode: .disagg, perfModel: .mocker,
                                         prefillWorkers: 1, decodeWorkers: 1, maxSimTimeSeconds: 100,
                                         simulator: ReplaySimulatorSettings())
        var acc = ReplaySummaryAccumulator()
        let ttft = [100.0, 200, 400, 500]
        let itl = [10.0, 60, 20, 70]
        for k in 0..<4 {
            acc.add(record(id: Int64(k), arrival: Double(k), first: Double(k) + ttft[k] / 1000, finish: Double(k) + 2, osl: 5,
                           itl: itl[k], ttft: 300, itlSLA: 50))
        }
        let result = ReplayResult(configuration: config, summary: acc, intervals: ReplayIntervalSeries(), events: [], stop: nil,
                                  requests: 4, durationSeconds: 5, workerSeconds: [.prefill: 3600, .decode: 1800],
                                  peakWorkers: [.prefill: 1, .decode: 1], decisions: 0, undecidedIntervals: 0,
                                  wallTimeMilliseconds: 1)
        let f = Dictionary(result.summaryFields, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(f["sla_attainment"]!!, 0.25)     // only request 0 meets both
        XCTAssertEqual(f["ttft_attainment"]!!, 0.5)
        XCTAssertEqual(f["itl_attainment"]!!, 0.5)
        XCTAssertEqual(f["goodput_completed_requests"]!!, 1)
        XCTAssertEqual(f["goodput_request_throughput_rps"]!!, 0.2)
        XCTAssertEqual(result.gpuHours, (3600 * 2 + 1800 * 4) / 3600.0, accuracy: 1e-12)
        XCTAssertEqual(f["mean_decode_workers"]!!, 360)
        // ITL is weighted by the 4 gaps of each request, TPOT by request: equal weights here.
        XCTAssertEqual(f["mean_itl_ms"]!!, 40, accuracy: 1e-9)
        XCTAssertEqual(f["mean_ttft_ms"]!!, 300, accuracy: 1e-9)
    }
}
