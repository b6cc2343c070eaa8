import XCTest
import CNumerics
@testable import PlannerNumerics

/// Hand-checkable scenarios of the request-level simulator. Expected times come from the mocker's
/// polynomials (ReplayPerfModel.mockerPolynomial), each iteration rounded to a microsecond.
final class ReplaySimulatorTests: XCTestCase {
    private func prefillMs(_ t: Double) -> Double { us(16.50142 + 0.01518344 * t + 4.209989e-07 * t * t) }
    private func decodeMs(_ kv: Double, capacity: Double = 16384 * 64) -> Double {
        let u = min(1, kv / capacity)
        return us(max(1, 5.74 + 54.01 * u - 25.74 * u * u))
    }
    private func us(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }

    private func simulator(_ configure: (inout ReplaySimulatorSettings) -> Void = { _ in }) throws -> ReplaySimulator {
        var s = ReplaySimulatorSettings()
        s.maxInflight = 4096
        s.maxHashIDsInFlight = 1 << 16
        s.maxWorkersPerPool = 4
        configure(&s)
        return try ReplaySimulator(settings: s)
    }

    private func drain(_ sim: ReplaySimulator) throws -> [ReplayCompletion] {
        var out: [ReplayCompletion] = []
        XCTAssertTrue(try sim.finish(maxTime: 1e9) { out.append($0) })
        return out.sorted { $0.id < $1.id }
    }

    func testSingleRequestFollowsTheTimingModel() throws {
        let sim = try simulator()
        try sim.setWorkers(.aggregated, 1, initial: true)
        try sim.submit([ReplayArrival(id: 7, arrival: 0, isl: 1000, osl: 5, hashIDs: [1, 2])])
        let done = try drain(sim)
        XCTAssertEqual(done.count, 1)
        let r = done[0]
        // First token at the end of the prefill iteration; then one decode per token at context 1001...1004.
        XCTAssertEqual((r.firstToken - r.arrival) * 1000, prefillMs(1000), accuracy: 1e-9)
        let gaps = (1...4).map { decodeMs(Double(1000 + $0)) }
        XCTAssertEqual(r.meanITLms, gaps.reduce(0, +) / 4, accuracy: 1e-9)
        XCTAssertEqual(sim.tokenGaps().count, 4)
        XCTAssertEqual(sim.tokenGaps().sumMs, gaps.reduce(0, +), accuracy: 1e-9)
        XCTAssertEqual(r.cachedTokens, 0)
        XCTAssertEqual(r.queueTime, 0)
    }

    func testChunkedPrefillSpansIterations() throws {
        let sim = try simulator()
        try sim.setWorkers(.aggregated, 1, initial: true)
        try sim.submit([ReplayArrival(id: 0, arrival: 1, isl: 20000, osl: 2)])
        let r = try drain(sim)[0]
        // 20000 = 8192 + 8192 + 3616 tokens over three iterations.
        XCTAssertEqual((r.firstToken - r.arrival) * 1000, 2 * prefillMs(8192) + prefillMs(3616), accuracy: 1e-9)
        XCTAssertEqual((r.finish - r.firstToken) * 1000, decodeMs(20001), accuracy: 1e-9)
    }

    func testRequestsArrivingTogetherShareAnIteration() throws {
        let sim = try simulator()
        try sim.setWorkers(.aggregated, 1, initial: true)
        try sim.submit([ReplayArrival(id: 0, arrival: 0, isl: 1000, osl: 3),
                        ReplayArrival(id: 1, arrival: 0, isl: 1000, osl: 3)])
        let done = try drain(sim)
        for r in done { XCTAssertEqual(r.firstToken * 1000, prefillMs(2000), accuracy: 1e-9) }
    }

    func testDisaggregatedFirstTokenComesFromTheDecodeWorker() throws {
        let sim = try simulator { $0.mode = .disaggregated }
        try sim.setWorkers(.prefill, 1, initial: true)
        try sim.setWorkers(.decode, 1, initial: true)
        try sim.submit([ReplayArrival(id: 0, arrival: 0, isl: 1000, osl: 5)])
        let r = try drain(sim)[0]
        XCTAssertEqual(r.firstToken * 1000, prefillMs(1000) + decodeMs(1000), accuracy: 1e-9)
        XCTAssertEqual(r.prefillWorker, 0)
        XCTAssertEqual(r.decodeWorker, 0)
    }

