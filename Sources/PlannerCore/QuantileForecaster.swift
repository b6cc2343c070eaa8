import Foundation

/// Turns a mean forecaster into a q-quantile forecaster (`--forecast-quantile`):
/// forecast = mean + the q-quantile of the last `window` one-step residuals
/// (actual − forecast, numpy's default linear interpolation between order
/// statistics). With fewer than `minimumResiduals` residuals it uses the model's
/// own variance when it has one (Gaussian quantile), else the mean itself.
/// Forecasts stay ≥ 0.
///
/// Every observation is scored against the base's forecast for it (asked for
/// when the caller did not), so warm-up history fills the window too.
public final class QuantileForecaster: LoadPredictor {
    public static let minimumResiduals = 10
    public let base: LoadPredictor
    public let quantile: Double
    private let gaussianZ: Double
    private var residuals: RollingWindow
    private var scratch: [Double]
    private var cached: Double?

    /// `quantile` must lie in (0, 1) (the CLI checks); others are clamped into it.
    public init(base: LoadPredictor, quantile: Double, window: Int = 200) {
        self.base = base
        let q = quantile.isFinite ? min(max(quantile, 1e-6), 1 - 1e-6) : 0.5
        self.quantile = q
        gaussianZ = NormalDistribution.quantile(q)
        residuals = RollingWindow(capacity: max(1, window))
        scratch = []
        scratch.reserveCapacity(max(1, window))
    }

    public func add(_ value: Double) {
        if value.isFinite {
            let forecast = base.predictNext()
            residuals.push(value - forecast)
        }
        base.add(value)
        cached = nil
    }

    public func predictNext() -> Double {
        if let cached { return cached }
        let mean = base.predictNext()
        var out = mean
        if residuals.count >= Self.minimumResiduals {
            out = mean + empiricalQuantile()
        } else if let v = base.modelForecastVariance(), v.isFinite, v >= 0 {
            out = mean + gaussianZ * v.squareRoot()
        }
        let value = out.isFinite ? max(0, out) : max(0, mean)
        cached = value
        return value
    }

    public func resetIdleSkip() { base.resetIdleSkip() }

    /// The model's variance when it has one, else the residuals' (nil with fewer than 2).
    public func modelForecastVariance() -> Double? {
        if let v = base.modelForecastVariance() { return v }
        return residuals.count >= 2 ? residuals.variance : nil
    }

    private func empiricalQuantile() -> Double {
        scratch.removeAll(keepingCapacity: true)
        residuals.forEach { scratch.append($0) }
        scratch.sort()
        let position = quantile * Double(scratch.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, scratch.count - 1)
        let fraction = position - Double(lower)
        return scratch[lower] + (scratch[upper] - scratch[lower]) * fraction
    }
}

/// The last `capacity` values pushed, oldest first, without allocation after init.
public struct RollingWindow: Sendable {
    private var values: [Double]
    private var head = 0
    public private(set) var count = 0
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        values = [Double](repeating: 0, count: self.capacity)
    }

    public mutating func push(_ x: Double) {
        values[head] = x
        head = head + 1 == capacity ? 0 : head + 1
        count = min(count + 1, capacity)
    }

    /// Visits the kept values (in storage order; sums and quantiles do not care).
    public func forEach(_ body: (Double) -> Void) {
        for i in 0..<count { body(values[i]) }
    }

    public var sum: Double {
        var s = 0.0
        for i in 0..<count { s += values[i] }
        return s
    }

    /// Sample variance (n − 1), 0 with fewer than 2 values.
    public var variance: Double {
        guard count >= 2 else { return 0 }
        let mean = sum / Double(count)
        var s = 0.0
        for i in 0..<count { s += (values[i] - mean) * (values[i] - mean) }
        return s / Double(count - 1)
    }
}

/// The standard normal distribution's quantile, by bisection on Φ(x) = erfc(−x/√2)/2
/// (computed once per forecaster, so speed does not matter and accuracy is ~1e-15).
public enum NormalDistribution {
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    public static func quantile(_ p: Double) -> Double {
        guard p.isFinite, p > 0, p < 1 else { return p <= 0 ? -.infinity : .infinity }
        var lo = -40.0, hi = 40.0
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid == lo || mid == hi { break }
            if cdf(mid) < p { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }
}
