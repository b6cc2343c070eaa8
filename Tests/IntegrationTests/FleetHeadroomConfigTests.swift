import Foundation
import XCTest

/// `target_attainment` and `hold_scale_down` per deployment of a fleet config: refused
/// naming the entry when bad, and each member set up with its own (the entry's, else the
/// flags', else the file's top level). Real etcd; Prometheus is not needed (the one
/// interval is skipped for every deployment).
final class FleetHeadroomConfigTests: XCTestCase {
    var scratch: URL!
    var etcd: EtcdProcess?

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-headroom-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        etcd?.kill()
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    private func write(_ text: String) throws -> String {
        let url = scratch.appendingPathComponent("fleet.yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testBadValuesAreRefusedNamingTheEntry() throws {
        let cases: [(String, String)] = [
            ("deployments:\n  - namespace: a\n    target_attainment: 2\n",
             "fleet.yaml:3: deployments[0].target_attainment: must be between 0.5 and 0.99999 (got 2"),
            ("deployments:\n  - namespace: a\n    target_attainment: sometimes\n",
             "fleet.yaml:3: deployments[0].target_attainment: expected a fraction or off, got a string"),
            ("deployments:\n  - namespace: a\n    hold_scale_down: yes please\n",
             "fleet.yaml:3: deployments[0].hold_scale_down: expected true, false or null, got a string"),
        ]
        for (text, expected) in cases {
            let outcome = try PlannerProcess.run(["run", "--environment", "virtual", "--model-name", "m", "--config", try write(text)])
            XCTAssertNotEqual(outcome.status, 0, text)
            XCTAssertLessThan(outcome.status, 128, text)
            XCTAssertTrue(outcome.stderr.contains(expected), "expected '\(expected)' in: \(outcome.stderr)")
        }
    }

    func testEachMemberGetsItsOwnFeedbackAndHold() async throws {
        try EtcdProcess.requireInstalled()
        try PlannerProcess.requireExecutable()
        let e = try await EtcdProcess.startSingle()
        etcd = e
        let profile = LivePlannerTests.root.appendingPathComponent("Tests/Fixtures/profiles/h100_qwen32b_tp2").path
        let config = try write("""
            environment: virtual
            model_name: qwen-32b
            throughput_adjustment_interval_seconds: 1
            load_predictor: constant
            prefill_engine_num_gpu: 2
            decode_engine_num_gpu: 2
            profile_results_dir: \(profile)
            metric_pulling_prometheus_endpoint: http://127.0.0.1:1
            max_intervals: 1
            target_attainment: 0.97
            hold_scale_down: true
            deployments:
              - namespace: a
                target_attainment: off
                hold_scale_down: true
              - namespace: b
            """)
        // The typed flag wins over the file's top level (its inverted spelling too), not over an entry.
        let launched = try PlannerProcess.Launched(["run", "--config", config, "--no-hold-scale-down"],
                                                   environment: ["ETCD_ENDPOINTS": e.clientURL])
        let deadline = Date().addingTimeInterval(60)
        while launched.process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        if launched.process.isRunning { launched.process.terminate() }
        launched.process.waitUntilExit()
        let log = launched.stderr
        XCTAssertEqual(launched.process.terminationStatus, 0, log)
        func setUp(_ name: String) -> String? {
            log.split(separator: "\n").first { $0.contains("deployment set up") && $0.contains("deployment=\(name) ") }.map(String.init)
        }
        let a = try XCTUnwrap(setUp("a"), log)
        XCTAssertTrue(a.contains("target_attainment=off"), a)
        XCTAssertTrue(a.contains("hold_scale_down=true"), a)
        let b = try XCTUnwrap(setUp("b"), log)
        XCTAssertTrue(b.contains("target_attainment=0.97"), b)
        XCTAssertTrue(b.contains("hold_scale_down=false"), b)
    }
}
