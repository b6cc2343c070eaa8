import Connectors
import Foundation
import KubernetesTestSupport
import XCTest

/// `planner run --environment kubernetes` with a fleet, as a process: DGDs served by
/// the Kubernetes API test server (one namespace, the real LIST path), metrics from a
/// real Prometheus scraping one test frontend per Dynamo namespace (`prod-DGDNAME`).
final class KubernetesFleetRunCommandTests: XCTestCase, PeerHolding {
    var etcd: EtcdProcess?
    var prometheus: PrometheusProcess?
    var frontends: [TestFrontend] = []
    var api: KubernetesFleetTestServer?
    var scratch: URL?
    var planner: Process?

    override func tearDown() async throws {
        planner?.killIfRunning()
        await stopPeers()
        await api?.stop()
        if let scratch { try? FileManager.default.removeItem(at: scratch) }
    }

    /// A vLLM DGD with scaling adapters, 2 GPUs per worker, Ready at once.
    static func dgd(_ name: String, prefill: Int = 1, decode: Int = 1) -> KubernetesTestServer {
        KubernetesTestServer(namespace: "prod", name: name, services: [
            "Frontend": KubernetesTestServer.service(nil, replicas: 1),
            "VllmPrefillWorker": KubernetesTestServer.service("prefill", replicas: prefill, gpus: 2, args: KubernetesRunCommandTests.args),
            "VllmDecodeWorker": KubernetesTestServer.service("decode", replicas: decode, gpus: 2, args: KubernetesRunCommandTests.args),
        ], adapters: ["VllmPrefillWorker", "VllmDecodeWorker"])
    }

    /// The API server holding `dgds`, Prometheus scraping a frontend per name in `serving`
    /// (50 requests/s); the planner's environment (over the test's, without `unset`).
    func start(dgds: [String], serving: [String]) async throws -> [String: String] {
        try PlannerProcess.requireExecutable()
        let requests = TestFrontend.phases([(300, 50)], isl: 2000, osl: 200)
        let (_, p) = try await startPeers(serving.map { ($0, requests) }, model: "Qwen-32B", withEtcd: false,
                                          ready: "count(dynamo_frontend_requests_total) >= \(2 * serving.count)")
        let server = KubernetesFleetTestServer(namespace: "prod")
        for name in dgds { server.add(Self.dgd(name)) }
        api = server
        let url = try await server.start()
        let dir = try ManagedProcess.scratchDirectory(prefix: "planner-k8s-fleet")
        scratch = dir
        return ["KUBECONFIG": try KubernetesTestServer.writeKubeconfig(server: url, namespace: "prod", in: dir),
                "PROMETHEUS_ENDPOINT": p.url]
    }

    /// In-cluster detection, the single-deployment DGD name, and the gauges' port stay out of the child's environment.
    static let unset = ["KUBERNETES_SERVICE_HOST", "DYN_PARENT_DGD_K8S_NAME", "PLANNER_PROMETHEUS_PORT"]

    var profile: String { PlannerProcess.repositoryRoot.appendingPathComponent("Tests/Fixtures/profiles/h100_qwen32b_tp2").path }

    /// Starts `planner run` for `intervals` 2 s intervals with the fleet's common flags plus `extra`.
    func launch(_ extra: [String], intervals: Int, environment: [String: String]) throws -> PlannerProcess.Launched {
        let run = try PlannerProcess.Launched([
            "run", "--environment", "kubernetes", "--backend", "vllm", "--model-name", "Qwen-32B",
            "--adjustment-interval", "2", "--load-predictor", "constant", "--max-intervals", "\(intervals)",
            "--profile-results-dir", profile, "--kubernetes-poll-interval", "0.2",
        ] + extra, environment: environment, unset: Self.unset)
        planner = run.process
        return run
    }

    struct NeverHappened: Error, CustomStringConvertible { var description: String }

