import Foundation
import XCTest
import PlannerNumerics

/// Holt–Winters against statsmodels 0.15's ExponentialSmoothing, from
/// Tests/Goldens/holt_winters/cases.json (made by make_cases.py beside it:
/// known initial state from statsmodels' own "simple" rule, fit() defaults).
final class HoltWintersTests: XCTestCase {
    private struct Cases: Decodable {
        struct Case: Decodable {
            var name: String, trend: Int, damped: Int, period: Int
            var y: [Double], level0: Double, trend0: Double, seasonal0: [Double]
            var alpha: Double, beta: Double, gamma: Double, phi: Double
            var sse: Double, fitted: [Double], forecast: Double
        }
        var cases: [Case]
    }

    private func load() throws -> [Cases.Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Goldens/holt_winters/cases.json")
        return try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url)).cases
    }

    private func spec(_ c: Cases.Case) -> HoltWinters.Spec {
        HoltWinters.Spec(trend: c.trend == 1, damped: c.damped == 1, period: c.period)
    }

    /// The recursion at statsmodels' fitted weights: SSE to 1e-12 relative,
    /// every one-step fitted value and the next forecast to 1e-9 absolute
    /// (values are 10–300; the differences seen are ~1e-13).
    func testRecursionMatchesStatsmodels() throws {
        let cases = try load()
        XCTAssertEqual(cases.count, 8)
        for c in cases {
            let s = spec(c)
            let p = HoltWinters.Parameters(alpha: c.alpha, beta: c.beta, gamma: c.gamma, phi: c.phi)
            let initial = try HoltWinters.simpleInitialState(s, series: c.y)
            XCTAssertEqual(initial.level, c.level0, accuracy: 1e-12 * max(1, abs(c.level0)), c.name)
            XCTAssertEqual(initial.trend, c.trend0, accuracy: 1e-12 * max(1, abs(c.trend0)), c.name)
            for (a, b) in zip(initial.seasonal, c.seasonal0) { XCTAssertEqual(a, b, accuracy: 1e-10, c.name) }
            var state = initial
            var fitted: [Double] = []
            for y in c.y {
                fitted.append(HoltWinters.forecast(s, p, state: state))
                _ = try HoltWinters.step(s, p, value: y, state: &state)
            }
            for (a, b) in zip(fitted, c.fitted) { XCTAssertEqual(a, b, accuracy: 1e-9, c.name) }
            XCTAssertEqual(HoltWinters.forecast(s, p, state: state), c.forecast, accuracy: 1e-9, c.name)
            var again = initial
            let sse = try HoltWinters.filter(s, p, series: c.y, state: &again)
            XCTAssertEqual(sse, c.sse, accuracy: 1e-12 * c.sse, c.name)
            XCTAssertEqual(again, state, c.name)
        }
    }

    /// Both minimise the same SSE from the same initial state: ours must be no
    /// larger than statsmodels' (1e-9 relative slack), and where both reach the
    /// same optimum the weights agree to 1e-4.
    func testFitIsAtLeastAsGoodAsStatsmodels() throws {
        var workspace: [Double] = []
        for c in try load() {
            let s = spec(c)
            let initial = try HoltWinters.simpleInitialState(s, series: c.y)
            let fit = try HoltWinters.fit(s, series: c.y, initial: initial, workspace: &workspace)
            XCTAssertLessThanOrEqual(fit.sse, c.sse * (1 + 1e-9), c.name)
            if abs(fit.sse - c.sse) <= 1e-9 * c.sse {
                XCTAssertEqual(fit.parameters.alpha, c.alpha, accuracy: 1e-4, c.name)
                XCTAssertEqual(fit.parameters.beta, c.beta, accuracy: 1e-4, c.name)
                XCTAssertEqual(fit.parameters.gamma, c.gamma, accuracy: 1e-4, c.name)
                XCTAssertEqual(fit.parameters.phi, c.phi, accuracy: 1e-4, c.name)
            }
            // Inside statsmodels' admissible region.
            let p = fit.parameters
            XCTAssert(p.alpha > 0 && p.alpha < 1 && p.beta >= 0 && p.beta <= p.alpha + 1e-15, c.name)
            XCTAssert(p.gamma >= 0 && p.gamma <= 1 - p.alpha + 1e-15 && p.phi >= 0.8 - 1e-15 && p.phi <= 1, c.name)
        }
    }

    /// The smoothed initial season: per-slot means over full cycles minus each
    /// cycle's mean, circular moving average, re-centred. A pure sinusoid of
    /// period 8 over 3 cycles comes back as itself smoothed by a 3-point window:
    /// amplitude × (1 + 2 cos(2π/8)) / 3.
    func testSmoothedInitialSeason() throws {
        let m = 8
        let y = (0..<(3 * m)).map { 100 + 10 * sin(2 * Double.pi * Double($0) / Double(m)) }
        let spec = HoltWinters.Spec(trend: true, damped: true, period: m)
        let state = try HoltWinters.smoothedInitialState(spec, series: y, window: 3)
        let gain = (1 + 2 * cos(2 * Double.pi / Double(m))) / 3
        for j in 0..<m {
            XCTAssertEqual(state.seasonal[j], 10 * gain * sin(2 * Double.pi * Double(j) / Double(m)), accuracy: 1e-12)
        }
        XCTAssertEqual(state.seasonal.reduce(0, +), 0, accuracy: 1e-12)
        XCTAssertEqual(state.level, 100, accuracy: 1e-12)
        // Without season: the first value, no trend.
        let line = (0..<20).map { 5 + 2 * Double($0) }
        let flat = try HoltWinters.smoothedInitialState(HoltWinters.Spec(trend: true, damped: false, period: 0),
                                                       series: line, window: 1)
        XCTAssertEqual(flat.trend, 0)
        XCTAssertEqual(flat.level, 5)
    }

    func testBadInputIsAnError() {
        var ws: [Double] = []
        let s = HoltWinters.Spec(trend: true, damped: false, period: 4)
        XCTAssertThrowsError(try HoltWinters.simpleInitialState(s, series: [1, 2, 3]))   // < 2 seasons
        XCTAssertThrowsError(try HoltWinters.fit(s, series: [], initial: HoltWinters.State(level: 0, seasonal: [0, 0, 0, 0]),
                                                 workspace: &ws))
        XCTAssertThrowsError(try HoltWinters.fit(s, series: [1, .nan, 3],
                                                 initial: HoltWinters.State(level: 0, seasonal: [0, 0, 0, 0]), workspace: &ws))
        XCTAssertThrowsError(try HoltWinters.smoothedInitialState(s, series: Array(repeating: 1, count: 8), window: 2))
        XCTAssertThrowsError(try HoltWinters.simpleInitialState(HoltWinters.Spec(trend: false, damped: true, period: 0),
                                                                series: [1, 2]))
    }
}
