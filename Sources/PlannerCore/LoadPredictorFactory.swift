/// Builds the predictor a configuration names. An `oracle` built here has no
/// future (it forecasts the last value): use `makeLoadPredictor(_:future:)`.
public func makeLoadPredictor(_ configuration: LoadPredictorConfiguration) -> LoadPredictor {
    makeLoadPredictor(configuration, future: [])
}

/// Builds the predictor a configuration names; `future` is the true series an
/// `oracle` forecasts from (ignored by the others).
public func makeLoadPredictor(_ configuration: LoadPredictorConfiguration, future: [Double]) -> LoadPredictor {
    switch configuration.kind {
    case .constant: return ConstantPredictor(configuration: configuration)
    case .kalman: return KalmanPredictor(configuration: configuration)
    case .arima: return ARIMAPredictor(configuration: configuration)
    case .prophet: return ProphetPredictor(configuration: configuration)
    case .seasonal: return SeasonalPredictor(configuration: configuration)
    case .auto: return AutoPredictor(configuration: configuration)
    case .oracle: return OraclePredictor(future: future)
    }
}

/// The request-count predictor of a configuration: `makeLoadPredictor`, wrapped in a
/// `QuantileForecaster` for `forecastQuantileResolved` (not for the oracle, which is
/// exact), then scaled when `forecastHeadroomResolved` is not 1.
public func makeRequestCountPredictor(_ configuration: LoadPredictorConfiguration, future: [Double] = []) -> LoadPredictor {
    var p = makeLoadPredictor(configuration, future: future)
    if let q = configuration.forecastQuantileResolved, configuration.kind != .oracle {
        p = QuantileForecaster(base: p, quantile: q, window: configuration.quantileWindow)
    }
    let h = configuration.forecastHeadroomResolved
    if h.isFinite, h > 0, h != 1 { p = HeadroomForecaster(base: p, factor: h) }
    return p
}

/// Multiplies another predictor's forecasts by a fixed factor (`--forecast-headroom`).
public final class HeadroomForecaster: LoadPredictor {
    public let base: LoadPredictor
    public let factor: Double

    public init(base: LoadPredictor, factor: Double) {
        self.base = base
        self.factor = factor.isFinite && factor > 0 ? factor : 1
    }

    public func add(_ value: Double) { base.add(value) }
    public func predictNext() -> Double { scaled(base.predictNext()) }

    /// `forecast` (the base's `predictNext()`) with the factor applied; `forecast` itself
    /// when the product is not finite. Lets a caller that needs both ask the base once.
    public func scaled(_ forecast: Double) -> Double {
        let f = forecast * factor
        return f.isFinite ? max(0, f) : forecast
    }
    public func resetIdleSkip() { base.resetIdleSkip() }
    public func modelForecastVariance() -> Double? { base.modelForecastVariance().map { $0 * factor * factor } }
}
