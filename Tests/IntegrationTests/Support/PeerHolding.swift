import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A live test's peers: a real etcd, a real Prometheus, and the test frontends it scrapes
/// (one per Dynamo namespace). The holder calls `stopPeers()` in its tearDown.
protocol PeerHolding: AnyObject {
    var etcd: EtcdProcess? { get set }
    var prometheus: PrometheusProcess? { get set }
    var frontends: [TestFrontend] { get set }
}

extension PeerHolding {
    /// Starts etcd (unless `withEtcd` is false), one frontend per `(namespace, requests)` serving
    /// `model`, and Prometheus scraping them; waits until `ready` (a PromQL query) has samples.
    func startPeers(_ served: [(namespace: String, requests: [TestFrontend.Request])], model: String,
                    withEtcd: Bool = true, ready: String) async throws -> (EtcdProcess?, PrometheusProcess) {
        try PrometheusProcess.requireInstalled()
        if withEtcd { try EtcdProcess.requireInstalled() }
        let e: EtcdProcess? = withEtcd ? try await EtcdProcess.startSingle() : nil
        etcd = e
        var targets: [String: String] = [:]
        for (i, s) in served.enumerated() {
            let f = TestFrontend(requests: s.requests, model: model, namespace: s.namespace, speedup: 1)
            frontends.append(f)
            targets[served.count == 1 ? "frontend" : "frontend-\(i)"] = "127.0.0.1:\(try await f.start().port)"
        }
        let p = try await PrometheusProcess.start(targets: targets)
        prometheus = p
        _ = try await p.waitForSamples(ready)
        return (e, p)
    }

    /// One frontend in `namespace` and its Prometheus (and etcd unless `withEtcd` is false),
    /// ready at the first scrape.
    func startLivePeers(namespace: String, requests: [TestFrontend.Request], model: String = "Qwen-32B",
                        withEtcd: Bool = true) async throws -> (EtcdProcess?, PrometheusProcess) {
        try await startPeers([(namespace, requests)], model: model, withEtcd: withEtcd,
                             ready: "dynamo_frontend_requests_total")
    }

    /// The fleet's peers: etcd, one frontend per namespace serving `rate` requests/s of ISL 2000,
    /// OSL 200 for 300 s, Prometheus holding two scrapes of every frontend.
    func startFleetPeers(serving namespaces: [String], rate: Double) async throws -> (EtcdProcess, PrometheusProcess) {
        try PlannerProcess.requireExecutable()
        let requests = TestFrontend.phases([(300, rate)], isl: 2000, osl: 200)
        let (e, p) = try await startPeers(namespaces.map { ($0, requests) }, model: "Qwen-32B",
                                          ready: "count(dynamo_frontend_requests_total) >= \(2 * namespaces.count)")
        guard let e else { throw PeerError.notStarted("etcd") }
        return (e, p)
    }

    func stopPeers() async {
        prometheus?.kill()
        etcd?.kill()
        for f in frontends { await f.stop() }
    }
}

enum PeerError: Error { case notStarted(String) }

extension Process {
    /// Kills a child the test left running (its tearDown), and reaps it.
    func killIfRunning() {
        guard isRunning else { return }
        kill(processIdentifier, SIGKILL)
        waitUntilExit()
    }

    /// Sends SIGTERM and waits up to `seconds` for the exit; false if it is still running.
    func terminateAndWait(seconds: Double) async -> Bool {
        kill(processIdentifier, SIGTERM)
        return await Task.detached { [self] () -> Bool in
            let deadline = Date().addingTimeInterval(seconds)
            while isRunning && Date() < deadline { usleep(50_000) }
            return !isRunning
        }.value
    }
}
