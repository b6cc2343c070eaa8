import Foundation
import XCTest

/// `planner replay` as a subprocess: the JSON keys of issue 12, byte-identical
/// reruns, fixed counts without the planner, the planner scaling up under load,
/// several predictors, partial reports and one-line refusals.
final class ReplayCommandLineTests: XCTestCase {
    private let mooncake = "data/traces/mooncake_conversation.jsonl"
    private var scratch: URL!

    override func setUpWithError() throws {
        try PlannerProcess.requireExecutable()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("planner-replay-tests-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    // MARK: - Helpers

    private func succeed(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> PlannerProcess.Outcome {
        let outcome = try PlannerProcess.run(["replay"] + arguments, file: file, line: line)
        XCTAssertEqual(outcome.status, 0, "planner replay \(arguments.joined(separator: " ")) failed: \(outcome.stderr)",
                       file: file, line: line)
        return outcome
    }

    private func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The first `count` requests of the bundled Mooncake trace (with hash_ids).
    private func bundledWindow(_ count: Int) throws -> String {
        let root = PlannerProcess.repositoryRoot.appendingPathComponent(mooncake)
        let lines = try String(contentsOf: root, encoding: .utf8).split(separator: "\n").prefix(count)
        let url = scratch.appendingPathComponent("window-\(count).jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Poisson-free, evenly spaced arrivals: `rates` requests/s, each held for `seconds`.
    private func steppedTrace(rates: [Double], seconds: Double, isl: Int = 2000, osl: Int = 150) throws -> String {
        var out = ""
        var t = 0.0
        for rate in rates {
            let n = Int(rate * seconds)
            for k in 0..<n {
                out += "{\"timestamp\": \(Int((t + Double(k) / rate) * 1000)), \"input_length\": \(isl), \"output_length\": \(osl)}\n"
            }
            t += seconds
        }
        let url = scratch.appendingPathComponent("stepped.jsonl")
        try out.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private static let summaryKeys = [
        "num_requests", "completed_requests", "mean_ttft_ms", "median_ttft_ms", "p90_ttft_ms", "p99_ttft_ms",
        "mean_itl_ms", "median_itl_ms", "p90_itl_ms", "p99_itl_ms", "mean_tpot_ms", "mean_e2e_latency_ms", "gpu_hours",
        "sla_attainment", "ttft_attainment", "itl_attainment", "wall_time_ms", "goodput_request_throughput_rps",
        "scaling_events", "partial",
    ]
    private static let intervalKeys = ["interval_seconds", "time", "num_p_requested", "num_d_requested", "num_p_live",
                                       "num_d_live", "queue_depth", "kv_utilization", "arrivals", "finished",
                                       "p50_ttft_ms", "p90_ttft_ms", "p50_itl_ms", "p90_itl_ms", "sla_attainment"]

    // MARK: - Tests

    func testJSONHasTheIssuesKeysAndEveryRequestCompletes() throws {
        let trace = try bundledWindow(300)
        let out = scratch.appendingPathComponent("r.json"), perRequest = scratch.appendingPathComponent("r.jsonl")
        _ = try succeed(["--dataset", trace, "--mode", "agg", "--perf-model", "mocker", "--no-planner", "--num-workers", "4",
                         "--ttft", "600", "--itl", "20", "--output-json", out.path, "--per-request", perRequest.path])
        let document = try json(out)
        XCTAssertEqual(Set(document.keys), ["summary", "intervals", "config", "scaling_events"])
        let summary = try XCTUnwrap(document["summary"] as? [String: Any])
        for key in Self.summaryKeys { XCTAssertNotNil(summary[key], "summary.\(key) missing") }
        XCTAssertEqual(summary["num_requests"] as? Int, 300)
        XCTAssertEqual(summary["completed_requests"] as? Int, 300)
        XCTAssertEqual(summary["partial"] as? Bool, false)
        let intervals = try XCTUnwrap(document["intervals"] as? [String: Any])
        XCTAssertEqual(Set(intervals.keys), Set(Self.intervalKeys))
        let times = try XCTUnwrap(intervals["time"] as? [Any])
        for key in Self.intervalKeys.dropFirst() {
            XCTAssertEqual((intervals[key] as? [Any])?.count, times.count, "intervals.\(key) length")
        }
        let arrivals = try XCTUnwrap(intervals["arrivals"] as? [Int])
        XCTAssertEqual(arrivals.reduce(0, +), 300)
        let config = try XCTUnwrap(document["config"] as? [String: Any])
        XCTAssertEqual(config["num_workers"] as? Int, 4)
        XCTAssertEqual(config["perf_model"] as? String, "mocker")
        XCTAssertEqual(config["planner"] as? Bool, false)
        let lines = try String(contentsOf: perRequest, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 300)
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        for key in ["id", "ttft_ms", "itl_ms", "tpot_ms", "e2e_latency_ms", "queue_ms", "met_ttft", "met_itl", "met_sla"] {
            XCTAssertNotNil(first[key], "per-request \(key) missing")
        }
    }

    func testSameInputsAndSeedGiveByteIdenticalJSONApartFromWallTime() throws {
        let trace = try bundledWindow(400)
        var documents: [String] = []
        for run in 0..<2 {
            let out = scratch.appendingPathComponent("d\(run).json")
            _ = try succeed(["--dataset", trace, "--mode", "disagg", "--load-predictor", "kalman", "--adjustment-interval", "30",
                             "--seed", "7", "--output-json", out.path])
            let text = try String(contentsOf: out, encoding: .utf8)
            // wall_time_ms is the one field that varies; it is the last key of "summary".
            let stripped = text.replacingOccurrences(of: #""wall_time_ms": [0-9.e+-]+"#, with: "WALL", options: .regularExpression)
            XCTAssertEqual(stripped.components(separatedBy: "WALL").count, 2, "exactly one wall_time_ms")
            documents.append(stripped)
        }
        XCTAssertEqual(documents[0], documents[1])
    }

    func testNoPlannerKeepsTheFixedWorkerCounts() throws {
        let trace = try bundledWindow(300)
        let out = scratch.appendingPathComponent("fixed.json")
        _ = try succeed(["--dataset", trace, "--mode", "disagg", "--perf-model", "mocker", "--no-planner",
                         "--num-prefill-workers", "2", "--num-decode-workers", "3", "--adjustment-interval", "20",
                         "--output-json", out.path])
        let document = try json(out)
        let intervals = try XCTUnwrap(document["intervals"] as? [String: Any])
        XCTAssertEqual(Set(try XCTUnwrap(intervals["num_p_live"] as? [Int])), [2])
        XCTAssertEqual(Set(try XCTUnwrap(intervals["num_d_live"] as? [Int])), [3])
        XCTAssertEqual((document["scaling_events"] as? [Any])?.count, 0)
        let summary = try XCTUnwrap(document["summary"] as? [String: Any])
        XCTAssertEqual(summary["peak_prefill_workers"] as? Int, 2)
        XCTAssertEqual(summary["peak_decode_workers"] as? Int, 3)
        // GPU-hours of fixed pools: 5 workers × 1 GPU over the simulated duration.
        let hours = try XCTUnwrap(summary["gpu_hours"] as? Double)
        let duration = try XCTUnwrap(summary["duration_ms"] as? Double) / 3_600_000
        XCTAssertEqual(hours, 5 * duration, accuracy: 1e-9 * max(1, hours))
    }

    /// The planner sees finished requests (Prometheus' counter) and, as the reference, never
    /// lets the TTFT correction raise prefill demand; it scales up when the workers finish
    /// more than it thinks one serves. With the mocker's timing (faster prefill than the
    /// H200 profile the planner reads) a 30× step in the load does that.
    func testThePlannerScalesUpWhenTheLoadRises() throws {
        let trace = try steppedTrace(rates: [1, 1, 30, 30, 30, 30, 30, 30], seconds: 60, isl: 4000)
        let out = scratch.appendingPathComponent("scale.json")
        _ = try succeed(["--dataset", trace, "--mode", "disagg", "--perf-model", "mocker", "--load-predictor", "constant",
                         "--adjustment-interval", "60",
                         "--startup-time", "30", "--max-gpu-budget", "32", "--ttft", "500", "--itl", "30",
                         "--output-json", out.path])
        let document = try json(out)
        let intervals = try XCTUnwrap(document["intervals"] as? [String: Any])
        func total(_ prefix: String) throws -> [Int] {
            let p = try XCTUnwrap(intervals["num_p_\(prefix)"] as? [Int]), d = try XCTUnwrap(intervals["num_d_\(prefix)"] as? [Int])
            return zip(p, d).map { $0 + $1 }
        }
        let requested = try total("requested"), live = try total("live")
        XCTAssertEqual(requested.first, 2)
        XCTAssertGreaterThan(requested.max() ?? 0, 2, "the planner should ask for more workers under 30× the load")
        XCTAssertGreaterThan(live.max() ?? 0, 2, "the added workers should serve after the startup time")
        let events = try XCTUnwrap(document["scaling_events"] as? [[String: Any]])
        XCTAssertFalse(events.isEmpty)
        // A decision at time t reaches the pool no earlier than the next interval's sample.
        let firstUp = try XCTUnwrap(events.first { ($0["to"] as? Int ?? 0) > ($0["from"] as? Int ?? 0) })
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(firstUp["time_s"] as? Double), 60)
    }

    func testSeveralPredictorsGiveRunsAndOneComparisonTable() throws {
        let trace = try bundledWindow(300)
        let out = scratch.appendingPathComponent("runs.json")
        let outcome = try succeed(["--dataset", trace, "--load-predictor", "constant,kalman", "--adjustment-interval", "20",
                                   "--output-json", out.path])
        XCTAssertTrue(outcome.stdout.contains("Comparison of predictors"), outcome.stdout)
        let document = try json(out)
        XCTAssertEqual(Set(document.keys), ["runs"])
        let runs = try XCTUnwrap(document["runs"] as? [[String: Any]])
        XCTAssertEqual(runs.count, 2)
        XCTAssertEqual(runs.compactMap { ($0["config"] as? [String: Any])?["load_predictor"] as? String }, ["constant", "kalman"])
    }

    func testMaxSimTimeStopsWithAPartialReportThatSaysSo() throws {
        let trace = try steppedTrace(rates: [20, 20, 20, 20], seconds: 60, isl: 8000, osl: 400)
        let out = scratch.appendingPathComponent("partial.json")
        let outcome = try succeed(["--dataset", trace, "--mode", "agg", "--perf-model", "mocker", "--no-planner",
                                   "--num-workers", "1", "--max-sim-time", "90", "--adjustment-interval", "30",
                                   "--output-json", out.path])
        XCTAssertTrue(outcome.stdout.contains("PARTIAL"), outcome.stdout)
        let summary = try XCTUnwrap(try json(out)["summary"] as? [String: Any])
        XCTAssertEqual(summary["partial"] as? Bool, true)
        XCTAssertTrue((summary["stop_reason"] as? String ?? "").contains("--max-sim-time"))
        XCTAssertLessThan(summary["completed_requests"] as? Int ?? .max, summary["num_requests"] as? Int ?? 0)
    }

    func testMaxInflightBoundsTheBacklogAndRaisingItRunsTheOverloadToTheEnd() throws {
        // One worker, 20 long requests/s for 2 minutes: the backlog reaches hundreds of requests.
        let trace = try steppedTrace(rates: [20, 20], seconds: 60, isl: 8000, osl: 400)
        func replay(_ extra: [String]) throws -> [String: Any] {
            let out = scratch.appendingPathComponent("inflight-\(extra.joined()).json")
            _ = try succeed(["--dataset", trace, "--mode", "agg", "--perf-model", "mocker", "--no-planner",
                             "--num-workers", "1", "--adjustment-interval", "30", "--output-json", out.path] + extra)
            return try XCTUnwrap(try json(out)["summary"] as? [String: Any])
        }
        let bounded = try replay(["--max-inflight", "50"])
        XCTAssertEqual(bounded["partial"] as? Bool, true, "50 in flight cannot hold the backlog")
        XCTAssertLessThan(bounded["completed_requests"] as? Int ?? .max, 2400)
        let full = try replay([])
        XCTAssertEqual(full["partial"] as? Bool, false, "the default holds it")
        XCTAssertEqual(full["completed_requests"] as? Int, 2400)
        for bad in ["0", "-3", "67108865", "1e9"] {
            let outcome = try PlannerProcess.run(["replay", "--dataset", trace, "--max-inflight", bad])
            XCTAssertNotEqual(outcome.status, 0, bad)
            XCTAssertLessThan(outcome.status, 128, bad)
            XCTAssertEqual(outcome.stderrLines.count, 1, "\(bad): \(outcome.stderr)")
            XCTAssertTrue(outcome.stderr.contains("--max-inflight"), outcome.stderr)
        }
    }

    func testImpossibleSettingsAndBadTracesAreRefusedWithOneLine() throws {
        let trace = try bundledWindow(50)
        let unsorted = scratch.appendingPathComponent("unsorted.jsonl")
        try "{\"timestamp\": 5000, \"input_length\": 10, \"output_length\": 5}\n{\"timestamp\": 1000, \"input_length\": 10, \"output_length\": 5}\n"
            .write(to: unsorted, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--dataset", trace, "--num-gpu-blocks", "0"], "--num-gpu-blocks"),
            (["--dataset", trace, "--no-planner", "--mode", "agg"], "--num-workers"),
            (["--dataset", trace, "--no-planner", "--mode", "agg", "--num-workers", "0"], "--num-workers"),
            (["--dataset", trace, "--max-sim-time", "nan"], "--max-sim-time"),
            (["--dataset", trace, "--startup-time", "-1"], "--startup-time"),
            (["--dataset", trace, "--kv-transfer-bandwidth", "inf"], "--kv-transfer-bandwidth"),
            (["--dataset", trace, "--load-predictor", "constant,psychic"], "psychic"),
            (["--dataset", trace, "--mode", "agg", "--num-prefill-workers", "2"], "--num-workers"),
            (["--dataset", trace, "--num-workers", "99999999999999999999"], "--num-workers"),
            (["--dataset", trace, "--mode", "agg", "--perf-model", "mocker", "--no-planner", "--num-workers", "1",
              "--num-gpu-blocks", "2", "--block-size", "16"], "KV cache"),
            (["--dataset", unsorted.path, "--mode", "agg", "--no-planner", "--num-workers", "1"], "unsorted.jsonl:2"),
            (["--dataset", scratch.appendingPathComponent("missing.jsonl").path], "missing.jsonl"),
        ]
        for (arguments, mention) in cases {
            let outcome = try PlannerProcess.run(["replay"] + arguments)
            XCTAssertNotEqual(outcome.status, 0, "\(arguments) should fail")
            XCTAssertLessThan(outcome.status, 128, "\(arguments) must not trap")
            XCTAssertEqual(outcome.stderrLines.count, 1, "\(arguments): \(outcome.stderr)")
            XCTAssertTrue(outcome.stderr.contains(mention), "\(arguments): '\(outcome.stderr)' should mention \(mention)")
        }
    }
}
