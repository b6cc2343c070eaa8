import Connectors
import Foundation
import XCTest

/// `planner virtual-client` and `planner run` with etcd credentials, as processes: the --etcd-*
/// flags and Dynamo's ETCD_AUTH_* variables work, and every refusal is one line on stderr, a
/// quick exit below 128, and never the password.
final class EtcdCredentialsCommandTests: XCTestCase {
    static let user = SecuredEtcd.User(name: "planner", password: "cli-test-password", prefix: "v1/cli/planner/")
    static let outsider = SecuredEtcd.User(name: "outsider", password: "outsider-cli-password", prefix: "v1/other/")

    var directory: URL!

    override func setUp() async throws {
        try PlannerProcess.requireExecutable()
        directory = try ManagedProcess.scratchDirectory(prefix: "etcd-cli")
        let dir = directory!
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    }

    private func environment(_ endpoint: String, _ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ETCD_AUTH_") }
        environment["ETCD_ENDPOINTS"] = endpoint
        return environment.merging(extra) { $1 }
    }

    private func passwordFile(_ password: String) throws -> String {
        let file = directory.appendingPathComponent("password-\(UUID().uuidString.prefix(4))")
        try (password + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    private func planner(_ arguments: [String], _ environment: [String: String]) throws -> ChildProcess {
        try ChildProcess(PlannerProcess.executable.path, arguments, environment: environment, directory: directory, for: self)
    }

    /// One decision through `virtual-client` started with `arguments` and `environment`.
    private func assertAcknowledges(_ etcd: EtcdProcess, security: EtcdSecurity, arguments: [String],
                                    environment: [String: String], prefill: Int, line: UInt = #line) async throws {
        let client = try planner(["virtual-client", "--namespace", "cli"] + arguments, environment)
        let watching = try await client.waitForOutput("watching", within: 20)
        XCTAssertTrue(watching, client.errors, line: line)
        let etcdClient = EtcdClient(endpoints: try EtcdEndpoints([etcd.clientURL]), security: security)
        let coordinator = try VirtualConnectorCoordinator(
            client: etcdClient, namespace: "cli", timing: VirtualConnectorTiming(maxWaitSeconds: 15, checkIntervalSeconds: 0.05))
        let outcome = try await coordinator.updateScalingDecision(prefill: prefill, decode: 4)
        guard case let .written(id) = outcome else { return XCTFail("\(outcome)", line: line) }
        let acknowledged = try await coordinator.waitForScalingCompletion()
        XCTAssertTrue(acknowledged, "decision \(id): \(client.errors)", line: line)
        client.kill()
    }

    func testVirtualClientWithPasswordFromFlagsOrDynamoVariables() async throws {
        let etcd = try await SecuredEtcd.startWithAuth(users: [Self.user], for: self)
        let security = SecuredEtcd.security(Self.user)
        try await assertAcknowledges(etcd, security: security,
                                     arguments: ["--etcd-username", Self.user.name, "--etcd-password-file", try passwordFile(Self.user.password)],
                                     environment: environment(etcd.clientURL), prefill: 1)
        try await assertAcknowledges(etcd, security: security, arguments: [],
                                     environment: environment(etcd.clientURL, ["ETCD_AUTH_USERNAME": Self.user.name,
                                                                               "ETCD_AUTH_PASSWORD": Self.user.password]),
                                     prefill: 2)
    }

    func testVirtualClientWithClientCertificateFromFlagsOrDynamoVariables() async throws {
        let certificates = try TestCertificates(for: self)
        let etcd = try await SecuredEtcd.startMutualTLS(certificates, for: self)
        let security = try certificates.clientSecurity
        try await assertAcknowledges(etcd, security: security,
                                     arguments: ["--etcd-ca", certificates.caFile, "--etcd-cert", certificates.clientCert,
                                                 "--etcd-key", certificates.clientKey],
                                     environment: environment(etcd.clientURL), prefill: 1)
        // Paths in the variables (as Dynamo's docs describe them) work as well as PEM text.
        try await assertAcknowledges(etcd, security: security, arguments: [],
                                     environment: environment(etcd.clientURL, ["ETCD_AUTH_CA": certificates.caFile,
                                                                               "ETCD_AUTH_CLIENT_CERT": certificates.clientCert,
                                                                               "ETCD_AUTH_CLIENT_KEY": certificates.clientKey]),
                                     prefill: 2)
    }

    /// The command exits quickly, below 128, with one `planner: error:` line containing `expected`.
    private func assertOneLineRefusal(_ arguments: [String], _ environment: [String: String], expected: String,
                                      line: UInt = #line) async throws {
        let process = try planner(arguments, environment)
        let status = try await process.exitStatus(within: 30)
        XCTAssertNotNil(status, "still running: \(process.errors)", line: line)
        XCTAssertEqual(status, 1, process.errors, line: line)
        let errorLines = process.errors.split(separator: "\n").filter { $0.contains("error:") }
        XCTAssertEqual(errorLines.count, 1, process.errors, line: line)
        XCTAssertTrue(process.errors.contains(expected), "`\(expected)` not in: \(process.errors)", line: line)
        for secret in [Self.user.password, Self.outsider.password, "wrong-password"] {
            XCTAssertFalse(process.errors.contains(secret) || process.output.contains(secret), line: line)
        }
    }

    func testRefusalsEndTheCommandsWithOneLine() async throws {
        let etcd = try await SecuredEtcd.startWithAuth(users: [Self.user, Self.outsider], for: self)
        let wrong = environment(etcd.clientURL, ["ETCD_AUTH_USERNAME": Self.user.name, "ETCD_AUTH_PASSWORD": "wrong-password"])
        try await assertOneLineRefusal(["virtual-client", "--namespace", "cli"], wrong,
                                       expected: "refused the user name and password from ETCD_AUTH_USERNAME/ETCD_AUTH_PASSWORD")
        try await assertOneLineRefusal(["virtual-client", "--namespace", "cli"], environment(etcd.clientURL),
                                       expected: "requires authentication")
        let outsider = ["--etcd-username", Self.outsider.name, "--etcd-password-file", try passwordFile(Self.outsider.password)]
        try await assertOneLineRefusal(["virtual-client", "--namespace", "cli"] + outsider, environment(etcd.clientURL),
                                       expected: "etcd range v1/cli/planner/ denied by \(etcd.clientURL)")
        try await assertOneLineRefusal(["run", "--environment", "virtual", "--namespace", "cli", "--model-name", "m",
                                        "--max-intervals", "1"] + outsider,
                                       environment(etcd.clientURL, ["PROMETHEUS_ENDPOINT": "http://127.0.0.1:9"]),
                                       expected: "etcd range v1/cli/planner/ denied by \(etcd.clientURL)")
        try await assertOneLineRefusal(["virtual-client", "--etcd-username", "u"], environment(etcd.clientURL),
                                       expected: "--etcd-username needs --etcd-password-file")
    }

    func testHelpNamesTheFlagsAndVariablesButNoValues() async throws {
        let secrets = ["ETCD_AUTH_USERNAME": "help-user-value", "ETCD_AUTH_PASSWORD": "help-password-value",
                       "ETCD_AUTH_CA": "/help/ca-value.pem"]
        for command in ["virtual-client", "run"] {
            let help = try planner([command, "--help"], environment("http://127.0.0.1:9", secrets))
            let status = try await help.exitStatus(within: 30)
            XCTAssertEqual(status, 0)
            for flag in ["--etcd-username", "--etcd-password-file", "--etcd-ca", "--etcd-cert", "--etcd-key",
                         "$ETCD_AUTH_USERNAME", "$ETCD_AUTH_PASSWORD"] {
                XCTAssertTrue(help.output.contains(flag), "\(command) --help lacks \(flag)")
            }
            for value in secrets.values {
                XCTAssertFalse(help.output.contains(value), "\(command) --help shows \(value)")
            }
        }
    }
}
