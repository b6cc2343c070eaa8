import XCTest
@testable import PlannerNumerics

/// Structure of Prophet's model as prophet 1.5 builds it (forecaster.py), and bad input.
final class ProphetModelTests: XCTestCase {
    private let start = 1_704_067_200.0  // 2024-01-01T00:00:00Z

    private func stamps(_ n: Int, every seconds: Double) -> [Double] {
        (0..<n).map { start + Double($0) * seconds }
    }

    func testChangepointCountFollowsHistoryLength() throws {
        // min(25, floor(0.8 n) - 1), Prophet's dummy changepoint when that is 0
        for (n, expected) in [(5, 3), (10, 7), (32, 24), (50, 25), (500, 25), (3, 1)] {
            let y = (0..<n).map { Double($0 % 7) + 1 }
            let model = try ProphetModel.fit(timestamps: stamps(n, every: 60), values: y)
            XCTAssertEqual(model.changepointCount, expected, "n = \(n)")
        }
    }

    func testSeasonalitySpanRules() throws {
        func orders(_ n: Int, every seconds: Double) throws -> (Int, Int, Int) {
            let y = (0..<n).map { 10 + sin(Double($0)) }
            let o = try ProphetModel.fit(timestamps: stamps(n, every: seconds), values: y).seasonalityOrders
            return (o.yearly, o.weekly, o.daily)
        }
        XCTAssertTrue(try orders(288, every: 600) == (0, 0, 0), "just under two days")
        XCTAssertTrue(try orders(289, every: 600) == (0, 0, 4), "two days at 10 min: daily")
        XCTAssertTrue(try orders(15, every: 86_400) == (0, 3, 0), "two weeks at daily spacing: weekly only")
        XCTAssertTrue(try orders(14, every: 86_400) == (0, 0, 0), "13 days: neither")
        XCTAssertTrue(try orders(113, every: 3 * 3600) == (0, 3, 4), "two weeks at 3 h: weekly and daily")
        XCTAssertTrue(try orders(3, every: 8 * 86_400) == (0, 0, 0), "weekly spacing: no weekly seasonality")
    }

    func testLinearTrendIsRecovered() throws {
        let n = 40
        let y = (0..<n).map { 100 + 2 * Double($0) }
        let model = try ProphetModel.fit(timestamps: stamps(n, every: 60), values: y)
        let next = try model.predict([start + Double(n) * 60])[0]
        XCTAssertEqual(next, 180, accuracy: 1.5)
    }

    func testConstantHistoryKeepsProphetsStart() throws {
        let model = try ProphetModel.fit(timestamps: stamps(10, every: 60), values: Array(repeating: 7, count: 10))
        XCTAssertEqual(model.iterations, 0)
        XCTAssertEqual(try model.predict([start + 6000])[0], 7, accuracy: 1e-12)
        let zeros = try ProphetModel.fit(timestamps: stamps(10, every: 60), values: Array(repeating: 0, count: 10))
        XCTAssertEqual(zeros.yScale, 1)
        XCTAssertEqual(try zeros.predict([start + 6000])[0], 0, accuracy: 1e-12)
    }

    func testTwoIdenticalTimestampsStillFit() throws {
        var ds = stamps(12, every: 60)
        ds[5] = ds[4]
        let y = [3.0, 5, 4, 6, 5, 7, 6, 8, 7, 9, 8, 10]
        let yhat = try ProphetModel.fit(timestamps: ds, values: y).predict([start + 720])[0]
        XCTAssertTrue(yhat.isFinite)
    }

    func testUnsortedRowsFitLikeSortedOnes() throws {
        let ds = stamps(20, every: 60), y = (0..<20).map { Double(($0 * 7) % 11) + 2 }
        let order = Array((0..<20).reversed())
        let a = try ProphetModel.fit(timestamps: ds, values: y).predict([start + 1200])[0]
        let b = try ProphetModel.fit(timestamps: order.map { ds[$0] }, values: order.map { y[$0] }).predict([start + 1200])[0]
        XCTAssertEqual(a, b, accuracy: 1e-9 * abs(a))
    }

    func testNaNRowsAreDropped() throws {
        let ds = stamps(12, every: 60)
        var y = (0..<12).map { 10 + Double($0) }
        let clean = try ProphetModel.fit(timestamps: ds.enumerated().filter { $0.offset != 3 }.map(\.element),
                                         values: y.enumerated().filter { $0.offset != 3 }.map(\.element))
        y[3] = .nan
        let dropped = try ProphetModel.fit(timestamps: ds, values: y)
        XCTAssertEqual(try dropped.predict([start + 720])[0], try clean.predict([start + 720])[0], accuracy: 1e-9)
    }

    func testBadInputThrows() {
        let ds = stamps(6, every: 60)
        XCTAssertThrowsError(try ProphetModel.fit(timestamps: Array(repeating: start, count: 6), values: [1, 2, 3, 4, 5, 6]))
        XCTAssertThrowsError(try ProphetModel.fit(timestamps: ds, values: [1, 2, .infinity, 4, 5, 6]))
        XCTAssertThrowsError(try ProphetModel.fit(timestamps: ds, values: [1, 2, 3]))
        XCTAssertThrowsError(try ProphetModel.fit(timestamps: [start], values: [1]))
        XCTAssertThrowsError(try ProphetModel.fit(timestamps: [start, .nan], values: [1, 2]))
        var settings = ProphetModel.Settings()
        settings.daily = .order(40)
        XCTAssertThrowsError(try ProphetModel.fit(timestamps: ds, values: [1, 2, 3, 4, 5, 6], settings: settings))
    }
}
