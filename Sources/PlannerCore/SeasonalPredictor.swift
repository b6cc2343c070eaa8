import Foundation
import Logging
import PlannerNumerics

/// Additive Holt–Winters with a damped trend (`--load-predictor seasonal`,
/// docs/planning.md), fitted by least squares in C (`cn_holt_winters.h`,
/// validated against statsmodels' ExponentialSmoothing).
///
/// - With a season of `seasonalPeriod` intervals the season is modelled once
///   two full periods have been seen; before that (or with period 0) the model
///   is Holt's damped trend.
/// - Weights are refitted on the whole history at 10, 20, 40, … points and every
///   `seasonalRefitEvery` after (`RefitSchedule`), warm-started from the last
///   fit; between refits each point advances the state in O(1).
/// - The one-step forecast variance is the fit's σ² = SSE / n (the additive
///   error model's), in load units (through the delta method in log1p mode).
///
/// Inputs pass `ObservationGate`; below 5 points, or when a fit fails (logged),
/// the last value is forecast; forecasts are clipped at 0.
public final class SeasonalPredictor: LoadPredictor {
    public static let minimumPoints = 5
    private static let logger = Logger(label: "planner.predictor.seasonal")

    private var gate = ObservationGate()
    private let period: Int
    private let log1p: Bool
    /// Modelled values (log1p'd when on), oldest first.
    private var history: [Double] = []
    private var schedule: RefitSchedule
    private var spec = HoltWinters.Spec(trend: true, damped: true, period: 0)
    private var parameters: HoltWinters.Parameters?
    private var state: HoltWinters.State?
    private var sigma2 = 0.0
    private var workspace: [Double] = []
    private var cached: Double?
    private var cachedModelForecast = 0.0

    /// Smoothing weights of the last fit (nil before the first).
    public var fittedParameters: HoltWinters.Parameters? { parameters }
    /// True once the season is part of the model.
    public var seasonActive: Bool { spec.period > 0 && state != nil }

    public init(configuration: LoadPredictorConfiguration = LoadPredictorConfiguration()) {
        period = configuration.seasonalPeriod >= 2 ? configuration.seasonalPeriod : 0
        log1p = configuration.log1p
        schedule = RefitSchedule(first: 10, every: max(1, configuration.seasonalRefitEvery))
    }

    public func add(_ value: Double) {
        guard let v = gate.admit(value, predictor: "seasonal") else { return }
        let y = log1p ? Foundation.log1p(max(0, v)) : v
        history.append(y)
        cached = nil
        guard let parameters, var s = state else { return }
        do {
            _ = try HoltWinters.step(spec, parameters, value: y, state: &s)
            state = s
        } catch {
            Self.logger.warning("seasonal: state update failed (\(error)); refitting at the next forecast")
            state = nil
        }
    }

    public func predictNext() -> Double {
        if let cached { return cached }
        let value = forecast()
        cached = value
        return value
    }

    public func resetIdleSkip() { gate.resetIdleSkip() }

    public func modelForecastVariance() -> Double? {
        guard state != nil, sigma2.isFinite else { return nil }
        if !log1p { return sigma2 }
        let slope = Foundation.exp(cachedModelForecast)   // d expm1(f)/df
        let v = slope * slope * sigma2
        return v.isFinite ? v : nil
    }

    private var last: Double { history.last.map(outward) ?? 0 }

    private func outward(_ y: Double) -> Double { log1p ? max(0, expm1(y)) : max(0, y) }

    private func forecast() -> Double {
        guard history.count >= Self.minimumPoints else { return last }
        if state == nil || schedule.isDue(count: history.count) {
            do {
                try refit()
            } catch {
                Self.logger.warning("seasonal: fit on \(history.count) points failed (\(error)); forecasting the last value")
                schedule.refitted(count: history.count)
                state = nil
                return last
            }
        }
        guard let parameters, let state else { return last }
        let f = HoltWinters.forecast(spec, parameters, state: state)
        cachedModelForecast = f
        let out = outward(f)
        return out.isFinite ? out : last
    }

    private func refit() throws {
        let n = history.count
        let seasonal = period > 0 && n >= 2 * period
        let next = HoltWinters.Spec(trend: true, damped: true, period: seasonal ? period : 0)
        let window = seasonal ? min(period, max(1, period / 24) | 1) : 1
        let initial = try HoltWinters.smoothedInitialState(next, series: history, window: window)
        let warm = next == spec ? parameters : nil
        let fit = try HoltWinters.fit(next, series: history, initial: initial, warmStart: warm, workspace: &workspace)
        var s = initial
        try HoltWinters.filter(next, fit.parameters, series: history, state: &s)
        spec = next
        parameters = fit.parameters
        state = s
        sigma2 = fit.sse / Double(n)
        schedule.refitted(count: n)
    }
}
