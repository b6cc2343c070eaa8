import CNumerics

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
    /// Divides every iteration's time (the mocker's `speedup_ratio`).
    public var speedupRatio: Double = 1
    /// Divides decode time further (the mocker's `decode_speedup_ratio`).
    public var decodeSpeedupRatio: Double = 1

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
    /// Worker slots per pool; each reserves its KV cache's bookkeeping (about 2.4 MB of address space for
    /// 16384 blocks; memory is touched only as the worker uses it).
    public var maxWorkersPerPool: Int = 16
    /// Requests submitted and not yet returned; `submit` accepts fewer once reached.
    public var maxInflight: Int = 65536
    /// Hash ids held by the in-flight requests together.
    public var maxHashIDsInFlight: Int = 4 << 20
    public var seed: UInt64 = 0

    public init() {}

    /// The most `maxInflight` the C simulator accepts.
    public static let maxInflightLimit = 1 << 26

    /// `maxInflight` with room for 64 hash ids per request in flight (the defaults' ratio), never less
    /// than the default room.
    public mutating func setInflightCapacity(_ requests: Int) {
        maxInflight = min(max(1, requests), Self.maxInflightLimit)
        maxHashIDsInFlight = max(4 << 20, maxInflight * 64)
    }
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

/// A request `submit` refused: which one and why.
public struct ReplayRequestError: Error, CustomStringConvertible, Equatable {
    public let id: Int64
    public let status: Int32
    public var description: String {
        switch status {
        case CN_ERR_INFEASIBLE.rawValue:
            return "request \(id): prompt plus output needs more KV blocks than a worker has (or, without chunked prefill, more tokens than its batch budget)"
        default:
            return "request \(id): invalid (arrival before the previous one or the clock, isl < 1, or sizes out of range)"
        }
    }
}

/// The request-level serving simulator of the C core (`cn_replay.h`): vLLM-style continuous-batching
/// workers, event-driven. Not thread-safe; one instance per replay.
public final class ReplaySimulator {
    private let workspace: UnsafeMutableRawPointer
    private let sim: OpaquePointer
    private let tables: [UnsafeMutableBufferPointer<Double>]
    private var outBuffer: [cn_replay_done]

