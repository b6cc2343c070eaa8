import Connectors
import Foundation
import TestPeers

/// A real Prometheus server (Debian's `prometheus`) on loopback for integration
/// tests: a temporary config scraping the given loopback targets every second,
/// a free port, a temporary TSDB directory, a readiness wait, and a kill that is
/// safe to call twice (tests call it in tearDown, deinit as a last resort).
final class PrometheusProcess: @unchecked Sendable {
    static let executable = TestPeers.locate("prometheus") ?? "prometheus"

    /// Throws a skip, or a failure under CI=true, when prometheus is not on PATH.
    static func requireInstalled() throws { try TestPeers.require("prometheus", package: "prometheus") }

    let url: String
    let root: URL
    private let server: ManagedProcess

    private init(url: String, root: URL) {
        self.url = url
        self.root = root
        self.server = ManagedProcess(executable: Self.executable, logFile: root.appendingPathComponent("prometheus.log"))
    }

    /// Starts Prometheus scraping `targets` (job name → "host:port") every
    /// `scrapeSeconds` and waits until its query API answers.
    static func start(targets: [String: String], scrapeSeconds: Int = 1, timeoutSeconds: Double = 30) async throws -> PrometheusProcess {
        let root = try ManagedProcess.scratchDirectory(prefix: "planner-prometheus")
        let port = try ManagedProcess.freePort()
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
        let prometheus = PrometheusProcess(url: "http://127.0.0.1:\(port)", root: root)
        try prometheus.server.launch(arguments: [
            "--config.file=\(root.appendingPathComponent("prometheus.yml").path)",
            "--storage.tsdb.path=\(root.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)",
            "--log.level=warn",
        ])
        do {
            try await prometheus.waitUntilReady(timeoutSeconds: timeoutSeconds)
        } catch {
            prometheus.kill()
            throw error
        }
        return prometheus
    }

    /// SIGKILL now, keeping the config and data so `restart()` brings it back on the same port.
    func crash() { server.crash() }

    func restart(timeoutSeconds: Double = 30) async throws {
        crash()
        try server.relaunch()
        try await waitUntilReady(timeoutSeconds: timeoutSeconds)
    }

    private func waitUntilReady(timeoutSeconds: Double) async throws {
        let client = try PrometheusQueryClient(endpoint: url, modelName: "-", namespace: "-", timeoutSeconds: 1)
        try await server.waitUntilReady("prometheus", at: url, timeoutSeconds: timeoutSeconds,
                                        pollNanoseconds: 200_000_000) {
            _ = try await client.query("up")
        }
    }

    /// Waits until `promql` returns at least one sample (e.g. a target's first scrape).
    func waitForSamples(_ promql: String, timeoutSeconds: Double = 20) async throws -> [PrometheusSample] {
        let client = try PrometheusQueryClient(endpoint: url, modelName: "-", namespace: "-", timeoutSeconds: 2)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if let samples = try? await client.query(promql), !samples.isEmpty { return samples }
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        throw ManagedProcessError("prometheus at \(url) returned nothing for \(promql) within \(timeoutSeconds) s")
    }

    func kill() {
        server.kill { try? FileManager.default.removeItem(at: root) }
    }

    deinit { kill() }

    func tailOfLog() -> String { server.tailOfLog() }
}
