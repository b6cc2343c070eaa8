import ArgumentParser
import PlannerCore
import PlannerNumerics

extension ReplayServingMode: ExpressibleByArgument {}
extension ReplayPerfModelKind: ExpressibleByArgument {}
extension ReplayRouting: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public var defaultValueDescription: String { name }
    public static var allValueStrings: [String] { ["round-robin", "least-loaded"] }
}

/// The simulated deployment: workers, engines, routing, KV transfer (`planner replay`).
struct ReplayEngineOptions: ParsableArguments {
    @Option(help: "Serving layout: agg (one pool) or disagg (prefill pool, KV transfer, decode pool).")
    var mode: ReplayServingMode = .disagg

    @Option(help: "Worker timing: profile (the --profile-results-dir profile) or mocker (Dynamo 1.6.1 mocker's polynomial).")
    var perfModel: ReplayPerfModelKind = .profile

    @Option(help: "Aggregated workers (fixed with --no-planner, the start otherwise; default 1 with the planner).")
    var numWorkers: Int?

    @Option(help: "Prefill workers (fixed with --no-planner, the start otherwise; default 1 with the planner).")
    var numPrefillWorkers: Int?

    @Option(help: "Decode workers (fixed with --no-planner, the start otherwise; default 1 with the planner).")
    var numDecodeWorkers: Int?

    @Option(help: "Seconds before a scaled-up worker serves.")
    var startupTime: Double = 60

    @Option(help: "Token budget of one engine iteration (default: the mocker's with --perf-model mocker, the same otherwise).")
    var maxNumBatchedTokens: Int?

    @Option(help: "Most sequences an engine runs at once (default: the mocker's).")
    var maxNumSeqs: Int?

    @Option(help: "KV cache blocks per worker (default: the mocker's; with --perf-model profile, the profile's max KV tokens / block size).")
    var numGpuBlocks: Int?

    @Option(help: "Tokens per KV block (default: the mocker's).")
    var blockSize: Int?

    @Flag(help: "Turn off prefix reuse from the trace's hash_ids.")
    var noPrefixCaching = false

    @Flag(help: "Turn off chunked prefill (a prompt must fit one iteration's token budget).")
    var noChunkedPrefill = false

    @Option(help: "Request routing: round-robin (the default, as Dynamo's replay) or least-loaded (fewest queued + running tokens).")
    var routing: ReplayRouting = .roundRobin

    @Option(help: "Disagg: KV cache bytes per prompt token moved from prefill to decode (default 0: instant, as the mocker).")
    var kvBytesPerToken: Double?

    @Option(help: "Disagg: KV transfer bandwidth in GB/s (needed with --kv-bytes-per-token).")
    var kvTransferBandwidth: Double?

    static let maxWorkers = 4096
    static let maxEngineCount = 1 << 40

    func validate() throws {
        for (flag, value) in [("--num-workers", numWorkers), ("--num-prefill-workers", numPrefillWorkers),
                              ("--num-decode-workers", numDecodeWorkers)] {
            if let value, !(0...Self.maxWorkers).contains(value) {
                throw ValidationError("\(flag) must be between 0 and \(Self.maxWorkers) (got \(value))")
            }
        }
        if mode == .agg, numPrefillWorkers != nil || numDecodeWorkers != nil {
            throw ValidationError("--num-prefill-workers/--num-decode-workers are for --mode disagg; use --num-workers with --mode agg")
        }
        if mode == .disagg, numWorkers != nil {
            throw ValidationError("--num-workers is for --mode agg; use --num-prefill-workers and --num-decode-workers with --mode disagg")
        }
        guard startupTime.isFinite, (0...86_400).contains(startupTime) else {
            throw ValidationError("--startup-time must be between 0 and 86400 s (got \(startupTime))")
        }
        for (flag, value) in [("--max-num-batched-tokens", maxNumBatchedTokens), ("--max-num-seqs", maxNumSeqs),
                              ("--num-gpu-blocks", numGpuBlocks), ("--block-size", blockSize)] {
            if let value, !(1...Self.maxEngineCount).contains(value) {
                throw ValidationError("\(flag) must be between 1 and \(Self.maxEngineCount) (got \(value))")
            }
        }
        if let v = kvBytesPerToken, !(v.isFinite && v >= 0 && v <= 1e12) {
            throw ValidationError("--kv-bytes-per-token must be a finite number of bytes, 0 or more (got \(v))")
        }
        if let v = kvTransferBandwidth, !(v.isFinite && v > 0 && v <= 1e9) {
            throw ValidationError("--kv-transfer-bandwidth must be a positive number of GB/s (got \(v))")
        }
        if (kvBytesPerToken ?? 0) > 0, kvTransferBandwidth == nil {
            throw ValidationError("--kv-bytes-per-token needs --kv-transfer-bandwidth (GB/s) to time the transfer")
        }
    }

    /// Engine settings: the mocker's defaults, overridden by the flags given.
    func engine(_ pool: ReplayPool, profileKVTokens: Int?) -> ReplayEngineSettings {
        var e = ReplayEngineSettings.mockerDefaults(for: pool)
        if let v = blockSize { e.blockSize = v }
        if let kv = profileKVTokens, numGpuBlocks == nil { e.numGpuBlocks = max(1, kv / e.blockSize) }
        if let v = maxNumBatchedTokens { e.maxNumBatchedTokens = v }
        if let v = maxNumSeqs { e.maxNumSeqs = v }
        if let v = numGpuBlocks { e.numGpuBlocks = v }
        if noPrefixCaching { e.prefixCaching = false }
        if noChunkedPrefill { e.chunkedPrefill = false }
        return e
    }
}
