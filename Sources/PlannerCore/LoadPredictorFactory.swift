/// Builds the predictor a configuration names.
public func makeLoadPredictor(_ configuration: LoadPredictorConfiguration) -> LoadPredictor {
    switch configuration.kind {
    case .constant: return ConstantPredictor(configuration: configuration)
    case .kalman: return KalmanPredictor(configuration: configuration)
    case .arima: return ARIMAPredictor(configuration: configuration)
    case .prophet: return ProphetPredictor(configuration: configuration)
    }
}
