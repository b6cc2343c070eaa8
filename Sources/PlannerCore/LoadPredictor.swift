/// A one-step-ahead forecaster of one load series (SPEC.md §3).
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
}

/// Which predictor to build.
public enum LoadPredictorKind: String, CaseIterable, Sendable {
    case constant, arima, kalman, prophet
}

/// Every knob of every predictor, with the reference's defaults (SPEC.md §9).
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

    public init() {}
}
