import XCTest

final class PlaceholderConnectorsTests: XCTestCase {
    func testTargetBuilds() { XCTAssertTrue(true) }
}
