import XCTest
@testable import PlannerNumerics

/// The disaggregated handoff (a prefill worker holds the prompt's KV until the decode worker reserves it at
/// one of its boundaries) and the fast-forward of decode iterations (which must not change any output).
final class ReplayHandoffTests: XCTestCase {
    private func us(_ ms: Double) -> Double { (ms * 1000).rounded() / 1000 }
    private func prefillMs(_ t: Double) -> Double { us(16.50142 + 0.01518344 * t + 4.209989e-07 * t * t) }
    private func decodeMs(_ kv: Double, capacity: Double) -> Double {
        let u = min(1, kv / capacity)
        return us(max(1, 5.74 + 54.01 * u - 25.74 * u * u))
    }

    func testPrefillWorkerHoldsTheKVUntilTheDecodeWorkerCanReserveIt() throws {
        // Decode worker: 40 blocks of 64 tokens. A (1000 tokens, 16 blocks) reserves at once; B (1700 tokens,
        // 27 blocks) does not fit beside A and waits, its KV held by the prefill worker, until A finishes.
        var s = ReplaySimulatorSettings()
        s.mode = .disaggregated
        s.maxInflight = 64
        s.maxWorkersPerPool = 2
        s.decodeEngine = ReplayEngineSettings(maxNumBatchedTokens: 8192, maxNumSeqs: 256, numGpuBlocks: 40, blockSize: 64)
        let sim = try ReplaySimulator(settings: s)
        try sim.setWorkers(.prefill, 1, initial: true)
        try sim.setWorkers(.decode, 1, initial: true)
        XCTAssertEqual(try sim.submit([ReplayArrival(id: 0, arrival: 0, isl: 1000, osl: 1000),
                                       ReplayArrival(id: 1, arrival: 0, isl: 1700, osl: 10)]), 2)
        let held = prefillMs(2700)   // both prompts in one prefill iteration
        var done: [ReplayCompletion] = []
        try sim.run(until: (held + 1000) / 1000) { done.append($0) }
        XCTAssertTrue(done.isEmpty)
        XCTAssertEqual(sim.stats(.prefill).kvBlocksUsed, 27)
        XCTAssertEqual(sim.stats(.prefill).runningRequests, 0)
        XCTAssertEqual(sim.stats(.decode).waitingRequests, 1)
        XCTAssertEqual(sim.stats(.decode).runningRequests, 1)
        XCTAssertTrue(try sim.finish(maxTime: 1e6) { done.append($0) })
        done.sort { $0.id < $1.id }
        XCTAssertEqual(done.count, 2)
        let capacity = 40.0 * 64
        XCTAssertEqual(done[0].firstToken * 1000, held + decodeMs(1000, capacity: capacity), accuracy: 1e-9)
        XCTAssertEqual(done[1].firstToken * 1000, done[0].finish * 1000 + decodeMs(1700, capacity: capacity),
                       accuracy: 1e-9)
        XCTAssertEqual(sim.stats(.prefill).kvBlocksUsed, 0)
        XCTAssertEqual(sim.stats(.decode).kvBlocksUsed, 0)
    }

    func testDrainingPrefillWorkerStaysUntilItsHeldPromptsAreReserved() throws {
        var s = ReplaySimulatorSettings()
        s.mode = .disaggregated
        s.maxInflight = 64
        s.maxWorkersPerPool = 2
        s.decodeEngine = ReplayEngineSettings(maxNumBatchedTokens: 8192, maxNumSeqs: 256, numGpuBlocks: 40, blockSize: 64)
        let sim = try ReplaySimulator(settings: s)
        try sim.setWorkers(.prefill, 1, initial: true)
        try sim.setWorkers(.decode, 1, initial: true)
        _ = try sim.submit((0..<4).map { ReplayArrival(id: Int64($0), arrival: 0, isl: 1700, osl: 300) })
        var done: [ReplayCompletion] = []
        try sim.run(until: 1) { done.append($0) }
        XCTAssertGreaterThan(sim.stats(.prefill).kvBlocksUsed, 0)   // prompts held for the decode worker
        try sim.setWorkers(.prefill, 0, initial: false)
        XCTAssertEqual(sim.stats(.prefill).draining, 1)
        XCTAssertTrue(try sim.finish(maxTime: 1e6) { done.append($0) })
        XCTAssertEqual(done.count, 4)
        XCTAssertEqual(sim.stats(.prefill).draining + sim.stats(.prefill).live, 0)
        XCTAssertEqual(sim.stats(.prefill).kvBlocksUsed, 0)
        XCTAssertEqual(sim.stats(.decode).kvBlocksUsed, 0)
    }

    /// Stopping the clock every few milliseconds (which leaves no room to fast-forward) gives the same
    /// completions, in the same order, and the same token gaps as one run to the end.
    func testRunningInShortStepsGivesTheSameOutputs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        for (trace, mode, blocks) in [("burst", ReplayMode.aggregated, 16384), ("mixed", .disaggregated, 16384),
                                      ("burst", .disaggregated, 512)] {
            let arrivals = try ReplayFidelityTests.readMooncake(
                root.appendingPathComponent("Fixtures/replay/\(trace).jsonl"))
            func replay(step: Double?) throws -> ([ReplayCompletion], ReplayTokenGaps) {
                var s = ReplaySimulatorSettings()
                s.mode = mode
                s.maxInflight = 1024
                s.maxWorkersPerPool = 2
                s.decodeEngine.numGpuBlocks = blocks
                let sim = try ReplaySimulator(settings: s)
                try sim.setWorkers(.primary, mode == .aggregated ? 2 : 1, initial: true)
                if mode == .disaggregated { try sim.setWorkers(.decode, 1, initial: true) }
                XCTAssertEqual(try sim.submit(arrivals), arrivals.count)
                var out: [ReplayCompletion] = []
                if let step {
                    var t = step
                    while out.count < arrivals.count && t < 1e5 {
                        try sim.run(until: t) { out.append($0) }
                        t += step
                    }
                }
                XCTAssertTrue(try sim.finish(maxTime: 1e9) { out.append($0) })
                return (out, sim.tokenGaps())
            }
            let whole = try replay(step: nil), stepped = try replay(step: 0.004)
            XCTAssertEqual(whole.0.count, arrivals.count, trace)
            XCTAssertEqual(whole.0, stepped.0, "\(trace) \(mode)")
            XCTAssertEqual(whole.1, stepped.1, "\(trace) \(mode)")
        }
    }
}
