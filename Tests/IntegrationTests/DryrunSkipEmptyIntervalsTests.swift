import Foundation
import XCTest

/// `planner dryrun --skip-empty-intervals` against Dynamo 1.0.2's own dryrun on a trace with
/// an idle stretch (golden: Tests/Goldens/reference/dryrun_idle_stretch_60_h200_skip_empty_*.json,
/// from tools/dynamo/regenerate_dryrun_goldens.sh). Replica counts exact, other series within
/// 1e-9 relative. Kalman runs with --kalman-min-points 1: Dynamo ignores that setting.
final class DryrunSkipEmptyIntervalsTests: XCTestCase {
    func testReproducesDynamosSeriesFromTheCommandLine() throws {
        let directory = try ManagedProcess.scratchDirectory(prefix: "dryrun-skip")
        defer { try? FileManager.default.removeItem(at: directory) }
        for predictor in ["constant", "kalman"] {
            let output = directory.appendingPathComponent("\(predictor).json")
            let outcome = try PlannerProcess.run([
                "dryrun", "--dataset", "Tests/Goldens/arima/traces/idle_stretch.jsonl",
                "--profile-results-dir", "data/profiles/h200_llama8b_tp1", "--adjustment-interval", "60",
                "--ttft", "600", "--itl", "20", "--max-gpu-budget", "16", "--load-predictor", predictor,
                "--kalman-min-points", "1", "--skip-empty-intervals", "--output-json", output.path,
            ])
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
            let ours = try Self.series(output)
            let dynamo = try Self.series(PlannerProcess.repositoryRoot.appendingPathComponent(
                "Tests/Goldens/reference/dryrun_idle_stretch_60_h200_skip_empty_\(predictor).json"))
            for key in ["time", "rr", "est_rr", "isl", "est_isl", "osl", "est_osl", "num_p", "num_d",
                        "p_thpt", "d_thpt", "safe_p_thpt", "safe_d_thpt"] {
                let mine = ours[key] ?? [], theirs = dynamo[key] ?? []
                XCTAssertEqual(mine.count, theirs.count, "\(predictor) \(key)")
                for (index, (a, b)) in zip(mine, theirs).enumerated() {
                    let tolerance = key.hasPrefix("num_") ? 0 : 1e-9 * max(1, abs(b))
                    XCTAssertLessThanOrEqual(abs(a - b), tolerance, "\(predictor) \(key)[\(index)]: \(a) vs \(b)")
                }
            }
        }
    }

    static func series(_ url: URL) throws -> [String: [Double]] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        return object.compactMapValues { ($0 as? [NSNumber])?.map(\.doubleValue) }
    }
}
