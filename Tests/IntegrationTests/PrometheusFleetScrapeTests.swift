import Connectors
import Foundation
import HTTPTestSupport
import PlannerCore
import XCTest

/// The batched fleet reader against a real Prometheus scraping three test
/// frontends, one per Dynamo namespace, with different latencies and rates.
final class PrometheusFleetScrapeTests: XCTestCase {
    var prometheus: PrometheusProcess?
    var frontends: [TestFrontend] = []

    override func tearDown() async throws {
        prometheus?.kill()
        for f in frontends { await f.stop() }
    }

    /// One test frontend per (namespace, requests per trace second, TTFT s, ITL s, ISL, OSL), replayed
    /// twice as fast, and a real Prometheus scraping them, once it holds two scrapes of each and 6 s of data.
    private func startPeers(_ specs: [(String, Double, Double, Double, Int, Int)]) async throws -> PrometheusProcess {
        var targets: [String: String] = [:]
        for (ns, rate, ttft, itl, isl, osl) in specs {
            let f = TestFrontend(requests: TestFrontend.phases([(600, rate)], isl: isl, osl: osl), model: "Llama-3.1-8B",
                                 namespace: ns, speedup: 2, ttftSeconds: ttft, itlSeconds: itl)
            frontends.append(f)
            let server = try await f.start()
            targets["frontend-\(ns)"] = "127.0.0.1:\(server.port)"
        }
        let p = try await PrometheusProcess.start(targets: targets)
        prometheus = p
        _ = try await p.waitForSamples("count(dynamo_frontend_requests_total) >= \(2 * specs.count)")
        try await Task.sleep(nanoseconds: 6_000_000_000)
        return p
    }

    func testOneQueryPerMetricSplitPerNamespace() async throws {
        try PrometheusProcess.requireInstalled()
        // (namespace, requests per trace second, TTFT s, ITL s, ISL, OSL); replayed twice as fast.
        let specs: [(String, Double, Double, Double, Int, Int)] = [
            ("alpha", 20, 0.08, 0.006, 1000, 100), ("beta", 5, 0.2, 0.01, 3000, 50), ("gamma", 10, 0.05, 0.02, 500, 400),
        ]
        let p = try await startPeers(specs)

        let keys = specs.map { FleetMetricsKey(namespace: $0.0, model: "llama-3.1-8b") }
            + [FleetMetricsKey(namespace: "absent", model: "llama-3.1-8b")]
        let o = try await PrometheusFleetReader(endpoint: p.url).observe(keys, intervalSeconds: 5)
        for ((ns, rate, ttft, itl, isl, osl), key) in zip(specs, keys) {
            let m = try XCTUnwrap(o[key], ns)
            // Ratios of increases are exact whatever Prometheus extrapolates.
            XCTAssertEqual(m.ttftMilliseconds ?? -1, ttft * 1000, accuracy: 1e-6, ns)
            XCTAssertEqual(m.itlMilliseconds ?? -1, itl * 1000, accuracy: 1e-6, ns)
            XCTAssertEqual(m.isl ?? -1, Double(isl), accuracy: 1e-6, ns)
            XCTAssertEqual(m.osl ?? -1, Double(osl), accuracy: 1e-6, ns)
            XCTAssertEqual(m.requestDurationSeconds ?? -1, ttft + Double(osl - 1) * itl, accuracy: 1e-6, ns)
            // rate · 2 (speedup) · 5 s, within increase()'s extrapolation; the other model's counter stays out.
            XCTAssertEqual(m.requestCount ?? -1, rate * 10, accuracy: rate * 2.5, ns)
        }
        XCTAssertEqual(o[keys[3]]?.requestCount, 0, "a namespace without series is idle")
        XCTAssertEqual(o[keys[3]]?.ttftMilliseconds, 0)
    }

