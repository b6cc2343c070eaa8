@testable import Connectors
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PlannerCore
import XCTest

/// The planner's own HTTP server: only its routes and methods, request size and
/// connection caps; and the control API on it.
final class PlannerHTTPServerTests: XCTestCase {
    func request(_ server: PlannerHTTPServer, _ method: HTTPMethod, _ path: String, body: String? = nil)
        async throws -> (status: Int, body: String) {
        var r = HTTPClientRequest(url: server.baseURL + path)
        r.method = method
        if let body { r.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(r, timeout: .seconds(5))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    func testMetricsAndHealthOnlyWithGET() async throws {
        let reporter = PlannerMetricsReporter()
        let server = try await reporter.serve(host: "127.0.0.1", port: 0)
        defer { Task { await server.stop() } }
        let metrics = try await request(server, .GET, "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.body.contains("dynamo_planner_num_prefill_replicas"))
        let health = try await request(server, .GET, "/health")
        XCTAssertEqual(health.status, 200)
        do {
            let r = try await request(server, .POST, "/metrics", body: "x")
            XCTAssertEqual(r.status, 405)
        }
        do {
            let r = try await request(server, .DELETE, "/health")
            XCTAssertEqual(r.status, 405)
        }
        do {
            let r = try await request(server, .GET, "/api/v1/namespaces")
            XCTAssertEqual(r.status, 404)
        }
    }

    func testOversizedRequestsGet413() async throws {
        let server = try await PlannerHTTPServer.start(
            host: "127.0.0.1", port: 0,
            routes: [.init("PATCH", "/x") { r in HTTPServerResponse(body: "\(r.body.count)") }],
            limits: PlannerHTTPServer.Limits(maxRequestBytes: 1024))
        defer { Task { await server.stop() } }
        let small = try await request(server, .PATCH, "/x", body: String(repeating: "a", count: 100))
        XCTAssertEqual(small.status, 200)
        XCTAssertEqual(small.body, "100")
        do {
            let r = try await request(server, .PATCH, "/x", body: String(repeating: "a", count: 4096))
            XCTAssertEqual(r.status, 413)
        }
    }

    /// Raw sockets past the cap are closed by the server without an answer.
    func testConnectionsPastTheCapAreClosed() async throws {
        let server = try await PlannerHTTPServer.start(
            host: "127.0.0.1", port: 0, routes: [.init("GET", "/health") { _ in HTTPServerResponse(body: "ok") }],
            limits: PlannerHTTPServer.Limits(maxConnections: 2))
        defer { Task { await server.stop() } }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        var held: [Channel] = []
        for _ in 0..<2 {
            held.append(try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: server.port).get())
        }
        try await waitUntil { server.openConnections == 2 }
        let extra = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: server.port).get()
        try await extra.closeFuture.get()  // closed by the server
        XCTAssertEqual(server.openConnections, 2)
        for c in held { try await c.close() }
        try await waitUntil { server.openConnections == 0 }
        do {
            let r = try await request(server, .GET, "/health")
            XCTAssertEqual(r.status, 200, "usable again once connections close")
        }
    }

    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<200 where !condition() { try await Task.sleep(nanoseconds: 10_000_000) }
        XCTAssertTrue(condition())
    }

    func testControlAPI() async throws {
        var settings = PlannerSettings()
        settings.maxGPUBudget = 8
        let controls = PlannerControls(settings: settings)
        let server = try await PlannerHTTPServer.start(host: "127.0.0.1", port: 0, routes: ControlAPI(controls: controls).routes)
        defer { Task { await server.stop() } }

        let initial = try await request(server, .GET, "/v1/min-endpoints")
        XCTAssertEqual(initial.status, 200)
        XCTAssertEqual(try json(initial.body)["min_endpoint"] as? Int, 1)

        let patched = try await request(server, .PATCH, "/v1/min-endpoints", body: #"{"prefill_min_endpoint": 2, "decode_min_endpoint": 3}"#)
        XCTAssertEqual(patched.status, 200, patched.body)
        XCTAssertEqual(try json(patched.body)["decode_min_endpoint"] as? Int, 3)
        XCTAssertEqual(controls.effectiveSettings.effectivePrefillMinEndpoint, 2)

        let bad: [(String, String)] = [
            ("{not json", "valid JSON"),
            ("[1]", "JSON object"),
            ("{}", "at least one"),
            (#"{"min_endpoints": 2}"#, "unknown field 'min_endpoints'"),
            (#"{"decode_min_endpoint": "3"}"#, "must be an integer, got a string"),
            (#"{"decode_min_endpoint": true}"#, "got a boolean"),
            (#"{"decode_min_endpoint": 2.5}"#, "must be an integer"),
            (#"{"decode_min_endpoint": 0}"#, "between 1 and"),
            (#"{"min_gpu_budget": 9}"#, "must not exceed --max-gpu-budget"),
            (#"{"max_gpu_budget": 1e300}"#, "must be an integer"),
        ]
        for (body, reason) in bad {
            let r = try await request(server, .PATCH, "/v1/min-endpoints", body: body)
            XCTAssertEqual(r.status, 400, body)
            XCTAssertTrue(((try? json(r.body)["error"] as? String) ?? "").contains(reason), "\(body): \(r.body)")
        }
        XCTAssertEqual(controls.limits.decodeMinEndpoint, 3, "a refused patch changes nothing")

        do {

            let r = try await request(server, .POST, "/v1/pause")

            XCTAssertEqual(r.status, 200)

        }
        XCTAssertTrue(controls.isPaused)
        let state = try json(try await request(server, .GET, "/v1/state").body)
        XCTAssertEqual(state["paused"] as? Bool, true)
        do {
            let r = try await request(server, .POST, "/v1/resume")
            XCTAssertEqual(r.status, 200)
        }
        XCTAssertFalse(controls.isPaused)
        do {
            let r = try await request(server, .GET, "/v1/pause")
            XCTAssertEqual(r.status, 405)
        }
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }
}
