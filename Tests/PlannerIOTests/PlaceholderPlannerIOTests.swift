import XCTest

final class PlaceholderPlannerIOTests: XCTestCase {
    func testTargetBuilds() { XCTAssertTrue(true) }
}
