/// What the live loop measured over one interval (docs/behaviour.md §5). Any field may be
/// missing (nil) when the metrics source had no data.
public struct ObservedMetrics: Equatable, Sendable {
    public var ttftMilliseconds: Double?
    public var itlMilliseconds: Double?
    /// Requests finished in the interval (a count, not a rate).
    public var requestCount: Double?
    public var isl: Double?
    public var osl: Double?
    public var requestDurationSeconds: Double?
    /// Fractions (0–1) of the interval's finished requests within the TTFT and the ITL
    /// SLA, when the source can tell (the replay; nil live): `--target-attainment` feeds on them.
    public var ttftAttainment: Double?
    public var itlAttainment: Double?

    public init(ttftMilliseconds: Double? = nil, itlMilliseconds: Double? = nil, requestCount: Double? = nil,
                isl: Double? = nil, osl: Double? = nil, requestDurationSeconds: Double? = nil,
                ttftAttainment: Double? = nil, itlAttainment: Double? = nil) {
        self.ttftMilliseconds = ttftMilliseconds
        self.itlMilliseconds = itlMilliseconds
        self.requestCount = requestCount
        self.isl = isl
        self.osl = osl
        self.requestDurationSeconds = requestDurationSeconds
        self.ttftAttainment = ttftAttainment
        self.itlAttainment = itlAttainment
    }

    /// docs/behaviour.md §5: an interval counts only when ttft, itl, isl and osl are all
    /// present and not NaN; otherwise no decision is made for it.
    public var isValid: Bool {
        [ttftMilliseconds, itlMilliseconds, isl, osl].allSatisfy { v in v.map { !$0.isNaN } ?? false }
    }
}

/// Observed-over-profiled latency ratios the live loop scales demand by.
/// 1 means the deployment behaves as profiled.
public struct CorrectionFactors: Equatable, Sendable {
    public var prefill: Double
    public var decode: Double

    public init(prefill: Double = 1, decode: Double = 1) {
        self.prefill = prefill
        self.decode = decode
    }

    /// No correction (the dryrun, or `--no-correction`).
    public static let neutral = CorrectionFactors()
}

/// The load the predictors expect for the next interval.
public struct PredictedLoad: Equatable, Sendable {
    /// Requests expected in the next interval (a count, not a rate).
    public var requestCount: Double
    public var isl: Double
    public var osl: Double
    /// The request count the decode pool is sized for when it differs from the prefill
    /// pool's (`--headroom-pools prefill`, `--target-attainment`); nil: `requestCount`.
    public var decodeRequestCount: Double?

    public init(requestCount: Double, isl: Double, osl: Double, decodeRequestCount: Double? = nil) {
        self.requestCount = requestCount
        self.isl = isl
        self.osl = osl
        self.decodeRequestCount = decodeRequestCount
    }
}

/// Replica counts for the next interval and how they were reached.
public struct ScalingDecision: Equatable, Sendable {
    /// Prefill replicas after the budget (0 when the mode does not plan prefill).
    public var prefill: Int
    /// Decode replicas after the budget (0 when the mode does not plan decode).
    public var decode: Int
    /// Counts the SLA asked for before the budget was applied.
    public var requestedPrefill: Int
    public var requestedDecode: Int
    /// True when the budget lowered either count.
    public var budgetLimited: Bool
    /// True when no cell of the decode profile meets the (corrected) ITL target,
    /// so the decode count rests on the lowest-load cell (docs/behaviour.md §4 "beyond").
    public var decodeSLAInfeasible: Bool

    public init(prefill: Int, decode: Int, requestedPrefill: Int, requestedDecode: Int,
                budgetLimited: Bool, decodeSLAInfeasible: Bool) {
        self.prefill = prefill
        self.decode = decode
        self.requestedPrefill = requestedPrefill
        self.requestedDecode = requestedDecode
        self.budgetLimited = budgetLimited
        self.decodeSLAInfeasible = decodeSLAInfeasible
    }

    /// The targets to hand a connector for the planned components.
    public func targets(mode: PlannerMode) -> [TargetReplica] {
        var t: [TargetReplica] = []
        if mode.plansPrefill { t.append(TargetReplica(component: .prefill, replicas: prefill)) }
        if mode.plansDecode { t.append(TargetReplica(component: .decode, replicas: decode)) }
        return t
    }
}
