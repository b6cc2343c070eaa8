import ArgumentParser
import Connectors
import PlannerCore

/// Where `run --load-based` reads the engines' load (docs/planning.md).
struct EngineMetricsOptions: ParsableArguments {
    @Option(help: "Load-based: engine metric names, vllm or sglang (each name can be overridden below).")
    var engineMetrics: String = "vllm"

    @Option(help: "Load-based: gauge of requests waiting per worker (default: the preset's).")
    var waitingRequestsMetric: String?

    @Option(help: "Load-based: gauge of KV-cache utilisation 0-1 per worker (default: the preset's).")
    var kvUsageMetric: String?

    @Option(help: "Load-based: gauge of queued prompt tokens per worker (default: estimated as waiting requests x mean ISL).")
    var queuedTokensMetric: String?

    @Option(help: "Load-based: PromQL label matchers picking the prefill workers.")
    var prefillSelector: String = #"dynamo_component="prefill""#

    @Option(help: "Load-based: PromQL label matchers picking the decode (or aggregated) workers.")
    var decodeSelector: String = #"dynamo_component="decode""#

    func names() throws -> EngineLoadMetricNames {
        guard var n = EngineLoadMetricNames.preset(engineMetrics) else {
            throw ValidationError("--engine-metrics must be vllm or sglang (got \(engineMetrics))")
        }
        if let m = waitingRequestsMetric { n.waitingRequests = m }
        if let m = kvUsageMetric { n.kvUtilisation = m }
        if let m = queuedTokensMetric { n.queuedPromptTokens = m }
        for name in [n.waitingRequests, n.kvUtilisation, n.queuedPromptTokens ?? "x"]
        where name.isEmpty || name.contains("\"") || name.contains("{") {
            throw ValidationError("engine metric names must be plain metric names (got \(name))")
        }
        return n
    }

    func validate() throws { _ = try names() }
}