    func waitFor(_ what: String, _ run: PlannerProcess.Launched, timeout: Double = 30, _ condition: (String) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(run.stderr) {
            guard Date() < deadline else { throw NeverHappened(description: "within \(Int(timeout)) s: \(what)\n\(run.stderr)") }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    /// Waits for the run's own end (its --max-intervals): exit status 0; returns its stderr.
    func finish(_ run: PlannerProcess.Launched, file: StaticString = #filePath, line: UInt = #line) async throws -> String {
        try await waitFor("the run ends", run, timeout: 60) { _ in !run.process.isRunning }
        run.process.waitUntilExit()
        let all = run.stderr
        XCTAssertEqual(run.process.terminationReason, .exit, all, file: file, line: line)
        XCTAssertEqual(run.process.terminationStatus, 0, all, file: file, line: line)
        XCTAssertTrue(all.contains("fleet planner stopped"), all, file: file, line: line)
        return all
    }

    func lines(_ log: String, containing parts: String...) -> [Substring] {
        log.split(separator: "\n").filter { l in parts.allSatisfy { l.contains($0) } }
    }

    func gpus(_ server: KubernetesTestServer?) -> Int {
        2 * ((server?.replicas("VllmPrefillWorker") ?? 0) + (server?.replicas("VllmDecodeWorker") ?? 0))
    }

    func testTwoDGDsAreScaledUnderOneBudget() async throws {
        let environment = try await start(dgds: ["llama", "mistral"], serving: ["prod-llama", "prod-mistral"])
        let run = try launch(["--managed-namespaces", "prod-llama,prod-mistral", "--max-total-gpus", "16"],
                                        intervals: 3, environment: environment)
        let all = try await finish(run)
        for name in ["llama", "mistral"] {
            let server = api?[name]
            let patches = server?.patches() ?? []
            XCTAssertFalse(patches.isEmpty, "\(name) was scaled: \(all)")
            XCTAssertTrue(patches.allSatisfy { $0.path.hasSuffix("/scale") && $0.status == 200 }, "\(patches.map(\.path))")
            XCTAssertFalse(lines(all, containing: "deployment=prod-\(name) ", "decision").isEmpty, all)
        }
        XCTAssertTrue(all.contains("dgd=llama"), all)
        XCTAssertLessThanOrEqual(gpus(api?["llama"]) + gpus(api?["mistral"]), 16, "one budget for the fleet: \(all)")
    }

    func testDiscoveryAddsAndRemovesDGDs() async throws {
        let environment = try await start(dgds: ["llama"], serving: ["prod-llama", "prod-mistral"])
        let run = try launch(["--discover", "--discover-every", "1"], intervals: 8, environment: environment)
        try await waitFor("llama decided", run) { !self.lines($0, containing: "deployment=prod-llama ", "decision").isEmpty }
        api?.add(Self.dgd("mistral"))
        try await waitFor("mistral joins", run) { !self.lines($0, containing: "deployment=prod-mistral", "joined the fleet").isEmpty }
        try await waitFor("mistral scaled", run, timeout: 20) { _ in !(self.api?["mistral"]?.patches().isEmpty ?? true) }
        api?.delete("llama")
        try await waitFor("llama leaves", run) { !self.lines($0, containing: "deployment=prod-llama", "left the fleet").isEmpty }
        let all = try await finish(run)
        let afterLeaving = all.components(separatedBy: "left the fleet").last ?? ""
        XCTAssertTrue(lines(afterLeaving, containing: "deployment=prod-llama ", "decision").isEmpty,
                      "no decision for a DGD that is gone: \(all)")
        XCTAssertTrue(api?.listStatuses.allSatisfy { $0 == 200 } ?? false)
    }

    func testMissingAndForbiddenDGDsStayWithTheirMember() async throws {
        // team-b names its DGD explicitly; prod-gone has none (404 at set-up).
        let environment = try await start(dgds: ["llama", "mistral"], serving: ["prod-llama", "team-b"])
        let config = try XCTUnwrap(scratch).appendingPathComponent("fleet.yaml")
        try """
        deployments:
          - namespace: prod-llama
          - namespace: team-b
            dgd: mistral
          - namespace: prod-gone
        """.write(to: config, atomically: true, encoding: .utf8)
        let run = try launch(["--config", config.path], intervals: 4, environment: environment)
        try await waitFor("team-b set up", run) { $0.contains("dgd=mistral") }
        XCTAssertEqual(api?["llama"]?.patches().count, 0, "nothing scaled before the first interval")
        api?.forbid("mistral")
        let all = try await finish(run)
        XCTAssertTrue(all.contains("deployment 'prod-gone' skipped"), all)
        XCTAssertTrue(lines(all, containing: "prod-gone", "404").count == 1, "one line for the missing DGD: \(all)")
        XCTAssertFalse(lines(all, containing: "deployment=team-b", "HTTP 403").isEmpty, "the 403 is team-b's reason: \(all)")
        XCTAssertTrue(lines(all, containing: "deployment=prod-llama", "HTTP 403").isEmpty, all)
        XCTAssertFalse(api?["llama"]?.patches().isEmpty ?? true, "llama is scaled while team-b is forbidden: \(all)")
        XCTAssertTrue(api?["mistral"]?.patches().isEmpty ?? false, "nothing reached the forbidden DGD")
    }

    func testConflictAndNotReadyStayWithTheirMember() async throws {
        let environment = try await start(dgds: ["llama", "phi"], serving: ["prod-llama", "prod-phi"])
        api?["llama"]?.failures = [.init("PATCH", "/scale", 409)]
        api?["phi"]?.setMaxSchedulable("VllmDecodeWorker", 0)
        let run = try launch(["--managed-namespaces", "prod-llama,prod-phi"], intervals: 3, environment: environment)
        let all = try await finish(run)
        XCTAssertEqual(lines(all, containing: "deployment=prod-llama ", "decision not applied", "HTTP 409").count, 1, all)
        XCTAssertFalse(api?["llama"]?.patches().filter { $0.status == 200 }.isEmpty ?? true, "llama applied at the next interval: \(all)")
        XCTAssertFalse(lines(all, containing: "deployment=prod-phi ", "decision held: deployment not Ready").isEmpty, all)
        XCTAssertTrue(api?["phi"]?.patches().isEmpty ?? false, "nothing patched while phi is not Ready")
        XCTAssertTrue(lines(all, containing: "deployment=prod-llama ", "not Ready").isEmpty, all)
    }

    func testUnreadableListsLeaveTheFleetAsItIs() async throws {
        let environment = try await start(dgds: ["llama"], serving: ["prod-llama"])
        let run = try launch(["--discover"], intervals: 8, environment: environment)
        try await waitFor("llama decided", run) { !self.lines($0, containing: "deployment=prod-llama ", "decision").isEmpty }
        api?.enqueueList(.raw("{\"kind\": \"DynamoGraphDeploymentList\", \"items\": [{\"metadata\": {}}]}"), .raw("{not json"),
                         .raw("{\"items\": 5}"), .status(403), .status(503))
        let all = try await finish(run)
        XCTAssertEqual(api?.listStatuses.filter { $0 != 200 }, [403, 503])
        XCTAssertGreaterThanOrEqual(api?.listStatuses.count ?? 0, 7, "a discovery per interval")
        XCTAssertEqual(lines(all, containing: "discovery skipped").count, 5, "one line per unreadable list: \(all)")
        XCTAssertTrue(lines(all, containing: "left the fleet").isEmpty, all)
        XCTAssertGreaterThanOrEqual(lines(all, containing: "deployment=prod-llama ", "decision").count, 6, all)
    }

    func testShardingAndVirtualOnlyFieldsAreRefusedInOneLine() throws {
        let sharded = try PlannerProcess.run(["run", "--environment", "kubernetes", "--model-name", "m",
                                              "--managed-namespaces", "prod-a", "--fleet-replica-id", "one"])
        XCTAssertTrue(sharded.stderr.contains("--fleet-replica-id is not available with --environment kubernetes"), sharded.stderr)
        let dir = try ManagedProcess.scratchDirectory(prefix: "planner-k8s-fleet")
        scratch = dir
        let config = dir.appendingPathComponent("fleet.yaml")
        try "deployments:\n  - namespace: a\n    dgd: llama\n".write(to: config, atomically: true, encoding: .utf8)
        let virtual = try PlannerProcess.run(["run", "--environment", "virtual", "--model-name", "m", "--config", config.path])
        XCTAssertTrue(virtual.stderr.contains("'a' names a DGD (dgd), which only --environment kubernetes uses"), virtual.stderr)
        for outcome in [sharded, virtual] {
            XCTAssertNotEqual(outcome.status, 0)
            XCTAssertLessThan(outcome.status, 128)
            XCTAssertEqual(outcome.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.contains("--help") && !$0.isEmpty }.count, 1,
                           outcome.stderr)
        }
    }
}
