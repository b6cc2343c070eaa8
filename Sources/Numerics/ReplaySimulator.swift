// TEMPORARY STUB of the engine helper's ReplaySimulator (its public surface as of the
// engine branch's work in progress), so the command line above it compiles and runs
// before the C core lands. Deleted when the `engine` branch is merged. Its timing is a
// crude FCFS model, not the mocker's.

/// Which pool of simulated workers: aggregated mode has only `.primary`; disaggregated mode sends requests
/// to `.primary` (prefill) and then to `.decode`.
public enum ReplayPool: Int32, Sendable {
    case primary = 0
    case decode = 1
    public static var aggregated: ReplayPool { .primary }
    public static var prefill: ReplayPool { .primary }
}

public enum ReplayMode: Sendable { case aggregated, disaggregated }

/// Where a new request (or a prefilled one, for the decode pool) goes.
public enum ReplayRouting: Sendable {
    /// Live workers in turn (Dynamo's replay default).
    case roundRobin
    /// The live worker with the fewest prompt + output tokens of queued and running requests.
    case leastLoaded
}

/// One worker's engine configuration.
public struct ReplayEngineSettings: Sendable, Equatable {
    public var maxNumBatchedTokens: Int
    public var maxNumSeqs: Int
    public var numGpuBlocks: Int
    public var blockSize: Int
    public var prefixCaching: Bool
    public var chunkedPrefill: Bool

    public init(maxNumBatchedTokens: Int, maxNumSeqs: Int, numGpuBlocks: Int, blockSize: Int,
                prefixCaching: Bool = true, chunkedPrefill: Bool = true) {
        self.maxNumBatchedTokens = maxNumBatchedTokens
        self.maxNumSeqs = maxNumSeqs
        self.numGpuBlocks = numGpuBlocks
        self.blockSize = blockSize
        self.prefixCaching = prefixCaching
        self.chunkedPrefill = chunkedPrefill
    }

    /// Dynamo 1.6.1 mocker defaults (the same for prefill, decode and aggregated workers):
    /// 8192 batched tokens, 256 sequences, 16384 blocks of 64 tokens, prefix caching and chunked prefill on.
    public static func mockerDefaults(for pool: ReplayPool = .primary) -> ReplayEngineSettings {
        ReplayEngineSettings(maxNumBatchedTokens: 8192, maxNumSeqs: 256, numGpuBlocks: 16384, blockSize: 64)
    }
}

/// How long an iteration takes.
public enum ReplayPerfModel: Sendable, Equatable {
    /// Dynamo 1.6.1 mocker's default polynomials: prefill of T new tokens
    /// 16.50142 + 0.01518344 T + 4.209989e-7 T² ms; decode max(1, 5.74 + 54.01 u − 25.74 u²) ms with u the
    /// active KV tokens over the cache's capacity.
    case mockerPolynomial
    /// Tables from a profile: prefill milliseconds against the iteration's new prompt tokens (linear,
    /// extrapolated with the end segments, never below 0); decode milliseconds on a grid of active KV
    /// tokens × context length (row-major, `decodeKv.count` rows), bilinear, axes clamped to the grid, never
    /// below 1 ms. Axes strictly increasing.
    case tables(prefillTokens: [Double], prefillMs: [Double], decodeKv: [Double], decodeContext: [Double],
                decodeMs: [Double])
}

