import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PlannerCore

/// Reads the frontend's metrics from the Prometheus HTTP API (SPEC.md §7):
/// interval averages `increase(X_sum[Ns])/increase(X_count[Ns])` and the
/// request count `increase(dynamo_frontend_requests_total[Ns])`, keeping only
/// the series of this model (case-insensitively) and Dynamo namespace.
public final class PrometheusQueryClient: MetricsSource, @unchecked Sendable {
    /// Histogram families whose interval mean the planner observes.
    public enum Histogram: String, CaseIterable, Sendable {
        case timeToFirstToken = "dynamo_frontend_time_to_first_token_seconds"
        case interTokenLatency = "dynamo_frontend_inter_token_latency_seconds"
        case requestDuration = "dynamo_frontend_request_duration_seconds"
        case inputSequenceTokens = "dynamo_frontend_input_sequence_tokens"
        case outputSequenceTokens = "dynamo_frontend_output_sequence_tokens"
    }

    public static let requestCounter = "dynamo_frontend_requests_total"

    public let endpoint: String
    public let modelName: String
    public let namespace: String
    public let timeoutSeconds: Double
    private let client: HTTPClient
    private let logger: Logger

    /// `endpoint` is the server's base URL (`http://host:9090`). Queries taking
    /// longer than `timeoutSeconds` fail with `PrometheusError.timeout`.
    public init(endpoint: String, modelName: String, namespace: String, timeoutSeconds: Double = 10,
                client: HTTPClient = PrometheusQueryClient.httpClient, logger: Logger = Logger(label: "planner.prometheus")) throws {
        var base = endpoint.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw PrometheusError.invalidEndpoint(endpoint)
        }
        self.endpoint = base
        self.modelName = modelName
        self.namespace = namespace
        self.timeoutSeconds = timeoutSeconds
        self.client = client
        self.logger = logger
    }

    /// The PromQL for a histogram's mean over the last `intervalSeconds`.
    public static func averageQuery(_ histogram: Histogram, intervalSeconds: Int) -> String {
        "increase(\(histogram.rawValue)_sum[\(intervalSeconds)s])/increase(\(histogram.rawValue)_count[\(intervalSeconds)s])"
    }

    public static func requestCountQuery(intervalSeconds: Int) -> String {
        "increase(\(requestCounter)[\(intervalSeconds)s])"
    }

    /// `HTTPClient.shared` but with the gzip limit on the answer's size (the
    /// `collect` limit below) instead of its compression ratio: answers covering a
    /// whole fleet are repetitive JSON that gzip shrinks more than 25×, which
    /// the shared client's ratio limit refuses ("limit").
    public static let httpClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.decompression = .enabled(limit: .size(64 << 20))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Runs one instant query and returns every sample of the result.
    public func query(_ promql: String) async throws -> [PrometheusSample] {
        // Only unreserved characters stay literal: '+' would read as a space, '[' ']' are not allowed.
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        guard let encoded = promql.addingPercentEncoding(withAllowedCharacters: allowed) else {
            throw PrometheusError.invalidEndpoint(endpoint)
        }
        let url = endpoint + "/api/v1/query?query=" + encoded
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let timeout = TimeAmount.nanoseconds(Int64(timeoutSeconds * 1e9))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            body = try await response.body.collect(upTo: 64 << 20)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw PrometheusError.timeout(endpoint: endpoint, seconds: timeoutSeconds)
        } catch {
            throw PrometheusError.unreachable(endpoint: endpoint, reason: String(describing: error))
        }
        let data = Data(body.readableBytesView)
        // The API answers 400/422/503 with a JSON error envelope; prefer its message.
        if response.status.code != 200 {
            do { _ = try PrometheusVector.parse(data, endpoint: endpoint, query: promql) } catch let e as PrometheusError {
                if case .queryFailed = e { throw e }
            }
            throw PrometheusError.httpStatus(endpoint: endpoint, status: Int(response.status.code), query: promql,
                                             body: String(decoding: data, as: UTF8.self))
        }
        return try PrometheusVector.parse(data, endpoint: endpoint, query: promql)
    }

    /// The samples of this model and namespace (SPEC.md §7 label rule).
    public func matching(_ samples: [PrometheusSample]) -> [PrometheusSample] {
        let model = modelName.lowercased()
        return samples.filter {
            $0.labels["model"]?.lowercased() == model && $0.labels["dynamo_namespace"] == namespace
        }
    }

    /// Mean of a histogram over the interval, over the matching series; 0 with a
    /// warning when none matches. NaN (0/0: nothing finished) is passed on.
    public func average(_ histogram: Histogram, intervalSeconds: Int) async throws -> Double {
        let q = Self.averageQuery(histogram, intervalSeconds: intervalSeconds)
        let values = matching(try await query(q)).map(\.value)
        guard !values.isEmpty else {
            logger.warning("no Prometheus data for this model and namespace; using 0",
                           metadata: ["query": "\(q)", "model": "\(modelName)", "namespace": "\(namespace)"])
            return 0
        }
        return values.reduce(0, +) / Double(values.count)
    }

    /// Requests counted over the interval, summed over the matching series.
    public func requestCount(intervalSeconds: Int) async throws -> Double {
        let q = Self.requestCountQuery(intervalSeconds: intervalSeconds)
        let values = matching(try await query(q)).map(\.value)
        if values.isEmpty {
            logger.warning("no Prometheus data for this model and namespace; using 0",
                           metadata: ["query": "\(q)", "model": "\(modelName)", "namespace": "\(namespace)"])
        }
        return values.reduce(0, +)
    }

    /// All six observations of SPEC.md §5, latencies converted to ms. The queries
    /// run concurrently, so a slow server costs one timeout per interval, not six.
    public func observe(intervalSeconds: Int) async throws -> ObservedMetrics {
        async let ttft = average(.timeToFirstToken, intervalSeconds: intervalSeconds)
        async let itl = average(.interTokenLatency, intervalSeconds: intervalSeconds)
        async let count = requestCount(intervalSeconds: intervalSeconds)
        async let isl = average(.inputSequenceTokens, intervalSeconds: intervalSeconds)
        async let osl = average(.outputSequenceTokens, intervalSeconds: intervalSeconds)
        async let duration = average(.requestDuration, intervalSeconds: intervalSeconds)
        return ObservedMetrics(ttftMilliseconds: try await ttft * 1000, itlMilliseconds: try await itl * 1000,
                               requestCount: try await count, isl: try await isl, osl: try await osl,
                               requestDurationSeconds: try await duration)
    }
}
