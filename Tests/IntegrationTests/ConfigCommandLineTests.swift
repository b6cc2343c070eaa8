import Foundation
import XCTest

/// `--config` through the planner executable: Dynamo 1.6 config files load (their
/// unimplemented fields named in one warning), flags win over the file, bad fields
/// give one line naming the field, and `config --print-defaults` reads back.
final class ConfigCommandLineTests: XCTestCase {
    private let fixtures = "Tests/Fixtures/config"
    private let base = ["dryrun", "--dataset", "data/traces/mooncake_conversation.jsonl",
                        "--profile-results-dir", "data/profiles/h200_llama8b_tp1", "--load-predictor", "constant"]
    private var scratch: URL!

    override func setUpWithError() throws {
        try PlannerProcess.requireExecutable()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("planner-config-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    private func dryrunJSON(_ extra: [String]) throws -> (PlannerProcess.Outcome, [String: Any]) {
        let out = scratch.appendingPathComponent("out-\(UUID().uuidString.prefix(6)).json")
        let outcome = try PlannerProcess.run(base + extra + ["--output-json", out.path])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let json = try JSONSerialization.jsonObject(with: try Data(contentsOf: out)) as? [String: Any]
        return (outcome, try XCTUnwrap(json))
    }

    func testDynamoConfigFilesLoad() throws {
        // The wheel's manual-test config: 60 s interval; Dynamo-only fields named once.
        let (outcome, json) = try dryrunJSON(["--config", "\(fixtures)/dynamo-1.6-disagg-planner-throughput.json"])
        XCTAssertEqual(json["adjustment_interval"] as? Int, 60)
        let warnings = outcome.stderrLines.filter { $0.contains("warning") }
        XCTAssertEqual(warnings.count, 1, outcome.stderr)
        XCTAssertTrue(warnings.first?.contains("pre_deployment_sweeping_mode, load_adjustment_interval_seconds") ?? false, outcome.stderr)
        XCTAssertFalse(outcome.stderr.contains("optimization_target"), "sla is what this planner does")

        let (quiet, json8b) = try dryrunJSON(["--config", "\(fixtures)/dynamo-1.6-disagg-8b-planner.json"])
        XCTAssertEqual(json8b["adjustment_interval"] as? Int, 60)
        XCTAssertTrue(quiet.stderr.isEmpty, "every field is known: \(quiet.stderr)")

        let (docs, _) = try dryrunJSON(["--config", "\(fixtures)/dynamo-1.6-docs-planner.yaml", "--adjustment-interval", "120"])
        XCTAssertTrue(docs.stderr.isEmpty, "run's fields (backend, advisory, report_interval_hours) are accepted by dryrun: \(docs.stderr)")
    }

    func testFlagsWinOverTheFileAndInlineJSONWorks() throws {
        let (_, fromFile) = try dryrunJSON(["--config", #"{"throughput_adjustment_interval": 120, "load_predictor": "arima"}"#])
        XCTAssertEqual(fromFile["adjustment_interval"] as? Int, 120)
        XCTAssertEqual(fromFile["load_predictor"] as? String, "constant", "--load-predictor given on the command line wins")
        let (_, flagWins) = try dryrunJSON(["--adjustment-interval=90", "--config", #"{"throughput_adjustment_interval_seconds": 120}"#])
        XCTAssertEqual(flagWins["adjustment_interval"] as? Int, 90)
    }

    func testBadFieldsGiveOneLineNamingThem() throws {
        let file = scratch.appendingPathComponent("bad.yaml")
        let cases: [(String, String)] = [
            ("ttft_ms: 500\nmax_gpu_budgte: 4\n", "bad.yaml:2: max_gpu_budgte: unknown field (did you mean 'max_gpu_budget'?)"),
            ("itl_ms: fast\n", "bad.yaml:1: itl_ms: expected a number, got a string"),
            ("min_endpoint: -2\n", "bad.yaml:1: min_endpoint: must be between 0 and"),
            ("mode: agg\n", "bad.yaml:1: mode: must be one of disagg, prefill, decode (got 'agg')"),
            ("min_gpu_budget: 9\nmax_gpu_budget: 8\n", "--min-gpu-budget must not exceed --max-gpu-budget"),
            ("resolution: 1e300\n", "bad.yaml:1: resolution: expected an integer"),
            ("ttft: 1e19\n", "bad.yaml:1: ttft: must be greater than 0 and at most"),
            ("max_throughput_scaling_replicas: 0\n", "bad.yaml:1: max_throughput_scaling_replicas: must be between 1 and"),
        ]
        for (text, message) in cases {
            try text.write(to: file, atomically: true, encoding: .utf8)
            let outcome = try PlannerProcess.run(base + ["--config", file.path])
            XCTAssertTrue(outcome.status != 0 && outcome.status < 128, "\(text): exit \(outcome.status)")
            XCTAssertEqual(outcome.stderrLines.count, 1, outcome.stderr)
            XCTAssertTrue(outcome.stderr.contains(message), "\(text) → \(outcome.stderr)")
        }
        let missing = try PlannerProcess.run(base + ["--config", "no-such-file.yaml"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("neither an existing file nor inline JSON"), missing.stderr)
    }

    /// Dynamo 1.6's field loads (no "not implemented" warning) and bounds every step of the
    /// dryrun; the flag wins over the file; without it the dryrun jumps as Dynamo 1.0.2's.
    func testMaxThroughputScalingReplicasBoundsEachStep() throws {
        let flags = ["--adjustment-interval", "60", "--max-gpu-budget", "-1", "--start-num-p", "8", "--start-num-d", "1"]
        func steps(_ json: [String: Any]) throws -> Int {
            let p = try XCTUnwrap(json["num_p"] as? [Int]), d = try XCTUnwrap(json["num_d"] as? [Int])
            return (1..<p.count).map { max(abs(p[$0] - p[$0 - 1]), abs(d[$0] - d[$0 - 1])) }.max() ?? 0
        }
        let (_, free) = try dryrunJSON(flags)
        XCTAssertGreaterThan(try steps(free), 1, "the Mooncake hour from 8 prefill workers drops several at once")
        let (quiet, capped) = try dryrunJSON(flags + ["--config", #"{"max_throughput_scaling_replicas": 1}"#])
        XCTAssertTrue(quiet.stderr.isEmpty, quiet.stderr)
        XCTAssertEqual(try steps(capped), 1)
        let (_, flagWins) = try dryrunJSON(flags + ["--config", #"{"max_throughput_scaling_replicas": 1}"#,
                                                    "--max-throughput-scaling-replicas", "100"])
        XCTAssertEqual(flagWins["num_p"] as? [Int], free["num_p"] as? [Int])
    }

    func testPrintedDefaultsLoadBackWithoutWarnings() throws {
        let printed = try PlannerProcess.run(["config", "--print-defaults"])
        XCTAssertEqual(printed.status, 0, printed.stderr)
        for field in ["throughput_adjustment_interval_seconds:", "ttft_ms:", "min_gpu_budget:", "metric_reporting_host:",
                      "control_api_port:", "metric_pulling_prometheus_ssl_verify:", "report:", "environment:"] {
            XCTAssertTrue(printed.stdout.contains("\n\(field) "), field)
        }
        let file = scratch.appendingPathComponent("defaults.yaml")
        try printed.stdout.write(to: file, atomically: true, encoding: .utf8)
        let (outcome, json) = try dryrunJSON(["--config", file.path, "--dataset", "data/traces/mooncake_conversation.jsonl"])
        XCTAssertTrue(outcome.stderr.isEmpty, outcome.stderr)
        XCTAssertEqual(json["adjustment_interval"] as? Int, 180)
    }

    func testMinGPUBudgetPinsTheTotal() throws {
        let (_, json) = try dryrunJSON(["--adjustment-interval", "60", "--max-gpu-budget", "6", "--min-gpu-budget", "6"])
        let p = try XCTUnwrap(json["num_p"] as? [Int]), d = try XCTUnwrap(json["num_d"] as? [Int])
        for k in 1..<p.count { XCTAssertEqual(p[k] + d[k], 6, "interval \(k): \(p[k]) + \(d[k])") }
        XCTAssertGreaterThan(Set(zip(p.dropFirst(), d.dropFirst()).map { "\($0)/\($1)" }).count, 1, "the split moves with the load")
    }

    /// Every numeric field of both commands, one at a time, with the values issue 11 lists:
    /// refused with a line on stderr or accepted, never a trap. The profile directory does
    /// not exist, so an accepted config ends quickly with that error.
    func testEveryNumericFieldWithExtremeValuesNeverTraps() throws {
        let printed = try PlannerProcess.run(["config", "--print-defaults"])
        // (field, the command that uses it): shared and dryrun fields through dryrun, run's own through run.
        var runOnly = false
        let numeric = printed.stdout.split(separator: "\n").compactMap { line -> (String, Bool)? in
            if line.hasPrefix("# --- ") { runOnly = line.contains("run only") }
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !line.hasPrefix("#"), Double(parts[1].trimmingCharacters(in: .whitespaces)) != nil else { return nil }
            return (String(parts[0]), runOnly)
        }
        XCTAssertGreaterThan(numeric.count, 15, printed.stdout)
        // The values of issue 11 that reach a different code path (integers past 2^30 are all refused alike).
        let values = ["0", "-1", "9223372036854775807", "1e19", "1e308", ".inf", ".nan", "1e-320"]
        let commands = [["dryrun", "--dataset", "data/traces/mooncake_conversation.jsonl"],
                        ["run", "--environment", "virtual", "--model-name", "m"]]
        let cases = numeric.flatMap { field in values.map { (field: field.0, runField: field.1, value: $0) } }
        let failures = NSLock()
        var problems: [String] = []
        DispatchQueue.concurrentPerform(iterations: cases.count) { i in
            let c = cases[i]
            let file = scratch.appendingPathComponent("extreme-\(i).yaml")
            do {
                try "\(c.field): \(c.value)\n".write(to: file, atomically: true, encoding: .utf8)
                let command = commands[c.runField ? 1 : 0]
                let outcome = try PlannerProcess.run(command + ["--config", file.path, "--profile-results-dir", "/nonexistent-profile"],
                                                     timeout: 30)
                if outcome.status >= 128 || outcome.status == 0 || outcome.stderr.isEmpty {
                    failures.withLock { problems.append("\(command[0]) \(c.field): \(c.value) → exit \(outcome.status): \(outcome.stderr)") }
                }
            } catch {
                failures.withLock { problems.append("\(c.field): \(c.value): \(error)") }
            }
        }
        XCTAssertEqual(problems, [], "each must be refused or accepted with a message, never trap")
    }
}
