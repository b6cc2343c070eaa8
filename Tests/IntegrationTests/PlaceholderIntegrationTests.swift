import XCTest

final class PlaceholderIntegrationTests: XCTestCase {
    func testTargetBuilds() { XCTAssertTrue(true) }
}
