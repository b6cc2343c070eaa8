/// What a planner knows between intervals — the same fields in the dryrun and
/// the live loop, and what the live loop publishes as its own Prometheus gauges
/// (`planner:num_p_workers`, `planner:observed_*`, `planner:predicted_*`,
/// `planner:*_correction_factor`, `planner:gpu_hours`).
public struct PlannerState: Equatable, Sendable {
    /// Workers running in the interval that just ended.
    public var workers: WorkerCounts
    /// Metrics of the interval that just ended (nil before the first).
    public var observed: ObservedMetrics?
    /// Forecast for the next interval (nil before the first decision).
    public var predicted: PredictedLoad?
    /// The last decision (nil before the first).
    public var decision: ScalingDecision?
    public var corrections: CorrectionFactors = .neutral
    /// Why the last interval ended as it did (nil before the first).
    public var reason: DecisionReason?
    /// The figures behind the last decision (nil before the first).
    public var explanation: DecisionExplanation?
    public var gpuHours: GPUHoursMeter
    /// Intervals completed.
    public var intervals: Int = 0
    /// The SLA feedback's startup rule, per pool (`SLAFeedback.IntervalGate`).
    public var feedbackGates = SLAFeedback.PoolGates()

    public init(workers: WorkerCounts, settings: PlannerSettings) {
        self.workers = workers
        self.gpuHours = GPUHoursMeter(settings: settings)
    }

    /// Closes an interval run with `workers`: charges its GPU-hours and stores what was seen.
    public mutating func finishInterval(workers: WorkerCounts, observed: ObservedMetrics?, intervalSeconds: Int) {
        self.workers = workers
        self.observed = observed
        gpuHours.charge(prefill: workers.prefill, decode: workers.decode, intervalSeconds: intervalSeconds)
        intervals += 1
    }

    /// Stores the forecast and the decision made from it.
    public mutating func record(predicted: PredictedLoad, decision: ScalingDecision) {
        self.predicted = predicted
        self.decision = decision
    }
}
