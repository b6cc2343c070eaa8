/// A one-step-ahead forecaster of one load series (docs/behaviour.md §3).
///
/// Common rules every conforming type follows: NaN counts as 0; leading zeros
/// are skipped until the first non-zero value (re-armed by `resetIdleSkip()`);
/// below its minimum number of points `predictNext()` returns the last value
/// (0 when empty); forecasts are finite and never negative; numerical failure
/// returns the last value and is logged, never thrown.
public protocol LoadPredictor: AnyObject {
    /// Feeds the value observed for the interval that just ended.
    func add(_ value: Double)
    /// Forecast for the next interval. Calling it twice without `add` in between
    /// returns the same value and does not advance the model.
    func predictNext() -> Double
    /// Re-arms the skipping of leading zeros (used after warm-up).
    func resetIdleSkip()
    /// Variance of the one-step forecast error the model itself implies, in load
    /// units, or nil when the model has none (then `QuantileForecaster` measures
    /// its residuals instead). Call after `predictNext()`.
    func modelForecastVariance() -> Double?
}

extension LoadPredictor {
    public func modelForecastVariance() -> Double? { nil }
}

/// Which predictor to build. The first four are Dynamo's; `seasonal`, `auto`
/// and `oracle` are this project's (docs/planning.md).
public enum LoadPredictorKind: String, CaseIterable, Sendable {
    case constant, arima, kalman, prophet
    /// Holt–Winters with a daily (configurable) season, refitted as history grows.
    case seasonal
    /// Candidates side by side; each interval uses the one with the lowest recent asymmetric loss.
    case auto
    /// The true next-interval load (dryrun and replay only): the bound on forecasting.
    case oracle

    /// Dynamo 1.0.2's predictors.
    public static let dynamo: [LoadPredictorKind] = [.constant, .kalman, .arima, .prophet]
}

/// Every knob of every predictor, with the reference's defaults (docs/behaviour.md §9)
/// for Dynamo's four and docs/planning.md's for the others.
public struct LoadPredictorConfiguration: Equatable, Sendable {
    public var kind: LoadPredictorKind = .arima
    public var log1p: Bool = false
    public var kalmanQLevel: Double = 1.0
    public var kalmanQTrend: Double = 0.1
    public var kalmanR: Double = 10.0
    public var kalmanMinPoints: Int = 5
    public var prophetWindowSize: Int = 50
    /// The planner's adjustment interval; Prophet timestamps are spaced by it.
    public var intervalSeconds: Int = 180
    /// ARIMA re-selects its order at 5, 10, 20, 40, … points and every
    /// `arimaReselectEvery` after; nil means "on for `auto` only" (Dynamo keeps
    /// the order chosen at 5 points for ever).
    public var arimaReselect: Bool? = nil
    public var arimaReselectEvery: Int = 200
    /// ARIMA fits on at most this many most recent points (nil: all, as Dynamo).
    public var arimaWindow: Int? = nil
    /// Season length of `seasonal` in intervals (0: no season, Holt's damped trend only).
    public var seasonalPeriod: Int = 0
    /// `seasonal` refits its weights at 10, 20, 40, … points and every this many after.
    public var seasonalRefitEvery: Int = 100
    /// `auto`: intervals of loss each candidate is judged on.
    public var autoWindow: Int = 30
    /// `auto`: loss per unit of under-forecast and of over-forecast.
    public var autoUnderWeight: Double = 2.0
    public var autoOverWeight: Double = 1.0
    /// `auto`: the forecast is the mean of this many lowest-loss candidates' (1: the best alone).
    public var autoCombine: Int = 1
    /// Size request counts for this quantile of the next interval's load instead
    /// of its mean; ISL and OSL stay means. nil: the kind's default — the mean (as
    /// Dynamo) for every kind but `auto`, whose default is `autoDefaultQuantile`.
    public var forecastQuantile: Double? = nil
    /// Forces mean sizing whatever the kind (`--forecast-quantile mean`).
    public var meanForecast: Bool = false
    /// `auto`'s default quantile: its recommended headroom (docs/planning.md).
    public static let autoDefaultQuantile = 0.9
    /// Residuals the empirical quantile is taken over.
    public var quantileWindow: Int = 200
    /// Request-count forecasts are multiplied by this (after the quantile); nil is the
    /// kind's default: `autoDefaultHeadroom` for `auto`, 1 (Dynamo) for the others.
    public var forecastHeadroom: Double? = nil
    /// `auto`'s default headroom factor, with its default quantile (docs/planning.md).
    public static let autoDefaultHeadroom = 1.3
    /// `--decode-headroom`: the decode pool's factor when it differs; nil is the kind's
    /// default: `autoDefaultDecodeHeadroom` for `auto`, the prefill factor for the others.
    public var decodeHeadroom: Double? = nil
    public static let autoDefaultDecodeHeadroom = 1.15
    /// `--target-attainment` (SLA feedback per pool); nil: off, or `autoDefaultTargetAttainment` for `auto`.
    public var targetAttainment: Double? = nil
    /// `--target-attainment off` even for `auto`.
    public var noTargetAttainment: Bool = false
    public static let autoDefaultTargetAttainment: Double? = 0.99
    /// `--hold-scale-down`: nil is the kind's default (`autoDefaultHoldScaleDown` for `auto`, off otherwise).
    public var holdScaleDown: Bool? = nil
    public static let autoDefaultHoldScaleDown = true

    public init() {}

    /// The headroom policy the engine applies (docs/planning.md "Headroom chosen by the SLA").
    public var headroomResolved: SLAHeadroomSettings {
        let isAuto = kind == .auto
        return SLAHeadroomSettings(
            decodeHeadroom: decodeHeadroom ?? (isAuto ? Self.autoDefaultDecodeHeadroom : nil),
            targetAttainment: noTargetAttainment ? nil : targetAttainment ?? (isAuto ? Self.autoDefaultTargetAttainment : nil),
            holdScaleDown: holdScaleDown ?? (isAuto && Self.autoDefaultHoldScaleDown))
    }

    /// The quantile the request count is sized for, nil for the mean.
    public var forecastQuantileResolved: Double? {
        if meanForecast { return nil }
        return forecastQuantile ?? (kind == .auto ? Self.autoDefaultQuantile : nil)
    }

    /// The request-count headroom factor applied (after the quantile).
    public var forecastHeadroomResolved: Double { forecastHeadroom ?? (kind == .auto ? Self.autoDefaultHeadroom : 1) }

    /// Whether ARIMA re-selects its order under this configuration.
    public var arimaReselectResolved: Bool { arimaReselect ?? (kind == .auto) }
}
