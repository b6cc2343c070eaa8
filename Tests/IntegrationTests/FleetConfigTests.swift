import Connectors
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// A fleet from one config file (`deployments`), its refusals, `--discover` on a real etcd,
/// and the fleet's gauges scraped from `--metric-reporting-prometheus-port`.
final class FleetConfigTests: XCTestCase, PeerHolding {
    var etcd: EtcdProcess?
    var prometheus: PrometheusProcess?
    var frontends: [TestFrontend] = []
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-config-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        await stopPeers()
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    static let profile = LivePlannerTests.root.appendingPathComponent("Tests/Fixtures/profiles/h100_qwen32b_tp2").path

    private func write(_ name: String, _ text: String) throws -> String {
        let url = scratch.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func testBadDeploymentListsAreRefusedNamingTheField() throws {
        let cases: [(String, String)] = [
            ("deployments:\n  - namespace: a\n  - namespace: b\n  - namespace: a\n",
             "fleet.yaml:4: deployments[2].namespace: namespace 'a' is listed twice (first at line 2)"),
            ("deployments:\n  - namespace: a\n    ttft_ms: fast\n", "fleet.yaml:3: deployments[0].ttft_ms: expected a number, got a string"),
            ("deployments:\n  - namespace: a\n    ttf_ms: 5\n", "fleet.yaml:3: deployments[0].ttf_ms: unknown field (did you mean 'ttft_ms'?)"),
            ("deployments:\n  - namespace: a\n    max_gpu_budget: 8\n",
             "fleet.yaml:3: deployments[0].max_gpu_budget: a fleet-level field"),
            ("deployments:\n  - namespace: a\n    adjustment_interval: 8\n",
             "fleet.yaml:3: deployments[0].adjustment_interval: a fleet-level field"),
            ("deployments:\n  - namespace: a\n    environment: virtual\n", "fleet.yaml:3: deployments[0].environment: a fleet-level field"),
            ("deployments:\n  - namespace: a\n    weight: -1\n", "fleet.yaml:3: deployments[0].weight: must be 0 or more (got -1"),
            ("deployments:\n  - ttft_ms: 5\n", "fleet.yaml:2: deployments[0]: namespace: required"),
            ("deployments:\n  - namespace: a/b\n", "fleet.yaml:2: deployments[0].namespace: 'a/b' must be non-empty and contain no '/'"),
            ("deployments:\n  - namespace: a\n    mode: decode\n    prefill_min_endpoint: 2\n",
             "fleet.yaml:2: deployments[0]: namespace 'a': "),
            ("deployments: 5\n", "fleet.yaml:1: deployments: expected a list of deployments"),
            ("deployments:\n  - a\n", "fleet.yaml:2: deployments[0]: expected a mapping with a namespace, got a string"),
            ("max_total_gpus: -2\ndeployments:\n  - namespace: a\n", "fleet.yaml:1: max_total_gpus: must be between -1"),
        ]
        for (text, expected) in cases {
            let path = try write("fleet.yaml", text)
            let outcome = try PlannerProcess.run(["run", "--environment", "virtual", "--model-name", "m", "--config", path])
            XCTAssertNotEqual(outcome.status, 0, text)
            XCTAssertLessThan(outcome.status, 128, text)
            XCTAssertTrue(outcome.stderr.contains(expected), "\(text)\nexpected: \(expected)\ngot: \(outcome.stderr)")
            XCTAssertEqual(outcome.stderrLines.filter { $0.contains("fleet.yaml") }.count, 1, outcome.stderr)
        }
        let flag = try PlannerProcess.run(["run", "--environment", "virtual", "--model-name", "m", "--discover-every", "0"])
        XCTAssertTrue(flag.stderr.contains("--discover-every"), flag.stderr)
        XCTAssertLessThan(flag.status, 128)
    }

    func testManagedNamespacesOnTheCommandLineWinOverTheFilesList() throws {
        let path = try write("fleet.yaml", "profile_results_dir: \(scratch.appendingPathComponent("none").path)\n"
                             + "deployments:\n  - namespace: a\n  - namespace: b\n")
        let outcome = try PlannerProcess.run(["run", "--environment", "virtual", "--model-name", "m", "--config", path,
                                              "--managed-namespaces", "a"])
        XCTAssertLessThan(outcome.status, 128)
        XCTAssertTrue(outcome.stderr.contains("deployments not in --managed-namespaces are not planned: b"), outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("deployment 'a' skipped"), "a is set up (its profile is missing): \(outcome.stderr)")
        XCTAssertFalse(outcome.stderr.contains("deployment 'b'"), outcome.stderr)
    }

    func testDiscoveryKeysAreParsedFromTheVirtualConnectorLayout() {
        let keys = ["v1/a/planner/num_prefill_workers", "v1/a/planner/decision_id", "v1/b/planner/leader",
                    "v1/planner-fleet/planner/x", "v1//planner/x", "v1/c/other/x", "v1/d/planner", "v2/e/planner/x",
                    "v1/f/planner/advisory/num_prefill_workers"]
        XCTAssertEqual(FleetDiscovery.namespaces(inKeys: keys), ["a", "b", "f"])
    }

    private func launch(_ arguments: [String], etcd e: EtcdProcess, prometheus p: PrometheusProcess) throws -> PlannerProcess.Launched {
        try PlannerProcess.Launched(["run"] + arguments, environment: [
            "ETCD_ENDPOINTS": e.clientURL, "PROMETHEUS_ENDPOINT": p.url,
            "SCALING_MAX_WAIT_TIME": "1", "SCALING_CHECK_INTERVAL": "0.2",
        ])
    }

    private func finish(_ planner: PlannerProcess.Launched, within seconds: Double = 60) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while planner.process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        if planner.process.isRunning { planner.process.terminate() }
        planner.process.waitUntilExit()
        return planner.process.terminationStatus
    }

