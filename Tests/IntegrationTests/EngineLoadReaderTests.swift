import Connectors
import Foundation
import HTTPTestSupport
import PlannerCore
import XCTest

/// The load-based mode's reader against a real Prometheus scraping a page of
/// vLLM-style engine gauges (two prefill workers, one decode worker).
final class EngineLoadReaderTests: XCTestCase {
    var prometheus: PrometheusProcess?
    var server: LoopbackHTTPServer?

    override func tearDown() async throws {
        prometheus?.kill()
        await server?.stop()
    }

    static let page = """
    # TYPE vllm:num_requests_waiting gauge
    vllm:num_requests_waiting{dynamo_component="prefill",worker="p0"} 3
    vllm:num_requests_waiting{dynamo_component="prefill",worker="p1"} 5
    vllm:num_requests_waiting{dynamo_component="decode",worker="d0"} 1
    # TYPE vllm:kv_cache_usage_perc gauge
    vllm:kv_cache_usage_perc{dynamo_component="prefill",worker="p0"} 0.25
    vllm:kv_cache_usage_perc{dynamo_component="prefill",worker="p1"} 0.75
    vllm:kv_cache_usage_perc{dynamo_component="decode",worker="d0"} 0.9
    # TYPE sglang:num_queue_reqs gauge
    sglang:num_queue_reqs{worker="s0"} 7

    """

    func testReadsPoolsThroughARealPrometheus() async throws {
        try PrometheusProcess.requireInstalled()
        let s = try await LoopbackHTTPServer.start { request in
            guard request.path == "/metrics" else { return HTTPServerResponse(status: 404, body: "not found") }
            return HTTPServerResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: Self.page)
        }
        server = s
        let p = try await PrometheusProcess.start(targets: ["engines": "127.0.0.1:\(s.port)"])
        prometheus = p
        _ = try await p.waitForSamples("vllm:kv_cache_usage_perc")

        let client = try PrometheusQueryClient(endpoint: p.url, modelName: "m", namespace: "dynamo")
        let reader = EngineLoadReader(client: client, names: .vllm)
        let prefill = try await reader.read(selector: "dynamo_component=\"prefill\"", meanISL: 1000)
        XCTAssertEqual(prefill.workers, 2)
        XCTAssertEqual(prefill.waitingRequests, 8)
        XCTAssertEqual(prefill.kvUtilisation, 0.5, accuracy: 1e-12)
        XCTAssertEqual(prefill.queuedPromptTokens, 8000, accuracy: 1e-9, "estimated: waiting × mean ISL")
        XCTAssertEqual(prefill.queuedTokensPerWorker, 4000, accuracy: 1e-9)
        let decode = try await reader.read(selector: "dynamo_component=\"decode\"")
        XCTAssertEqual(decode.workers, 1)
        XCTAssertEqual(decode.kvUtilisation, 0.9, accuracy: 1e-12)

        // A configured queued-token gauge is read instead of the estimate; absent series count as 0.
        var names = EngineLoadMetricNames.sglang
        names.queuedPromptTokens = "sglang:num_queue_reqs"
        let sglang = try await EngineLoadReader(client: client, names: names).read()
        XCTAssertEqual(sglang.waitingRequests, 7)
        XCTAssertEqual(sglang.queuedPromptTokens, 7)
        XCTAssertEqual(sglang.workers, 0, "no sglang:token_usage series")
        XCTAssertEqual(sglang.kvUtilisation, 0)
    }

    func testQueryText() {
        XCTAssertEqual(EngineLoadReader.query("avg", "vllm:kv_cache_usage_perc", selector: "pool=\"decode\""),
                       "avg({__name__=\"vllm:kv_cache_usage_perc\", pool=\"decode\"})")
        XCTAssertEqual(EngineLoadReader.query("sum", "x", selector: " "), "sum({__name__=\"x\"})")
        XCTAssertEqual(EngineLoadMetricNames.preset("SGLang"), .sglang)
        XCTAssertNil(EngineLoadMetricNames.preset("trt"))
    }
}
