import Foundation
import XCTest
import PlannerNumerics

/// ARIMA pieces against statsmodels 0.15 SARIMAX and pmdarima 2.1.1, from
/// Tests/Goldens/arima/numerics/cases.json (made by make_cases.py beside it).
final class ARIMATests: XCTestCase {
    private struct Cases: Decodable {
        struct Fit: Decodable {
            var series: String, order: [Int], intercept: Bool
            var start_params: [Double], loglike_at_start: Double, params: [Double], aic: Double, forecast: Double
        }
        struct KPSS: Decodable { var series: String, pvalue: Double, ndiffs: Int }
        struct Auto: Decodable { var series: String, order: [Int], intercept: Bool, aic: Double, forecast: Double }
        var series: [String: [Double]]
        var fits: [Fit]
        var kpss: [KPSS]
        var auto: [Auto]
    }

    private func load() throws -> Cases {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Goldens/arima/numerics/cases.json")
        return try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url))
    }

    /// Start parameters are closed-form least squares (1e-9); the likelihood at
    /// them agrees to 1e-6 relative (statsmodels' diffuse filter rounds the
    /// d > 0 cases differently). Fitted AIC: every case within 0.5 % — 50
    /// iterations of L-BFGS on a flat likelihood amplify rounding — and at
    /// least 90 % of the cases within 1e-6.
    func testFitsMatchStatsmodels() throws {
        let cases = try load()
        XCTAssertEqual(cases.fits.count, 30)
        var tight = 0
        for c in cases.fits {
            let y = try XCTUnwrap(cases.series[c.series])
            let label = "\(c.series) \(c.order) c=\(c.intercept)"
            let model = ARIMAModel(p: c.order[0], d: c.order[1], q: c.order[2], intercept: c.intercept)
            let start = try model.startParameters(y)
            for (a, b) in zip(start, c.start_params) { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b)), label) }
            var atStart = model
            atStart.parameters = c.start_params
            XCTAssertEqual(try atStart.loglike(y), c.loglike_at_start, accuracy: 1e-6 * abs(c.loglike_at_start), label)
            let fitted = try model.fit(y)
            XCTAssertEqual(fitted.aic, c.aic, accuracy: 5e-3 * abs(c.aic), label)
            XCTAssertEqual(try fitted.forecast(after: y), c.forecast, accuracy: 2e-3 * abs(c.forecast), label)
            if abs(fitted.aic - c.aic) <= 1e-6 * abs(c.aic) { tight += 1 }
        }
        XCTAssertGreaterThanOrEqual(Double(tight), 0.9 * Double(cases.fits.count))
    }

    func testNdiffsMatchesPmdarima() throws {
        let cases = try load()
        for c in cases.kpss {
            XCTAssertEqual(try ARIMAModel.ndiffs(try XCTUnwrap(cases.series[c.series])), c.ndiffs, c.series)
        }
    }

    func testAutoArimaMatchesPmdarima() throws {
        let cases = try load()
        for c in cases.auto {
            let y = try XCTUnwrap(cases.series[c.series])
            let m = try ARIMAModel.autoFit(y)
            XCTAssertEqual([m.p, m.d, m.q], c.order, c.series)
            XCTAssertEqual(m.intercept, c.intercept, c.series)
            XCTAssertEqual(m.aic, c.aic, accuracy: 1e-6 * abs(c.aic), c.series)
            XCTAssertEqual(try m.forecast(after: y), c.forecast, accuracy: 1e-5 * abs(c.forecast), c.series)
        }
    }

    func testBadInputThrowsInsteadOfTrapping() {
        XCTAssertThrowsError(try ARIMAModel.autoFit([]))
        XCTAssertThrowsError(try ARIMAModel.autoFit([1, .nan, 3, 4, 5]))
        XCTAssertThrowsError(try ARIMAModel.autoFit([1, .infinity, 3, 4, 5]))
        XCTAssertThrowsError(try ARIMAModel(p: 1, d: 0, q: 0, intercept: true, parameters: [1]).forecast(after: [1, 2, 3]))
        XCTAssertThrowsError(try ARIMAModel(p: 0, d: 2, q: 0, intercept: false).fit([1, 2]))
        // Constant, tiny and huge series fit or throw, never trap.
        for y in [[Double](repeating: 4, count: 10), [0, 0, 0, 0, 0, 0], [1, 2], [1e15, 3e15, 2e15, 5e15, 4e15, 6e15]] {
            if let m = try? ARIMAModel.autoFit(y), let f = try? m.forecast(after: y) { XCTAssertTrue(f.isFinite, "\(y)") }
        }
    }
}
