/// Forecasts the last observed value (SPEC.md §3 "constant", min points 1).
public final class ConstantPredictor: LoadPredictor {
    private var history = IdleSkippingHistory()

    public init(configuration: LoadPredictorConfiguration = LoadPredictorConfiguration()) {}

    public func add(_ value: Double) { history.accept(value) }
    public func predictNext() -> Double { history.last }
    public func resetIdleSkip() { history.resetIdleSkip() }
}
