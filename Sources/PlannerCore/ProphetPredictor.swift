/// Placeholder: forecasts the last value until the predictor issue lands.
public final class ProphetPredictor: LoadPredictor {
    private var history = IdleSkippingHistory()

    public init(configuration: LoadPredictorConfiguration = LoadPredictorConfiguration()) {}

    public func add(_ value: Double) { history.accept(value) }
    public func predictNext() -> Double { history.last }
    public func resetIdleSkip() { history.resetIdleSkip() }
}
