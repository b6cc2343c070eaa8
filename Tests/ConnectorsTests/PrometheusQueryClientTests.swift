@testable import Connectors
import Foundation
import HTTPTestSupport
import PlannerCore
import XCTest

/// The query client against a responder that speaks the Prometheus HTTP API's
/// JSON (the real server is exercised in IntegrationTests/PrometheusScrapeTests).
final class PrometheusQueryClientTests: XCTestCase {
    /// Records every query and answers from `answers` (keyed by metric family).
    final class Responder: @unchecked Sendable {
        let lock = NSLock()
        var queries: [String] = []
        var answers: [String: String] = [:]
        var status = 200
        var delaySeconds = 0.0

        func handle(_ request: HTTPServerRequest) async -> HTTPServerResponse {
            let q = request.query["query"] ?? ""
            let (delay, status, body): (Double, Int, String) = lock.withLock {
                queries.append(q)
                let key = answers.keys.first { q.contains($0) }
                return (delaySeconds, self.status, key.flatMap { answers[$0] } ?? Self.vector([]))
            }
            if delay > 0 { try? await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
            guard request.path == "/api/v1/query", request.method == "GET" else {
                return HTTPServerResponse(status: 404, body: "404 page not found")
            }
            return HTTPServerResponse(status: status, contentType: "application/json", body: body)
        }

        static func vector(_ samples: [(labels: [String: String], value: String)]) -> String {
            let result = samples.map { s -> String in
                let labels = s.labels.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
                return "{\"metric\":{\(labels)},\"value\":[1700000000.123,\"\(s.value)\"]}"
            }.joined(separator: ",")
            return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[\(result)]}}"
        }
    }

    var server: LoopbackHTTPServer?
    let responder = Responder()

    override func setUp() async throws {
        let responder = self.responder
        server = try await LoopbackHTTPServer.start { await responder.handle($0) }
    }

    override func tearDown() async throws {
        await server?.stop()
    }

    func client(timeout: Double = 5) throws -> PrometheusQueryClient {
        try PrometheusQueryClient(endpoint: (server?.baseURL ?? "") + "/", modelName: "Llama-3.1-8B",
                                  namespace: "dynamo", timeoutSeconds: timeout)
    }

    static let mine = ["model": "llama-3.1-8b", "dynamo_namespace": "dynamo", "job": "frontend"]
    static let mineUpper = ["model": "LLAMA-3.1-8B", "dynamo_namespace": "dynamo", "instance": "b"]
    static let otherModel = ["model": "qwen", "dynamo_namespace": "dynamo"]
    static let otherNamespace = ["model": "llama-3.1-8b", "dynamo_namespace": "staging"]

    func testSendsTheSpecQueriesWithTheIntervalWindow() async throws {
        _ = try await client().observe(intervalSeconds: 60)
        let expected: Set<String> = [
            "increase(dynamo_frontend_time_to_first_token_seconds_sum[60s])/increase(dynamo_frontend_time_to_first_token_seconds_count[60s])",
            "increase(dynamo_frontend_inter_token_latency_seconds_sum[60s])/increase(dynamo_frontend_inter_token_latency_seconds_count[60s])",
            "increase(dynamo_frontend_request_duration_seconds_sum[60s])/increase(dynamo_frontend_request_duration_seconds_count[60s])",
            "increase(dynamo_frontend_input_sequence_tokens_sum[60s])/increase(dynamo_frontend_input_sequence_tokens_count[60s])",
            "increase(dynamo_frontend_output_sequence_tokens_sum[60s])/increase(dynamo_frontend_output_sequence_tokens_count[60s])",
            "increase(dynamo_frontend_requests_total[60s])",
        ]
        XCTAssertEqual(Set(responder.lock.withLock { responder.queries }), expected)
    }

    func testAveragesMatchingSeriesAndConvertsSecondsToMilliseconds() async throws {
        responder.answers = [
            "time_to_first_token": Responder.vector([(Self.mine, "0.2"), (Self.mineUpper, "0.4"),
                                                     (Self.otherModel, "9"), (Self.otherNamespace, "9")]),
            "inter_token_latency": Responder.vector([(Self.mine, "0.012"), (Self.otherModel, "1")]),
            "requests_total": Responder.vector([(Self.mine, "30"), (Self.mineUpper, "12.5"), (Self.otherNamespace, "1000")]),
            "input_sequence": Responder.vector([(Self.mine, "3000"), (Self.mineUpper, "1000")]),
            "output_sequence": Responder.vector([(Self.mine, "150")]),
            "request_duration": Responder.vector([(Self.mine, "2.5")]),
        ]
        let o = try await client().observe(intervalSeconds: 180)
        XCTAssertEqual(o.ttftMilliseconds ?? -1, 300, accuracy: 1e-9)
        XCTAssertEqual(o.itlMilliseconds ?? -1, 12, accuracy: 1e-9)
        XCTAssertEqual(o.requestCount ?? -1, 42.5, accuracy: 1e-9, "request count is summed, not averaged")
        XCTAssertEqual(o.isl ?? -1, 2000, accuracy: 1e-9)
        XCTAssertEqual(o.osl ?? -1, 150, accuracy: 1e-9)
        XCTAssertEqual(o.requestDurationSeconds ?? -1, 2.5, accuracy: 1e-9)
        XCTAssertTrue(o.isValid)
    }

    func testNoMatchingDataIsZeroAndNaNIsPassedOn() async throws {
        responder.answers = [
            "time_to_first_token": Responder.vector([(Self.otherModel, "0.2")]),
            "inter_token_latency": Responder.vector([(Self.mine, "NaN")]),
        ]
        let o = try await client().observe(intervalSeconds: 180)
        XCTAssertEqual(o.ttftMilliseconds, 0)
        XCTAssertEqual(o.requestCount, 0)
        XCTAssertEqual(o.isl, 0)
        XCTAssertTrue(o.itlMilliseconds?.isNaN ?? false)
        XCTAssertFalse(o.isValid, "NaN latency (nothing finished) must make the interval invalid")
    }

    func testQueryErrorEnvelopeIsReported() async throws {
        responder.status = 400
        responder.answers = ["time_to": "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 3\"}"]
        do {
            _ = try await client().average(.timeToFirstToken, intervalSeconds: 60)
            XCTFail("expected an error")
        } catch let e as PrometheusError {
            guard case let .queryFailed(_, _, type, message) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(type, "bad_data")
            XCTAssertEqual(message, "parse error at char 3")
        }
    }

    func testServerErrorNamesStatusAndQuery() async throws {
        responder.status = 503
        responder.answers = ["requests_total": "service unavailable"]
        do {
            _ = try await client().requestCount(intervalSeconds: 60)
            XCTFail("expected an error")
        } catch let e as PrometheusError {
            guard case let .httpStatus(_, status, query, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(status, 503)
            XCTAssertEqual(query, "increase(dynamo_frontend_requests_total[60s])")
        }
    }

    func testMalformedAnswerIsAnError() async throws {
        responder.answers = ["requests_total": "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}"]
        do {
            _ = try await client().requestCount(intervalSeconds: 60)
            XCTFail("expected an error")
        } catch let e as PrometheusError {
            guard case .malformedResponse = e else { return XCTFail("\(e)") }
        }
    }

    func testSlowServerTimesOut() async throws {
        responder.delaySeconds = 3
        let start = Date()
        do {
            _ = try await client(timeout: 0.3).requestCount(intervalSeconds: 60)
            XCTFail("expected a timeout")
        } catch let e as PrometheusError {
            guard case .timeout = e else { return XCTFail("\(e)") }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.5)
    }

    func testUnreachableServerIsAClearError() async throws {
        let port = try XCTUnwrap(server?.port)
        await server?.stop()
        server = nil
        let c = try PrometheusQueryClient(endpoint: "http://127.0.0.1:\(port)", modelName: "m", namespace: "dynamo",
                                          timeoutSeconds: 2)
        do {
            _ = try await c.observe(intervalSeconds: 60)
            XCTFail("expected an error")
        } catch let e as PrometheusError {
            guard case .unreachable = e else { return XCTFail("\(e)") }
            XCTAssertTrue(e.description.contains("127.0.0.1:\(port)"), e.description)
        }
    }

    func testInvalidEndpointIsRejected() {
        XCTAssertThrowsError(try PrometheusQueryClient(endpoint: "localhost:9090", modelName: "m", namespace: "n"))
    }
}
