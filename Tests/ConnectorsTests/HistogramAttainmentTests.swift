import Connectors
import XCTest

/// `HistogramAttainment.fraction`: the share of a histogram's observations within a threshold.
final class HistogramAttainmentTests: XCTestCase {
    let inf = Double.infinity

    func testFractionTable() {
        // 10 at or below 0.1 s, 30 at or below 0.5 s, 40 in all.
        let b: [(le: Double, count: Double)] = [(0.5, 30), (inf, 40), (0.1, 10)]  // any order
        let table: [(Double, Double?)] = [
            (0, 0), (0.05, 5.0 / 40), (0.1, 10.0 / 40), (0.3, 20.0 / 40), (0.5, 30.0 / 40),
            (2, 30.0 / 40),  // inside +Inf: the last finite bound's share
            (-1, nil), (.nan, nil), (inf, nil),
        ]
        for (threshold, expected) in table {
            let got = HistogramAttainment.fraction(buckets: b, threshold: threshold)
            if let expected {
                XCTAssertEqual(got ?? -1, expected, accuracy: 1e-12, "threshold \(threshold)")
            } else {
                XCTAssertNil(got, "threshold \(threshold)")
            }
        }
    }

    func testNothingObservedAndBrokenCounts() {
        XCTAssertNil(HistogramAttainment.fraction(buckets: [], threshold: 1))
        XCTAssertNil(HistogramAttainment.fraction(buckets: [(1, 0), (inf, 0)], threshold: 1), "no observations")
        XCTAssertNil(HistogramAttainment.fraction(buckets: [(1, .nan), (inf, .infinity)], threshold: 1))
        // A count that goes down (a reset inside the window) never yields a share outside 0...1.
        let f = HistogramAttainment.fraction(buckets: [(0.1, 50), (0.5, 20), (inf, 40)], threshold: 0.3)
        XCTAssertNotNil(f)
        XCTAssertTrue((0...1).contains(f ?? -1))
    }

    func testBucketsAreSummedPerBound() {
        let samples = [
            PrometheusSample(labels: ["le": "0.1", "instance": "a"], value: 3),
            PrometheusSample(labels: ["le": "0.1", "instance": "b"], value: 4),
            PrometheusSample(labels: ["le": "+Inf", "instance": "a"], value: 5),
            PrometheusSample(labels: ["le": "+Inf", "instance": "b"], value: 5),
            PrometheusSample(labels: ["le": "wide"], value: 100),
            PrometheusSample(labels: [:], value: 100),
        ]
        let b = HistogramAttainment.buckets(samples).sorted { $0.le < $1.le }
        XCTAssertEqual(b.map(\.le), [0.1, inf])
        XCTAssertEqual(b.map(\.count), [7, 10])
        XCTAssertEqual(HistogramAttainment.fraction(buckets: b, threshold: 0.1) ?? -1, 0.7, accuracy: 1e-12)
    }
}
