import XCTest
@testable import PlannerCore

/// `predictLoad` with `--decode-headroom`: one request-count forecast serves both pools.
final class PredictLoadTests: XCTestCase {
    /// Returns `value` and counts the calls.
    final class CountingPredictor: LoadPredictor {
        var value: Double
        var calls = 0
        init(_ value: Double) { self.value = value }
        func add(_ value: Double) {}
        func predictNext() -> Double { calls += 1; return value }
        func resetIdleSkip() {}
    }

    private func engine(_ requestCount: LoadPredictor) throws -> PlannerDecisionEngine {
        let profile = linearProfile()
        return try PlannerDecisionEngine(settings: settings60(budget: -1), prefillInterpolator: PrefillInterpolator(profile: profile.prefill),
                                         decodeInterpolator: DecodeInterpolator(profile: profile.decode),
                                         requestCountPredictor: requestCount, islPredictor: CountingPredictor(1000),
                                         oslPredictor: CountingPredictor(100))
    }

    func testOneForecastServesBothPools() throws {
        let base = CountingPredictor(100)
        let e = try engine(HeadroomForecaster(base: base, factor: 1.3))
        e.headroom.decodeHeadroom = 1.15
        let load = e.predictLoad()
        XCTAssertEqual(base.calls, 1, "the base model is asked once")
        XCTAssertEqual(load.requestCount, 100 * 1.3, "prefill: the --forecast-headroom factor")
        XCTAssertEqual(load.decodeRequestCount, 100 * 1.15, "decode: its own factor on the same forecast")
        e.headroom.targetAttainment = 0.99
        e.observeAttainment(ttft: 0.9, itl: 0.9)
        let fed = e.predictLoad()
        XCTAssertEqual(base.calls, 2)
        XCTAssertEqual(fed.requestCount, 100 * 1.3 * e.feedbackFactors.prefill)
        XCTAssertEqual(fed.decodeRequestCount, 100 * 1.15 * e.feedbackFactors.decode)
    }

    func testWithoutAHeadroomWrapperTheForecastIsUsedAsIs() throws {
        let base = CountingPredictor(80)
        let e = try engine(base)
        e.headroom.decodeHeadroom = 1.5
        let load = e.predictLoad()
        XCTAssertEqual(base.calls, 1)
        XCTAssertEqual(load.requestCount, 80)
        XCTAssertEqual(load.decodeRequestCount, 120)
    }

    func testAnOverflowingProductFallsBackToTheForecast() throws {
        let base = CountingPredictor(.greatestFiniteMagnitude)
        let wrapped = HeadroomForecaster(base: base, factor: 2)
        XCTAssertEqual(wrapped.predictNext(), .greatestFiniteMagnitude, "the product is not finite: the forecast itself")
        XCTAssertEqual(wrapped.scaled(-5), 0, "never below 0")
        let e = try engine(wrapped)
        base.calls = 0
        XCTAssertEqual(e.predictLoad().requestCount, .greatestFiniteMagnitude)
        XCTAssertEqual(base.calls, 1)
    }
}
