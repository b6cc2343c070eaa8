import Foundation
import XCTest
import PlannerIO

/// `planner replay` with several traces on one GPU pool, as a subprocess: the JSON's
/// `deployments` and `fleet`, the budget at every interval, the fleet report, the
/// single-trace JSON left as it was, and one-line refusals.
final class ReplayFleetCommandLineTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        try PlannerProcess.requireExecutable()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("planner-replay-fleet-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    /// The first `count` lines of a repository trace.
    private func window(_ path: String, _ count: Int, as name: String) throws -> String {
        let text = try String(contentsOf: PlannerProcess.repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        let url = scratch.appendingPathComponent(name)
        try (text.split(separator: "\n").prefix(count).joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    func testTwoTracesShareTheBudgetInTheJSONTheTableAndTheReport() throws {
        let a = try window("data/traces/mooncake_conversation.jsonl", 1500, as: "chat.jsonl")
        let b = try window("Tests/Fixtures/traces/azure_conv_2023.jsonl", 1500, as: "code.jsonl")
        let out = scratch.appendingPathComponent("fleet.json"), report = scratch.appendingPathComponent("fleet.html")
        let common = ["--profile-results-dir", "data/profiles/h200_llama8b_tp1", "--load-predictor", "constant",
                      "--adjustment-interval", "60", "--max-gpu-budget", "-1"]
        let outcome = try PlannerProcess.run(["replay", "--deployment", "chat=\(a),weight=2,ttft=800", "--dataset", b,
                                              "--max-total-gpus", "5", "--output-json", out.path, "--report", report.path] + common)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("Fleet of 2 deployments on one GPU pool, --max-total-gpus 5"), outcome.stdout)
        let doc = try json(out)
        XCTAssertEqual(Set(doc.keys), ["deployments", "fleet"])
        let deployments = try XCTUnwrap(doc["deployments"] as? [[String: Any]])
        XCTAssertEqual(deployments.map { $0["name"] as? String }, ["chat", "code"])
        XCTAssertEqual(deployments.map { $0["weight"] as? Double }, [2, 1])
        let chatConfig = try XCTUnwrap(deployments[0]["config"] as? [String: Any])
        XCTAssertEqual(chatConfig["ttft_ms"] as? Double, 800, "the deployment's own SLA")
        for d in deployments {
            let summary = try XCTUnwrap(d["summary"] as? [String: Any])
            XCTAssertEqual(summary["completed_requests"] as? Double, 1500)
        }
        let fleet = try XCTUnwrap(doc["fleet"] as? [String: Any])
        XCTAssertEqual(fleet["completed_requests"] as? Double, 3000)
        XCTAssertEqual(fleet["max_total_gpus"] as? Double, 5)
        let granted = try XCTUnwrap(fleet["granted_gpus"] as? [Double])
        XCTAssertFalse(granted.isEmpty)
        XCTAssertTrue(granted.allSatisfy { $0 <= 5 }, "\(granted)")
        XCTAssertLessThanOrEqual(try XCTUnwrap(fleet["peak_granted_gpus"] as? Double), 5)
        let both = try XCTUnwrap(fleet["goodput_completed_requests"] as? Double)
        XCTAssertEqual(try XCTUnwrap(fleet["sla_attainment"] as? Double), both / 3000, accuracy: 1e-12)

        let html = try String(contentsOf: report, encoding: .utf8)
        for title in HTMLReport.fleetReplayChartTitles + HTMLReport.replayChartTitles.map({ "chat: " + $0 }) {
            XCTAssertTrue(html.contains("<h2>\(title)</h2>"), title)
        }
        XCTAssertTrue(html.contains("# deployment code"))

        // One trace: the JSON keeps its single-replay shape.
        let single = scratch.appendingPathComponent("single.json")
        let alone = try PlannerProcess.run(["replay", "--dataset", b, "--output-json", single.path] + common)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        XCTAssertEqual(Set(try json(single).keys), ["summary", "intervals", "scaling_events", "config"])
    }

    func testBadFleetInputIsRefusedInOneLine() throws {
        let a = try window("Tests/Fixtures/traces/azure_conv_2023.jsonl", 50, as: "a.jsonl")
        let cases: [([String], String)] = [
            (["--dataset", a, "--max-total-gpus", "4"], "several deployments"),
            (["--deployment", "x"], "NAME=TRACE"),
            (["--deployment", "x=\(a),weight=-1"], "weight"),
            (["--deployment", "x=\(a),colour=red"], "colour=red"),
            (["--deployment", "x=\(a)", "--deployment", "x=\(a)"], "'x' is used twice"),
            (["--dataset", a, "--dataset", a, "--no-planner", "--num-prefill-workers", "1", "--num-decode-workers", "1"], "needs the planner"),
            (["--dataset", a, "--dataset", a, "--max-total-gpus", "3"], "--max-total-gpus 3"),
            (["--dataset", a, "--dataset", a, "--max-total-gpus", "-5"], "--max-total-gpus"),
            (["--deployment", "x=\(a),profile=\(scratch.appendingPathComponent("nope").path)"], "deployment x"),
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
