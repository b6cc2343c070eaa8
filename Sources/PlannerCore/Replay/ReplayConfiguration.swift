import PlannerNumerics

/// Which timing model the simulated workers use (`--perf-model`).
public enum ReplayPerfModelKind: String, CaseIterable, Sendable {
    /// The deployment's profile (the planner's NPZ/JSON), through the interpolators.
    case profile
    /// Dynamo 1.6.1 mocker's default polynomial model.
    case mocker
}

/// Serving layout of the simulated deployment (`--mode`).
public enum ReplayServingMode: String, CaseIterable, Sendable {
    /// One pool of workers that prefill and decode.
    case agg
    /// A prefill pool, a KV transfer, a decode pool.
    case disagg

    /// The planner mode that sizes this layout. Aggregated workers are the decode
    /// component (as in Dynamo's aggregated graphs), so the planner sizes them from
    /// the decode side.
    public var plannerMode: PlannerMode { self == .agg ? .decode : .disagg }

    /// The simulator's name for the layout.
    public var simulatorMode: ReplayMode { self == .agg ? .aggregated : .disaggregated }
}

extension ReplayRouting {
    /// The name `--routing` takes and the JSON's `"config"` shows.
    public var name: String { self == .roundRobin ? "round-robin" : "least-loaded" }

    public init?(name: String) {
        switch name {
        case "round-robin": self = .roundRobin
        case "least-loaded": self = .leastLoaded
        default: return nil
        }
    }
}

/// Every setting of one replay (`planner replay`); the JSON's `"config"` lists them.
public struct ReplayConfiguration: Sendable {
    /// The planner's settings: SLA, interval, budget, GPUs per engine, correction.
    /// With the planner off only the SLA, the interval (of the series) and the GPUs count.
    public var planner: PlannerSettings
    /// The load predictor of the planner; nil with `--no-planner`.
    public var predictor: LoadPredictorConfiguration?
    public var mode: ReplayServingMode
    public var perfModel: ReplayPerfModelKind
    /// Workers at t = 0 (fixed with `--no-planner`). Aggregated mode uses `decodeWorkers`.
    public var prefillWorkers: Int
    public var decodeWorkers: Int
    /// Simulated seconds after which the replay stops with a partial report.
    public var maxSimTimeSeconds: Double
    /// The simulator's own settings (engines, routing, startup time, KV transfer, seed).
    public var simulator: ReplaySimulatorSettings
    /// The load-based mode on top of the planner (docs/planning.md); nil: off.
    public var loadBased: LoadBasedSettings?

    public init(planner: PlannerSettings, predictor: LoadPredictorConfiguration?, mode: ReplayServingMode,
                perfModel: ReplayPerfModelKind, prefillWorkers: Int, decodeWorkers: Int,
                maxSimTimeSeconds: Double, simulator: ReplaySimulatorSettings) {
        self.planner = planner
        self.predictor = predictor
        self.mode = mode
        self.perfModel = perfModel
        self.prefillWorkers = prefillWorkers
        self.decodeWorkers = decodeWorkers
        self.maxSimTimeSeconds = maxSimTimeSeconds
        self.simulator = simulator
    }

    public var plannerEnabled: Bool { predictor != nil }

    /// Most adjustment intervals one replay may span.
    public static let maxIntervals = 5_000_000.0

    /// The pools this layout runs, with the planner component each stands for.
    public var pools: [(pool: ReplayPool, component: ComponentType)] {
        mode == .agg ? [(.aggregated, .decode)] : [(.prefill, .prefill), (.decode, .decode)]
    }

    /// GPUs one worker of `component` holds.
    public func gpusPerWorker(_ component: ComponentType) -> Int {
        component == .prefill ? planner.prefillEngineGPUs : planner.decodeEngineGPUs
    }

    /// The KV cache of one worker, in tokens, of the pool with the smallest (every prompt must fit it).
    public var smallestKVCache: (pool: String, tokens: Int) {
        func tokens(_ e: ReplayEngineSettings) -> Int {
            let (product, overflow) = e.numGpuBlocks.multipliedReportingOverflow(by: e.blockSize)
            return overflow ? Int.max : product
        }
        if mode == .agg { return ("aggregated", tokens(simulator.prefillEngine)) }
        let p = tokens(simulator.prefillEngine), d = tokens(simulator.decodeEngine)
        return p <= d ? ("prefill", p) : ("decode", d)
    }

    /// Refuses what no replay can run, with the flag to change. Engine limits
    /// (blocks, prompt larger than the cache) are the simulator's to check.
    public func validate() throws {
        try planner.validate()
        try loadBased?.validate()
        func refuse(_ flag: String, _ message: String) -> PlannerSettingsError {
            PlannerSettingsError(setting: flag, message: message)
        }
        if !plannerEnabled {
            if mode == .agg, decodeWorkers <= 0 {
                throw refuse("--num-workers", "must be at least 1 with --no-planner (got \(decodeWorkers))")
            }
            if mode == .disagg, prefillWorkers <= 0 || decodeWorkers <= 0 {
                throw refuse("--num-prefill-workers/--num-decode-workers",
                             "must both be at least 1 with --no-planner (got \(prefillWorkers) and \(decodeWorkers))")
            }
        }
        if prefillWorkers < 0 || decodeWorkers < 0 {
            throw refuse("--num-prefill-workers/--num-decode-workers", "must be 0 or more")
        }
        if max(prefillWorkers, decodeWorkers) > simulator.maxWorkersPerPool {
            throw refuse("--num-workers", "at most \(simulator.maxWorkersPerPool) workers per pool")
        }
        for (name, e) in [("prefill", simulator.prefillEngine), ("decode", simulator.decodeEngine)] where mode == .disagg || name == "prefill" {
            for (flag, v) in [("--num-gpu-blocks", e.numGpuBlocks), ("--block-size", e.blockSize),
                              ("--max-num-batched-tokens", e.maxNumBatchedTokens), ("--max-num-seqs", e.maxNumSeqs)] where v <= 0 {
                throw refuse(flag, "must be at least 1 (got \(v))")
            }
        }
        if !(maxSimTimeSeconds.isFinite && maxSimTimeSeconds > 0) {
            throw refuse("--max-sim-time", "must be a positive number of seconds (got \(maxSimTimeSeconds))")
        }
        // Each interval is a planner step and a row of the series: keep their number sane.
        if maxSimTimeSeconds / Double(planner.intervalSeconds) > Self.maxIntervals {
            throw refuse("--max-sim-time", "allows more than \(Int(Self.maxIntervals)) intervals of \(planner.intervalSeconds) s; "
                + "lower it or raise --adjustment-interval")
        }
    }
}
