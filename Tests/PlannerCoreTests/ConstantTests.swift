import XCTest
@testable import PlannerCore

/// ConstantPredictor against the reference planner's goldens (exact: the
/// forecast is the last value) and docs/behaviour.md §3's common rules.
final class ConstantTests: XCTestCase {
    func testSharedGoldens() throws {
        let cases = try PredictGoldens.load(folder: "reference") { $0.hasPrefix("predict_") && $0.hasSuffix("_constant.json") }
        XCTAssertEqual(cases.count, 6)
        for c in cases {
            PredictGoldens.assertBacktest(ConstantPredictor(), c, expected: c.predictions, relative: 0)
        }
    }

    func testIdleSkippingNaNInfinityAndNegatives() {
        let p = ConstantPredictor()
        XCTAssertEqual(p.predictNext(), 0)
        p.add(0); p.add(.nan)
        XCTAssertEqual(p.predictNext(), 0)
        p.add(12)
        XCTAssertEqual(p.predictNext(), 12)
        p.add(.infinity)
        XCTAssertEqual(p.predictNext(), 12, "infinity is dropped")
        p.add(.nan)
        XCTAssertEqual(p.predictNext(), 0, "NaN after traffic is a zero")
        p.add(-3)
        XCTAssertEqual(p.predictNext(), 0, "forecasts are never negative")
        p.add(1e15)
        XCTAssertEqual(p.predictNext(), 1e15)
        p.resetIdleSkip(); p.add(0)
        XCTAssertEqual(p.predictNext(), 1e15, "a leading zero after the reset is skipped")
    }
}
