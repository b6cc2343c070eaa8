import Connectors
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus server (Debian's `prometheus`) on loopback for integration
/// tests: a temporary config scraping the given loopback targets every second,
/// a free port, a temporary TSDB directory, a readiness wait, and a kill that is
/// safe to call twice (tests call it in tearDown, deinit as a last resort).
final class PrometheusProcess: @unchecked Sendable {
    static let executable = "/usr/bin/prometheus"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    let url: String
    let root: URL
    private var process = Process()
    private var arguments: [String] = []
    private let lock = NSLock()
    private var killed = false

    private init(url: String, root: URL) {
        self.url = url
        self.root = root
    }

    /// Starts Prometheus scraping `targets` (job name → "host:port") every
    /// `scrapeSeconds` and waits until its query API answers.
    static func start(targets: [String: String], scrapeSeconds: Int = 1, timeoutSeconds: Double = 30) async throws -> PrometheusProcess {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("planner-prometheus-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let port = try EtcdProcess.freePort(avoiding: [])
        var config = """
        global:
          scrape_interval: \(scrapeSeconds)s
          scrape_timeout: \(scrapeSeconds)s
          evaluation_interval: \(scrapeSeconds)s
        scrape_configs:

        """
        for (job, target) in targets.sorted(by: { $0.key < $1.key }) {
            config += """
              - job_name: \(job)
                static_configs:
                  - targets: ['\(target)']

            """
        }
        try config.write(to: root.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let log = root.appendingPathComponent("prometheus.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let server = PrometheusProcess(url: "http://127.0.0.1:\(port)", root: root)
        server.arguments = [
            "--config.file=\(root.appendingPathComponent("prometheus.yml").path)",
            "--storage.tsdb.path=\(root.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)",
            "--log.level=warn",
        ]
        try server.launch()
        do {
            try await server.waitUntilReady(timeoutSeconds: timeoutSeconds)
        } catch {
            server.kill()
            throw error
        }
        return server
    }

    private func launch() throws {
        let handle = try FileHandle(forWritingTo: root.appendingPathComponent("prometheus.log"))
        handle.seekToEndOfFile()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.executable)
        p.arguments = arguments
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        lock.withLock { process = p }
    }

    /// SIGKILL now, keeping the config and data so `restart()` brings it back on the same port.
    func crash() {
        let p = lock.withLock { process }
        if p.isRunning {
            Glibc.kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
    }

    func restart(timeoutSeconds: Double = 30) async throws {
        crash()
        try launch()
        try await waitUntilReady(timeoutSeconds: timeoutSeconds)
    }

    private func waitUntilReady(timeoutSeconds: Double) async throws {
        let client = try PrometheusQueryClient(endpoint: url, modelName: "-", namespace: "-", timeoutSeconds: 1)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var lastError = "not tried"
        while Date() < deadline {
            guard lock.withLock({ process.isRunning }) else { throw EtcdProcessError("prometheus exited during start-up: \(tailOfLog())") }
            do {
                _ = try await client.query("up")
                return
            } catch {
                lastError = "\(error)"
            }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        throw EtcdProcessError("prometheus at \(url) not ready after \(timeoutSeconds) s (\(lastError)): \(tailOfLog())")
    }

    /// Waits until `promql` returns at least one sample (e.g. a target's first scrape).
    func waitForSamples(_ promql: String, timeoutSeconds: Double = 20) async throws -> [PrometheusSample] {
        let client = try PrometheusQueryClient(endpoint: url, modelName: "-", namespace: "-", timeoutSeconds: 2)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if let samples = try? await client.query(promql), !samples.isEmpty { return samples }
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        throw EtcdProcessError("prometheus at \(url) returned nothing for \(promql) within \(timeoutSeconds) s")
    }

    func kill() {
        let first: Bool = lock.withLock {
            defer { killed = true }
            return !killed
        }
        guard first else { return }
        crash()
        try? FileManager.default.removeItem(at: root)
    }

    deinit { kill() }

    func tailOfLog() -> String {
        let text = (try? String(contentsOf: root.appendingPathComponent("prometheus.log"), encoding: .utf8)) ?? ""
        return String(text.suffix(800))
    }
}