    public init(settings: ReplaySimulatorSettings) throws {
        var p = cn_replay_params()
        cn_replay_params_defaults(&p)
        p.mode = settings.mode == .aggregated ? CN_REPLAY_AGG : CN_REPLAY_DISAGG
        p.routing = settings.routing == .roundRobin ? CN_REPLAY_ROUTE_ROUND_ROBIN : CN_REPLAY_ROUTE_LEAST_LOADED
        p.startup_time_s = settings.startupTimeSeconds
        p.kv_bytes_per_token = settings.kvBytesPerToken
        p.kv_transfer_bandwidth_bytes_s = settings.kvBandwidthBytesPerSecond
        p.trace_block_size = Int64(settings.traceBlockSize)
        p.max_workers_per_pool = Int64(settings.maxWorkersPerPool)
        p.max_inflight_requests = Int64(settings.maxInflight)
        p.max_hash_ids_in_flight = Int64(settings.maxHashIDsInFlight)
        p.seed = settings.seed
        var owned: [UnsafeMutableBufferPointer<Double>] = []
        func copy(_ a: [Double]) -> UnsafePointer<Double> {
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, a.count))
            _ = b.initialize(from: a)
            owned.append(b)
            return UnsafePointer(b.baseAddress!)
        }
        func engine(_ s: ReplayEngineSettings, _ e: inout cn_replay_engine_params) {
            e.max_num_batched_tokens = Int64(s.maxNumBatchedTokens)
            e.max_num_seqs = Int64(s.maxNumSeqs)
            e.num_gpu_blocks = Int64(s.numGpuBlocks)
            e.block_size = Int64(s.blockSize)
            e.enable_prefix_caching = s.prefixCaching ? 1 : 0
            e.enable_chunked_prefill = s.chunkedPrefill ? 1 : 0
            e.speedup_ratio = s.speedupRatio
            e.decode_speedup_ratio = s.decodeSpeedupRatio
        }
        engine(settings.prefillEngine, &p.pool.0)
        engine(settings.decodeEngine, &p.pool.1)
        switch settings.perf {
        case .mockerPolynomial:
            p.perf = CN_REPLAY_PERF_POLY
        case let .tables(prefillTokens, prefillMs, decodeKv, decodeContext, decodeMs):
            guard prefillTokens.count == prefillMs.count, !prefillTokens.isEmpty, !decodeKv.isEmpty,
                  !decodeContext.isEmpty, decodeMs.count == decodeKv.count * decodeContext.count else {
                throw NumericsError(routine: "cn_replay_init", status: CN_ERR_ARGUMENT.rawValue)
            }
            p.perf = CN_REPLAY_PERF_TABLE
            let pt = copy(prefillTokens), pm = copy(prefillMs), dk = copy(decodeKv), dc = copy(decodeContext),
                dm = copy(decodeMs)
            for k in 0..<2 {
                withUnsafeMutablePointer(to: &p.pool) { tuple in
                    tuple.withMemoryRebound(to: cn_replay_engine_params.self, capacity: 2) { e in
                        e[k].prefill_tokens = pt; e[k].prefill_ms = pm; e[k].n_prefill = Int64(prefillTokens.count)
                        e[k].decode_kv = dk; e[k].decode_ctx = dc; e[k].decode_ms = dm
                        e[k].n_decode_kv = Int64(decodeKv.count); e[k].n_decode_ctx = Int64(decodeContext.count)
                    }
                }
            }
        }
        var bytes = 0
        let st = cn_replay_workspace_bytes(&p, &bytes)
        guard st == CN_OK.rawValue else {
            owned.forEach { $0.deallocate() }
            throw NumericsError(routine: "cn_replay_workspace_bytes", status: st)
        }
        workspace = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        var handle: OpaquePointer?
        let st2 = cn_replay_init(&handle, &p, workspace, bytes)
        guard st2 == CN_OK.rawValue, let h = handle else {
            workspace.deallocate()
            owned.forEach { $0.deallocate() }
            throw NumericsError(routine: "cn_replay_init", status: st2)
        }
        sim = h
        tables = owned
        outBuffer = Array(repeating: cn_replay_done(), count: 4096)
    }

    deinit {
        workspace.deallocate()
        tables.forEach { $0.deallocate() }
    }

    /// Sets a pool's target worker count. `initial`: live at once (call before running). Later increases
    /// serve after the startup time (draining workers are revived first); decreases cancel starting workers,
    /// then drain the newest live ones, which finish their requests (none is lost).
    public func setWorkers(_ pool: ReplayPool, _ n: Int, initial: Bool) throws {
        try NumericsError.check(cn_replay_set_workers(sim, pool.rawValue, Int64(n), initial ? 1 : 0),
                                "cn_replay_set_workers")
    }

    /// Queues arrivals (non-decreasing arrival times, none before the clock). Returns how many were
    /// accepted: fewer than `arrivals.count` when the in-flight capacity is reached (run on, then submit the
    /// rest). Throws `ReplayRequestError` for a request that is invalid or can never be served.
    @discardableResult
    public func submit<C: Collection>(_ arrivals: C) throws -> Int where C.Element == ReplayArrival {
        var flat: [UInt64] = []
        flat.reserveCapacity(arrivals.reduce(0) { $0 + $1.hashIDs.count })
        for a in arrivals { flat.append(contentsOf: a.hashIDs) }
        let list = Array(arrivals)
        var accepted = 0
        let st: Int32 = flat.withUnsafeBufferPointer { hp in
            var off = 0
            var reqs = list.map { a -> cn_replay_request in
                let ptr = a.hashIDs.isEmpty ? nil : hp.baseAddress.map { $0 + off }
                off += a.hashIDs.count
                return cn_replay_request(id: a.id, arrival_s: a.arrival, isl: Int64(a.isl), osl: Int64(a.osl),
                                         hash_ids: ptr, n_hash: Int64(a.hashIDs.count))
            }
            return reqs.withUnsafeMutableBufferPointer { rp in
                cn_replay_submit(sim, rp.baseAddress, rp.count, &accepted)
            }
        }
        if st == CN_OK.rawValue || st == CN_ERR_FULL.rawValue { return accepted }
        if accepted < list.count && (st == CN_ERR_INFEASIBLE.rawValue || st == CN_ERR_ARGUMENT.rawValue) {
            throw ReplayRequestError(id: list[accepted].id, status: st)
        }
        throw NumericsError(routine: "cn_replay_submit", status: st)
    }

    /// Runs simulated time up to `t` seconds (every arrival ≤ t must have been submitted), handing each
    /// finished request to `body` in completion order.
    public func run(until t: Double, _ body: (ReplayCompletion) -> Void) throws {
        _ = try drive({ cn_replay_run_until(sim, t, $0, $1, $2) }, body, routine: "cn_replay_run_until")
    }

    /// Runs until every submitted request finished (true) or `maxTime` seconds passed (false).
    @discardableResult
    public func finish(maxTime: Double, _ body: (ReplayCompletion) -> Void) throws -> Bool {
        try drive({ cn_replay_finish(sim, maxTime, $0, $1, $2) }, body, routine: "cn_replay_finish")
    }

    private func drive(_ step: (UnsafeMutablePointer<cn_replay_done>?, Int, UnsafeMutablePointer<Int>) -> Int32,
                       _ body: (ReplayCompletion) -> Void, routine: String) throws -> Bool {
        for _ in 0... {
            var n = 0
            let st = outBuffer.withUnsafeMutableBufferPointer { step($0.baseAddress, $0.count, &n) }
            for i in 0..<n { body(Self.completion(outBuffer[i])) }
            if st == CN_MORE_OUTPUT.rawValue { continue }
            if st == CN_ERR_NO_CONVERGENCE.rawValue { return false }
            try NumericsError.check(st, routine)
            return true
        }
        return true
    }

    private static func completion(_ d: cn_replay_done) -> ReplayCompletion {
        ReplayCompletion(id: d.id, arrival: d.arrival_s, firstToken: d.first_token_s, finish: d.finish_s,
                         isl: Int(d.isl), osl: Int(d.osl), cachedTokens: Int(d.cached_tokens),
                         preemptions: Int(d.preemptions), queueTime: d.queue_s, meanITLms: d.mean_itl_ms,
                         prefillWorker: Int(d.prefill_worker), decodeWorker: Int(d.decode_worker))
    }

    /// The simulator's clock, seconds.
    public var now: Double { cn_replay_now(sim) }

    public func stats(_ pool: ReplayPool) -> ReplayPoolStats {
        var o = cn_replay_pool_stats()
        if cn_replay_pool_stats_get(sim, pool.rawValue, &o) != CN_OK.rawValue {
            return ReplayPoolStats(live: 0, starting: 0, draining: 0, waitingRequests: 0, waitingPrefillTokens: 0,
                                   runningRequests: 0, kvBlocksUsed: 0, kvBlocksTotal: 0, gpuWorkerSeconds: 0,
                                   preemptions: 0)
        }
        return ReplayPoolStats(live: Int(o.live), starting: Int(o.starting), draining: Int(o.draining),
                               waitingRequests: Int(o.waiting_requests),
                               waitingPrefillTokens: Int(o.waiting_prefill_tokens),
                               runningRequests: Int(o.running_requests), kvBlocksUsed: Int(o.kv_blocks_used),
                               kvBlocksTotal: Int(o.kv_blocks_total), gpuWorkerSeconds: o.gpu_worker_seconds,
                               preemptions: Int(o.preemptions))
    }

    /// Count, sum and extremes of the inter-token gaps so far (exact).
    public func tokenGaps() -> ReplayTokenGaps {
        var g = cn_replay_gap_summary()
        _ = cn_replay_gaps_summary(sim, &g)
        return ReplayTokenGaps(count: Int(g.count), sumMs: g.sum_ms, minMs: g.min_ms, maxMs: g.max_ms)
    }

    /// Quantiles (each in 0...1) of the inter-token gaps, ms: numpy's linear interpolation over a histogram
    /// whose buckets are 1/512 wide relative to their value (so within 0.1 % of the exact order statistic).
    public func tokenGapQuantiles(_ q: [Double]) throws -> [Double] {
        var out = [Double](repeating: 0, count: q.count)
        let st = q.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { cn_replay_gaps_quantiles(sim, qp.baseAddress, qp.count, $0.baseAddress) }
        }
        try NumericsError.check(st, "cn_replay_gaps_quantiles")
        return out
    }

    /// Forgets the gaps so far (e.g. to measure one interval).
    public func resetTokenGaps() { cn_replay_gaps_reset(sim) }
}
