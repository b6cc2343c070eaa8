import XCTest
@testable import PlannerNumerics

final class TridiagonalTests: XCTestCase {
    func testSolvesKnownSystem() throws {
        // [2 1 0; 1 3 1; 0 1 2] x = [4 10 8] has x = [1 2 3]
        let x = try Tridiagonal.solve(lower: [1, 1], diagonal: [2, 3, 2], upper: [1, 1], b: [4, 10, 8])
        for (got, want) in zip(x, [1.0, 2.0, 3.0]) { XCTAssertEqual(got, want, accuracy: 1e-12) }
    }

    func testSingularSystemThrows() {
        XCTAssertThrowsError(try Tridiagonal.solve(lower: [1], diagonal: [1, 1], upper: [1], b: [1, 2]))
    }

    func testNaNAndShapeMismatchThrow() {
        XCTAssertThrowsError(try Tridiagonal.solve(lower: [1], diagonal: [.nan, 1], upper: [0], b: [1, 2]))
        XCTAssertThrowsError(try Tridiagonal.solve(lower: [], diagonal: [1, 1], upper: [1], b: [1, 2]))
    }
}
