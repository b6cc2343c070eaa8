import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PlannerCore

/// Reads the frontend's metrics from the Prometheus HTTP API (docs/behaviour.md §7):
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
    public let access: PrometheusAccess
    private let client: HTTPClient
    /// A client this instance made for its TLS settings (shut down on deinit).
    private let ownedClient: HTTPClient?
    private let logger: Logger

    /// `endpoint` is the server's base URL (`http://host:9090`). Queries taking
    /// longer than `timeoutSeconds` fail with `PrometheusError.timeout`. `access`
    /// adds credentials, TLS trust, fixed query parameters and the metrics source;
    /// a custom TLS setting gets its own HTTP client instead of `client`.
    public init(endpoint: String, modelName: String, namespace: String, timeoutSeconds: Double = 10,
                access: PrometheusAccess = PrometheusAccess(),
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
        self.access = access
        if let tls = try access.tlsConfiguration() {
            let own = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
            self.client = own
            self.ownedClient = own
        } else {
            self.client = client
            self.ownedClient = nil
        }
        self.logger = logger
    }

    deinit {
        if let own = ownedClient { Task { try? await own.shutdown() } }
    }

    /// The PromQL for a histogram's mean over the interval from the configured source:
    /// the frontend's per-model series, or the router's namespace aggregate.
    func averageQuery(_ histogram: Histogram, intervalSeconds: Int) -> String {
        switch access.source {
        case .frontend: return Self.averageQuery(histogram, intervalSeconds: intervalSeconds)
        case .router:
            let name = histogram.routerName, filter = routerFilter
            return "sum(increase(\(name)_sum{\(filter)}[\(intervalSeconds)s]))/sum(increase(\(name)_count{\(filter)}[\(intervalSeconds)s]))"
        }
    }

    func requestCountQuery(intervalSeconds: Int) -> String {
        switch access.source {
        case .frontend: return Self.requestCountQuery(intervalSeconds: intervalSeconds)
        case .router: return "sum(increase(\(Self.routerRequestCounter){\(routerFilter)}[\(intervalSeconds)s]))"
        }
    }

    public static let routerRequestCounter = "dynamo_component_router_requests_total"

    /// Router metrics carry the namespace with `-` written as `_` (Dynamo's metrics hierarchy).
    private var routerFilter: String {
        let ns = namespace.replacingOccurrences(of: "-", with: "_")
            .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "dynamo_namespace=\"\(ns)\""
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
        let url = endpoint + "/api/v1/query?query=" + encoded + access.extraQueryString
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        if let token = try access.bearerToken() {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
                let timeout = TimeAmount.nanoseconds(CheckedNumber.nanoseconds(seconds: timeoutSeconds))
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

    /// The samples of this model and namespace (docs/behaviour.md §7 label rule).
    public func matching(_ samples: [PrometheusSample]) -> [PrometheusSample] {
        if access.source == .router { return samples }  // the query already aggregates the namespace
        let model = modelName.lowercased()
        return samples.filter {
            $0.labels["model"]?.lowercased() == model && $0.labels["dynamo_namespace"] == namespace
        }
    }

    /// Mean of a histogram over the interval, over the matching series; 0 with a
    /// warning when none matches. NaN (0/0: nothing finished) is passed on.
    public func average(_ histogram: Histogram, intervalSeconds: Int) async throws -> Double {
        let q = averageQuery(histogram, intervalSeconds: intervalSeconds)
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
        let q = requestCountQuery(intervalSeconds: intervalSeconds)
        let values = matching(try await query(q)).map(\.value)
        if values.isEmpty {
            logger.warning("no Prometheus data for this model and namespace; using 0",
                           metadata: ["query": "\(q)", "model": "\(modelName)", "namespace": "\(namespace)"])
        }
        return values.reduce(0, +)
    }

    /// SLA thresholds in seconds (TTFT, ITL): when set, `observe` also reads the TTFT and ITL
    /// histograms' buckets and reports the fraction of the interval's observations within
    /// each (`--target-attainment`). The frontend source only; nil: not read.
    public var attainmentThresholds: (ttftSeconds: Double, itlSeconds: Double)?

    /// Fraction of `histogram`'s observations over the interval at or below `threshold`
    /// seconds, over the matching series; nil when nothing was observed or the query failed
    /// (logged: attainment is advisory, the interval goes on without it).
    public func attainment(_ histogram: Histogram, threshold: Double, intervalSeconds: Int) async -> Double? {
        guard access.source == .frontend else { return nil }
        let q = "increase(\(histogram.rawValue)_bucket[\(intervalSeconds)s])"
        do {
            let buckets = HistogramAttainment.buckets(matching(try await query(q)))
            return HistogramAttainment.fraction(buckets: buckets, threshold: threshold)
        } catch {
            logger.warning("SLA attainment not read", metadata: ["query": "\(q)", "error": "\(error)"])
            return nil
        }
    }

    /// All six observations of docs/behaviour.md §5, latencies converted to ms (and the SLA
    /// attainments when `attainmentThresholds` is set). The queries run concurrently, so a
    /// slow server costs one timeout per interval, not six.
    public func observe(intervalSeconds: Int) async throws -> ObservedMetrics {
        let thresholds = attainmentThresholds
        async let ttftAttainment = thresholds == nil ? nil
            : attainment(.timeToFirstToken, threshold: thresholds?.ttftSeconds ?? 0, intervalSeconds: intervalSeconds)
        async let itlAttainment = thresholds == nil ? nil
            : attainment(.interTokenLatency, threshold: thresholds?.itlSeconds ?? 0, intervalSeconds: intervalSeconds)
        async let ttft = average(.timeToFirstToken, intervalSeconds: intervalSeconds)
        async let itl = average(.interTokenLatency, intervalSeconds: intervalSeconds)
        async let count = requestCount(intervalSeconds: intervalSeconds)
        async let isl = average(.inputSequenceTokens, intervalSeconds: intervalSeconds)
        async let osl = average(.outputSequenceTokens, intervalSeconds: intervalSeconds)
        async let duration = average(.requestDuration, intervalSeconds: intervalSeconds)
        return ObservedMetrics(ttftMilliseconds: try await ttft * 1000, itlMilliseconds: try await itl * 1000,
                               requestCount: try await count, isl: try await isl, osl: try await osl,
                               requestDurationSeconds: try await duration,
                               ttftAttainment: await ttftAttainment, itlAttainment: await itlAttainment)
    }
}
