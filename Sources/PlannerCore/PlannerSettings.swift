/// Which components the planner sizes (docs/behaviour.md §5 "Modes").
public enum PlannerMode: String, CaseIterable, Sendable {
    /// Prefill and decode pools, sized together under one GPU budget.
    case disagg
    /// Prefill pool only; decode series stay zero.
    case prefill
    /// Decode pool only; prefill series stay zero.
    case decode

    public var plansPrefill: Bool { self != .decode }
    public var plansDecode: Bool { self != .prefill }
}

/// A planner setting a user can fix: which flag, what was wrong.
public struct PlannerSettingsError: Error, CustomStringConvertible, Equatable {
    public var setting: String
    public var message: String

    public init(setting: String, message: String) {
        self.setting = setting
        self.message = message
    }

    /// "--ttft must be …, got …".
    public var description: String { "\(setting) \(message)" }
}

/// The SLA, budget and engine shape every scaling decision depends on
/// (docs/behaviour.md §5 and §9; defaults are the reference's).
public struct PlannerSettings: Equatable, Sendable {
    /// Seconds between scaling decisions; demand per interval is divided by it.
    public var intervalSeconds: Int = 180
    /// Target time to first token.
    public var ttftMilliseconds: Double = 500
    /// Target inter-token latency.
    public var itlMilliseconds: Double = 50
    /// Most GPUs the planned components may use together; -1 (any negative value) means no limit.
    public var maxGPUBudget: Int = 8
    /// Fewest GPUs the planned components use together (a floor; negative: none).
    /// Equal to `maxGPUBudget`, it pins the total and only the prefill/decode split moves.
    public var minGPUBudget: Int = -1
    /// Fewest replicas of each planned component (unless the budget cannot afford even that).
    public var minEndpoint: Int = 1
    /// Per-component floors replacing `minEndpoint` for that component when set.
    public var prefillMinEndpoint: Int?
    public var decodeMinEndpoint: Int?
    /// Most replicas one decision moves each component from the running count
    /// (Dynamo 1.6's `max_throughput_scaling_replicas`, default 8 there); nil: no limit,
    /// as Dynamo 1.0.2. The floors and the budget win over it.
    public var maxScalingStep: Int?
    public var prefillEngineGPUs: Int = 1
    public var decodeEngineGPUs: Int = 1
    public var mode: PlannerMode = .disagg
    /// Live loop only: scale demand by the observed/profiled latency ratios
    /// (`--no-correction` turns it off; the dryrun never corrects).
    public var correctionEnabled: Bool = true

    public init() {}

    /// Bound on the replica and GPU counts added with Dynamo 1.x's settings, so that
    /// floors times GPUs per engine stay far from overflow.
    public static let largestCount = 1 << 30

    /// True when `maxGPUBudget` limits anything.
    public var hasBudget: Bool { maxGPUBudget >= 0 }

    /// The prefill floor in effect: `prefillMinEndpoint`, else `minEndpoint`.
    public var effectivePrefillMinEndpoint: Int { prefillMinEndpoint ?? minEndpoint }
    /// The decode floor in effect: `decodeMinEndpoint`, else `minEndpoint`.
    public var effectiveDecodeMinEndpoint: Int { decodeMinEndpoint ?? minEndpoint }

    /// Rejects settings outside `PlannerLimits` (each error names its flag). A budget below
    /// `minEndpoint` is not an error (it yields zero replicas and a warning, as the reference).
    public func validate() throws {
        do {
            try PlannerLimits.intervalSeconds.check(intervalSeconds, name: "--adjustment-interval")
            try PlannerLimits.latencyMilliseconds.check(ttftMilliseconds, name: "--ttft")
            try PlannerLimits.latencyMilliseconds.check(itlMilliseconds, name: "--itl")
            try PlannerLimits.gpuBudget.check(maxGPUBudget, name: "--max-gpu-budget")
            try PlannerLimits.replicas.check(minEndpoint, name: "--min-endpoint")
            try PlannerLimits.gpusPerEngine.check(prefillEngineGPUs, name: "--prefill-engine-num-gpu")
            try PlannerLimits.gpusPerEngine.check(decodeEngineGPUs, name: "--decode-engine-num-gpu")
            try PlannerLimits.gpuBudget.check(minGPUBudget, name: "--min-gpu-budget")
            // A per-role floor, when set, is at least one replica (unset means --min-endpoint).
            let roleFloor = IntegerLimits(1...PlannerLimits.replicas.range.upperBound, unit: "replicas")
            if let p = prefillMinEndpoint { try roleFloor.check(p, name: "--prefill-min-endpoint") }
            if let d = decodeMinEndpoint { try roleFloor.check(d, name: "--decode-min-endpoint") }
            if let step = maxScalingStep { try roleFloor.check(step, name: "--max-throughput-scaling-replicas") }
        } catch let e as NumberOutOfRange {
            throw PlannerSettingsError(setting: e.name, message: "must be \(e.expected), got \(e.found)")
        }
        if mode == .prefill, decodeMinEndpoint != nil {
            throw PlannerSettingsError(setting: "--decode-min-endpoint", message: "has no effect in mode prefill; leave it unset")
        }
        if mode == .decode, prefillMinEndpoint != nil {
            throw PlannerSettingsError(setting: "--prefill-min-endpoint", message: "has no effect in mode decode; leave it unset")
        }
        if minGPUBudget >= 0, maxGPUBudget >= 0, minGPUBudget > maxGPUBudget {
            throw PlannerSettingsError(setting: "--min-gpu-budget",
                                       message: "must not exceed --max-gpu-budget (\(minGPUBudget) > \(maxGPUBudget))")
        }
    }

    /// Why the budget cannot afford the minimum replicas of the planned
    /// components, or nil when it can (or there is no budget).
    public var budgetBelowMinimumWarning: String? {
        guard hasBudget else { return nil }
        let minimum = (mode.plansPrefill ? effectivePrefillMinEndpoint.saturatingMultiplied(by: prefillEngineGPUs) : 0)
            .saturatingAdding(mode.plansDecode ? effectiveDecodeMinEndpoint.saturatingMultiplied(by: decodeEngineGPUs) : 0)
        guard maxGPUBudget < minimum else { return nil }
        return "GPU budget \(maxGPUBudget) is below the \(minimum) GPUs that the minimum endpoints (prefill \(effectivePrefillMinEndpoint), decode \(effectiveDecodeMinEndpoint)) need in mode \(mode.rawValue); every decision scales to zero replicas"
    }
}
