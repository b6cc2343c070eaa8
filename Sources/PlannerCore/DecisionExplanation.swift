/// Why an interval ended as it did, one value per interval (exported as the
/// `dynamo_planner_decision_reason` enum gauge). Raw values are the gauge's state labels.
public enum DecisionReason: String, CaseIterable, Sendable {
    /// The forecast needs more workers than run now.
    case scaleUp = "scale_up"
    /// The forecast needs fewer workers than run now.
    case scaleDown = "scale_down"
    /// The decision equals what runs now.
    case hold
    /// The GPU budget (ceiling or floor) changed what the SLA asked for.
    case budgetLimited = "budget_limited"
    /// No decode profile cell meets the (corrected) ITL target.
    case slaInfeasible = "sla_infeasible"
    /// No valid metrics this interval (no finished requests, or the source was unreachable): no decision.
    case metricsMissing = "metrics_missing"
    /// Paused through the control API: observed, not decided.
    case paused
    /// Decided, but the environment held it: the deployment is not Ready (Kubernetes).
    case heldNotReady = "held_not_ready"
    /// The deployment has been not Ready past the readiness timeout: the decision's
    /// scale-downs were applied, its scale-ups held (pods unschedulable, for instance).
    case scaleDownNotReady = "scale_down_not_ready"

    /// The reason the environment's hold gives the interval.
    public static func of(_ hold: ScalingHold) -> DecisionReason {
        switch hold {
        case .held: return .heldNotReady
        case .pastReadinessTimeout: return .scaleDownNotReady
        }
    }

    /// The reason for `decision` given the workers running now: infeasibility
    /// first (it says the SLA itself cannot be met), then the budget, then the direction.
    public static func of(_ decision: ScalingDecision, current: WorkerCounts, mode: PlannerMode) -> DecisionReason {
        if decision.decodeSLAInfeasible { return .slaInfeasible }
        if decision.budgetLimited { return .budgetLimited }
        var up = false, down = false
        if mode.plansPrefill {
            up = up || decision.prefill > current.prefill
            down = down || decision.prefill < current.prefill
        }
        if mode.plansDecode {
            up = up || decision.decode > current.decode
            down = down || decision.decode < current.decode
        }
        if up { return .scaleUp }
        return down ? .scaleDown : .hold
    }
}

/// What the planner expects of its decision: the figures an operator needs to
/// see why it chose these counts (exported as `dynamo_planner_*` gauges).
public struct DecisionExplanation: Equatable, Sendable {
    public var reason: DecisionReason
    /// Profiled TTFT at the forecast ISL, times the prefill correction factor.
    public var estimatedTTFTMilliseconds: Double
    /// Profiled ITL at the per-GPU decode load the chosen decode workers would carry,
    /// times the decode correction factor (0 when decode is not planned or no worker is chosen).
    public var estimatedITLMilliseconds: Double
    /// Requests per second one prefill engine serves within the TTFT SLA at the forecast ISL (0 if it cannot).
    public var prefillEngineCapacityRequestsPerSecond: Double
    /// Requests per second one decode engine serves within the ITL SLA at the forecast lengths (0 if it cannot).
    public var decodeEngineCapacityRequestsPerSecond: Double
    /// GPUs the decision uses (prefill · GPUs per engine + decode · GPUs per engine).
    public var gpusInUse: Int

    public init(reason: DecisionReason, estimatedTTFTMilliseconds: Double = 0, estimatedITLMilliseconds: Double = 0,
                prefillEngineCapacityRequestsPerSecond: Double = 0, decodeEngineCapacityRequestsPerSecond: Double = 0,
                gpusInUse: Int = 0) {
        self.reason = reason
        self.estimatedTTFTMilliseconds = estimatedTTFTMilliseconds
        self.estimatedITLMilliseconds = estimatedITLMilliseconds
        self.prefillEngineCapacityRequestsPerSecond = prefillEngineCapacityRequestsPerSecond
        self.decodeEngineCapacityRequestsPerSecond = decodeEngineCapacityRequestsPerSecond
        self.gpusInUse = gpusInUse
    }
}

extension PlannerDecisionEngine {
    /// The explanation of `decision`, made from `load` with `corrections`, while `current` workers run.
    public func explain(_ decision: ScalingDecision, load: PredictedLoad, corrections: CorrectionFactors = .neutral,
                        current: WorkerCounts) -> DecisionExplanation {
        let s = settings
        var e = DecisionExplanation(reason: DecisionReason.of(decision, current: current, mode: s.mode))
        let intervals = Double(s.intervalSeconds)
        if s.mode.plansPrefill, load.isl.isFinite, load.isl > 0 {
            let ttft = prefillInterpolator.interpolateTTFT(load.isl)
            e.estimatedTTFTMilliseconds = finiteOrZero(ttft * positiveOrOne(corrections.prefill))
            let perEngine = safePrefillThroughput(replicas: 1, isl: load.isl) * Double(s.prefillEngineGPUs)
            e.prefillEngineCapacityRequestsPerSecond = finiteOrZero(perEngine / load.isl)
        }
        if s.mode.plansDecode, load.osl.isFinite, load.osl > 0 {
            let context = ScalingMath.decodeContextLength(isl: load.isl, osl: load.osl)
            let best = decodeInterpolator.findBestThroughputPerGPU(itlMilliseconds: s.itlMilliseconds, contextLength: context)
            let perEngine = ScalingMath.safeDecodeThroughput(replicas: 1, best: best, itlSLAMilliseconds: s.itlMilliseconds)
                * Double(s.decodeEngineGPUs)
            e.decodeEngineCapacityRequestsPerSecond = finiteOrZero(perEngine / load.osl)
            if decision.decode > 0 {
                let tokensPerSecond = load.requestCount * load.osl / intervals
                let perGPU = tokensPerSecond / (Double(decision.decode) * Double(s.decodeEngineGPUs))
                let itl = decodeInterpolator.itlCarrying(throughputPerGPU: perGPU, contextLength: context)
                e.estimatedITLMilliseconds = finiteOrZero(itl * positiveOrOne(corrections.decode))
            }
        }
        let p = s.mode.plansPrefill ? decision.prefill : 0, d = s.mode.plansDecode ? decision.decode : 0
        let (pg, pOverflow) = p.multipliedReportingOverflow(by: s.prefillEngineGPUs)
        let (dg, dOverflow) = d.multipliedReportingOverflow(by: s.decodeEngineGPUs)
        let (sum, sumOverflow) = pg.addingReportingOverflow(dg)
        e.gpusInUse = (pOverflow || dOverflow || sumOverflow) ? Int.max : sum
        return e
    }

    private func finiteOrZero(_ x: Double) -> Double { x.isFinite ? x : 0 }
    private func positiveOrOne(_ x: Double) -> Double { x.isFinite && x > 0 ? x : 1 }
}

extension DecodeInterpolator {
    /// ITL on the row of `contextLength` at the lowest KV usage whose throughput per
    /// GPU reaches `throughputPerGPU`; the highest-KV cell's ITL when none does (the
    /// workers would be saturated). A load of 0 or less reads the first cell.
    public func itlCarrying(throughputPerGPU demand: Double, contextLength: Double) -> Double {
        let row = Self.index(contextLength, axis: yi) * resolution
        for ix in 0..<resolution where throughputGrid[row + ix] >= demand {
            return itlGrid[row + ix]
        }
        return itlGrid[row + resolution - 1]
    }
}
