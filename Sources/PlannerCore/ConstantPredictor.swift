/// Forecasts the last observed value (docs/behaviour.md §3 "constant", min points 1),
/// 0 before any traffic has been seen.
///
/// Inputs pass `ObservationGate` (NaN → 0, ±infinity dropped, leading zeros skipped).
/// A negative observation is forecast as 0 (forecasts are never negative).
public final class ConstantPredictor: LoadPredictor {
    private var gate = ObservationGate()
    private var lastValue = 0.0

    public init(configuration: LoadPredictorConfiguration = LoadPredictorConfiguration()) {}

    public func add(_ value: Double) {
        if let v = gate.admit(value, predictor: "constant") { lastValue = v }
    }

    public func predictNext() -> Double { max(0, lastValue) }
    public func resetIdleSkip() { gate.resetIdleSkip() }
}
