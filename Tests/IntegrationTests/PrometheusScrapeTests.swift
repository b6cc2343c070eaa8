import Connectors
import Foundation
import PlannerCore
import XCTest

/// The query client against a real Prometheus scraping the test frontend.
final class PrometheusScrapeTests: XCTestCase {
    var prometheus: PrometheusProcess?
    var frontend: TestFrontend?

    override func tearDown() async throws {
        prometheus?.kill()
        await frontend?.stop()
    }

    func testIntervalAveragesFromARealPrometheus() async throws {
        try PrometheusProcess.requireInstalled()
        // 20 requests per trace second, replayed twice as fast: 40 per real second.
        let f = TestFrontend(requests: TestFrontend.phases([(600, 20)], isl: 1000, osl: 100),
                             model: "Llama-3.1-8B", namespace: "dynamo", speedup: 2)
        frontend = f
        let server = try await f.start()
        let p = try await PrometheusProcess.start(targets: ["frontend": "127.0.0.1:\(server.port)"])
        prometheus = p
        _ = try await p.waitForSamples("dynamo_frontend_requests_total")
        try await Task.sleep(nanoseconds: 6_000_000_000)

        let client = try PrometheusQueryClient(endpoint: p.url, modelName: "llama-3.1-8b", namespace: "dynamo")
        let o = try await client.observe(intervalSeconds: 5)
        // Ratios of increases are exact whatever Prometheus extrapolates.
        XCTAssertEqual(o.ttftMilliseconds ?? -1, 80, accuracy: 1e-6)
        XCTAssertEqual(o.itlMilliseconds ?? -1, 6, accuracy: 1e-6)
        XCTAssertEqual(o.isl ?? -1, 1000, accuracy: 1e-6)
        XCTAssertEqual(o.osl ?? -1, 100, accuracy: 1e-6)
        XCTAssertEqual(o.requestDurationSeconds ?? -1, 0.08 + 99 * 0.006, accuracy: 1e-6)
        // 40 requests per second over 5 s; increase() extrapolates over the window, and
        // the other model's 10× larger counter must not leak in.
        XCTAssertEqual(o.requestCount ?? -1, 200, accuracy: 50)

        XCTAssertNil(o.ttftAttainment, "attainment is read only when asked for")

        // SLA attainment from the buckets: every TTFT is 80 ms, in the (50 ms, 100 ms] bucket, so a
        // 60 ms SLA counts a fifth of it (linear inside a bucket); every ITL (6 ms) meets 50 ms.
        client.attainmentThresholds = (ttftSeconds: 0.06, itlSeconds: 0.05)
        let a = try await client.observe(intervalSeconds: 5)
        XCTAssertEqual(a.ttftAttainment ?? -1, 0.2, accuracy: 1e-9)
        XCTAssertEqual(a.itlAttainment ?? -1, 1, accuracy: 1e-9)
        client.attainmentThresholds = (ttftSeconds: 0.1, itlSeconds: 0.004)
        let b = try await client.observe(intervalSeconds: 5)
        XCTAssertEqual(b.ttftAttainment ?? -1, 1, accuracy: 1e-9)
        XCTAssertEqual(b.itlAttainment ?? -1, 0, accuracy: 1e-9)

        let elsewhere = try PrometheusQueryClient(endpoint: p.url, modelName: "llama-3.1-8b", namespace: "staging")
        let none = try await elsewhere.observe(intervalSeconds: 5)
        XCTAssertEqual(none.requestCount, 0)
        XCTAssertEqual(none.ttftMilliseconds, 0)
        elsewhere.attainmentThresholds = (ttftSeconds: 0.06, itlSeconds: 0.05)
        let idle = try await elsewhere.observe(intervalSeconds: 5)
        XCTAssertNil(idle.ttftAttainment, "no series: nothing observed")
    }
}
