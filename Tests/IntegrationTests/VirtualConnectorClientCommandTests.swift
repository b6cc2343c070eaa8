import Connectors
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `planner virtual-client` as a real subprocess against a real etcd (docs/cli.md).
final class VirtualConnectorClientCommandTests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let planner = repositoryRoot.appendingPathComponent(".build/debug/planner")

    var directory: URL!

    override func setUp() async throws {
        try EtcdProcess.requireInstalled()
        try PlannerProcess.requireExecutable()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtual-client-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A running `planner virtual-client`, killed in tearDown whatever happens.
    final class ClientProcess: @unchecked Sendable {
        let process = Process()
        let stdout: URL
        let stderr: URL

        init(arguments: [String], endpoints: String, directory: URL) throws {
            stdout = directory.appendingPathComponent("stdout-\(UUID().uuidString.prefix(6))")
            stderr = directory.appendingPathComponent("stderr-\(UUID().uuidString.prefix(6))")
            FileManager.default.createFile(atPath: stdout.path, contents: nil)
            FileManager.default.createFile(atPath: stderr.path, contents: nil)
            process.executableURL = VirtualConnectorClientCommandTests.planner
            process.arguments = ["virtual-client"] + arguments
            var environment = ProcessInfo.processInfo.environment
            environment["ETCD_ENDPOINTS"] = endpoints
            process.environment = environment
            process.standardOutput = try FileHandle(forWritingTo: stdout)
            process.standardError = try FileHandle(forWritingTo: stderr)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var output: String { (try? String(contentsOf: stdout, encoding: .utf8)) ?? "" }
        var errors: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }

        func kill() {
            if process.isRunning {
                Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        /// Waits for the exit; nil if still running after `seconds`.
        func exitStatus(within seconds: Double) async throws -> Int32? {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
            return process.isRunning ? nil : process.terminationStatus
        }
    }

    private func startClient(_ arguments: [String], endpoints: String) throws -> ClientProcess {
        let client = try ClientProcess(arguments: arguments, endpoints: endpoints, directory: directory)
        addTeardownBlock { client.kill() }
        return client
    }

    /// Polls until `scaled_decision_id` reaches `id`; false after `seconds`.
    private func waitForAcknowledgement(_ etcd: EtcdClient, namespace: String, id: Int, seconds: Double) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = try await etcd.get("v1/\(namespace)/planner/scaled_decision_id")?.value,
               let acknowledged = Int(value), acknowledged >= id { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return false
    }

    func testExecRunsCommandAndAcknowledgesOnlyOnSuccess() async throws {
        let etcdServer = try await EtcdProcess.startSingle()
        addTeardownBlock { etcdServer.kill() }
        let etcd = EtcdClient(endpoints: try EtcdEndpoints([etcdServer.clientURL]))
        let coordinator = try VirtualConnectorCoordinator(
            client: etcd, namespace: "cli", timing: VirtualConnectorTiming(maxWaitSeconds: 0.5, checkIntervalSeconds: 0.05))
        let applied = directory.appendingPathComponent("applied.txt")
        // Refuses (exit 1) to scale prefill to 9, applies anything else.
        let command = "echo \"$DECISION_ID $NUM_PREFILL_WORKERS $NUM_DECODE_WORKERS\" >> '\(applied.path)'; [ \"$NUM_PREFILL_WORKERS\" != 9 ]"
        let client = try startClient(["--namespace", "cli", "--exec", command], endpoints: etcdServer.clientURL)

        let value1 = try await coordinator.updateScalingDecision(prefill: 2, decode: 3)
        XCTAssertEqual(value1, .written(decisionId: 0))
        let first = try await waitForAcknowledgement(etcd, namespace: "cli", id: 0, seconds: 15)
        XCTAssertTrue(first, "decision 0 not acknowledged; stderr: \(client.errors)")

        let value2 = try await coordinator.updateScalingDecision(prefill: 9, decode: 3)
        XCTAssertEqual(value2, .written(decisionId: 1))
        let refused = try await waitForAcknowledgement(etcd, namespace: "cli", id: 1, seconds: 1.5)
        XCTAssertFalse(refused, "a failing command must not acknowledge")
        XCTAssertTrue(client.errors.contains("exited with status 1 for decision 1"), client.errors)

        // The planner holds back, then forces the next decision after the (short) max wait.
        let value3 = try await coordinator.updateScalingDecision(prefill: 4, decode: 4)
        XCTAssertEqual(value3, .skipped(pendingDecisionId: 1))
        try await Task.sleep(nanoseconds: 600_000_000)
        let value4 = try await coordinator.updateScalingDecision(prefill: 4, decode: 4)
        XCTAssertEqual(value4, .written(decisionId: 2))
        let third = try await waitForAcknowledgement(etcd, namespace: "cli", id: 2, seconds: 15)
        XCTAssertTrue(third, "decision 2 not acknowledged; stderr: \(client.errors)")

        let lines = try String(contentsOf: applied, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, ["0 2 3", "1 9 3", "2 4 4"])
        XCTAssertTrue(client.process.isRunning, "the client keeps serving after a failed command")
        XCTAssertTrue(client.output.contains("acknowledged decision 2"), client.output)
    }

    func testOnceHandlesPendingDecisionAndExits() async throws {
        let etcdServer = try await EtcdProcess.startSingle()
        addTeardownBlock { etcdServer.kill() }
        let etcd = EtcdClient(endpoints: try EtcdEndpoints([etcdServer.clientURL]))
        let coordinator = try VirtualConnectorCoordinator(client: etcd, namespace: "once")
        let value5 = try await coordinator.updateScalingDecision(prefill: 1, decode: 2)
        XCTAssertEqual(value5, .written(decisionId: 0))
        let client = try startClient(["--namespace", "once", "--once"], endpoints: etcdServer.clientURL)
        let status = try await client.exitStatus(within: 15)
        XCTAssertEqual(status, 0, client.errors)
        let value6 = try await etcd.get("v1/once/planner/scaled_decision_id")?.value
        XCTAssertEqual(value6, "0")

        // --once with a failing command exits non-zero and leaves the decision unacknowledged.
        try await etcd.put("v1/once/planner/decision_id", "1")
        let failing = try startClient(["--namespace", "once", "--once", "--exec", "exit 4"], endpoints: etcdServer.clientURL)
        let failed = try await failing.exitStatus(within: 15)
        XCTAssertEqual(failed, 1)
        XCTAssertTrue(failing.errors.contains("status 4"), failing.errors)
        let value7 = try await etcd.get("v1/once/planner/scaled_decision_id")?.value
        XCTAssertEqual(value7, "0")
    }

    func testReportsAndRetriesWhileEtcdIsDown() async throws {
        let etcdServer = try await EtcdProcess.startSingle()
        addTeardownBlock { etcdServer.kill() }
        etcdServer.crash()
        let client = try startClient(["--namespace", "down", "--retry-interval", "0.3"], endpoints: etcdServer.clientURL)
        try await Task.sleep(nanoseconds: 3_000_000_000)
        XCTAssertTrue(client.process.isRunning, "etcd down must not end the client: \(client.errors)")
        XCTAssertTrue(client.errors.contains("failed on every endpoint"), client.errors)
        XCTAssertTrue(client.errors.contains(etcdServer.clientURL), "the error names the endpoint: \(client.errors)")
        XCTAssertTrue(client.errors.contains("retrying"), client.errors)

        try await etcdServer.restart()
        let etcd = EtcdClient(endpoints: try EtcdEndpoints([etcdServer.clientURL]))
        let coordinator = try VirtualConnectorCoordinator(client: etcd, namespace: "down")
        let value8 = try await coordinator.updateScalingDecision(prefill: 3, decode: 3)
        XCTAssertEqual(value8, .written(decisionId: 0))
        let acknowledged = try await waitForAcknowledgement(etcd, namespace: "down", id: 0, seconds: 20)
        XCTAssertTrue(acknowledged, "the client recovers once etcd is back; stderr: \(client.errors)")
    }

    func testBadEndpointIsOneClearError() async throws {
        let client = try startClient(["--namespace", "x"], endpoints: "ftp://nowhere")
        let status = try await client.exitStatus(within: 15)
        XCTAssertNotEqual(status, 0)
        XCTAssertNotNil(status)
        XCTAssertTrue(client.errors.contains("`ftp://nowhere` is not an etcd endpoint"), client.errors)
    }
}
