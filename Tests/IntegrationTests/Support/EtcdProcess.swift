import Connectors
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real etcd server (Debian's `etcd-server`, /usr/bin/etcd) on loopback for integration
/// tests: free ports, a unique temporary data directory, a readiness wait, and a kill that is
/// safe to call twice (tests call it in tearDown blocks, and deinit calls it as a last resort).
final class EtcdProcess: @unchecked Sendable {
    let name: String
    let clientURL: String
    let peerURL: String
    let dataDirectory: URL
    let logFile: URL
    private var process = Process()
    private var arguments: [String] = []
    private let lock = NSLock()
    private var killed = false

    static let executable = "/usr/bin/etcd"

    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    private init(name: String, clientPort: Int, peerPort: Int, root: URL) {
        self.name = name
        self.clientURL = "http://127.0.0.1:\(clientPort)"
        self.peerURL = "http://127.0.0.1:\(peerPort)"
        self.dataDirectory = root.appendingPathComponent(name, isDirectory: true)
        self.logFile = root.appendingPathComponent("\(name).log")
    }

    /// Starts one single-member etcd and waits until it serves requests.
    static func startSingle(timeoutSeconds: Double = 20) async throws -> EtcdProcess {
        let cluster = try await startCluster(size: 1, timeoutSeconds: timeoutSeconds)
        return cluster[0]
    }

    /// Starts a `size`-member cluster (static `--initial-cluster` on loopback ports) and waits
    /// until every member serves a linearizable read, i.e. the cluster has a leader.
    /// Election timing is shortened so a dead member is replaced within about a second.
    static func startCluster(size: Int, timeoutSeconds: Double = 30) async throws -> [EtcdProcess] {
        // tmpfs when there is one: etcd fsyncs every write, and tests measure the protocol,
        // not the disk.
        let shm = URL(fileURLWithPath: "/dev/shm", isDirectory: true)
        let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        let root = base
            .appendingPathComponent("planner-etcd-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var members: [EtcdProcess] = []
        var usedPorts = Set<Int>()
        for index in 0..<size {
            let client = try freePort(avoiding: usedPorts)
            usedPorts.insert(client)
            let peer = try freePort(avoiding: usedPorts)
            usedPorts.insert(peer)
            members.append(EtcdProcess(name: "m\(index)", clientPort: client, peerPort: peer, root: root))
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
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        arguments = [
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
        ]
        try runProcess()
    }

    private func runProcess() throws {
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        let next = Process()
        next.executableURL = URL(fileURLWithPath: Self.executable)
        next.arguments = arguments
        next.standardOutput = log
        next.standardError = log
        next.standardInput = FileHandle.nullDevice
        try next.run()
        lock.withLock { process = next }
    }

    /// SIGKILL, keeping the data directory so `restart()` brings the same member back.
    func crash() {
        let current = lock.withLock { process }
        if current.isRunning {
            Glibc.kill(current.processIdentifier, SIGKILL)
            current.waitUntilExit()
        }
    }

    /// Starts the member again on the same ports and data (after `crash()`).
    func restart(timeoutSeconds: Double = 20) async throws {
        crash()
        try runProcess()
        try await waitUntilReady(timeoutSeconds: timeoutSeconds)
    }

    /// Polls with a real client until a read succeeds (needs a cluster leader).
    func waitUntilReady(timeoutSeconds: Double) async throws {
        let client = EtcdClient(endpoints: try EtcdEndpoints([clientURL]),
                                configuration: .init(requestTimeoutSeconds: 1, retryRounds: 1))
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var lastError = "not tried"
        while Date() < deadline {
            guard isRunning else {
                throw EtcdProcessError("etcd \(name) exited during start-up: \(tailOfLog())")
            }
            do {
                _ = try await client.getPrefix("readiness-probe/")
                return
            } catch {
                lastError = "\(error)"
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        throw EtcdProcessError("etcd \(name) at \(clientURL) not ready after \(timeoutSeconds) s (\(lastError)): \(tailOfLog())")
    }

    var isRunning: Bool { lock.withLock { process.isRunning } }

    /// SIGKILL, as a crash would; waits for the exit and removes the data directory and log.
    func kill() {
        lock.lock()
        let first = !killed
        killed = true
        lock.unlock()
        guard first else { return }
        crash()
        try? FileManager.default.removeItem(at: dataDirectory)
        try? FileManager.default.removeItem(at: logFile)
        // The shared root goes with the last member (rmdir fails while others remain).
        rmdir(dataDirectory.deletingLastPathComponent().path)
    }

    deinit { kill() }

    func tailOfLog() -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return String(text.suffix(800))
    }

    /// A TCP port on 127.0.0.1 that nobody listens on right now (bound to port 0, then released).
    static func freePort(avoiding used: Set<Int>) throws -> Int {
        for _ in 0..<20 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw EtcdProcessError("socket() failed: errno \(errno)") }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { continue }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else { continue }
            let port = Int(UInt16(bigEndian: address.sin_port))
            if !used.contains(port) { return port }
        }
        throw EtcdProcessError("no free loopback port found")
    }
}

struct EtcdProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, failing with a clear error instead of hanging when it takes longer than `seconds`.
func withTimeout<T: Sendable>(_ seconds: Double, _ what: String,
                              _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            throw EtcdProcessError("timed out after \(seconds) s: \(what)")
        }
        guard let first = try await group.next() else { throw EtcdProcessError("no result: \(what)") }
        group.cancelAll()
        return first
    }
}
