import Foundation
import XCTest
@testable import PlannerCore

/// A predictor that forecasts from a script: forecast k is `script(k)`.
private final class ScriptedPredictor: LoadPredictor {
    let script: (Int) -> Double
    var added = 0
    init(_ script: @escaping (Int) -> Double) { self.script = script }
    func add(_ value: Double) { added += 1 }
    func predictNext() -> Double { script(added) }
    func resetIdleSkip() {}
}

/// The project's own forecasting pieces (docs/planning.md): refit schedule,
/// ARIMA re-selection, quantile sizing, auto selection, oracle.
final class ForecastingExtensionsTests: XCTestCase {
    func testRefitScheduleCheckpoints() {
        let table: [(first: Int, every: Int, expected: [Int])] = [
            (5, 200, [5, 10, 20, 40, 80, 160, 320, 520, 720]),
            (10, 100, [10, 20, 40, 80, 160, 260, 360]),
            (5, 1, [5, 6, 7, 8]),
            (0, 0, [1, 2, 3]),   // clamped to 1
        ]
        for row in table {
            var s = RefitSchedule(first: row.first, every: row.every)
            var seen: [Int] = []
            for n in 1...2000 where s.isDue(count: n) {
                seen.append(n)
                s.refitted(count: n)
                if seen.count == row.expected.count { break }
            }
            XCTAssertEqual(seen, row.expected, "\(row)")
        }
        // A late refit (predictNext not called at every point) skips past the count.
        var s = RefitSchedule(first: 5, every: 200)
        s.refitted(count: 33)
        XCTAssertEqual(s.next, 40)
    }

    private func cycle(_ n: Int) -> [Double] {
        (0..<n).map { (i: Int) -> Double in
            let wave: Double = 30 * sin(Double(i) / 4)
            return 100 + wave + Double((i * 7919) % 11)
        }
    }

    /// Dynamo's ARIMA keeps the order chosen at 5 points; with re-selection the
    /// search runs again at 10, 20, 40 points. `auto` turns it on by default.
    func testARIMAReselection() {
        var c = LoadPredictorConfiguration()
        c.kind = .arima
        XCTAssertFalse(c.arimaReselectResolved)
        let dynamo = ARIMAPredictor(configuration: c)
        _ = runBacktest(dynamo, series: cycle(50))
        XCTAssertEqual(dynamo.firstFits.map(\.points), [5])

        c.arimaReselect = true
        let reselecting = ARIMAPredictor(configuration: c)
        _ = runBacktest(reselecting, series: cycle(50))
        XCTAssertEqual(reselecting.firstFits.map(\.points), [5, 10, 20, 40])

        var auto = LoadPredictorConfiguration()
        auto.kind = .auto
        XCTAssertTrue(auto.arimaReselectResolved)
        auto.arimaReselect = false
        XCTAssertFalse(auto.arimaReselectResolved)
    }

    /// Until the first fit the last value; then the damped-trend model; the
    /// season joins after two periods and then tracks a clean cycle closely.
    func testSeasonalPredictorLearnsTheCycle() {
        var c = LoadPredictorConfiguration()
        c.kind = .seasonal
        c.seasonalPeriod = 24
        c.seasonalRefitEvery = 24
        let p = SeasonalPredictor(configuration: c)
        let y = (0..<(24 * 6)).map { 200 + 80 * sin(2 * Double.pi * Double($0) / 24) }
        XCTAssertEqual(p.predictNext(), 0)
        for v in y.prefix(3) { p.add(v) }
        XCTAssertEqual(p.predictNext(), y[2])
        var errors: [Double] = []
        for (k, v) in y.enumerated().dropFirst(3) {
            let f = p.predictNext()
            if k >= 24 * 4 { errors.append(abs(f - v)) }
            p.add(v)
        }
        XCTAssertTrue(p.seasonActive)
        XCTAssertLessThan(errors.max() ?? .infinity, 1.0, "a noiseless cycle is forecast within 1 (amplitude 80)")
        XCTAssertNotNil(p.modelForecastVariance())
        XCTAssertGreaterThanOrEqual(p.modelForecastVariance() ?? -1, 0)
    }