public struct ReplaySimulatorSettings: Sendable {
    public var mode: ReplayMode = .aggregated
    public var perf: ReplayPerfModel = .mockerPolynomial
    public var routing: ReplayRouting = .roundRobin
    /// The aggregated workers, or the prefill workers in disaggregated mode.
    public var prefillEngine = ReplayEngineSettings.mockerDefaults(for: .prefill)
    public var decodeEngine = ReplayEngineSettings.mockerDefaults(for: .decode)
    /// Seconds before a worker added after the start serves.
    public var startupTimeSeconds: Double = 60
    /// Disaggregated KV transfer: prompt tokens × bytes per token ÷ bandwidth. 0 bytes = instant (the mocker).
    public var kvBytesPerToken: Double = 0
    public var kvBandwidthBytesPerSecond: Double = 0
    /// Prompt tokens named by one trace hash id (Mooncake: 512).
    public var traceBlockSize: Int = 512
    /// Worker slots per pool; each holds its KV cache's bookkeeping (about 0.5 MB for 16384 blocks).
    public var maxWorkersPerPool: Int = 16
    /// Requests submitted and not yet returned; `submit` accepts fewer once reached.
    public var maxInflight: Int = 65536
    /// Hash ids held by the in-flight requests together.
    public var maxHashIDsInFlight: Int = 4 << 20
    public var seed: UInt64 = 0

    public init() {}
}

public struct ReplayArrival: Sendable {
    public var id: Int64
    /// Seconds since the trace's start.
    public var arrival: Double
    public var isl: Int
    public var osl: Int
    public var hashIDs: [UInt64]

    public init(id: Int64, arrival: Double, isl: Int, osl: Int, hashIDs: [UInt64] = []) {
        self.id = id
        self.arrival = arrival
        self.isl = isl
        self.osl = osl
        self.hashIDs = hashIDs
    }
}

/// A finished request. Times in seconds; TTFT = `firstToken − arrival` (in disaggregated mode the decode
/// worker's first token, after prefill and transfer, as the mocker reports).
public struct ReplayCompletion: Sendable, Equatable {
    public var id: Int64
    public var arrival: Double
    public var firstToken: Double
    public var finish: Double
    public var isl: Int
    public var osl: Int
    public var cachedTokens: Int
    public var preemptions: Int
    /// Arrival to the first admission into a running batch.
    public var queueTime: Double
    /// (finish − firstToken) / (osl − 1) in ms; 0 for one output token.
    public var meanITLms: Double
    public var prefillWorker: Int
    public var decodeWorker: Int
}

public struct ReplayPoolStats: Sendable, Equatable {
    public var live: Int, starting: Int, draining: Int
    public var waitingRequests: Int, waitingPrefillTokens: Int, runningRequests: Int
    public var kvBlocksUsed: Int, kvBlocksTotal: Int
    /// ∫ (live + starting + draining) dt so far, seconds.
    public var gpuWorkerSeconds: Double
    public var preemptions: Int
}

/// Inter-token gaps of all output tokens so far (the distribution Dynamo's `*_itl_ms` percentiles describe).
public struct ReplayTokenGaps: Sendable, Equatable {
    public var count: Int
    public var sumMs: Double, minMs: Double, maxMs: Double
    public var meanMs: Double { count > 0 ? sumMs / Double(count) : 0 }
}

public struct ReplayRequestError: Error, CustomStringConvertible, Equatable {
    public let id: Int64
    public let status: Int32
    public var description: String {
        "request \(id): prompt plus output needs more KV blocks than a worker has"
    }
}

public final class ReplaySimulator {
    private let settings: ReplaySimulatorSettings
    private struct Worker { var freeAt: Double; var liveAt: Double }
    private var workers: [[Worker]] = [[], []]
    private var pending: [ReplayCompletion] = []
    private var clock = 0.0
    private var workerSeconds = [0.0, 0.0]
    private var gaps = ReplayTokenGaps(count: 0, sumMs: 0, minMs: .infinity, maxMs: 0)

    public init(settings: ReplaySimulatorSettings) throws {
        self.settings = settings
    }

    public func setWorkers(_ pool: ReplayPool, _ n: Int, initial: Bool) throws {
        let p = Int(pool.rawValue)
        while workers[p].count < n {
            workers[p].append(Worker(freeAt: clock, liveAt: initial ? clock : clock + settings.startupTimeSeconds))
        }
        if workers[p].count > n { workers[p].removeLast(workers[p].count - n) }
    }

