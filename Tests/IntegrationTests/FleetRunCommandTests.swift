import Connectors
import Foundation
import PlannerCore
import XCTest

/// `planner run --managed-namespaces` as a process against a real etcd and a real
/// Prometheus scraping one test frontend per namespace.
final class FleetRunCommandTests: XCTestCase, PeerHolding {
    var etcd: EtcdProcess?
    var prometheus: PrometheusProcess?
    var frontends: [TestFrontend] = []
    var profileRoot: URL?

    override func tearDown() async throws {
        await stopPeers()
        if let profileRoot { try? FileManager.default.removeItem(at: profileRoot) }
    }

    func testPlansEveryGoodDeploymentUnderOneBudgetAndSkipsBrokenOnes() async throws {
        let tag = UUID().uuidString.prefix(6).lowercased()
        let good = ["fa-\(tag)", "fb-\(tag)"], missing = "fc-\(tag)", broken = "fd-\(tag)"
        let (e, p) = try await startFleetPeers(serving: good, rate: 50)

        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-profiles-\(tag)")
        profileRoot = root
        try FileManager.default.createDirectory(at: root.appendingPathComponent(broken), withIntermediateDirectories: true)
        let fixture = LivePlannerTests.root.appendingPathComponent("Tests/Fixtures/profiles/h100_qwen32b_tp2")
        for ns in good { try FileManager.default.copyItem(at: fixture, to: root.appendingPathComponent(ns)) }

        let (process, text) = try await runPlanner([
            "--managed-namespaces", (good + [missing, broken]).joined(separator: ","),
            "--fleet-profile-root", root.path, "--max-total-gpus", "12",
        ], etcd: e, prometheus: p, tag: tag)
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("deployment '\(missing)' skipped"), text)
        XCTAssertTrue(text.contains("deployment '\(broken)' skipped"), text)

        var gpus = 0
        for ns in good {
            let client = try VirtualConnectorClient(client: EtcdClient(endpoints: try EtcdEndpoints([e.clientURL])), namespace: ns)
            let decision = try await client.get()
            XCTAssertGreaterThanOrEqual(decision.decisionId, 0, "\(ns) got a decision in etcd")
            XCTAssertGreaterThanOrEqual(decision.numPrefillWorkers, 1, ns)
            XCTAssertGreaterThanOrEqual(decision.numDecodeWorkers, 1, ns)
            gpus += 2 * (decision.numPrefillWorkers + decision.numDecodeWorkers)
        }
        XCTAssertLessThanOrEqual(gpus, 12, "one budget for the fleet: \(text)")
        XCTAssertTrue(text.contains("fleet planner stopped"), text)
    }

    /// Runs `planner run` for three 2 s intervals with the fleet's common flags plus `extra`;
    /// returns the ended process and its stderr.
    func runPlanner(_ extra: [String], etcd e: EtcdProcess, prometheus p: PrometheusProcess,
                    tag: String) async throws -> (Process, String) {
        let process = Process()
        process.executableURL = EndToEndRunCommandTests.binary
        process.arguments = [
            "run", "--environment", "virtual", "--model-name", "qwen-32b", "--adjustment-interval", "2",
            "--load-predictor", "constant", "--max-intervals", "3",
            "--prefill-engine-num-gpu", "2", "--decode-engine-num-gpu", "2",
        ] + extra
        var environment = ProcessInfo.processInfo.environment
        environment["ETCD_ENDPOINTS"] = e.clientURL
        environment["PROMETHEUS_ENDPOINT"] = p.url
        environment["SCALING_MAX_WAIT_TIME"] = "1"
        environment["SCALING_CHECK_INTERVAL"] = "0.2"
        process.environment = environment
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-run-\(tag)-\(UUID().uuidString.prefix(4)).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let exited = await Task.detached { () -> Bool in
            let deadline = Date().addingTimeInterval(40)
            while process.isRunning && Date() < deadline { usleep(50_000) }
            return !process.isRunning
        }.value
        if !exited { process.terminate() }
        XCTAssertTrue(exited, "three 2 s intervals must end the run")
        process.waitUntilExit()
        return (process, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    /// Two replicas with one --fleet-name split four namespaces: each namespace is
    /// decided, by exactly one replica.
    func testTwoReplicasSplitTheFleet() async throws {
        let tag = UUID().uuidString.prefix(6).lowercased()
        let names = (0..<4).map { "s\($0)-\(tag)" }
        let (e, p) = try await startFleetPeers(serving: names, rate: 20)
        let fixture = LivePlannerTests.root.appendingPathComponent("Tests/Fixtures/profiles/h100_qwen32b_tp2").path
        async let one = runPlanner(["--managed-namespaces", names.joined(separator: ","), "--profile-results-dir", fixture,
                                    "--fleet-replica-id", "one", "--fleet-name", tag, "--fleet-lease-ttl", "5"],
                                   etcd: e, prometheus: p, tag: tag)
        async let two = runPlanner(["--managed-namespaces", names.joined(separator: ","), "--profile-results-dir", fixture,
                                    "--fleet-replica-id", "two", "--fleet-name", tag, "--fleet-lease-ttl", "5"],
                                   etcd: e, prometheus: p, tag: tag)
        let logs = try await [one.1, two.1]
        let expected = [FleetSharding.owned(by: "one", of: names, among: ["one", "two"]),
                        FleetSharding.owned(by: "two", of: names, among: ["one", "two"])]
        // Rounds planned while both were live: each decides exactly its own share. (The
        // replica that ends last plans everything once the other has left: that is the
        // takeover, not a double plan.)
        var decidedWithBoth = Set<String>()
        for (log, mine) in zip(logs, expected) {
            var bothLive = false
            for line in log.split(separator: "\n") {
                if line.contains("fleet shard") { bothLive = line.contains("live_replicas=one,two") }
                guard bothLive, line.hasSuffix("decision"), let ns = names.first(where: { line.contains("deployment=\($0) ") }) else { continue }
                XCTAssertTrue(mine.contains(ns), "\(ns) decided by the replica that does not own it:\n\(log)")
                decidedWithBoth.insert(ns)
            }
        }
        XCTAssertEqual(decidedWithBoth, Set(names), "every namespace decided while both replicas were live")
        for ns in names {
            let client = try VirtualConnectorClient(client: EtcdClient(endpoints: try EtcdEndpoints([e.clientURL])), namespace: ns)
            let decision = try await client.get()
            XCTAssertGreaterThanOrEqual(decision.decisionId, 0, "\(ns) got a decision in etcd")
        }
    }

    func testDuplicateNamespacesAreRefused() throws {
        let outcome = try PlannerProcess.run(["run", "--environment", "virtual", "--model-name", "m",
                                              "--managed-namespaces", "a,b,a"])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertLessThan(outcome.status, 128)
        XCTAssertTrue(outcome.stderr.contains("'a' is listed twice"), outcome.stderr)
        let budget = try PlannerProcess.run(["run", "--max-total-gpus", "4"])
        XCTAssertTrue(budget.stderr.contains("need --managed-namespaces"), budget.stderr)
        XCTAssertLessThan(budget.status, 128)
    }
}
