import Foundation
import Logging
import PlannerNumerics

/// Auto-ARIMA forecaster (docs/behaviour.md §3 "arima"): pmdarima's `auto_arima` order
/// at the first forecast, then a warm-started refit with the points observed
/// since the previous forecast (`ARIMA.update`: max(5, n/10) iterations).
///
/// Rules beyond the common ones: at least 5 points; identical values return
/// that value; when raw mode selects an order with p = q = 0 the model is
/// refitted on log1p(y) and stays in log1p mode. ±infinity is dropped like a
/// missing sample (logged), as the other predictors do. Any numerical failure
/// returns the last value and is logged.
///
/// Beyond Dynamo (off unless configured): with `arimaReselect` the order search
/// runs again at the checkpoints of a `RefitSchedule` (5, 10, 20, 40, … points,
/// then every `arimaReselectEvery`), re-deciding log1p mode as at the first fit;
/// with `arimaWindow` the model sees only the most recent points.
public final class ARIMAPredictor: LoadPredictor {
    public static let minimumPoints = 5

    /// The order chosen at a successful first fit, as the reference records it.
    public struct FirstFit: Equatable, Sendable {
        public var points: Int
        public var p: Int, d: Int, q: Int
        public var log1p: Bool
    }

    /// NaN → 0, ±infinity dropped and logged, leading zeros skipped (docs/behaviour.md §3).
    private var gate = ObservationGate()
    private let requestedLog1p: Bool
    private var log1pMode: Bool
    /// Kept values clamped at 0 (what forecasts fall back to).
    private var raw: [Double] = []
    /// The series the model sees: the kept values, or log1p of them in log1p mode.
    private var series: [Double] = []
    private var pendingCount = 0
    private var model: ARIMAModel?
    private var cached: Double?
    /// Every order selection: the first fit, then each re-selection.
    public private(set) var firstFits: [FirstFit] = []
    private var reselect: RefitSchedule?
    private let window: Int?
    private let logger = Logger(label: "planner.predictor.arima")

    public init(configuration: LoadPredictorConfiguration = LoadPredictorConfiguration()) {
        requestedLog1p = configuration.log1p
        log1pMode = configuration.log1p
        if configuration.arimaReselectResolved {
            reselect = RefitSchedule(first: Self.minimumPoints, every: configuration.arimaReselectEvery)
        }
        window = configuration.arimaWindow.map { max(Self.minimumPoints, $0) }
    }

    public func add(_ value: Double) {
        guard let v = gate.admit(value, predictor: "arima") else { return }
        let r = max(0, v)
        raw.append(r)
        series.append(log1pMode ? Foundation.log1p(r) : v)
        if let window, raw.count > window {
            dropped += raw.count - window
            raw.removeFirst(raw.count - window)
            series.removeFirst(series.count - window)
        }
        pendingCount += 1
        cached = nil
    }

    public func predictNext() -> Double {
        if let cached { return cached }
        let value = forecast()
        cached = value
        return value
    }

    public func resetIdleSkip() { gate.resetIdleSkip() }

    private var last: Double { raw.last ?? 0 }

    private func forecast() -> Double {
        guard raw.count >= Self.minimumPoints else { return last }
        if raw.allSatisfy({ $0 == raw[0] }) { return raw[0] }
        if var schedule = reselect, schedule.isDue(count: raw.count + dropped) {
            schedule.refitted(count: raw.count + dropped)
            reselect = schedule
            model = nil
        }
        do {
            let fitted: ARIMAModel
            if let model {
                fitted = pendingCount > 0 ? try model.refit(series, maxIterations: max(5, pendingCount / 10)) : model
            } else {
                fitted = try firstFit()
            }
            model = fitted
            pendingCount = 0
            let f = try fitted.forecast(after: series)
            let out = log1pMode ? max(0, expm1(f)) : max(0, f)
            guard out.isFinite else {
                logger.warning("ARIMA forecast is not finite; using the last value", metadata: ["points": "\(raw.count)"])
                return last
            }
            return out
        } catch {
            pendingCount = 0
            logger.warning("ARIMA fit failed; using the last value", metadata: ["error": "\(error)", "points": "\(raw.count)"])
            return last
        }
    }

    /// Points that fell out of the window: the schedule counts the whole history.
    private var dropped = 0

    private func firstFit() throws -> ARIMAModel {
        // At the first fit `series` is the raw values; a re-selection after log1p
        // mode was switched on starts again from the (clamped) raw values.
        let base = requestedLog1p ? raw.map { Foundation.log1p($0) } : (log1pMode ? raw : series)
        var chosen = try ARIMAModel.autoFit(base)
        var useLog1p = requestedLog1p
        var fitSeries = base
        if chosen.p == 0 && chosen.q == 0 && !requestedLog1p {
            fitSeries = raw.map { Foundation.log1p($0) }
            chosen = try ARIMAModel.autoFit(fitSeries)
            useLog1p = true
        }
        log1pMode = useLog1p
        series = fitSeries
        firstFits.append(FirstFit(points: raw.count, p: chosen.p, d: chosen.d, q: chosen.q, log1p: useLog1p))
        return chosen
    }
}