    /// SLA attainment per deployment from two bucket queries, each deployment against its own
    /// thresholds; a deployment not asked for has none (as the single client when not asked).
    func testAttainmentPerDeploymentFromTheBuckets() async throws {
        try PrometheusProcess.requireInstalled()
        // TTFT 80 ms and 200 ms sit in the (50, 100] and (100, 500] ms buckets; ITL 6 ms and 10 ms under 50 ms.
        let specs: [(String, Double, Double, Double, Int, Int)] = [
            ("alpha", 10, 0.08, 0.006, 1000, 100), ("beta", 10, 0.2, 0.01, 1000, 100), ("gamma", 10, 0.08, 0.006, 1000, 100),
        ]
        let p = try await startPeers(specs)

        let keys = specs.map { FleetMetricsKey(namespace: $0.0, model: "llama-3.1-8b") }
            + [FleetMetricsKey(namespace: "absent", model: "llama-3.1-8b")]
        let reader = try PrometheusFleetReader(endpoint: p.url)
        let o = try await reader.observe(keys, intervalSeconds: 5, attainmentThresholds: [
            keys[0]: (ttftSeconds: 0.06, itlSeconds: 0.05), keys[1]: (ttftSeconds: 0.1, itlSeconds: 0.004),
            keys[3]: (ttftSeconds: 0.06, itlSeconds: 0.05),
        ])
        // Linear inside a bucket: a 60 ms SLA counts a fifth of the (50, 100] bucket.
        XCTAssertEqual(o[keys[0]]?.ttftAttainment ?? -1, 0.2, accuracy: 1e-9)
        XCTAssertEqual(o[keys[0]]?.itlAttainment ?? -1, 1, accuracy: 1e-9)
        XCTAssertEqual(o[keys[1]]?.ttftAttainment ?? -1, 0, accuracy: 1e-9, "200 ms all above a 100 ms SLA")
        XCTAssertEqual(o[keys[1]]?.itlAttainment ?? -1, 0, accuracy: 1e-9, "10 ms all above a 4 ms SLA")
        XCTAssertNil(o[keys[2]]?.ttftAttainment, "gamma asked for none")
        XCTAssertNil(o[keys[2]]?.itlAttainment)
        XCTAssertNil(o[keys[3]]?.ttftAttainment, "no series: nothing observed")
        XCTAssertEqual(o[keys[0]]?.ttftMilliseconds ?? -1, 80, accuracy: 1e-6, "the averages are read as before")
        let without = try await reader.observe(keys, intervalSeconds: 5)
        XCTAssertNil(without[keys[0]]?.ttftAttainment, "attainment is read only when asked for")
    }

    /// A fleet-sized answer is repetitive JSON that gzip shrinks far more than
    /// 25× (HTTPClient.shared refused it with "limit"): 1000 namespaces with equal
    /// values, as many idle deployments of a real fleet have.
    func testFleetSizedAnswersAreRead() async throws {
        try PrometheusProcess.requireInstalled()
        let count = 1000
        let start = Date()
        let server = try await LoopbackHTTPServer.start { _ in
            let t = Date().timeIntervalSince(start) + 1
            let lines = (0..<count).map { i in
                "dynamo_frontend_requests_total{model=\"m\",dynamo_namespace=\"fleet-namespace-\(i)\"} \((t * 10).rounded(.down))"
            }
            return HTTPServerResponse(body: lines.joined(separator: "\n") + "\n")
        }
        defer { Task { await server.stop() } }
        let p = try await PrometheusProcess.start(targets: ["generator": "127.0.0.1:\(server.port)"])
        prometheus = p
        _ = try await p.waitForSamples("count(increase(dynamo_frontend_requests_total[5s]) > 0) >= \(count)")
        let keys = (0..<count).map { FleetMetricsKey(namespace: "fleet-namespace-\($0)", model: "M") }
        let o = try await PrometheusFleetReader(endpoint: p.url).observe(keys, intervalSeconds: 5)
        XCTAssertEqual(o.count, count)
        XCTAssertTrue(keys.allSatisfy { (o[$0]?.requestCount ?? 0) > 0 }, "every namespace's counter is read")
    }
}