    func testKVTransferDelaysTheDecodeSide() throws {
        let sim = try simulator {
            $0.mode = .disaggregated
            $0.kvBytesPerToken = 1e6
            $0.kvBandwidthBytesPerSecond = 1e10   // 1000 tokens → 0.1 s
        }
        try sim.setWorkers(.prefill, 1, initial: true)
        try sim.setWorkers(.decode, 1, initial: true)
        try sim.submit([ReplayArrival(id: 0, arrival: 0, isl: 1000, osl: 2)])
        let r = try drain(sim)[0]
        XCTAssertEqual(r.firstToken * 1000, prefillMs(1000) + 100 + decodeMs(1000), accuracy: 1e-9)
    }

    func testPreemptionWhenKVRunsOutAndEveryRequestStillCompletes() throws {
        // 40 blocks of 16 tokens; four requests growing to 300 tokens (19 blocks) each cannot all fit.
        let sim = try simulator {
            $0.prefillEngine = ReplayEngineSettings(maxNumBatchedTokens: 8192, maxNumSeqs: 256, numGpuBlocks: 40,
                                                    blockSize: 16)
        }
        try sim.setWorkers(.aggregated, 1, initial: true)
        try sim.submit((0..<4).map { ReplayArrival(id: Int64($0), arrival: 0, isl: 100, osl: 200) })
        let done = try drain(sim)
        XCTAssertEqual(done.count, 4)
        XCTAssertTrue(done.allSatisfy { $0.osl == 200 && $0.finish > $0.firstToken })
        XCTAssertGreaterThan(done.map(\.preemptions).reduce(0, +), 0)
        XCTAssertEqual(sim.stats(.aggregated).preemptions, done.map(\.preemptions).reduce(0, +))
        XCTAssertEqual(sim.tokenGaps().count, 4 * 199)
        XCTAssertEqual(sim.stats(.aggregated).kvBlocksUsed, 0)
    }

    func testPrefixReuseLowersTTFTOfARepeatedPrompt() throws {
        let sim = try simulator()
        try sim.setWorkers(.aggregated, 1, initial: true)
        let ids: [UInt64] = Array(100..<108)   // 8 × 512 = 4096 tokens
        try sim.submit([ReplayArrival(id: 0, arrival: 0, isl: 4096, osl: 2, hashIDs: ids),
                        ReplayArrival(id: 1, arrival: 10, isl: 4096, osl: 2, hashIDs: ids)])
        let done = try drain(sim)
        XCTAssertEqual(done[0].cachedTokens, 0)
        // All but the last block is reused: the last token must be computed (4095 / 64 × 64 = 4032).
        XCTAssertEqual(done[1].cachedTokens, 4032)
        XCTAssertEqual((done[1].firstToken - done[1].arrival) * 1000, prefillMs(64), accuracy: 1e-9)
        XCTAssertLessThan(done[1].firstToken - done[1].arrival, done[0].firstToken - done[0].arrival)
    }

    func testPrefixCachingOffReusesNothing() throws {
        let sim = try simulator { $0.prefillEngine.prefixCaching = false }
        try sim.setWorkers(.aggregated, 1, initial: true)
        try sim.submit([ReplayArrival(id: 0, arrival: 0, isl: 4096, osl: 2, hashIDs: Array(0..<8)),
                        ReplayArrival(id: 1, arrival: 10, isl: 4096, osl: 2, hashIDs: Array(0..<8))])
        XCTAssertEqual(try drain(sim).map(\.cachedTokens), [0, 0])
    }

    func testScaleDownDrainsWithoutLosingRequests() throws {
        let sim = try simulator()
        try sim.setWorkers(.aggregated, 2, initial: true)
        let arrivals = (0..<20).map { ReplayArrival(id: Int64($0), arrival: Double($0) * 0.01, isl: 3000, osl: 300) }
        try sim.submit(arrivals)
        var done: [ReplayCompletion] = []
        try sim.run(until: 0.1) { done.append($0) }
        try sim.setWorkers(.aggregated, 1, initial: false)
        XCTAssertEqual(sim.stats(.aggregated).draining, 1)
        XCTAssertEqual(sim.stats(.aggregated).live, 1)
        XCTAssertTrue(try sim.finish(maxTime: 1e6) { done.append($0) })
        XCTAssertEqual(done.count, 20)
        XCTAssertEqual(Set(done.map(\.id)).count, 20)
        XCTAssertEqual(sim.stats(.aggregated).draining, 0)
        // Requests arriving after the scale-down all went to the remaining worker 0.
        XCTAssertTrue(done.filter { $0.arrival > 0.1 }.allSatisfy { $0.decodeWorker == 0 })
    }

