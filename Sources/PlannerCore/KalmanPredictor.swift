import Foundation
import Logging

/// Local-linear-trend Kalman filter (docs/behaviour.md §3 "kalman"), step for step the
/// filterpy 2.0 `KalmanFilter` the reference planner runs:
/// state [level, trend], F = [[1,1],[0,1]], H = [1,0], P0 = 1000·I,
/// R = max(1e-9, r), Q = diag(max(1e-12, q_level), max(1e-12, q_trend)).
///
/// - The first accepted point sets x = [z, 0] (P stays 1000·I); every later one
///   predicts (unless `predictNext` already predicted for this step) and then
///   updates with filterpy's Joseph form P = (I-KH)P(I-KH)' + KRK'.
/// - `predictNext` predicts once per step and caches the level; below
///   `kalmanMinPoints` accepted points it returns the last value (0 when empty).
/// - log1p mode filters log1p(max(0, z)) and forecasts max(0, expm1(level)).
///
/// Deviations from the reference, all on inputs it never meets in practice:
/// - Forecasts are clipped at 0 in raw mode too, and so is the last value
///   returned below the minimum points (the reference returns the raw level,
///   which a falling trend drives below 0; a negative request rate means
///   nothing to the replica maths). The shared goldens never go negative.
/// - ±infinity is dropped like a missing sample (logged, `ObservationGate`).
/// - If the state stops being finite (values near Double.greatestFiniteMagnitude)
///   the filter restarts from the current point (logged); a forecast that is not
///   finite falls back to the last value (logged).
///
/// The 2×2 algebra is unrolled over stored Doubles: no allocation per step.
/// Measured here (standalone C, gcc -O2, one predict+update step with the four
/// 2×2 products through OpenBLAS cblas_dgemm + cblas_dger, as filterpy's dense
/// form does them, against the same step unrolled): ~480 ns vs ~15–19 ns per
/// step. At this size BLAS is all call overhead, so it is not used here.
public final class KalmanPredictor: LoadPredictor {
    private static let logger = Logger(label: "planner.predictor.kalman")

    // Noise and gating, sanitised once.
    private let qLevel: Double
    private let qTrend: Double
    private let r: Double
    private let minPoints: Int
    private let log1pMode: Bool

    // docs/behaviour.md §3 common rules. Only the count and the last value are kept: the
    // filter needs no history, and a live planner runs for months.
    private var gate = ObservationGate()
    private var acceptedCount = 0
    private var lastValue = 0.0

    // Filter state. P is kept in full (not assumed symmetric) so that rounding
    // follows filterpy's dense products.
    private var initialised = false
    private var forecastCached = false
    private var cachedLevel = 0.0
    private var level = 0.0
    private var trend = 0.0
    private var p00 = 1000.0, p01 = 0.0, p10 = 0.0, p11 = 1000.0
    // Posterior before the last predict, to detect the covariance fixed point;
    // after it (`steady`), p00…p11 hold the constant prior and the gains are cached.
    private var q00 = 0.0, q01 = 0.0, q10 = 0.0, q11 = 0.0
    private var steady = false
    private var gainLevel = 0.0, gainTrend = 0.0

    public init(configuration: LoadPredictorConfiguration = LoadPredictorConfiguration()) {
        let defaults = LoadPredictorConfiguration()
        func finite(_ value: Double, _ fallback: Double, _ name: String) -> Double {
            if value.isFinite { return value }
            Self.logger.warning("kalman: \(name) = \(value) is not finite; using the default \(fallback)")
            return fallback
        }
        qLevel = max(1e-12, finite(configuration.kalmanQLevel, defaults.kalmanQLevel, "q_level"))
        qTrend = max(1e-12, finite(configuration.kalmanQTrend, defaults.kalmanQTrend, "q_trend"))
        r = max(1e-9, finite(configuration.kalmanR, defaults.kalmanR, "r"))
        minPoints = configuration.kalmanMinPoints
        log1pMode = configuration.log1p
    }

