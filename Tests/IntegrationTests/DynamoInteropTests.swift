import Connectors
import Foundation
import XCTest

/// The planner and NVIDIA Dynamo 1.0.2's own runtime (PyPI `ai-dynamo-runtime`, scripts in
/// tools/dynamo/) on one real etcd, in both directions, plain and secured the two ways
/// production does it, with the same ETCD_* variables given to both sides.
///
/// Upstream quirk tolerated, not copied: Dynamo's own client and coordinator together leave
/// `scaled_decision_id = -1`, which its coordinator then fails to parse; the planner reads -1 as
/// "nothing acknowledged yet".
final class DynamoInteropTests: XCTestCase {
    enum Setup: String { case plain, mutualTLS, password }

    static let namespace = "interop"
    static let user = SecuredEtcd.User(name: "dynamo", password: "dynamo-test-password",
                                       prefix: "v1/\(namespace)/planner/")

    var directory: URL!
    var frontend: TestFrontend?
    var prometheus: PrometheusProcess?

    override func tearDown() async throws {
        prometheus?.kill()
        await frontend?.stop()
    }

    override func setUp() async throws {
        directory = try ManagedProcess.scratchDirectory(prefix: "dynamo-interop")
        let dir = directory!
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    }

    /// etcd for `setup`, and the environment both sides read it from (ETCD_AUTH_* as Dynamo
    /// 1.0.2 reads them: PEM text for TLS), without any ETCD_AUTH_* of the test's own environment.
    private func start(_ setup: Setup) async throws -> (etcd: EtcdProcess, environment: [String: String], security: EtcdSecurity) {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ETCD_AUTH_") }
        environment["DYN_NAMESPACE"] = nil
        let etcd: EtcdProcess
        let security: EtcdSecurity
        switch setup {
        case .plain:
            try EtcdProcess.requireInstalled()
            etcd = try await EtcdProcess.startSingle()
            addTeardownBlock { etcd.kill() }
            security = .none
        case .mutualTLS:
            let certificates = try TestCertificates(for: self)
            etcd = try await SecuredEtcd.startMutualTLS(certificates, for: self)
            environment.merge(try certificates.dynamoEnvironment()) { $1 }
            security = try certificates.clientSecurity
        case .password:
            etcd = try await SecuredEtcd.startWithAuth(users: [Self.user], for: self)
            environment["ETCD_AUTH_USERNAME"] = Self.user.name
            environment["ETCD_AUTH_PASSWORD"] = Self.user.password
            security = SecuredEtcd.security(Self.user)
        }
        environment["ETCD_ENDPOINTS"] = etcd.clientURL
        return (etcd, environment, security)
    }

    // MARK: Dynamo's coordinator → planner virtual-client

    func testDynamoCoordinatorDrivesPlannerVirtualClient() async throws { try await coordinatorToVirtualClient(.plain) }
    func testDynamoCoordinatorDrivesPlannerVirtualClientOverMutualTLS() async throws { try await coordinatorToVirtualClient(.mutualTLS) }
    func testDynamoCoordinatorDrivesPlannerVirtualClientWithPassword() async throws { try await coordinatorToVirtualClient(.password) }

    private func coordinatorToVirtualClient(_ setup: Setup) async throws {
        let python = try DynamoRuntime.requirePython()
        try PlannerProcess.requireExecutable()
        let (_, environment, _) = try await start(setup)
        let applied = directory.appendingPathComponent("applied.txt")
        let command = "echo \"$DECISION_ID $NUM_PREFILL_WORKERS $NUM_DECODE_WORKERS\" >> '\(applied.path)'"
        let client = try ChildProcess(PlannerProcess.executable.path,
                                      ["virtual-client", "--namespace", Self.namespace, "--exec", command],
                                      environment: environment, directory: directory, for: self)
        let watching = try await client.waitForOutput("watching", within: 20)
        XCTAssertTrue(watching, "virtual-client did not start: \(client.errors)")

        let maxWait = 20
        let coordinator = try ChildProcess(python, [DynamoRuntime.script("interop_coordinator.py"), Self.namespace,
                                                    "2:3,4:5,1:2", String(maxWait)],
                                           environment: environment, directory: directory, for: self)
        let status = try await coordinator.exitStatus(within: 120)
        XCTAssertEqual(status, 0, "Dynamo's coordinator: \(coordinator.errors.suffix(2000))")
        let waits = DynamoRuntime.jsonLines(coordinator.output)
        XCTAssertEqual(waits.count, 3, coordinator.output)
        for (index, wait) in waits.enumerated() {
            // Each decision needs the previous one acknowledged, or Dynamo's coordinator skips it.
            XCTAssertEqual(wait["decision_id"] as? Int, index, "\(wait)")
            XCTAssertLessThan(wait["seconds"] as? Double ?? 999, Double(maxWait), "acknowledged, not timed out: \(wait)")
        }
        // Dynamo's own log says it saw each acknowledgement (colour codes removed).
        let log = coordinator.errors.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        for id in 0..<3 {
            XCTAssertTrue(log.contains("Scaling decision completed decision_id=\(id)"), "decision \(id): \(log.suffix(2000))")
        }
        XCTAssertFalse(log.contains("Timeout waiting"), String(log.suffix(2000)))
        let lines = try String(contentsOf: applied, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, ["0 2 3", "1 4 5", "2 1 2"], "each decision applied once, in order")
        XCTAssertTrue(client.output.contains("acknowledged decision 2"), client.output)
        XCTAssertTrue(client.process.isRunning, client.errors)
    }

