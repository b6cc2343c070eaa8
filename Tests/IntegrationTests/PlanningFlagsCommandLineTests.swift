import Foundation
import XCTest

/// The forecasting and load-based flags (docs/planning.md) on the command line:
/// unusable values fail with one line naming the flag, the oracle is refused where
/// it cannot know the future, and the new predictors run end to end.
final class PlanningFlagsCommandLineTests: XCTestCase {
    let mooncake = PlannerProcess.repositoryRoot.appendingPathComponent("data/traces/mooncake_conversation.jsonl").path

    private func assertFails(_ arguments: [String], naming pieces: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try PlannerProcess.run(arguments, timeout: 60, file: file, line: line)
        XCTAssertNotEqual(outcome.status, 0, "\(arguments) should fail", file: file, line: line)
        XCTAssertLessThan(outcome.status, 128, "\(arguments): exit status \(outcome.status) is a trap", file: file, line: line)
        XCTAssertEqual(outcome.stderrLines.count, 1, "\(arguments): one line expected, got \(outcome.stderr)", file: file, line: line)
        for piece in pieces {
            XCTAssertTrue(outcome.stderr.contains(piece), "\(arguments): stderr does not name \(piece): \(outcome.stderr)",
                          file: file, line: line)
        }
    }

    func testUnusableValuesAreRefusedNamingTheFlag() throws {
        let cases: [(String, String)] = [
            ("--forecast-quantile", "1"), ("--forecast-quantile", "nan"), ("--forecast-quantile", "median"),
            ("--forecast-headroom", "inf"), ("--forecast-headroom", "0"), ("--auto-under-weight", "nan"),
            ("--auto-over-weight", "-1"), ("--auto-window", "0"), ("--quantile-window", "3"),
            ("--arima-reselect-every", "0"), ("--seasonal-refit-every", "-5"), ("--seasonal-period", "1"),
            ("--seasonal-period", "1e400s"), ("--seasonal-period", "tomorrow"),
            ("--decode-headroom", "nan"), ("--decode-headroom", "11"), ("--target-attainment", "1"),
            ("--target-attainment", "0.2"), ("--target-attainment", "always"), ("--auto-combine", "0"),
            ("--auto-combine", "5"),
        ]
        for (flag, value) in cases {
            try assertFails(["dryrun", "--dataset", mooncake, "--load-predictor", "auto", "\(flag)=\(value)"], naming: [flag])
        }
        // A season shorter than two intervals, only when the predictor uses one.
        try assertFails(["dryrun", "--dataset", mooncake, "--load-predictor", "seasonal", "--seasonal-period", "200s",
                         "--adjustment-interval", "180"], naming: ["--seasonal-period"])
        for (flag, value) in [("--decode-kv-high", "1.5"), ("--prefill-queue-low", "nan"), ("--load-based-tick", "0"),
                              ("--scale-down-dwell", "-1")] {
            try assertFails(["replay", "--dataset", mooncake, "--load-based", "\(flag)=\(value)"], naming: [flag])
        }
        try assertFails(["run", "--load-predictor", "oracle"], naming: ["oracle"])
        try assertFails(["predict", "--dataset", mooncake, "--adjustment-interval", "60", "--load-predictor", "oracle"],
                        naming: ["oracle"])
    }

    func testNewPredictorsRunInPredictAndDryrun() throws {
        for predictor in ["seasonal", "auto"] {
            let p = try PlannerProcess.run(["predict", "--dataset", mooncake, "--adjustment-interval", "60",
                                            "--load-predictor", predictor])
            XCTAssertEqual(p.status, 0, p.stderr)
            XCTAssertTrue(p.stdout.contains("MAPE"), p.stdout)
        }
        for extra in [["--load-predictor", "oracle"], ["--load-predictor", "auto", "--forecast-quantile", "0.95"],
                      ["--load-predictor", "arima", "--arima-reselect"],
                      ["--load-predictor", "auto", "--decode-headroom", "1", "--target-attainment", "0.99",
                       "--hold-scale-down", "--auto-combine", "2"]] {
            let d = try PlannerProcess.run(["dryrun", "--dataset", mooncake, "--adjustment-interval", "60"] + extra)
            XCTAssertEqual(d.status, 0, "\(extra): \(d.stderr)")
        }
    }
}
