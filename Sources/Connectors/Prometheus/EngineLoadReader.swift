import Foundation
import PlannerCore

/// Which engine metrics the load-based mode reads (docs/planning.md). Each name
/// is a gauge exported by every worker; `selector` is a PromQL label matcher
/// body (`dynamo_component="prefill"`) that picks one pool's workers.
public struct EngineLoadMetricNames: Equatable, Sendable {
    /// Requests waiting to be scheduled, per worker.
    public var waitingRequests: String
    /// KV-cache utilisation per worker, 0…1.
    public var kvUtilisation: String
    /// Prompt tokens waiting, per worker, when the engine exports them; without
    /// it queued tokens are estimated as waiting requests × mean ISL.
    public var queuedPromptTokens: String?

    public init(waitingRequests: String, kvUtilisation: String, queuedPromptTokens: String? = nil) {
        self.waitingRequests = waitingRequests
        self.kvUtilisation = kvUtilisation
        self.queuedPromptTokens = queuedPromptTokens
    }

    /// vLLM (v1 engine) names.
    public static let vllm = EngineLoadMetricNames(waitingRequests: "vllm:num_requests_waiting",
                                                   kvUtilisation: "vllm:kv_cache_usage_perc")
    /// SGLang names.
    public static let sglang = EngineLoadMetricNames(waitingRequests: "sglang:num_queue_reqs",
                                                     kvUtilisation: "sglang:token_usage")

    public static func preset(_ name: String) -> EngineLoadMetricNames? {
        switch name.lowercased() {
        case "vllm": return .vllm
        case "sglang": return .sglang
        default: return nil
        }
    }
}

/// One pool's load as the engines report it now.
public struct EngineLoadSample: Equatable, Sendable {
    /// Workers reporting (series of the KV metric).
    public var workers: Int
    public var waitingRequests: Double
    /// Mean KV utilisation over the reporting workers (0 when none).
    public var kvUtilisation: Double
    /// Queued prompt tokens over the pool (measured, or estimated from waiting requests).
    public var queuedPromptTokens: Double

    /// Queued prompt tokens per worker (the prefill signal); all of them when no worker reports.
    public var queuedTokensPerWorker: Double { queuedPromptTokens / Double(max(1, workers)) }
}

/// Reads the load-based mode's signals through the Prometheus HTTP API with
/// instant queries of the gauges (no rate window: the loop wants "now").
public struct EngineLoadReader: Sendable {
    public let client: PrometheusQueryClient
    public let names: EngineLoadMetricNames

    public init(client: PrometheusQueryClient, names: EngineLoadMetricNames) {
        self.client = client
        self.names = names
    }

    /// The PromQL for one reading: `sum`, `avg` or `count` of a gauge over the selector.
    public static func query(_ aggregate: String, _ metric: String, selector: String) -> String {
        let s = selector.trimmingCharacters(in: .whitespaces)
        // Names with ':' are valid metric names but the `{__name__=…}` form is the safe spelling.
        return "\(aggregate)({__name__=\"\(metric)\"\(s.isEmpty ? "" : ", " + s)})"
    }

    /// The pool picked by `selector`; `meanISL` estimates queued tokens when the
    /// engine exports no queued-token gauge. Missing series count as 0.
    public func read(selector: String = "", meanISL: Double = 0) async throws -> EngineLoadSample {
        async let waiting = client.query(Self.query("sum", names.waitingRequests, selector: selector))
        async let kv = client.query(Self.query("avg", names.kvUtilisation, selector: selector))
        async let count = client.query(Self.query("count", names.kvUtilisation, selector: selector))
        var tokens: [PrometheusSample]?
        if let name = names.queuedPromptTokens {
            tokens = try await client.query(Self.query("sum", name, selector: selector))
        }
        func first(_ s: [PrometheusSample]) -> Double {
            guard let v = s.first?.value, v.isFinite, v >= 0 else { return 0 }
            return v
        }
        let w = first(try await waiting)
        let workers = first(try await count)
        let isl = meanISL.isFinite && meanISL > 0 ? meanISL : 0
        return EngineLoadSample(workers: workers < 1e9 ? Int(workers) : 1_000_000_000,
                                waitingRequests: w, kvUtilisation: min(1, first(try await kv)),
                                queuedPromptTokens: tokens.map(first) ?? w * isl)
    }
}

/// `run --load-based`'s signals: the engines' gauges of each pool, picked by a
/// label selector per pool, through `EngineLoadReader`. Workers still starting
/// are those the loop asked for that do not report yet.
public final class PrometheusLoadSignals: LoadSignalSource, @unchecked Sendable {
    public let reader: EngineLoadReader
    /// Label matcher body per pool (`dynamo_component="prefill"`); a pool without one is not read.
    public let selectors: [ComponentType: String]
    /// Mean prompt length used when the engines export no queued-token gauge.
    public var meanISL: Double

    public init(reader: EngineLoadReader, selectors: [ComponentType: String], meanISL: Double = 0) {
        self.reader = reader
        self.selectors = selectors
        self.meanISL = meanISL
    }

    public func signals(targets: [ComponentType: Int]) async throws -> [ComponentType: LoadBasedPoolSignals] {
        var out: [ComponentType: LoadBasedPoolSignals] = [:]
        for (component, selector) in selectors {
            let s = try await reader.read(selector: selector, meanISL: meanISL)
            let target = targets[component] ?? s.workers
            out[component] = LoadBasedPoolSignals(workers: target, starting: max(0, target - s.workers),
                                                  queuedTokensPerWorker: s.queuedTokensPerWorker,
                                                  kvUtilisation: s.kvUtilisation)
        }
        return out
    }
}
