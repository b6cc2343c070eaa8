/// Which components the planner sizes (SPEC.md §5 "Modes").
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
/// (SPEC.md §5 and §9; defaults are the reference's).
public struct PlannerSettings: Equatable, Sendable {
    /// Seconds between scaling decisions; demand per interval is divided by it.
    public var intervalSeconds: Int = 180
    /// Target time to first token.
    public var ttftMilliseconds: Double = 500
    /// Target inter-token latency.
    public var itlMilliseconds: Double = 50
    /// Most GPUs the planned components may use together; -1 (any negative value) means no limit.
    public var maxGPUBudget: Int = 8
    /// Fewest replicas of each planned component (unless the budget cannot afford even that).
    public var minEndpoint: Int = 1
    public var prefillEngineGPUs: Int = 1
    public var decodeEngineGPUs: Int = 1
    public var mode: PlannerMode = .disagg
    /// Live loop only: scale demand by the observed/profiled latency ratios
    /// (`--no-correction` turns it off; the dryrun never corrects).
    public var correctionEnabled: Bool = true

    public init() {}

    /// True when `maxGPUBudget` limits anything.
    public var hasBudget: Bool { maxGPUBudget >= 0 }

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
        } catch let e as NumberOutOfRange {
            throw PlannerSettingsError(setting: e.name, message: "must be \(e.expected), got \(e.found)")
        }
    }

    /// Why the budget cannot afford the minimum replicas of the planned
    /// components, or nil when it can (or there is no budget).
    public var budgetBelowMinimumWarning: String? {
        guard hasBudget else { return nil }
        let perReplica = (mode.plansPrefill ? prefillEngineGPUs : 0).saturatingAdding(mode.plansDecode ? decodeEngineGPUs : 0)
        let minimum = minEndpoint.saturatingMultiplied(by: perReplica)
        guard maxGPUBudget < minimum else { return nil }
        return "GPU budget \(maxGPUBudget) is below the \(minimum) GPUs that --min-endpoint \(minEndpoint) needs in mode \(mode.rawValue); every decision scales to zero replicas"
    }
}
