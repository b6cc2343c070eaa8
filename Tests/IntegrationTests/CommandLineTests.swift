import Foundation
import XCTest

/// The `planner` executable against docs/cli.md: exit codes, the JSON each
/// sub-command writes (keys and array shapes), a dryrun golden from the Python
/// reference, one-line errors on bad input, and `--help` with defaults.
final class CommandLineTests: XCTestCase {
    private let mooncake = "data/traces/mooncake_conversation.jsonl"
    private let h200 = "data/profiles/h200_llama8b_tp1"
    private let azureCSV = "Tests/Fixtures/traces/azure_conv_2023.csv"
    private let azureJSONL = "Tests/Fixtures/traces/azure_conv_2023.jsonl"
    private let h100 = "Tests/Fixtures/profiles/h100_qwen32b_tp2"

    private var scratch: URL!

    override func setUpWithError() throws {
        try PlannerProcess.requireExecutable()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("planner-cli-tests-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    // MARK: - Helpers

    private func succeed(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> PlannerProcess.Outcome {
        let outcome = try PlannerProcess.run(arguments, file: file, line: line)
        XCTAssertEqual(outcome.status, 0, "planner \(arguments.joined(separator: " ")) failed: \(outcome.stderr)", file: file, line: line)
        return outcome
    }

    private func readJSON(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        let object = try JSONSerialization.jsonObject(with: data)
        return try XCTUnwrap(object as? [String: Any], "\(url.path) is not a JSON object", file: file, line: line)
    }

    /// A JSON array of numbers (null, which the writers use for non-finite values, as NaN).
    private func numbers(_ value: Any?, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Double] {
        let array = try XCTUnwrap(value as? [Any], "\(name) is not an array", file: file, line: line)
        return try array.map { element in
            if element is NSNull { return .nan }
            return try XCTUnwrap(element as? NSNumber, "\(name) holds a non-number", file: file, line: line).doubleValue
        }
    }

    private func assertClose(_ actual: [Double], _ expected: [Double], relative: Double, _ name: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, "\(name): length", file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            let ok = a == e || abs(a - e) <= relative * max(abs(a), abs(e))
            if !ok {
                XCTFail("\(name)[\(i)] = \(a), expected \(e) (relative tolerance \(relative))", file: file, line: line)
                return
            }
        }
    }

    // MARK: - dryrun

    private static let dryrunSeries = ["time", "rr", "est_rr", "isl", "est_isl", "osl", "est_osl",
                                       "num_p", "p_thpt", "safe_p_thpt", "num_d", "d_thpt", "safe_d_thpt"]

    private func dryrunGoldenArguments(_ output: URL) -> [String] {
        ["dryrun", "--dataset", mooncake, "--profile-results-dir", h200, "--load-predictor", "constant",
         "--adjustment-interval", "60", "--ttft", "600", "--itl", "20", "--max-gpu-budget", "16",
         "--output-json", output.path]
    }

    func testDryrunJSONHasTheDocumentedKeysAndEqualLengthSeries() throws {
        let output = scratch.appendingPathComponent("dryrun.json")
        let outcome = try succeed(dryrunGoldenArguments(output))
        XCTAssertTrue(outcome.stderr.isEmpty, "no warnings expected: \(outcome.stderr)")
        let json = try readJSON(output)
        XCTAssertEqual(Set(json.keys), Set(["adjustment_interval", "mode", "load_predictor"] + Self.dryrunSeries))
        XCTAssertEqual(json["adjustment_interval"] as? Int, 60)
        XCTAssertEqual(json["mode"] as? String, "disagg")
        XCTAssertEqual(json["load_predictor"] as? String, "constant")
        let lengths = try Self.dryrunSeries.map { try numbers(json[$0], $0).count }
        XCTAssertEqual(Set(lengths), [59], "every series has one value per 60 s interval of the 59-minute trace")
        XCTAssertEqual(try numbers(json["time"], "time"), (0..<59).map { Double($0 * 60) })
    }

    func testDryrunMatchesThePythonReference() throws {
        let output = scratch.appendingPathComponent("dryrun.json")
        _ = try succeed(dryrunGoldenArguments(output))
        let json = try readJSON(output)
        let golden = try readJSON(PlannerProcess.repositoryRoot
            .appendingPathComponent("Tests/Goldens/reference/dryrun_mooncake_conversation_60_h200_constant.json"))
        for key in Self.dryrunSeries {
            let actual = try numbers(json[key], key), expected = try numbers(golden[key], "golden \(key)")
            if key == "num_p" || key == "num_d" {
                XCTAssertEqual(actual, expected, "\(key): worker counts must equal the reference exactly")
            } else {
                assertClose(actual, expected, relative: 1e-9, key)
            }
        }
    }

    func testDryrunWritesWarmupOnlyWithAWarmupTrace() throws {
        let output = scratch.appendingPathComponent("warmup.json")
        _ = try succeed(["dryrun", "--dataset", azureJSONL, "--profile-results-dir", h100, "--load-predictor", "kalman",
                         "--adjustment-interval", "60", "--load-predictor-warmup-trace", azureCSV, "--output-json", output.path])
        let json = try readJSON(output)
        XCTAssertEqual(Set(json.keys), Set(["adjustment_interval", "mode", "load_predictor", "warmup"] + Self.dryrunSeries))
        let warmup = try XCTUnwrap(json["warmup"] as? [String: Any])
        XCTAssertEqual(Set(warmup.keys), ["time", "rr", "isl", "osl"])
        let lengths = try ["time", "rr", "isl", "osl"].map { try numbers(warmup[$0], "warmup.\($0)").count }
        XCTAssertEqual(Set(lengths).count, 1, "warmup series of equal length: \(lengths)")
        XCTAssertGreaterThan(lengths[0], 0)
        let series = try Self.dryrunSeries.map { try numbers(json[$0], $0).count }
        XCTAssertEqual(Set(series).count, 1, "series of equal length: \(series)")
    }

    // MARK: - predict

    func testPredictJSONHasTheDocumentedKeysAndMatchesTheReferenceSeries() throws {
        let output = scratch.appendingPathComponent("predict.json")
        let outcome = try succeed(["predict", "--dataset", azureCSV, "--adjustment-interval", "60",
                                   "--load-predictor", "constant", "--field", "request_count", "--output-json", output.path])
        XCTAssertTrue(outcome.stdout.contains("MAE"), outcome.stdout)
        let json = try readJSON(output)
        XCTAssertEqual(Set(json.keys), ["field", "series", "predictions", "mae", "mape", "rmse", "seconds_per_step"])
        XCTAssertEqual(json["field"] as? String, "request_count")
        for key in ["mae", "mape", "rmse", "seconds_per_step"] {
            XCTAssertNotNil(json[key] as? NSNumber, "\(key) is a number")
        }
        let golden = try readJSON(PlannerProcess.repositoryRoot
            .appendingPathComponent("Tests/Goldens/reference/predict_azure_conv_2023_60_request_count_constant.json"))
        let series = try numbers(json["series"], "series"), predictions = try numbers(json["predictions"], "predictions")
        XCTAssertEqual(series.count, predictions.count)
        assertClose(series, try numbers(golden["series"], "golden series"), relative: 1e-12, "series")
        assertClose(predictions, try numbers(golden["predictions"], "golden predictions"), relative: 1e-9, "predictions")
    }

    // MARK: - interpolate

    private func checkInterpolate(profile: String, resolution: Int, golden: String?) throws {
        let output = scratch.appendingPathComponent("interp-\(resolution).json")
        let outcome = try succeed(["interpolate", "--profile-results-dir", profile, "--resolution", "\(resolution)",
                                   "--output-json", output.path])
        XCTAssertTrue(outcome.stdout.contains("Prefill") && outcome.stdout.contains("Decode"), outcome.stdout)
        let json = try readJSON(output)
        XCTAssertEqual(Set(json.keys), ["prefill", "decode"])
        let prefill = try XCTUnwrap(json["prefill"] as? [String: Any]), decode = try XCTUnwrap(json["decode"] as? [String: Any])
        XCTAssertEqual(Set(prefill.keys), ["isl", "ttft", "thpt_per_gpu"])
        XCTAssertEqual(Set(decode.keys), ["xi", "yi", "itl", "thpt_per_gpu"])
        for key in ["isl", "ttft", "thpt_per_gpu"] {
            XCTAssertEqual(try numbers(prefill[key], "prefill.\(key)").count, 200, "prefill.\(key)")
        }
        let isl = try numbers(prefill["isl"], "prefill.isl")
        XCTAssertEqual(isl, isl.sorted(), "prefill.isl increases")
        if let golden {
            let reference = try readJSON(PlannerProcess.repositoryRoot.appendingPathComponent(golden))
            assertClose(isl, try numbers(reference["isl"], "golden isl"), relative: 1e-12, "prefill.isl")
        }
        let xi = try numbers(decode["xi"], "decode.xi"), yi = try numbers(decode["yi"], "decode.yi")
        XCTAssertEqual(xi.count, resolution)
        XCTAssertEqual(yi.count, resolution)
        for key in ["itl", "thpt_per_gpu"] {
            let rows = try XCTUnwrap(decode[key] as? [Any], "decode.\(key) is an array of rows")
            XCTAssertEqual(rows.count, yi.count, "decode.\(key): one row per yi value")
            for (r, row) in rows.enumerated() {
                XCTAssertEqual(try numbers(row, "decode.\(key)[\(r)]").count, xi.count, "decode.\(key)[\(r)]: one column per xi value")
            }
        }
    }

    func testInterpolateJSONShapesOnBothProfiles() throws {
        try checkInterpolate(profile: h100, resolution: 7, golden: "Tests/Goldens/reference/interp_h100_qwen32b_tp2.json")
        try checkInterpolate(profile: h200, resolution: 5, golden: "Tests/Goldens/reference/interp_h200_llama8b_tp1.json")
    }

    // MARK: - Bad input

    /// Non-zero exit, exactly one line on stderr, and that line names every `expected` piece.
    private func assertFails(_ arguments: [String], naming expected: [String],
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try PlannerProcess.run(arguments, timeout: 60, file: file, line: line)
        let command = "planner " + arguments.joined(separator: " ")
        XCTAssertNotEqual(outcome.status, 0, "\(command) should fail", file: file, line: line)
        XCTAssertEqual(outcome.stderrLines.count, 1, "\(command): one line on stderr, got:\n\(outcome.stderr)", file: file, line: line)
        for piece in expected {
            XCTAssertTrue(outcome.stderr.contains(piece), "\(command): stderr does not name \(piece): \(outcome.stderr)", file: file, line: line)
        }
    }

    func testBadInputGivesOneLineNamingTheProblem() throws {
        let missingTrace = scratch.appendingPathComponent("no-such-trace.jsonl").path
        let malformed = scratch.appendingPathComponent("malformed.jsonl")
        try Data("{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 5, \"hash_ids\": []}\n{not json\n".utf8).write(to: malformed)
        let missingProfile = scratch.appendingPathComponent("no-such-profile").path
        // A path under a regular file cannot be created, even by root.
        let blocker = scratch.appendingPathComponent("a-file")
        try Data().write(to: blocker)
        let unwritable = blocker.appendingPathComponent("out.json").path

        for command in [["dryrun"], ["predict", "--adjustment-interval", "60"]] {
            try assertFails(command + ["--dataset", missingTrace], naming: [missingTrace])
            try assertFails(command + ["--dataset", malformed.path], naming: ["\(malformed.path):2"])
            try assertFails(command + ["--dataset", mooncake, "--output-json", unwritable], naming: [unwritable])
            try assertFails(command + ["--dataset", mooncake, "--load-predictor", "foo"], naming: ["--load-predictor", "foo"])
        }
        try assertFails(["dryrun", "--dataset", mooncake, "--profile-results-dir", missingProfile],
                        naming: ["\(missingProfile)/selected_prefill_interpolation/raw_data.npz",
                                 "\(missingProfile)/prefill_raw_data.json"])
        try assertFails(["interpolate", "--profile-results-dir", missingProfile],
                        naming: ["\(missingProfile)/selected_prefill_interpolation/raw_data.npz",
                                 "\(missingProfile)/prefill_raw_data.json"])
        try assertFails(["dryrun", "--dataset", mooncake, "--adjustment-interval", "0"], naming: ["--adjustment-interval"])
        try assertFails(["predict", "--dataset", mooncake, "--adjustment-interval", "0"], naming: ["--adjustment-interval"])
        try assertFails(["interpolate", "--output-json", unwritable], naming: [unwritable])
    }

    func testNonFiniteOrNonsenseNumbersAreRefusedNamingTheFlag() throws {
        let cases: [(flag: String, value: String)] = [
            ("--ttft", "nan"), ("--ttft", "inf"), ("--itl", "nan"), ("--itl", "-inf"),
            ("--kalman-q-level", "nan"), ("--kalman-q-trend", "inf"), ("--kalman-r", "-inf"),
            ("--min-endpoint", "-1"), ("--prophet-window-size", "4"), ("--resolution", "1"), ("--resolution", "5000"),
        ]
        for (flag, value) in cases {
            try assertFails(["dryrun", "--dataset", mooncake, "\(flag)=\(value)"], naming: [flag])
        }
        for (flag, value) in [("--ttft", "nan"), ("--itl", "inf"), ("--isl", "nan"), ("--resolution", "1"), ("--resolution", "5000")] {
            try assertFails(["interpolate", "\(flag)=\(value)"], naming: [flag])
        }
        for (flag, value) in [("--kalman-r", "nan"), ("--prophet-window-size", "2")] {
            try assertFails(["predict", "--dataset", mooncake, "--adjustment-interval", "60", "\(flag)=\(value)"], naming: [flag])
        }
    }

    // MARK: - Help

    func testEverySubcommandsHelpShowsDefaults() throws {
        let expected: [String: [String]] = [
            "dryrun": ["--adjustment-interval", "(default: 180)", "(default: 500.0)", "(default: data/traces/mooncake_conversation.jsonl)"],
            "predict": ["--load-predictor", "default: arima", "(default: 50)"],
            "interpolate": ["--resolution", "(default: 100)", "(default: 3000.0)", "(default: 150.0)"],
            "run": ["--environment", "(default: 180)"],
            "virtual-client": ["--namespace", "default:"],
        ]
        for (command, pieces) in expected {
            let outcome = try PlannerProcess.run([command, "--help"], timeout: 30)
            XCTAssertEqual(outcome.status, 0, "\(command) --help: \(outcome.stderr)")
            XCTAssertTrue(outcome.stdout.contains("USAGE: planner \(command)"), "\(command) --help:\n\(outcome.stdout)")
            // Help wraps long lines; compare with the whitespace collapsed.
            let text = outcome.stdout.split(whereSeparator: { $0 == " " || $0.isNewline }).joined(separator: " ")
            for piece in pieces {
                XCTAssertTrue(text.contains(piece), "\(command) --help does not show \(piece):\n\(outcome.stdout)")
            }
        }
    }
}
