/// The port through which the live loop reads the frontend's metrics (Prometheus
/// in production, a recorded series in tests and benchmarks).
public protocol MetricsSource: AnyObject {
    /// Averages over the last `intervalSeconds`. Throws when the source cannot be
    /// reached; the loop then skips the interval.
    func observe(intervalSeconds: Int) async throws -> ObservedMetrics
}

/// Monotonic time for the live loop, so wall-clock jumps neither skip nor repeat
/// intervals. `sleep(untilSeconds:)` returns early (without throwing) when the
/// task is cancelled, so a stop request is seen between intervals.
public protocol LiveClock: Sendable {
    /// Seconds since an arbitrary fixed origin, never decreasing.
    func nowSeconds() -> Double
    func sleep(untilSeconds deadline: Double) async
}

/// `ContinuousClock`-based clock used by `planner run`.
public struct MonotonicLiveClock: LiveClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func nowSeconds() -> Double {
        let d = ContinuousClock.now - origin
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    public func sleep(untilSeconds deadline: Double) async {
        let remaining = deadline - nowSeconds()
        guard remaining > 0 else { return }
        try? await Task.sleep(nanoseconds: UInt64(CheckedNumber.nanoseconds(seconds: remaining)))
    }
}

/// Receives the planner's state after each interval (the planner's /metrics gauges).
public protocol PlannerStateSink: AnyObject {
    func publish(_ state: PlannerState, intervalSeconds: Int)
}

/// Where `--advisory` decisions go: published for people and tools to read, never
/// applied (the virtual connector's advisory etcd keys).
public protocol AdvisoryPublisher: AnyObject {
    func publishAdvisory(_ decision: ScalingDecision, reason: DecisionReason, mode: PlannerMode) async throws
}
