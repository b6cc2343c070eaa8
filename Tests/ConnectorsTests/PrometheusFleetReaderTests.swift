@testable import Connectors
import Foundation
import HTTPTestSupport
import PlannerCore
import XCTest

/// The batched fleet reader against the JSON responder of PrometheusQueryClientTests
/// (a real Prometheus: IntegrationTests/PrometheusFleetScrapeTests).
final class PrometheusFleetReaderTests: XCTestCase {
    typealias Responder = PrometheusQueryClientTests.Responder
    var server: LoopbackHTTPServer?
    let responder = Responder()

    override func setUp() async throws {
        let responder = self.responder
        server = try await LoopbackHTTPServer.start { await responder.handle($0) }
    }

    override func tearDown() async throws {
        await server?.stop()
    }

    func reader() throws -> PrometheusFleetReader {
        try PrometheusFleetReader(endpoint: server?.baseURL ?? "", timeoutSeconds: 5)
    }

    static let a = FleetMetricsKey(namespace: "dynamo", model: "Llama-3.1-8B")
    static let b = FleetMetricsKey(namespace: "staging", model: "llama-3.1-8b")
    static let idle = FleetMetricsKey(namespace: "quiet", model: "qwen")

    func testSixQueriesWhateverTheFleetSize() async throws {
        let keys = (0..<500).map { FleetMetricsKey(namespace: "ns\($0)", model: "m") }
        _ = try await reader().observe(keys, intervalSeconds: 60)
        let expected: Set<String> = [
            "sum by (dynamo_namespace, model)(increase(dynamo_frontend_time_to_first_token_seconds_sum[60s]))/sum by (dynamo_namespace, model)(increase(dynamo_frontend_time_to_first_token_seconds_count[60s]))",
            "sum by (dynamo_namespace, model)(increase(dynamo_frontend_inter_token_latency_seconds_sum[60s]))/sum by (dynamo_namespace, model)(increase(dynamo_frontend_inter_token_latency_seconds_count[60s]))",
            "sum by (dynamo_namespace, model)(increase(dynamo_frontend_request_duration_seconds_sum[60s]))/sum by (dynamo_namespace, model)(increase(dynamo_frontend_request_duration_seconds_count[60s]))",
            "sum by (dynamo_namespace, model)(increase(dynamo_frontend_input_sequence_tokens_sum[60s]))/sum by (dynamo_namespace, model)(increase(dynamo_frontend_input_sequence_tokens_count[60s]))",
            "sum by (dynamo_namespace, model)(increase(dynamo_frontend_output_sequence_tokens_sum[60s]))/sum by (dynamo_namespace, model)(increase(dynamo_frontend_output_sequence_tokens_count[60s]))",
            "sum by (dynamo_namespace, model)(increase(dynamo_frontend_requests_total[60s]))",
        ]
        let queries = responder.lock.withLock { responder.queries }
        XCTAssertEqual(queries.count, 6)
        XCTAssertEqual(Set(queries), expected)
    }

    func testSplitsPerDeploymentAndIdleIsZero() async throws {
        let mine = PrometheusQueryClientTests.mine, upper = PrometheusQueryClientTests.mineUpper
        let staging = PrometheusQueryClientTests.otherNamespace, other = PrometheusQueryClientTests.otherModel
        responder.answers = [
            "time_to_first_token": Responder.vector([(mine, "0.2"), (upper, "0.4"), (staging, "0.05"), (other, "9"),
                                                     (["model": "m"], "7")]),
            "inter_token_latency": Responder.vector([(mine, "0.012"), (staging, "NaN")]),
            "requests_total": Responder.vector([(mine, "30"), (upper, "12.5"), (staging, "4"), (other, "1000")]),
            "input_sequence": Responder.vector([(mine, "3000"), (upper, "1000"), (staging, "+Inf")]),
            "output_sequence": Responder.vector([(mine, "150"), (staging, "-Inf")]),
            "request_duration": Responder.vector([(mine, "2.5")]),
        ]
        let o = try await reader().observe([Self.a, Self.b, Self.idle], intervalSeconds: 180)
        XCTAssertEqual(o.count, 3)
        let a = try XCTUnwrap(o[Self.a])
        XCTAssertEqual(a.ttftMilliseconds ?? -1, 300, accuracy: 1e-9)
        XCTAssertEqual(a.itlMilliseconds ?? -1, 12, accuracy: 1e-9)
        XCTAssertEqual(a.requestCount ?? -1, 42.5, accuracy: 1e-9, "count summed over case variants")
        XCTAssertEqual(a.isl ?? -1, 2000, accuracy: 1e-9)
        XCTAssertEqual(a.osl ?? -1, 150, accuracy: 1e-9)
        XCTAssertEqual(a.requestDurationSeconds ?? -1, 2.5, accuracy: 1e-9)
        let b = try XCTUnwrap(o[Self.b])
        XCTAssertEqual(b.ttftMilliseconds ?? -1, 50, accuracy: 1e-9)
        XCTAssertTrue(b.itlMilliseconds?.isNaN ?? false, "NaN is passed on, making the interval invalid")
        XCTAssertEqual(b.isl, .infinity)
        XCTAssertEqual(b.osl, -.infinity)
        XCTAssertFalse(b.isValid)
        XCTAssertEqual(o[Self.idle], ObservedMetrics(ttftMilliseconds: 0, itlMilliseconds: 0, requestCount: 0, isl: 0,
                                                     osl: 0, requestDurationSeconds: 0))
    }

    func testPrometheusErrorIsOneError() async throws {
        responder.status = 503
        do {
            _ = try await reader().observe([Self.a], intervalSeconds: 60)
            XCTFail("expected an error")
        } catch let e as PrometheusError {
            XCTAssertTrue(e.description.contains("503"), e.description)
        }
    }

    func testSplitIgnoresUnlabelledAndUnknownSeries() {
        let samples = [PrometheusSample(labels: ["dynamo_namespace": "dynamo"], value: 1),
                       PrometheusSample(labels: ["dynamo_namespace": "x", "model": "llama-3.1-8b"], value: 2),
                       PrometheusSample(labels: ["dynamo_namespace": "dynamo", "model": "LLAMA-3.1-8b"], value: 3)]
        XCTAssertEqual(PrometheusFleetReader.split(samples, keys: [Self.a], combine: .sum), [Self.a: 3])
    }
}