    @discardableResult
    public func submit<C: Collection>(_ arrivals: C) throws -> Int where C.Element == ReplayArrival {
        var accepted = 0
        for a in arrivals {
            guard pending.count < settings.maxInflight else { return accepted }
            let e = settings.prefillEngine
            if a.isl + a.osl > e.numGpuBlocks * e.blockSize { throw ReplayRequestError(id: a.id, status: -1) }
            place(a)
            accepted += 1
        }
        return accepted
    }

    private func place(_ a: ReplayArrival) {
        let p = 0
        guard !workers[p].isEmpty else {
            pending.append(ReplayCompletion(id: a.id, arrival: a.arrival, firstToken: .infinity, finish: .infinity, isl: a.isl,
                                            osl: a.osl, cachedTokens: 0, preemptions: 0, queueTime: 0, meanITLms: 0,
                                            prefillWorker: 0, decodeWorker: 0))
            return
        }
        func ready(_ w: Worker) -> Double { max(w.freeAt, w.liveAt) }
        var best = 0
        for i in workers[p].indices where ready(workers[p][i]) < ready(workers[p][best]) { best = i }
        let start = max(a.arrival, ready(workers[p][best]))
        let prefill = 0.02 + Double(a.isl) * 0.00005
        workers[p][best].freeAt = start + prefill
        let itl = 0.008 + 0.000001 * Double(a.isl)
        let finish = start + prefill + Double(max(0, a.osl - 1)) * itl
        pending.append(ReplayCompletion(id: a.id, arrival: a.arrival, firstToken: start + prefill, finish: finish, isl: a.isl,
                                        osl: a.osl, cachedTokens: 0, preemptions: 0, queueTime: start - a.arrival,
                                        meanITLms: a.osl > 1 ? itl * 1000 : 0, prefillWorker: best, decodeWorker: best))
    }

    public func run(until t: Double, _ body: (ReplayCompletion) -> Void) throws {
        for p in 0..<2 { workerSeconds[p] += Double(workers[p].count) * max(0, t - clock) }
        clock = max(clock, t)
        pending.sort { ($0.finish, $0.id) < ($1.finish, $1.id) }
        var k = 0
        while k < pending.count, pending[k].finish <= t {
            let c = pending[k]
            if c.osl > 1 {
                gaps.count += c.osl - 1
                gaps.sumMs += c.meanITLms * Double(c.osl - 1)
                gaps.minMs = min(gaps.minMs, c.meanITLms)
                gaps.maxMs = max(gaps.maxMs, c.meanITLms)
            }
            body(c)
            k += 1
        }
        pending.removeFirst(k)
    }

    @discardableResult
    public func finish(maxTime: Double, _ body: (ReplayCompletion) -> Void) throws -> Bool {
        let last = pending.map(\.finish).max() ?? clock
        try run(until: min(maxTime, max(clock, last)), body)
        return pending.isEmpty
    }

    public var now: Double { clock }

    public func stats(_ pool: ReplayPool) -> ReplayPoolStats {
        let p = Int(pool.rawValue)
        let live = workers[p].filter { $0.liveAt <= clock }.count
        let e = p == 0 ? settings.prefillEngine : settings.decodeEngine
        return ReplayPoolStats(live: live, starting: workers[p].count - live, draining: 0, waitingRequests: 0,
                               waitingPrefillTokens: 0, runningRequests: p == 0 ? pending.count : 0, kvBlocksUsed: 0,
                               kvBlocksTotal: e.numGpuBlocks * workers[p].count, gpuWorkerSeconds: workerSeconds[p],
                               preemptions: 0)
    }

    public func tokenGaps() -> ReplayTokenGaps { gaps }

    public func tokenGapQuantiles(_ q: [Double]) throws -> [Double] {
        q.map { _ in gaps.count > 0 ? gaps.sumMs / Double(gaps.count) : 0 }
    }

    public func resetTokenGaps() { gaps = ReplayTokenGaps(count: 0, sumMs: 0, minMs: .infinity, maxMs: 0) }
}
