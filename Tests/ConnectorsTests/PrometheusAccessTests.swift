@testable import Connectors
import Foundation
import HTTPTestSupport
import NIOSSL
import PlannerCore
import XCTest

/// Dynamo 1.x's Prometheus connection options against a recording stand-in:
/// bearer token (fixed, or re-read from a file per query), extra query parameters,
/// the router metrics source, and a CA bundle over TLS.
final class PrometheusAccessTests: XCTestCase {
    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var requests: [HTTPServerRequest] = []
        func handle(_ r: HTTPServerRequest) -> HTTPServerResponse {
            lock.withLock { requests.append(r) }
            let body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"dynamo_namespace\":\"my_ns\"},\"value\":[1,\"2\"]}]}}"
            return HTTPServerResponse(contentType: "application/json", body: body)
        }
        var all: [HTTPServerRequest] { lock.withLock { requests } }
    }

    func testTokenFileIsReReadAndExtraParametersAreSent() async throws {
        let recorder = Recorder()
        let server = try await LoopbackHTTPServer.start { recorder.handle($0) }
        defer { Task { await server.stop() } }
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)")
        try "first\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let access = PrometheusAccess(tokenFile: tokenFile.path,
                                      extraQueryParameters: try PrometheusAccess.parseQuery("tenant=a%20b&namespace=x"))
        let client = try PrometheusQueryClient(endpoint: server.baseURL, modelName: "m", namespace: "ns", access: access)
        _ = try await client.query("up")
        try "second".write(to: tokenFile, atomically: true, encoding: .utf8)
        _ = try await client.query("up")
        let requests = recorder.all
        XCTAssertEqual(requests.map { $0.header("Authorization") }, ["Bearer first", "Bearer second"])
        XCTAssertEqual(requests[0].query["tenant"], "a b")
        XCTAssertEqual(requests[0].query["namespace"], "x")
        XCTAssertEqual(requests[0].query["query"], "up")
    }

    func testFixedTokenAndUnreadableTokenFile() async throws {
        let recorder = Recorder()
        let server = try await LoopbackHTTPServer.start { recorder.handle($0) }
        defer { Task { await server.stop() } }
        let client = try PrometheusQueryClient(endpoint: server.baseURL, modelName: "m", namespace: "ns",
                                               access: PrometheusAccess(token: "s3cret"))
        _ = try await client.query("up")
        XCTAssertEqual(recorder.all.first?.header("Authorization"), "Bearer s3cret")
        XCTAssertThrowsError(try PrometheusAccess(tokenFile: "/nonexistent/token").check()) {
            XCTAssertTrue("\($0)".contains("/nonexistent/token"))
        }
        XCTAssertThrowsError(try PrometheusAccess.parseQuery("a=1&broken"))
    }

    func testRouterSourceQueriesTheNamespaceAggregate() async throws {
        let recorder = Recorder()
        let server = try await LoopbackHTTPServer.start { recorder.handle($0) }
        defer { Task { await server.stop() } }
        let client = try PrometheusQueryClient(endpoint: server.baseURL, modelName: "ignored", namespace: "my-ns",
                                               access: PrometheusAccess(source: .router))
        let observed = try await client.observe(intervalSeconds: 60)
        XCTAssertEqual(observed.requestCount, 2)
        XCTAssertEqual(observed.isl, 2)
        let queries = Set(recorder.all.compactMap { $0.query["query"] })
        XCTAssertTrue(queries.contains("sum(increase(dynamo_component_router_requests_total{dynamo_namespace=\"my_ns\"}[60s]))"), "\(queries)")
        XCTAssertTrue(queries.contains(
            "sum(increase(dynamo_component_router_time_to_first_token_seconds_sum{dynamo_namespace=\"my_ns\"}[60s]))/"
            + "sum(increase(dynamo_component_router_time_to_first_token_seconds_count{dynamo_namespace=\"my_ns\"}[60s]))"), "\(queries)")
    }

    func testCABundleTrustsAPrivateCAAndVerificationCanBeTurnedOff() async throws {
        let tls = try TestCertificates.make()
        defer { tls.cleanup() }
        let recorder = Recorder()
        let server = try await LoopbackHTTPServer.start(tls: tls.context) { recorder.handle($0) }
        defer { Task { await server.stop() } }
        let trusted = try PrometheusQueryClient(endpoint: server.baseURL, modelName: "m", namespace: "ns",
                                                access: PrometheusAccess(caBundle: tls.caPath))
        _ = try await trusted.query("up")
        let unverified = try PrometheusQueryClient(endpoint: server.baseURL, modelName: "m", namespace: "ns",
                                                   access: PrometheusAccess(verifyTLS: false))
        _ = try await unverified.query("up")
        let strict = try PrometheusQueryClient(endpoint: server.baseURL, modelName: "m", namespace: "ns", timeoutSeconds: 3)
        do {
            _ = try await strict.query("up")
            XCTFail("an unknown CA must be refused by default")
        } catch {}
        XCTAssertEqual(recorder.all.count, 2)
    }
}
