/// `--load-predictor auto` (docs/planning.md): several forecasters run side by
/// side on the same history; each interval the forecast is that of the one
/// with the lowest loss over the last `autoWindow` intervals, where the loss is
/// asymmetric: `autoUnderWeight` per unit of load under-forecast (the workers
/// were too few: the SLA suffers) and `autoOverWeight` per unit over-forecast
/// (GPU-hours were wasted). Ties go to the earlier candidate.
///
/// Candidates, in this order: seasonal (Holt–Winters, daily season when
/// configured), ARIMA with order re-selection on the last 128 points,
/// Dynamo's Kalman filter, constant. Prophet is left out: its fit (~1 ms) alone
/// would exceed the whole budget of an interval. Every candidate sees every
/// observation and is scored on it against the forecast it made for it.
public final class AutoPredictor: LoadPredictor {
    /// The candidates `auto` builds, in tie-break order.
    public static let candidateKinds: [LoadPredictorKind] = [.seasonal, .arima, .kalman, .constant]
    /// Most points the ARIMA candidate fits on (bounds its per-interval cost).
    public static let arimaWindow = 128

    public let kinds: [LoadPredictorKind]
    private let candidates: [LoadPredictor]
    private var losses: [RollingWindow]
    private var forecasts: [Double]
    private var fresh = false
    private let underWeight: Double
    private let overWeight: Double
    /// Forecasts averaged: those of this many lowest-loss candidates (1: the best alone).
    public let combine: Int
    private var order: [Int]
    /// Index into `kinds` of the candidate used for the last forecast.
    public private(set) var selected = 0

    public convenience init(configuration: LoadPredictorConfiguration = LoadPredictorConfiguration()) {
        var c = configuration
        c.arimaReselect = true
        c.arimaWindow = configuration.arimaWindow ?? Self.arimaWindow
        let built: [(LoadPredictorKind, LoadPredictor)] = Self.candidateKinds.map { kind in
            var k = c
            k.kind = kind
            return (kind, makeLoadPredictor(k))
        }
        self.init(candidates: built, window: configuration.autoWindow,
                  underWeight: configuration.autoUnderWeight, overWeight: configuration.autoOverWeight,
                  combine: configuration.autoCombine)
    }

    /// Any candidates (tests inject their own); weights that are not finite and ≥ 0 count as 1.
    /// `combine` is clamped into 1...candidates.
    public init(candidates: [(LoadPredictorKind, LoadPredictor)], window: Int, underWeight: Double, overWeight: Double,
                combine: Int = 1) {
        self.combine = min(max(1, combine), max(1, candidates.count))
        order = Array(candidates.indices)
        kinds = candidates.map { $0.0 }
        self.candidates = candidates.map { $0.1 }
        losses = candidates.map { _ in RollingWindow(capacity: max(1, window)) }
        forecasts = [Double](repeating: 0, count: candidates.count)
        self.underWeight = underWeight.isFinite && underWeight >= 0 ? underWeight : 1
        self.overWeight = overWeight.isFinite && overWeight >= 0 ? overWeight : 1
    }

    /// The asymmetric loss of forecasting `forecast` when `actual` came.
    public static func loss(actual: Double, forecast: Double, underWeight: Double, overWeight: Double) -> Double {
        actual > forecast ? underWeight * (actual - forecast) : overWeight * (forecast - actual)
    }

    public func add(_ value: Double) {
        if !candidates.isEmpty {
            refreshForecasts()
            // Scored as the candidates will see it: NaN counts as 0, ±infinity is no observation.
            let actual = value.isNaN ? 0 : value
            if actual.isFinite {
                for i in candidates.indices {
                    losses[i].push(Self.loss(actual: actual, forecast: forecasts[i],
                                             underWeight: underWeight, overWeight: overWeight))
                }
            }
        }
        for c in candidates { c.add(value) }
        fresh = false
    }

    public func predictNext() -> Double {
        guard !candidates.isEmpty else { return 0 }
        refreshForecasts()
        // Stable order by loss: ties keep the earlier candidate first (insertion sort, a handful of candidates).
        for i in order.indices { order[i] = i }
        for i in 1..<order.count {
            let k = order[i], l = losses[k].sum
            var j = i - 1
            while j >= 0, losses[order[j]].sum > l { order[j + 1] = order[j]; j -= 1 }
            order[j + 1] = k
        }
        selected = order[0]
        var sum = 0.0
        for i in 0..<combine { sum += forecasts[order[i]] }
        return sum / Double(combine)
    }

    public func resetIdleSkip() { for c in candidates { c.resetIdleSkip() } }

    public func modelForecastVariance() -> Double? {
        candidates.isEmpty ? nil : candidates[selected].modelForecastVariance()
    }

    /// Mean loss per interval of each candidate over the window (for reports).
    public var windowLosses: [Double] { losses.map { $0.count > 0 ? $0.sum / Double($0.count) : 0 } }

    private func refreshForecasts() {
        guard !fresh else { return }
        for i in candidates.indices { forecasts[i] = candidates[i].predictNext() }
        fresh = true
    }
}
