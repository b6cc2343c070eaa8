import Foundation
import XCTest

/// A fleet process test's peers: a real etcd, and a real Prometheus scraping one test
/// frontend per namespace. The holder stops them in its tearDown.
protocol FleetPeerHolding: AnyObject {
    var etcd: EtcdProcess? { get set }
    var prometheus: PrometheusProcess? { get set }
    var frontends: [TestFrontend] { get set }
}

extension FleetPeerHolding {
    /// Starts the peers (each frontend serving `rate` requests/s of ISL 2000, OSL 200 for 300 s)
    /// and waits until Prometheus holds two scrapes of every frontend.
    func startFleetPeers(serving namespaces: [String], rate: Double) async throws -> (EtcdProcess, PrometheusProcess) {
        try PrometheusProcess.requireInstalled()
        try EtcdProcess.requireInstalled()
        try PlannerProcess.requireExecutable()
        let e = try await EtcdProcess.startSingle()
        etcd = e
        var targets: [String: String] = [:]
        for (i, ns) in namespaces.enumerated() {
            let f = TestFrontend(requests: TestFrontend.phases([(300, rate)], isl: 2000, osl: 200), model: "Qwen-32B",
                                 namespace: ns, speedup: 1)
            frontends.append(f)
            targets["frontend-\(i)"] = "127.0.0.1:\(try await f.start().port)"
        }
        let p = try await PrometheusProcess.start(targets: targets)
        prometheus = p
        _ = try await p.waitForSamples("count(dynamo_frontend_requests_total) >= \(2 * namespaces.count)")
        return (e, p)
    }
}
