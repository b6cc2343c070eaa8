import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One real server binary run for integration tests (etcd, Prometheus): started with its
/// output appended to a log file, polled until a probe succeeds, SIGKILLed as a crash would be,
/// relaunched with the same arguments, and cleaned up exactly once (tests kill in tearDown,
/// the owners' deinit kills again as a last resort).
final class ManagedProcess: @unchecked Sendable {
    let executable: String
    let logFile: URL
    private var process = Process()
    private var arguments: [String] = []
    private let lock = NSLock()
    private var killed = false

    init(executable: String, logFile: URL) {
        self.executable = executable
        self.logFile = logFile
    }

    /// A fresh directory `<base>/<prefix>-<pid>-<random>` for one test server's files.
    static func scratchDirectory(prefix: String, in base: URL = FileManager.default.temporaryDirectory) throws -> URL {
        let root = base
            .appendingPathComponent("\(prefix)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return root
    }

    /// Starts the server with an empty log; `relaunch()` reuses `arguments`.
    func launch(arguments: [String]) throws {
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        lock.withLock { self.arguments = arguments }
        try relaunch()
    }

    /// Starts the server again with the last arguments, appending to the same log.
    func relaunch() throws {
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        let next = Process()
        next.executableURL = URL(fileURLWithPath: executable)
        next.arguments = lock.withLock { arguments }
        next.standardOutput = log
        next.standardError = log
        next.standardInput = FileHandle.nullDevice
        try next.run()
        lock.withLock { process = next }
    }

    /// SIGKILL and wait for the exit, keeping every file so `relaunch()` resumes on the same data.
    func crash() {
        let current = lock.withLock { process }
        if current.isRunning {
            Glibc.kill(current.processIdentifier, SIGKILL)
            current.waitUntilExit()
        }
    }

    var isRunning: Bool { lock.withLock { process.isRunning } }

    /// Polls `probe` every `pollNanoseconds` until it succeeds; fails at once when the server
    /// exits, or after `timeoutSeconds`, with the tail of its log. `name` and `address` name
    /// the server in the error.
    func waitUntilReady(_ name: String, at address: String, timeoutSeconds: Double, pollNanoseconds: UInt64,
                        probe: () async throws -> Void) async throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var lastError = "not tried"
        while Date() < deadline {
            guard isRunning else {
                throw ManagedProcessError("\(name) exited during start-up: \(tailOfLog())")
            }
            do {
                try await probe()
                return
            } catch {
                lastError = "\(error)"
            }
            try await Task.sleep(nanoseconds: pollNanoseconds)
        }
        throw ManagedProcessError("\(name) at \(address) not ready after \(timeoutSeconds) s (\(lastError)): \(tailOfLog())")
    }

    /// `crash()`, then `cleanup` (removing the owner's files); only the first call does anything.
    func kill(cleanup: () -> Void) {
        let first: Bool = lock.withLock {
            defer { killed = true }
            return !killed
        }
        guard first else { return }
        crash()
        cleanup()
    }

    func tailOfLog() -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return String(text.suffix(800))
    }

    /// A TCP port on 127.0.0.1 that nobody listens on right now (bound to port 0, then released).
    static func freePort(avoiding used: Set<Int> = []) throws -> Int {
        for _ in 0..<20 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ManagedProcessError("socket() failed: errno \(errno)") }
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
        throw ManagedProcessError("no free loopback port found")
    }
}

struct ManagedProcessError: Error, CustomStringConvertible {
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
            throw ManagedProcessError("timed out after \(seconds) s: \(what)")
        }
        guard let first = try await group.next() else { throw ManagedProcessError("no result: \(what)") }
        group.cancelAll()
        return first
    }
}
