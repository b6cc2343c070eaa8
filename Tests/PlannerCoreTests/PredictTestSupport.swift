import Foundation
import XCTest
@testable import PlannerCore

/// Golden files of the predictor tests, found from this file's location.
enum PredictGoldens {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Goldens")

    struct Case {
        var name: String
        var series: [Double]
        var predictions: [Double]
        var object: [String: Any]
    }

    /// The other kinds of golden that share Tests/Goldens/reference with the
    /// predict goldens; `load` never lists them.
    static let otherKinds = ["dryrun_", "extract_", "interp_"]

    /// Every `*.json` of `folder` whose name matches `filter` (other kinds of
    /// golden excluded), sorted by name. A listed file without `series` and
    /// `predictions` arrays is an error, not skipped.
    static func load(folder: String, where filter: (String) -> Bool) throws -> [Case] {
        let dir = root.appendingPathComponent(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { name in
                name.hasSuffix(".json") && !otherKinds.contains(where: { name.hasPrefix($0) }) && filter(name)
            }.sorted()
        return try names.map { name in
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let series = (object["series"] as? [NSNumber])?.map(\.doubleValue),
                  let predictions = (object["predictions"] as? [NSNumber])?.map(\.doubleValue)
            else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: name]) }
            return Case(name: name, series: series, predictions: predictions, object: object)
        }
    }

    /// Runs the planner's rolling backtest and checks every step against
    /// `expected` within `relative` (absolute `relative` near zero).
    static func assertBacktest(_ predictor: LoadPredictor, _ c: Case, expected: [Double], relative: Double = 1e-9,
                               file: StaticString = #filePath, line: UInt = #line) {
        let result = runBacktest(predictor, series: c.series)
        XCTAssertEqual(result.predictions.count, expected.count, c.name, file: file, line: line)
        var failures = 0
        for (k, (got, want)) in zip(result.predictions, expected).enumerated() {
            let tolerance = relative * max(1, abs(want))
            if !(abs(got - want) <= tolerance) {
                failures += 1
                if failures <= 3 {
                    XCTFail("\(c.name) step \(k): got \(got), golden \(want)", file: file, line: line)
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(c.name): \(failures) steps off", file: file, line: line)
    }
}
