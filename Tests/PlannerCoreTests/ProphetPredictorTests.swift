import Foundation
import XCTest
@testable import PlannerCore

/// ProphetPredictor against prophet 1.5 (goldens from tools/ref_planner.py
/// predict … prophet): yhat within 1 % of the window's largest |y| on at least
/// 95 % of the rolling steps (issue 5's bar).
final class ProphetPredictorTests: XCTestCase {
    private func configuration(window: Int = 50, interval: Int = 60, log1p: Bool = false) -> LoadPredictorConfiguration {
        var c = LoadPredictorConfiguration()
        c.kind = .prophet
        c.prophetWindowSize = window
        c.intervalSeconds = interval
        c.log1p = log1p
        return c
    }

    /// Share of steps within 1 % of the largest |y| among the last `window` kept points.
    private func shareWithinTolerance(_ c: PredictGoldens.Case, window: Int, interval: Int, log1p: Bool = false) -> (Double, Int) {
        let predictor = makeLoadPredictor(configuration(window: window, interval: interval, log1p: log1p))
        let result = runBacktest(predictor, series: c.series)
        var kept: [Double] = []
        var good = 0, worstStep = -1, worst = 0.0
        for (k, (got, want)) in zip(result.predictions, c.predictions).enumerated() {
            let scale = kept.suffix(window).map(abs).max() ?? 0
            let error = abs(got - want) / (scale > 0 ? scale : 1)
            if error <= 0.01 { good += 1 }
            if error > worst { worst = error; worstStep = k }
            XCTAssertTrue(got.isFinite && got >= 0, "\(c.name) step \(k): \(got)")
            let v = c.series[k]
            if !(v == 0 && kept.allSatisfy { $0 == 0 }) { kept.append(v) }
        }
        return (Double(good) / Double(max(1, c.predictions.count)), worstStep)
    }

    /// Every golden of `folder` matching `filter` holds the bar with these predictor settings.
    private func assertGoldens(_ folder: String, count: Int, window: Int, interval: Int, log1p: Bool = false,
                               where filter: @escaping (String) -> Bool) throws {
        let cases = try PredictGoldens.load(folder: folder, where: filter)
        XCTAssertEqual(cases.count, count, "goldens in \(folder)")
        for c in cases {
            let (share, worst) = shareWithinTolerance(c, window: window, interval: interval, log1p: log1p)
            XCTAssertGreaterThanOrEqual(share, 0.95, "\(c.name): \(share) within 1 % (worst step \(worst))")
        }
    }

    func testReferenceGoldensWindow50() throws {
        try assertGoldens("reference", count: 6, window: 50, interval: 60) { $0.hasSuffix("_prophet.json") }
    }

    /// Four days at 600 s with a daily cycle, window 500: Newton below 100 points,
    /// L-BFGS above, daily seasonality from step 288 on.
    func testDailyCycleWindow500() throws {
        try assertGoldens("prophet", count: 1, window: 500, interval: 600) { $0.hasPrefix("predict_daily_cycle_600") }
    }

    func testLog1pGolden() throws {
        try assertGoldens("prophet", count: 1, window: 50, interval: 60, log1p: true) { $0.hasSuffix("_prophet_log1p.json") }
    }

    func testShortWindowGolden() throws {
        try assertGoldens("prophet", count: 1, window: 20, interval: 60) { $0.hasSuffix("_prophet_w20.json") }
    }

    func testBelowMinimumPointsReturnsLastValue() {
        let p = ProphetPredictor(configuration: configuration())
        XCTAssertEqual(p.predictNext(), 0)
        for v in [0.0, 0, 3, 4, 5, 6] { p.add(v) }   // leading zeros skipped: 4 points kept
        XCTAssertEqual(p.predictNext(), 6)
        p.add(7)
        XCTAssertNotEqual(p.predictNext(), 7, "five points: the model forecasts")
    }

    func testLinearSeriesExtrapolates() {
        let p = ProphetPredictor(configuration: configuration())
        for k in 1...30 { p.add(Double(10 * k)) }
        XCTAssertEqual(p.predictNext(), 310, accuracy: 3)
    }

    func testPredictTwiceDoesNotRefitDifferently() {
        let p = ProphetPredictor(configuration: configuration())
        for v in [5.0, 9, 4, 8, 6, 7, 5, 9] { p.add(v) }
        let a = p.predictNext(), b = p.predictNext()
        XCTAssertEqual(a, b)
    }

    func testBadInputNeverTraps() {
        let cases: [[Double]] = [
            Array(repeating: 42, count: 60),                    // constant window: Prophet keeps its start
            [1] + Array(repeating: 0, count: 59),               // zeros after traffic: a window of zeros
            [3, .nan, 4, .nan, 5, .nan, 6, 7, .nan, 8],         // NaN counts as 0
            [1, .infinity, 2, -.infinity, 3, 4, 5, 1e15, 6],    // infinities dropped, a huge value kept
            [5, -3, 4, -2, 6, -1, 7],                           // negative loads
        ]
        for series in cases {
            for log1p in [false, true] {
                let p = ProphetPredictor(configuration: configuration(log1p: log1p))
                for v in series {
                    let f = p.predictNext()
                    XCTAssertTrue(f.isFinite && f >= 0, "\(series) log1p \(log1p): \(f)")
                    p.add(v)
                }
                let f = p.predictNext()
                XCTAssertTrue(f.isFinite && f >= 0, "\(series) log1p \(log1p): \(f)")
            }
        }
        let constant = ProphetPredictor(configuration: configuration())
        for _ in 0..<20 { constant.add(42) }
        XCTAssertEqual(constant.predictNext(), 42, accuracy: 1e-9)
    }

    func testZeroIntervalFallsBackToLastValue() {
        // every timestamp equal: Prophet cannot scale time; the predictor logs and keeps the last value
        let p = ProphetPredictor(configuration: configuration(interval: 0))
        for v in [5.0, 9, 4, 8, 6, 7] { p.add(v) }
        XCTAssertEqual(p.predictNext(), 7)
    }
}
