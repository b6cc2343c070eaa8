import PlannerNumerics
import XCTest

final class CubicSplineTests: XCTestCase {
    /// Not-a-knot conditions make a cubic spline reproduce any cubic exactly.
    func testReproducesCubicsExactly() throws {
        let f = { (t: Double) in 2 - 3 * t + 0.5 * t * t - 0.01 * t * t * t }
        let x: [Double] = [0, 1.5, 2, 4.5, 7, 8, 11]
        let s = try CubicSpline(x: x, y: x.map(f))
        for t in stride(from: -1.0, through: 12, by: 0.173) {
            XCTAssertEqual(s(t), f(t), accuracy: 1e-12 * max(1, abs(f(t))))
        }
    }

    /// Values from scipy 1.17: interp1d([0,1,2,3,5], [1,3,2,5,4], kind="cubic")([0.5, 2.5, 4]).
    func testMatchesScipyOnASmallCase() throws {
        let s = try CubicSpline(x: [0, 1, 2, 3, 5], y: [1, 3, 2, 5, 4])
        XCTAssertEqual(s(0.5), 2.985294117647059, accuracy: 1e-12)
        XCTAssertEqual(s(2.5), 3.080882352941176, accuracy: 1e-12)
        XCTAssertEqual(s(4), 7.9411764705882355, accuracy: 1e-12)
    }

    func testSortsAndRejectsBadInput() throws {
        let a = try CubicSpline(x: [3, 0, 2, 1, 5], y: [5, 1, 2, 3, 4])
        XCTAssertEqual(a.x, [0, 1, 2, 3, 5])
        XCTAssertEqual(a(0.5), 2.985294117647059, accuracy: 1e-12)
        XCTAssertThrowsError(try CubicSpline(x: [0, 1, 1, 2], y: [0, 1, 2, 3])) { e in
            XCTAssertEqual(e as? InterpolationInputError, .duplicate(what: "spline", index: 2, other: 1))
        }
        XCTAssertThrowsError(try CubicSpline(x: [0, 1, .nan, 2], y: [0, 1, 2, 3]))
        XCTAssertThrowsError(try CubicSpline(x: [0, 1, 2, 3], y: [0, .infinity, 2, 3]))
        XCTAssertThrowsError(try CubicSpline(x: [0], y: [0]))
        XCTAssertThrowsError(try CubicSpline(x: [0, 1], y: [0]))
        XCTAssertTrue(try CubicSpline(x: [0, 1], y: [0, 2])(.nan).isNaN)
    }
}
