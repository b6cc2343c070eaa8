import Connectors
import Foundation
import TestPeers
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real etcd server (Debian's `etcd-server`, `etcd` on PATH) on loopback for integration
/// tests: free ports, a unique temporary data directory, a readiness wait, and a kill that is
/// safe to call twice (tests call it in tearDown blocks, and deinit calls it as a last resort).
final class EtcdProcess: @unchecked Sendable {
    let name: String
    let clientURL: String
    let peerURL: String
    let dataDirectory: URL
    /// Flags added to every launch (TLS files, auth token TTL, …).
    let extraArguments: [String]
    /// What the readiness probe presents to a secured etcd.
    let security: EtcdSecurity
    private let server: ManagedProcess

    static let executable = TestPeers.locate("etcd") ?? "etcd"

    /// Throws a skip, or a failure under CI=true, when etcd is not on PATH.
    static func requireInstalled() throws { try TestPeers.require("etcd", package: "etcd-server") }

    private init(name: String, clientPort: Int, peerPort: Int, root: URL, scheme: String,
                 extraArguments: [String], security: EtcdSecurity) {
        self.name = name
        self.clientURL = "\(scheme)://127.0.0.1:\(clientPort)"
        self.peerURL = "http://127.0.0.1:\(peerPort)"
        self.extraArguments = extraArguments
        self.security = security
        self.dataDirectory = root.appendingPathComponent(name, isDirectory: true)
        self.server = ManagedProcess(executable: Self.executable, logFile: root.appendingPathComponent("\(name).log"))
    }

    /// Starts one single-member etcd and waits until it serves requests.
    static func startSingle(timeoutSeconds: Double = 20) async throws -> EtcdProcess {
        let cluster = try await startCluster(size: 1, timeoutSeconds: timeoutSeconds)
        return cluster[0]
    }

    /// `startSingle()` for one test: `requireInstalled()` first, killed in its teardown.
    static func startSingle(for test: XCTestCase) async throws -> EtcdProcess {
        try await started(for: test) { [try await startSingle()] }[0]
    }

    /// `startCluster(size:)` for one test: `requireInstalled()` first, killed in its teardown.
    static func startCluster(size: Int, for test: XCTestCase) async throws -> [EtcdProcess] {
        try await started(for: test) { try await startCluster(size: size) }
    }

    private static func started(for test: XCTestCase,
                                _ start: () async throws -> [EtcdProcess]) async throws -> [EtcdProcess] {
        try requireInstalled()
        let members = try await start()
        test.addTeardownBlock { members.forEach { $0.kill() } }
        return members
    }

    /// Starts a `size`-member cluster (static `--initial-cluster` on loopback ports) and waits
    /// until every member serves a linearizable read, i.e. the cluster has a leader.
    /// Election timing is shortened so a dead member is replaced within about a second.
    /// `scheme` https needs `extraArguments` with the server's TLS files and a `security` the
    /// readiness probe can connect with.
    static func startCluster(size: Int, timeoutSeconds: Double = 30, scheme: String = "http",
                             extraArguments: [String] = [], security: EtcdSecurity = .none) async throws -> [EtcdProcess] {
        // tmpfs when there is one: etcd fsyncs every write, and tests measure the protocol,
        // not the disk.
        let shm = URL(fileURLWithPath: "/dev/shm", isDirectory: true)
        let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        let root = try ManagedProcess.scratchDirectory(prefix: "planner-etcd", in: base)
        var members: [EtcdProcess] = []
        var usedPorts = Set<Int>()
        for index in 0..<size {
            let client = try ManagedProcess.freePort(avoiding: usedPorts)
            usedPorts.insert(client)
            let peer = try ManagedProcess.freePort(avoiding: usedPorts)
            usedPorts.insert(peer)
            members.append(EtcdProcess(name: "m\(index)", clientPort: client, peerPort: peer, root: root,
                                       scheme: scheme, extraArguments: extraArguments, security: security))
        }
        let initialCluster = members.map { "\($0.name)=\($0.peerURL)" }.joined(separator: ",")
        do {
            for member in members {
                try member.launch(initialCluster: initialCluster, token: root.lastPathComponent)
            }
            for member in members {
                try await member.waitUntilReady(timeoutSeconds: timeoutSeconds)
            }
        } catch {
            members.forEach { $0.kill() }
            throw error
        }
        return members
    }

    private func launch(initialCluster: String, token: String) throws {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        try server.launch(arguments: [
            "--name", name,
            "--data-dir", dataDirectory.path,
            "--listen-client-urls", clientURL,
            "--advertise-client-urls", clientURL,
            "--listen-peer-urls", peerURL,
            "--initial-advertise-peer-urls", peerURL,
            "--initial-cluster", initialCluster,
            "--initial-cluster-state", "new",
            "--initial-cluster-token", token,
            "--heartbeat-interval", "50",
            "--election-timeout", "500",
        ] + extraArguments)
    }

    /// SIGKILL, keeping the data directory so `restart()` brings the same member back.
    func crash() { server.crash() }

    /// Starts the member again on the same ports and data (after `crash()`).
    func restart(timeoutSeconds: Double = 20) async throws {
        crash()
        try server.relaunch()
        try await waitUntilReady(timeoutSeconds: timeoutSeconds)
    }

    /// Polls with a real client until a read succeeds (needs a cluster leader).
    func waitUntilReady(timeoutSeconds: Double) async throws {
        let client = EtcdClient(endpoints: try EtcdEndpoints([clientURL]),
                                configuration: .init(requestTimeoutSeconds: 1, retryRounds: 1), security: security)
        try await server.waitUntilReady("etcd \(name)", at: clientURL, timeoutSeconds: timeoutSeconds,
                                        pollNanoseconds: 100_000_000) {
            do {
                _ = try await client.getPrefix("readiness-probe/")
            } catch let error as EtcdError {
                // A server whose certificate the probe refuses (tests of bad certificates) is up;
                // so is one that already requires credentials the probe does not have.
                switch error {
                case .tls, .authentication: return
                default: throw error
                }
            }
        }
    }

    var isRunning: Bool { server.isRunning }

    /// SIGKILL, as a crash would; waits for the exit and removes the data directory and log.
    func kill() {
        server.kill {
            try? FileManager.default.removeItem(at: dataDirectory)
            try? FileManager.default.removeItem(at: server.logFile)
            // The shared root goes with the last member (rmdir fails while others remain).
            rmdir(dataDirectory.deletingLastPathComponent().path)
        }
    }

    deinit { kill() }

    func tailOfLog() -> String { server.tailOfLog() }
}
