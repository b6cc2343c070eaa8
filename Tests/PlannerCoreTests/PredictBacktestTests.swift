import XCTest
@testable import PlannerCore
import PlannerIO

/// The rolling backtest of `planner predict` and its error metrics.
final class PredictBacktestTests: XCTestCase {
    func testForecastErrorsTable() {
        // actual, predicted → MAE, MAPE (percent, non-zero actuals only), RMSE
        let rows: [([Double], [Double], Double, Double, Double, Int)] = [
            ([], [], 0, 0, 0, 0),
            ([10, 20], [10, 20], 0, 0, 0, 2),
            ([10, 20, 0], [12, 15, 3], 10.0 / 3, 100 * (0.2 + 0.25) / 2, (38.0 / 3).squareRoot(), 2),
            ([0, 0], [1, 3], 2, 0, (5.0).squareRoot(), 0),
            ([-4], [4], 8, 200, 8, 1),
        ]
        for (actual, predicted, mae, mape, rmse, steps) in rows {
            let e = ForecastErrors(actual: actual, predicted: predicted)
            XCTAssertEqual(e.mae, mae, accuracy: 1e-12, "\(actual)")
            XCTAssertEqual(e.mape, mape, accuracy: 1e-12, "\(actual)")
            XCTAssertEqual(e.rmse, rmse, accuracy: 1e-12, "\(actual)")
            XCTAssertEqual(e.mapeSteps, steps, "\(actual)")
        }
    }

    func testBacktestPredictsBeforeAdding() {
        let series: [Double] = [0, 5, 7, 0, 9]
        let r = runBacktest(ConstantPredictor(), series: series)
        XCTAssertEqual(r.series, series)
        // Leading zero skipped; the zero after traffic is kept.
        XCTAssertEqual(r.predictions, [0, 0, 5, 7, 0])
        XCTAssertEqual(r.errors, ForecastErrors(actual: series, predicted: [0, 0, 5, 7, 0]))
        XCTAssertGreaterThanOrEqual(r.secondsPerStep, 0)
        XCTAssertEqual(runBacktest(KalmanPredictor(), series: []).predictions, [])
    }

    func testFieldSelection() {
        let m = IntervalMetrics(intervalStartSeconds: 60, requestCount: 7, averageISL: 1234.5, averageOSL: 99.25)
        XCTAssertEqual(LoadSeriesField.requestCount.value(of: m), 7)
        XCTAssertEqual(LoadSeriesField.averageISL.value(of: m), 1234.5)
        XCTAssertEqual(LoadSeriesField.averageOSL.value(of: m), 99.25)
        XCTAssertEqual(LoadSeriesField(rawValue: "avg_osl"), .averageOSL)
        XCTAssertNil(LoadSeriesField(rawValue: "avg_tokens"))
    }
}

/// `planner predict`'s pipeline on the shared fixtures: trace extraction at
/// 60 s, then the rolling backtest; series and forecasts against the
/// reference's predict goldens (Kalman within 1e-9 relative, constant exact).
final class PredictPipelineTests: XCTestCase {
    func testAzureFixtureThroughTheReaderMatchesTheGoldens() throws {
        let trace = PredictGoldens.root.deletingLastPathComponent()
            .appendingPathComponent("Fixtures/traces/azure_conv_2023.jsonl").path
        let intervals = try TraceReader.extractIntervals(from: trace, intervalSeconds: 60)
        for field in LoadSeriesField.allCases {
            let series = intervals.map(field.value(of:))
            for kind in ["constant", "kalman"] {
                let golden = try XCTUnwrap(PredictGoldens.load(folder: "reference") {
                    $0 == "predict_azure_conv_2023_60_\(field.rawValue)_\(kind).json"
                }.first)
                XCTAssertEqual(series.count, golden.series.count)
                for (a, b) in zip(series, golden.series) { XCTAssertEqual(a, b, accuracy: 1e-12 * max(1, abs(b))) }
                var configuration = LoadPredictorConfiguration()
                configuration.kind = kind == "kalman" ? .kalman : .constant
                PredictGoldens.assertBacktest(makeLoadPredictor(configuration), golden, expected: golden.predictions)
            }
        }
    }
}