    // MARK: planner run → Dynamo's client

    func testPlannerRunDrivesDynamoClient() async throws { try await runToDynamoClient(.plain) }
    func testPlannerRunDrivesDynamoClientOverMutualTLS() async throws { try await runToDynamoClient(.mutualTLS) }
    func testPlannerRunDrivesDynamoClientWithPassword() async throws { try await runToDynamoClient(.password) }

    private func runToDynamoClient(_ setup: Setup) async throws {
        let python = try DynamoRuntime.requirePython()
        try PlannerProcess.requireExecutable()
        try PrometheusProcess.requireInstalled()
        let (etcd, baseEnvironment, security) = try await start(setup)
        // Quiet, busy, quiet: the planner scales up, then down.
        let frontend = TestFrontend(requests: TestFrontend.phases([(30, 2), (60, 60), (60, 2)], isl: 3000, osl: 300),
                                    model: "Llama-3.1-8B", namespace: Self.namespace, speedup: 5)
        self.frontend = frontend
        let server = try await frontend.start()
        let prometheus = try await PrometheusProcess.start(targets: ["frontend": "127.0.0.1:\(server.port)"])
        self.prometheus = prometheus
        _ = try await prometheus.waitForSamples("dynamo_frontend_requests_total")

        let dynamo = try ChildProcess(python, [DynamoRuntime.script("interop_client.py"), Self.namespace, "120"],
                                      environment: baseEnvironment, directory: directory, for: self)
        let ready = try await dynamo.waitForOutput("\"ready\"", within: 30)
        XCTAssertTrue(ready, "Dynamo's client did not start: \(dynamo.errors.suffix(2000))")

        var environment = baseEnvironment
        environment["PROMETHEUS_ENDPOINT"] = prometheus.url
        environment["SCALING_MAX_WAIT_TIME"] = "10"
        environment["SCALING_CHECK_INTERVAL"] = "0.2"
        let planner = try ChildProcess(PlannerProcess.executable.path, [
            "run", "--environment", "virtual", "--namespace", Self.namespace, "--model-name", "llama-3.1-8b",
            "--adjustment-interval", "2", "--max-intervals", "14", "--load-predictor", "constant",
            "--max-gpu-budget", "32", "--profile-results-dir", "data/profiles/h200_llama8b_tp1",
        ], environment: environment, directory: directory, for: self)
        let status = try await planner.exitStatus(within: 120)
        XCTAssertEqual(status, 0, planner.errors.suffix(3000).description)

        // The decisions the planner wrote (its connector logs each), and what Dynamo received.
        let written = planner.errors.split(separator: "\n").compactMap { line -> [Int]? in
            guard let range = line.range(of: #"decision (\d+): prefill (\d+), decode (\d+)"#, options: .regularExpression)
            else { return nil }
            return line[range].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        }
        XCTAssertGreaterThanOrEqual(written.count, 2, "the load change made the planner decide: \(planner.errors.suffix(3000))")
        XCTAssertFalse(planner.errors.contains("not acknowledged"),
                       "the planner saw every acknowledgement before its next decision: \(planner.errors.suffix(3000))")
        let probe = EtcdClient(endpoints: try EtcdEndpoints([etcd.clientURL]), security: security)
        let lastId = written.last?[0] ?? -1
        let deadline = Date().addingTimeInterval(15)
        var scaled: String?
        while Date() < deadline {
            scaled = try await probe.get("v1/\(Self.namespace)/planner/scaled_decision_id")?.value
            if scaled == String(lastId) { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTAssertEqual(scaled, String(lastId), "Dynamo's client completed the last decision")
        dynamo.kill()
        let received = DynamoRuntime.jsonLines(dynamo.output).compactMap { line -> [Int]? in
            guard let id = line["decision_id"] as? Int, let p = line["prefill"] as? Int, let d = line["decode"] as? Int
            else { return nil }
            return [id, p, d]
        }
        XCTAssertEqual(received, written, "Dynamo's client received and completed every decision once, with its counts")
    }
}
