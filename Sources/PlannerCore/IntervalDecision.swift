/// What the engine made of one interval with valid metrics (`PlannerDecisionEngine.decideInterval`).
public struct IntervalDecision: Equatable, Sendable {
    /// The forecast the decision was sized for (SLA-feedback factors applied).
    public var predicted: PredictedLoad
    /// The replica counts, `--hold-scale-down` and the deployment's own budget applied.
    public var decision: ScalingDecision
}

extension PlannerDecisionEngine {
    /// One interval of a live loop — `LivePlanner.step` (hence the single replay) and every
    /// member of `FleetPlanner.step` (hence the fleet replay) — so all of them decide alike
    /// (docs/behaviour.md §5, docs/planning.md "Headroom chosen by the SLA"):
    ///
    /// 1. closes the interval in `state` (`workers` served it, `observed` is what was seen)
    ///    and feeds the predictors, idle and invalid intervals included (NaN counts as 0);
    /// 2. with invalid metrics stops there: `state.reason` is `.metricsMissing`, the result nil;
    /// 3. updates the correction factors;
    /// 4. moves the SLA-feedback factors by the interval's attainment, a pool's only when it ran,
    ///    from the interval's start, the workers asked for it, in this interval and the one before
    ///    (`SLAFeedback.IntervalGate`, kept in `state`);
    /// 5. predicts, sizes, applies `--hold-scale-down` and `--max-throughput-scaling-replicas`
    ///    (against `workers`), and records the forecast and the decision in `state`.
    ///
    /// `state.decision` must hold what the planner asked for the interval — the fleet's grant
    /// rather than the member's request, so the caller overwrites it after the budget. The
    /// reason of a decision is the caller's to set, once, from the counts it finally asks for:
    /// `LivePlanner` from its explanation (a pause included), `FleetPlanner` from the grant.
    public func decideInterval(observed: ObservedMetrics, workers: WorkerCounts,
                               state: inout PlannerState) -> IntervalDecision? {
        // What served this interval from its start, and what the planner had asked for it.
        let served = state.intervals > 0 ? state.workers : nil
        let asked = state.decision
        state.finishInterval(workers: workers, observed: observed, intervalSeconds: settings.intervalSeconds)
        // The predictors see every observed interval, idle ones included (NaN counts as 0),
        // so a quiet spell lowers the forecast instead of being invisible to it.
        observe(requestCount: observed.requestCount ?? .nan, isl: observed.isl ?? .nan, osl: observed.osl ?? .nan)
        guard observed.isValid else {
            state.reason = .metricsMissing
            return nil
        }
        state.corrections = correctionFactors(observed: observed, decodeWorkers: workers.decode, previous: state.corrections)
        observeAttainment(
            ttft: state.feedbackGates.prefill.counts(served: served?.prefill, asked: asked?.prefill) ? observed.ttftAttainment : nil,
            itl: state.feedbackGates.decode.counts(served: served?.decode, asked: asked?.decode) ? observed.itlAttainment : nil)
        let predicted = predictLoad()
        let decision = capScalingStep(holdScaleDown(decide(predicted, corrections: state.corrections)), workers: workers)
        state.record(predicted: predicted, decision: decision)
        return IntervalDecision(predicted: predicted, decision: decision)
    }
}

extension PlannerState {
    /// After `connector` was asked to apply the last decision: when it reports that the
    /// environment held the decision, or applied it only in part (Kubernetes readiness),
    /// the reason (and the explanation's) says so — the environment's answer, not a planner
    /// failure. Returns that reason; nil, and nothing changed, when the connector reports no hold.
    @discardableResult
    public mutating func noteScalingHold(of connector: PlannerConnector) -> DecisionReason? {
        guard let hold = (connector as? ScalingHoldReporting)?.lastScalingHold else { return nil }
        let held = DecisionReason.of(hold)
        reason = held
        explanation?.reason = held
        return held
    }
}