    func testStartupDelayIsRespected() throws {
        let sim = try simulator { $0.startupTimeSeconds = 10 }
        try sim.setWorkers(.aggregated, 1, initial: true)
        try sim.setWorkers(.aggregated, 2, initial: false)
        XCTAssertEqual(sim.stats(.aggregated).starting, 1)
        try sim.submit([1.0, 2.0, 11.0, 12.0].enumerated().map {
            ReplayArrival(id: Int64($0.offset), arrival: $0.element, isl: 100, osl: 2)
        })
        let done = try drain(sim)
        XCTAssertEqual(done[0].decodeWorker, 0)
        XCTAssertEqual(done[1].decodeWorker, 0)
        XCTAssertEqual(Set(done[2...].map(\.decodeWorker)), [0, 1])
        // Worker-seconds count the starting worker too: 1 × 12 s + 1 × 12 s and a little.
        XCTAssertGreaterThan(sim.stats(.aggregated).gpuWorkerSeconds, 24)
    }

    func testRequestsWaitForAWorkerToBecomeLive() throws {
        let sim = try simulator { $0.startupTimeSeconds = 5 }
        try sim.setWorkers(.aggregated, 0, initial: true)
        try sim.setWorkers(.aggregated, 1, initial: false)
        try sim.submit([ReplayArrival(id: 0, arrival: 1, isl: 1000, osl: 2)])
        let r = try drain(sim)[0]
        XCTAssertEqual(r.firstToken * 1000, 5000 + prefillMs(1000), accuracy: 1e-6)
        XCTAssertEqual(r.queueTime, 4, accuracy: 1e-9)
    }

    func testBadSettingsAreRefused() throws {
        XCTAssertThrowsError(try simulator { $0.prefillEngine.numGpuBlocks = 0 })
        XCTAssertThrowsError(try simulator { $0.prefillEngine.maxNumSeqs = 0 })
        XCTAssertThrowsError(try simulator { $0.prefillEngine.blockSize = 0 })
        XCTAssertThrowsError(try simulator { $0.maxWorkersPerPool = 0 })
        XCTAssertThrowsError(try simulator {
            $0.perf = .tables(prefillTokens: [1, 1], prefillMs: [1, 2], decodeKv: [1], decodeContext: [1], decodeMs: [1])
        })
        // A prompt larger than the KV cache (4 blocks × 16 tokens) is refused by name.
        let sim = try simulator { $0.prefillEngine.numGpuBlocks = 4; $0.prefillEngine.blockSize = 16 }
        try sim.setWorkers(.aggregated, 1, initial: true)
        XCTAssertThrowsError(try sim.submit([ReplayArrival(id: 42, arrival: 0, isl: 100, osl: 1)])) { error in
            XCTAssertEqual((error as? ReplayRequestError)?.id, 42)
        }
        // Out-of-order arrivals are refused.
        try sim.submit([ReplayArrival(id: 1, arrival: 5, isl: 10, osl: 1)])
        XCTAssertThrowsError(try sim.submit([ReplayArrival(id: 2, arrival: 4, isl: 10, osl: 1)]))
        XCTAssertThrowsError(try sim.setWorkers(.aggregated, 5, initial: false))   // beyond 4 slots
        XCTAssertThrowsError(try sim.setWorkers(.decode, 1, initial: true))        // no decode pool in agg
    }

    func testZeroWorkersNeverFinishButStop() throws {
        let sim = try simulator()
        try sim.setWorkers(.aggregated, 0, initial: true)
        try sim.submit([ReplayArrival(id: 0, arrival: 0, isl: 10, osl: 1)])
        XCTAssertFalse(try sim.finish(maxTime: 100) { _ in })
        XCTAssertEqual(sim.stats(.aggregated).waitingRequests, 1)
    }

    func testFullInflightCapacityAcceptsFewer() throws {
        let sim = try simulator { $0.maxInflight = 3 }
        try sim.setWorkers(.aggregated, 1, initial: true)
        let arrivals = (0..<5).map { ReplayArrival(id: Int64($0), arrival: Double($0), isl: 10, osl: 1) }
        XCTAssertEqual(try sim.submit(arrivals), 3)
        var done: [ReplayCompletion] = []
        try sim.run(until: 2.5) { done.append($0) }
        XCTAssertEqual(try sim.submit(arrivals[3...]), 2)
        XCTAssertTrue(try sim.finish(maxTime: 100) { done.append($0) })
        XCTAssertEqual(done.map(\.id), [0, 1, 2, 3, 4])
    }