    public func add(_ value: Double) {
        // Mutating a copy keeps the call off the class's stored property, which
        // would cost a dynamic exclusivity check (~10 ns, half the step) per point.
        var g = gate
        let admitted = g.admit(value, predictor: "kalman")
        gate = g
        guard var v = admitted else { return }
        acceptedCount += 1
        lastValue = v
        if log1pMode { v = Foundation.log1p(max(0, v)) }
        if !initialised {
            start(at: v)
        } else {
            if !forecastCached { predictState() }
            update(v)
            if !(level.isFinite && trend.isFinite && p00.isFinite && p01.isFinite && p10.isFinite && p11.isFinite) {
                Self.logger.warning("kalman: state overflowed at observation \(value); restarting the filter there")
                start(at: v)
            }
        }
        forecastCached = false
    }

    public func predictNext() -> Double {
        if !initialised || acceptedCount < minPoints { return max(0, lastValue) }
        if !forecastCached {
            predictState()
            cachedLevel = level
            forecastCached = true
        }
        let forecast = log1pMode ? Foundation.expm1(cachedLevel) : cachedLevel
        if !forecast.isFinite {
            Self.logger.warning("kalman: forecast \(forecast) is not finite; returning the last value")
            return max(0, lastValue)
        }
        return max(0, forecast)
    }

    public func resetIdleSkip() { gate.resetIdleSkip() }

    // MARK: - filter algebra (filterpy's operation order)

    private func start(at z: Double) {
        level = z
        trend = 0
        p00 = 1000; p01 = 0; p10 = 0; p11 = 1000
        steady = false
        initialised = true
    }

    /// x = F x;  P = F P F' + Q.
    @inline(__always)
    private func predictState() {
        level = level + trend
        if steady { return }   // P is at its fixed point: the prior never changes
        q00 = p00; q01 = p01; q10 = p10; q11 = p11
        let a00 = p00 + p10, a01 = p01 + p11   // first row of F P
        p00 = (a00 + a01) + qLevel
        p01 = a01
        p10 = p10 + p11
        p11 = p11 + qTrend
    }

    /// y = z - Hx; S = HPH' + R; K = PH' S⁻¹; x += K y;
    /// P = (I-KH) P (I-KH)' + K R K'.
    @inline(__always)
    private func update(_ z: Double) {
        let y = z - level
        if steady {
            level = level + gainLevel * y
            trend = trend + gainTrend * y
            return
        }
        let sInverse = 1 / (p00 + r)
        let k0 = p00 * sInverse, k1 = p10 * sInverse
        level = level + k0 * y
        trend = trend + k1 * y
        // (I-KH) = [[1-k0, 0], [-k1, 1]];  A = (I-KH) P
        let c = 1 - k0, d = -k1
        let a00 = c * p00, a01 = c * p01
        let a10 = d * p00 + p10, a11 = d * p01 + p11
        // A (I-KH)' + K R K'
        let kr0 = k0 * r, kr1 = k1 * r
        let n00 = a00 * c + kr0 * k0
        let n01 = (a00 * d + a01) + kr0 * k1
        let n10 = a10 * c + kr1 * k0
        let n11 = (a10 * d + a11) + kr1 * k1
        // The covariance recursion does not depend on the data. Once a whole
        // predict+update cycle maps P to itself bit for bit, every later cycle
        // repeats the same operations on the same operands, so the prior (kept in
        // p00…p11) and the gains are frozen: the full algebra would reproduce
        // them exactly. With the default noise this happens after ~75 points.
        if n00.bitPattern == q00.bitPattern && n01.bitPattern == q01.bitPattern
            && n10.bitPattern == q10.bitPattern && n11.bitPattern == q11.bitPattern {
            steady = true
            gainLevel = k0
            gainTrend = k1
            return
        }
        p00 = n00; p01 = n01; p10 = n10; p11 = n11
    }
}