    func testSeasonalPredictorInputRules() {
        var c = LoadPredictorConfiguration()
        c.kind = .seasonal
        let p = SeasonalPredictor(configuration: c)
        for v in [0, 0, .nan, .infinity, 5, 6, -.infinity, 7, 8, 9, 10] as [Double] { p.add(v) }
        let f = p.predictNext()
        XCTAssert(f.isFinite && f > 9.5 && f < 12, "trend 1 per step from 5…10, got \(f)")
        XCTAssertEqual(p.predictNext(), f, "no advance without add")
    }

    func testNormalQuantile() {
        XCTAssertEqual(NormalDistribution.quantile(0.975), 1.959963984540054, accuracy: 1e-12)
        XCTAssertEqual(NormalDistribution.quantile(0.5), 0, accuracy: 1e-15)
        XCTAssertEqual(NormalDistribution.quantile(0.1), -1.2815515655446004, accuracy: 1e-12)
        XCTAssertEqual(NormalDistribution.quantile(0), -.infinity)
    }

    /// Residuals of a constant forecaster on 100, 110, 100, 110, …: +10 and −10
    /// alternately. numpy's quantile of 10 such values at q: −10 + 20·clamp(…).
    func testQuantileForecasterEmpiricalResiduals() {
        let q = QuantileForecaster(base: ConstantPredictor(), quantile: 0.9, window: 10)
        let series = (0..<21).map { $0 % 2 == 0 ? 100.0 : 110.0 }
        for v in series.prefix(1) { q.add(v) }
        XCTAssertEqual(q.predictNext(), 100, "no residuals yet and no model variance: the mean")
        for v in series.dropFirst() { q.add(v) }
        // Window: the last 10 residuals = five +10 and five −10; sorted, position 0.9·9 = 8.1 → +10.
        XCTAssertEqual(q.predictNext(), 100 + 10, accuracy: 1e-12)
        let median = QuantileForecaster(base: ConstantPredictor(), quantile: 0.5, window: 10)
        for v in series { median.add(v) }
        XCTAssertEqual(median.predictNext(), 100, accuracy: 1e-12, "position 4.5 between −10 and +10")
        XCTAssertEqual(q.modelForecastVariance() ?? 0, 100 * 10 / 9, accuracy: 1e-9)
    }

    /// With a model variance and too few residuals, the Gaussian quantile.
    func testQuantileForecasterFallsBackOnModelVariance() {
        final class Gaussian: LoadPredictor {
            func add(_ value: Double) {}
            func predictNext() -> Double { 50 }
            func resetIdleSkip() {}
            func modelForecastVariance() -> Double? { 4 }
        }
        let q = QuantileForecaster(base: Gaussian(), quantile: 0.975)
        XCTAssertEqual(q.predictNext(), 50 + 2 * 1.959963984540054, accuracy: 1e-9)
        let low = QuantileForecaster(base: Gaussian(), quantile: 0.001)
        XCTAssertEqual(low.predictNext(), 50 - 2 * 3.090232306167813, accuracy: 1e-9)
    }

    /// A under-forecasts by 10, B over-forecasts by 15. With under weighted 2:1
    /// (the default) A costs 20 per interval and B 15: B is used; at 1:1 A wins.
    func testAutoSelectsByAsymmetricLoss() {
        let actual: (Int) -> Double = { 100 + Double($0 % 7) }
        func auto(under: Double, over: Double) -> AutoPredictor {
            AutoPredictor(candidates: [(.constant, ScriptedPredictor { actual($0) - 10 }),
                                       (.kalman, ScriptedPredictor { actual($0) + 15 })],
                          window: 5, underWeight: under, overWeight: over)
        }
        let weighted = auto(under: 2, over: 1)
        XCTAssertEqual(weighted.predictNext(), actual(0) - 10, "no losses yet: the first candidate")
        for k in 0..<8 { _ = weighted.predictNext(); weighted.add(actual(k)) }
        XCTAssertEqual(weighted.predictNext(), actual(8) + 15)
        XCTAssertEqual(weighted.selected, 1)
        XCTAssertEqual(weighted.windowLosses, [20, 15])
        let even = auto(under: 1, over: 1)
        for k in 0..<8 { even.add(actual(k)) }   // scored without predictNext calls too
        XCTAssertEqual(even.predictNext(), actual(8) - 10)
        XCTAssertEqual(AutoPredictor.loss(actual: 10, forecast: 4, underWeight: 3, overWeight: 1), 18)
        XCTAssertEqual(AutoPredictor.loss(actual: 4, forecast: 10, underWeight: 3, overWeight: 0.5), 3)
    }

