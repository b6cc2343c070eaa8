import XCTest

final class PlaceholderPlannerCoreTests: XCTestCase {
    func testTargetBuilds() { XCTAssertTrue(true) }
}
