import Logging

/// docs/behaviour.md §3's common input rules, for predictors that keep no history of
/// their own (`IdleSkippingHistory` is the variant that keeps the values):
/// NaN counts as 0; zeros are dropped until the first non-zero value (the idle
/// stretch before traffic starts), re-armed by `resetIdleSkip()`; and ±infinity
/// is dropped like a missing sample and logged — one infinite observation would
/// otherwise poison a filter's state (NaN for ever) or ask the replica maths for
/// infinitely many workers.
public struct ObservationGate: Sendable {
    private static let logger = Logger(label: "planner.predictor")
    /// True once a non-zero value has been admitted since the last re-arm.
    public private(set) var seenTraffic = false

    public init() {}

    /// The value the model should see, or nil when `value` is dropped;
    /// `predictor` names the caller in the log line.
    public mutating func admit(_ value: Double, predictor: String) -> Double? {
        let v = value.isNaN ? 0 : value
        if v.isInfinite {
            Self.logDropped(value, predictor: predictor)
            return nil
        }
        if v == 0 && !seenTraffic { return nil }
        if v != 0 { seenTraffic = true }
        return v
    }

    private static func logDropped(_ value: Double, predictor: String) {
        logger.warning("\(predictor): dropped an infinite observation (\(value))")
    }

    public mutating func resetIdleSkip() { seenTraffic = false }
}
