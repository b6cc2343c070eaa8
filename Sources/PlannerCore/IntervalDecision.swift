/// What the engine made of one interval with valid metrics (`PlannerDecisionEngine.decideInterval`).
public struct IntervalDecision: Equatable, Sendable {
    /// The forecast the decision was sized for (SLA-feedback factors applied).
    public var predicted: PredictedLoad
    /// The replica counts, `--hold-scale-down` and the deployment's own budget applied.
    public var decision: ScalingDecision
    /// Why, against the workers running now; a pause or the environment's hold may override it.
    public var reason: DecisionReason
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
    /// 5. predicts, sizes, applies `--hold-scale-down`, and records the forecast, the decision
    ///    and its reason in `state`.
    ///
    /// `state.decision` must hold what the planner asked for the interval — the fleet's grant
    /// rather than the member's request, so the caller overwrites it after the budget.
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
        let decision = holdScaleDown(decide(predicted, corrections: state.corrections))
        state.record(predicted: predicted, decision: decision)
        let reason = DecisionReason.of(decision, current: workers, mode: settings.mode)
        state.reason = reason
        return IntervalDecision(predicted: predicted, decision: decision, reason: reason)
    }
}

extension PlannerState {
    /// The environment held the last decision, or applied it only in part (Kubernetes
    /// readiness): the reason says so — the environment's answer, not a planner failure.
    public mutating func environmentHeld(_ hold: ScalingHold) {
        reason = DecisionReason.of(hold)
        explanation?.reason = DecisionReason.of(hold)
    }
}
