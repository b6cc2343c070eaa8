import Foundation
import Logging
import PlannerNumerics

/// Prophet's model refitted on the last `prophetWindowSize` points at every
/// forecast (docs/behaviour.md §3 "prophet"), min points 5.
///
/// The i-th kept point is stamped `2024-01-01T00:00:00Z + i × intervalSeconds`
/// and the forecast is for the next stamp — the reference forgets the
/// `× interval` there; we do not. Seasonal phases are absolute in Prophet, so
/// the start date matters once a history spans the two days that turn the daily
/// seasonality on; it is the reference's.
///
/// Inputs pass the shared `ObservationGate` (NaN counts as 0, leading zeros
/// skipped, ±infinity dropped and logged), as the other predictors' do. A fit that
/// fails (all points at one time, a numerical failure) returns the last value
/// and logs. Forecasts are clipped at 0; in log1p mode the model sees
/// log1p(max(0, y)) and the forecast is max(0, expm1(yhat)).
public final class ProphetPredictor: LoadPredictor {
    /// 2024-01-01T00:00:00Z in seconds since the epoch: the reference's first timestamp.
    public static let startSeconds = 1_704_067_200.0
    public static let minimumPoints = 5

    private static let logger = Logger(label: "planner.predictor.prophet")
    private let windowSize: Int
    private let intervalSeconds: Double
    private let log1p: Bool
    private let settings = ProphetModel.Settings()
    /// The modelled values (after log1p when on), oldest first, at most windowSize.
    private var window: [Double] = []
    /// Points accepted so far: the index of the next timestamp.
    private var accepted = 0
    /// NaN → 0, ±infinity dropped and logged, leading zeros skipped (docs/behaviour.md §3).
    private var gate = ObservationGate()
    private var cachedForecast: Double?
    private var workspace = ProphetWorkspace()

    public init(configuration: LoadPredictorConfiguration = LoadPredictorConfiguration()) {
        windowSize = max(1, configuration.prophetWindowSize)
        intervalSeconds = Double(configuration.intervalSeconds)
        log1p = configuration.log1p
    }

    public func add(_ value: Double) {
        guard let v = gate.admit(value, predictor: "prophet") else { return }
        window.append(log1p ? Foundation.log1p(max(0, v)) : v)
        if window.count > windowSize { window.removeFirst(window.count - windowSize) }
        accepted += 1
        cachedForecast = nil
    }

    public func predictNext() -> Double {
        if let cachedForecast { return cachedForecast }
        guard window.count >= Self.minimumPoints else { return lastValue }
        let first = accepted - window.count
        let timestamps = (0..<window.count).map { Self.startSeconds + Double(first + $0) * intervalSeconds }
        let next = Self.startSeconds + Double(accepted) * intervalSeconds
        let forecast: Double
        do {
            let model = try ProphetModel.fit(timestamps: timestamps, values: window, settings: settings,
                                             workspace: &workspace)
            let yhat = try model.predict([next])[0]
            guard yhat.isFinite else { throw NumericsError(routine: "cn_prophet_predict", status: -2) }
            forecast = outward(yhat)
        } catch {
            Self.logger.warning("prophet: fit on \(window.count) points failed (\(error)); forecasting the last value")
            forecast = lastValue
        }
        cachedForecast = forecast
        return forecast
    }

    public func resetIdleSkip() { gate.resetIdleSkip() }

    /// Model units → load units, never negative.
    private func outward(_ y: Double) -> Double { log1p ? max(0, expm1(y)) : max(0, y) }

    private var lastValue: Double { window.last.map(outward) ?? 0 }
}