    /// `--auto-combine k`: the mean of the k lowest-loss candidates (losses 20, 15, 30 per interval).
    func testAutoCombinesTheBestCandidates() {
        let actual: (Int) -> Double = { 100 + Double($0 % 7) }
        func auto(combine: Int) -> AutoPredictor {
            let a = AutoPredictor(candidates: [(.constant, ScriptedPredictor { actual($0) - 10 }),
                                               (.kalman, ScriptedPredictor { actual($0) + 15 }),
                                               (.arima, ScriptedPredictor { actual($0) + 30 })],
                                  window: 5, underWeight: 2, overWeight: 1, combine: combine)
            for k in 0..<8 { a.add(actual(k)) }
            return a
        }
        let rows: [(Int, Double)] = [(1, 15), (2, 2.5), (3, 35.0 / 3), (0, 15), (9, 35.0 / 3)]   // 0 and 9 are clamped
        for (k, offset) in rows {
            XCTAssertEqual(auto(combine: k).predictNext(), actual(8) + offset, accuracy: 1e-12, "combine \(k)")
        }
        let two = auto(combine: 2)
        _ = two.predictNext()
        XCTAssertEqual(two.selected, 1, "the best candidate, as with combine 1")
    }

    func testAutoBuildsItsCandidates() {
        var c = LoadPredictorConfiguration()
        c.kind = .auto
        c.seasonalPeriod = 24
        let auto = AutoPredictor(configuration: c)
        XCTAssertEqual(auto.kinds, [.seasonal, .arima, .kalman, .constant])
        let r = runBacktest(auto, series: cycle(120))
        XCTAssert(r.predictions.allSatisfy { $0.isFinite && $0 >= 0 })
        XCTAssertLessThan(r.errors.mape, 12)
    }

    func testOracleForecastsTheTruth() {
        let oracle = OraclePredictor(future: [3, 5, .nan, -2, 8])
        XCTAssertEqual(oracle.predictNext(), 3)
        oracle.add(3)
        XCTAssertEqual(oracle.predictNext(), 5)
        oracle.add(5); oracle.add(.nan)
        XCTAssertEqual(oracle.predictNext(), 0, "a negative truth is forecast as 0")
        oracle.resetIdleSkip()   // end of a warm-up: the trace starts again
        XCTAssertEqual(oracle.predictNext(), 3)
        for v in [3.0, 5, 1, 2, 8] { oracle.add(v) }
        XCTAssertEqual(oracle.predictNext(), 8, "past the end: the last value")
        XCTAssertEqual(makeLoadPredictor({ var c = LoadPredictorConfiguration(); c.kind = .oracle; return c }()).predictNext(), 0)
    }

    /// The quantile wraps only the request-count predictor the engine builds.
    func testRequestCountPredictorIsWrappedForAQuantile() {
        var c = LoadPredictorConfiguration()
        c.kind = .kalman
        XCTAssert(makeRequestCountPredictor(c) is KalmanPredictor)
        c.forecastQuantile = 0.9
        XCTAssert(makeRequestCountPredictor(c) is QuantileForecaster)
        var auto = LoadPredictorConfiguration()
        auto.kind = .auto
        XCTAssertEqual(auto.forecastQuantileResolved, LoadPredictorConfiguration.autoDefaultQuantile)
        auto.meanForecast = true
        XCTAssertNil(auto.forecastQuantileResolved)
        c.forecastHeadroom = 1.2
        XCTAssert(makeRequestCountPredictor(c) is HeadroomForecaster)
        c.kind = .oracle
        XCTAssert((makeRequestCountPredictor(c, future: [1]) as? HeadroomForecaster)?.base is OraclePredictor,
                  "the oracle is exact: no quantile, but headroom (the knob the comparison tunes it with)")
        c.forecastHeadroom = 1
        XCTAssert(makeRequestCountPredictor(c, future: [1]) is OraclePredictor)
    }
}