    func testTableModelInterpolates() throws {
        let sim = try simulator {
            $0.perf = .tables(prefillTokens: [0, 10000], prefillMs: [10, 110], decodeKv: [0, 100000],
                              decodeContext: [0, 100000], decodeMs: [5, 5, 15, 15])
        }
        try sim.setWorkers(.aggregated, 1, initial: true)
        try sim.submit([ReplayArrival(id: 0, arrival: 0, isl: 5000, osl: 2)])
        let r = try drain(sim)[0]
        XCTAssertEqual(r.firstToken * 1000, 60, accuracy: 1e-9)           // 10 + 5000 / 100
        XCTAssertEqual(r.meanITLms, 5 + 10 * 5001 / 100000.0, accuracy: 1e-3)
    }

    func testSameInputsGiveTheSameOutputs() throws {
        func once() throws -> [ReplayCompletion] {
            let sim = try simulator { $0.routing = .leastLoaded }
            try sim.setWorkers(.aggregated, 3, initial: true)
            var x: UInt64 = 12345
            func next() -> Int { x = x &* 6364136223846793005 &+ 1442695040888963407; return Int(x >> 40) }
            let arrivals = (0..<300).map { i -> ReplayArrival in
                ReplayArrival(id: Int64(i), arrival: Double(i) * 0.05, isl: 200 + next() % 6000,
                              osl: 1 + next() % 400, hashIDs: [UInt64(next() % 5)] + (0..<4).map { _ in UInt64(next()) })
            }
            try sim.submit(arrivals)
            return try drain(sim)
        }
        let a = try once(), b = try once()
        XCTAssertEqual(a.count, 300)
        XCTAssertEqual(a, b)
    }

    /// A worker started at the end of an instant can mark others (or itself) to start again in the same
    /// pass; with every worker slot in use that list outgrew its 2 · slots storage and wrote past it (a crash
    /// or silently different results, e.g. `planner replay --no-planner --num-prefill-workers 3
    /// --num-decode-workers 1`). Slots nobody uses must not change a result.
    func testFullPoolsGiveTheSameResultAsSpareWorkerSlots() throws {
        func once(slots: Int, prefill: Int, decode: Int) throws -> [ReplayCompletion] {
            let sim = try simulator {
                $0.mode = .disaggregated
                $0.maxWorkersPerPool = slots
                $0.perf = .tables(prefillTokens: [1, 16384], prefillMs: [5, 1500], decodeKv: [0, 100000],
                                  decodeContext: [1, 16384], decodeMs: [5, 8, 10, 20])
                $0.prefillEngine.numGpuBlocks = 7500
                $0.decodeEngine.numGpuBlocks = 7500
            }
            try sim.setWorkers(.prefill, prefill, initial: true)
            try sim.setWorkers(.decode, decode, initial: true)
            var x: UInt64 = 12345
            func next() -> Int { x = x &* 6364136223846793005 &+ 1442695040888963407; return Int(x >> 40) }
            try sim.submit((0..<400).map { i in
                ReplayArrival(id: Int64(i), arrival: Double(i) * 0.005, isl: 200 + next() % 12000, osl: 1 + next() % 400,
                              hashIDs: [UInt64(next() % 5)] + (0..<4).map { _ in UInt64(next()) })
            })
            return try drain(sim)
        }
        for (prefill, decode) in [(1, 1), (2, 2), (3, 1)] {
            let full = try once(slots: max(prefill, decode), prefill: prefill, decode: decode)
            XCTAssertEqual(full.count, 400)
            XCTAssertEqual(full, try once(slots: 8, prefill: prefill, decode: decode), "\(prefill) + \(decode) workers")
        }
    }

    func testGapQuantilesMatchTheExactOrderStatisticsClosely() throws {
        let sim = try simulator()
        try sim.setWorkers(.aggregated, 1, initial: true)
        try sim.submit([ReplayArrival(id: 0, arrival: 0, isl: 1000, osl: 101)])
        _ = try drain(sim)
        let gaps = (1...100).map { decodeMs(Double(1000 + $0)) }.sorted()
        let q = try sim.tokenGapQuantiles([0, 0.5, 0.9, 1])
        let exact = [gaps[0], (gaps[49] + gaps[50]) / 2, gaps[89] + 0.1 * (gaps[90] - gaps[89]), gaps[99]]
        for (got, want) in zip(q, exact) { XCTAssertEqual(got, want, accuracy: want / 512) }
    }
}