    /// The value of the series `series` (name with labels, as exposed) in a scrape, if present.
    static func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// Polls /metrics until `done` holds for the text; returns the last scrape.
    private func scrape(port: Int, until done: (String) -> Bool, within seconds: Double = 40) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var text = ""
        while Date() < deadline {
            if let url = URL(string: "http://127.0.0.1:\(port)/metrics"),
               let (body, _) = try? await URLSession.shared.data(from: url) {
                text = String(decoding: body, as: UTF8.self)
                if done(text) { return text }
            }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        return text
    }

    func testEachDeploymentHasItsOwnSettingsABrokenOneIsSkippedAndGaugesAreLabelled() async throws {
        let tag = UUID().uuidString.prefix(6).lowercased()
        let a = "ca-\(tag)", b = "cb-\(tag)", c = "cc-\(tag)"
        let (e, p) = try await startFleetPeers(serving: [a, b], rate: 50)
        let port = try ManagedProcess.freePort()
        let config = try write("fleet.yaml", """
            environment: virtual
            model_name: qwen-32b
            throughput_adjustment_interval_seconds: 2
            load_predictor: constant
            prefill_engine_num_gpu: 2
            decode_engine_num_gpu: 2
            profile_results_dir: \(Self.profile)
            ttft_ms: 200
            max_total_gpus: 40
            metric_reporting_prometheus_port: \(port)
            max_intervals: 4
            deployments:
              - namespace: \(a)
                weight: 2
              - namespace: \(b)
                ttft_ms: 500
                min_endpoint: 3
                load_predictor: kalman
              - namespace: \(c)
                profile_results_dir: \(scratch.appendingPathComponent("missing").path)
            """)
        let planner = try launch(["--config", config], etcd: e, prometheus: p)
        let planned = #"dynamo_planner_fleet_deployments{state="planned"}"#
        let text = try await scrape(port: port) { (Self.value(planned, in: $0) ?? 0) >= 2 }
        XCTAssertEqual(Self.value(planned, in: text), 2, text)
        XCTAssertEqual(Self.value(#"dynamo_planner_fleet_deployments{state="not_set_up"}"#, in: text), 1, text)
        XCTAssertEqual(Self.value("dynamo_planner_fleet_max_total_gpus", in: text), 40, text)
        XCTAssertEqual(Self.value(#"dynamo_planner_sla_target_ttft_ms{dynamo_namespace="\#(a)"}"#, in: text), 200, text)
        XCTAssertEqual(Self.value(#"dynamo_planner_sla_target_ttft_ms{dynamo_namespace="\#(b)"}"#, in: text), 500, text)
        let bDecode = Self.value(#"dynamo_planner_predicted_num_decode_replicas{dynamo_namespace="\#(b)"}"#, in: text)
        XCTAssertGreaterThanOrEqual(bDecode ?? 0, 3, "b's own min_endpoint: \(text)")
        XCTAssertNil(Self.value(#"dynamo_planner_sla_target_ttft_ms{dynamo_namespace="\#(c)"}"#, in: text), "c was not set up")
        let gpus = try XCTUnwrap(Self.value("dynamo_planner_fleet_gpus_in_use", in: text), text)
        XCTAssertGreaterThan(gpus, 0)
        XCTAssertLessThanOrEqual(gpus, 40)

        let status = try await finish(planner)
        let log = planner.stderr
        XCTAssertEqual(status, 0, log)
        XCTAssertEqual(log.split(separator: "\n").filter { $0.contains("deployment '\(c)' skipped") }.count, 1, log)
        let client = EtcdClient(endpoints: try EtcdEndpoints([e.clientURL]))
        let bClient = try VirtualConnectorClient(client: client, namespace: b)
        let decided = try await bClient.get()
        XCTAssertGreaterThanOrEqual(decided.numPrefillWorkers, 3, "b's min_endpoint 3 applies to b")
        XCTAssertGreaterThanOrEqual(decided.numDecodeWorkers, 3)
        let aDecision = try await VirtualConnectorClient(client: client, namespace: a).get()
        XCTAssertGreaterThanOrEqual(aDecision.decisionId, 0, "a got a decision: \(log)")
    }

    func testDiscoveryPlansNamespacesAsTheyAppearAndDropsThoseThatVanish() async throws {
        let tag = UUID().uuidString.prefix(6).lowercased()
        let first = "da-\(tag)", gone = "db-\(tag)", joining = "dc-\(tag)"
        let (e, p) = try await startFleetPeers(serving: [first], rate: 50)
        let client = EtcdClient(endpoints: try EtcdEndpoints([e.clientURL]))
        try await client.put("v1/\(first)/planner/num_prefill_workers", "1")
        try await client.put("v1/\(gone)/planner/num_decode_workers", "1")
        try await client.put("v1/other-\(tag)/frontend/x", "1")
        let found = try await FleetDiscovery.virtualNamespaces(client: client)
        XCTAssertEqual(found, [first, gone].sorted(), "one keys-only read of v1/")

        let port = try ManagedProcess.freePort()
        let planner = try launch(["--environment", "virtual", "--model-name", "qwen-32b", "--discover", "--discover-every", "1",
                                  "--adjustment-interval", "2", "--load-predictor", "constant", "--max-intervals", "5",
                                  "--profile-results-dir", Self.profile, "--prefill-engine-num-gpu", "2",
                                  "--decode-engine-num-gpu", "2", "--max-total-gpus", "30",
                                  "--metric-reporting-prometheus-port", "\(port)"], etcd: e, prometheus: p)
        // After the first interval's decisions (the planner writes its own keys under the prefix),
        // one namespace appears and another's whole prefix is deleted, as a tear-down does.
        let deadline = Date().addingTimeInterval(30)
        while !planner.stderr.contains("interval=1 total_gpus"), planner.process.isRunning, Date() < deadline {
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTAssertTrue(planner.stderr.contains("interval=1 total_gpus"), planner.stderr)
        try await client.put("v1/\(joining)/planner/num_prefill_workers", "1")
        for kv in try await client.getPrefix("v1/\(gone)/planner/").kvs { _ = try await client.delete(kv.key) }
        let label = { (ns: String) in #"dynamo_planner_sla_target_ttft_ms{dynamo_namespace="\#(ns)"}"# }
        let text = try await scrape(port: port) { Self.value(label(joining), in: $0) != nil && Self.value(label(gone), in: $0) == nil }
        XCTAssertNotNil(Self.value(label(joining), in: text), "the joiner's gauges appear: \(text)")
        XCTAssertNil(Self.value(label(gone), in: text), "the leaver's gauges are removed: \(text)")
        XCTAssertNotNil(Self.value(label(first), in: text), text)

        let status = try await finish(planner)
        let lines = planner.stderr.split(separator: "\n")
        XCTAssertEqual(status, 0, planner.stderr)
        func logged(_ ns: String, _ message: String) -> Bool {
            lines.contains { $0.contains("deployment=\(ns)") && $0.hasSuffix(message) }
        }
        XCTAssertTrue(logged(first, "deployment joined the fleet"), planner.stderr)
        XCTAssertTrue(logged(gone, "deployment joined the fleet"), planner.stderr)
        XCTAssertTrue(logged(joining, "deployment joined the fleet"), "re-discovered every interval: \(planner.stderr)")
        XCTAssertTrue(logged(gone, "deployment left the fleet"), planner.stderr)
        XCTAssertFalse(lines.contains { $0.contains("other-\(tag)") }, "a namespace without planner keys is not planned")
        let decision = try await VirtualConnectorClient(client: client, namespace: first).get()
        XCTAssertGreaterThanOrEqual(decision.decisionId, 0, "the discovered namespace with traffic is planned: \(planner.stderr)")
    }
}
