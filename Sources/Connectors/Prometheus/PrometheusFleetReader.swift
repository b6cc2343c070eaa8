import AsyncHTTPClient
import Foundation
import Logging
import PlannerCore

/// The deployment a fleet planner reads metrics for: the frontend's
/// `dynamo_namespace` and served model (matched case-insensitively, as the
/// single-deployment client does).
public struct FleetMetricsKey: Hashable, Sendable, CustomStringConvertible {
    public let namespace: String
    public let model: String

    public init(namespace: String, model: String) {
        self.namespace = namespace
        self.model = model.lowercased()
    }

    public var description: String { "\(namespace)/\(model)" }
}

/// Reads the six observations of SPEC.md §5 for a whole fleet with six queries per
/// interval (eight with SLA attainment), whatever the number of deployments: each query
/// aggregates `by (dynamo_namespace, model)` and the answer is split per deployment.
///
/// Differences from `PrometheusQueryClient` (one deployment, six queries each):
/// a latency is Σ increase(sum) / Σ increase(count) over the deployment's series
/// (the pooled mean over its frontends), not the mean of per-series ratios; the
/// two agree when a deployment has one frontend. Series whose model differs
/// only in case are still averaged, as there. A deployment with no series at
/// all is idle: every observation 0, as the single client reports.
public final class PrometheusFleetReader: @unchecked Sendable {
    public let client: PrometheusQueryClient
    private let logger: Logger

    /// Uses `client`'s endpoint, HTTP client, timeout and parsing; its own model
    /// and namespace are not used.
    public init(client: PrometheusQueryClient, logger: Logger = Logger(label: "planner.prometheus.fleet")) {
        self.client = client
        self.logger = logger
    }

    public convenience init(endpoint: String, timeoutSeconds: Double = 10,
                            client: HTTPClient = PrometheusQueryClient.httpClient) throws {
        self.init(client: try PrometheusQueryClient(endpoint: endpoint, modelName: "", namespace: "",
                                                    timeoutSeconds: timeoutSeconds, client: client))
    }

    static let grouping = "sum by (dynamo_namespace, model)"

    /// Σ increase(X_sum) / Σ increase(X_count) per (namespace, model).
    public static func averageQuery(_ histogram: PrometheusQueryClient.Histogram, intervalSeconds: Int) -> String {
        let h = histogram.rawValue
        return "\(grouping)(increase(\(h)_sum[\(intervalSeconds)s]))/\(grouping)(increase(\(h)_count[\(intervalSeconds)s]))"
    }

    public static func requestCountQuery(intervalSeconds: Int) -> String {
        "\(grouping)(increase(\(PrometheusQueryClient.requestCounter)[\(intervalSeconds)s]))"
    }

    enum Combine { case mean, sum }

    /// The samples of each key, combined; keys without a sample are absent.
    /// Samples lacking either label, or of no listed key, are ignored.
    static func split(_ samples: [PrometheusSample], keys: Set<FleetMetricsKey>, combine: Combine) -> [FleetMetricsKey: Double] {
        var sums: [FleetMetricsKey: (total: Double, count: Int)] = [:]
        for s in samples {
            guard let ns = s.labels["dynamo_namespace"], let model = s.labels["model"] else { continue }
            let key = FleetMetricsKey(namespace: ns, model: model)
            guard keys.contains(key) else { continue }
            let old = sums[key] ?? (0, 0)
            sums[key] = (old.total + s.value, old.count + 1)
        }
        return sums.mapValues { combine == .sum ? $0.total : $0.total / Double($0.count) }
    }

    /// Σ increase(X_bucket) per (namespace, model, le): every deployment's histogram in one query.
    public static func bucketQuery(_ histogram: PrometheusQueryClient.Histogram, intervalSeconds: Int) -> String {
        "sum by (dynamo_namespace, model, le)(increase(\(histogram.rawValue)_bucket[\(intervalSeconds)s]))"
    }

    /// The fraction of each key's observations within its threshold (seconds), from one
    /// bucket query; a key without buckets is absent. nil when the query failed (logged:
    /// attainment is advisory, the interval goes on without it).
    func attainment(_ histogram: PrometheusQueryClient.Histogram, thresholds: [FleetMetricsKey: Double],
                    intervalSeconds: Int) async -> [FleetMetricsKey: Double]? {
        guard !thresholds.isEmpty else { return [:] }
        let q = Self.bucketQuery(histogram, intervalSeconds: intervalSeconds)
        let samples: [PrometheusSample]
        do {
            samples = try await client.query(q)
        } catch {
            logger.warning("SLA attainment not read", metadata: ["query": "\(q)", "error": "\(error)"])
            return nil
        }
        var perKey: [FleetMetricsKey: [PrometheusSample]] = [:]
        for s in samples {
            guard let ns = s.labels["dynamo_namespace"], let model = s.labels["model"] else { continue }
            let key = FleetMetricsKey(namespace: ns, model: model)
            if thresholds[key] != nil { perKey[key, default: []].append(s) }
        }
        var out: [FleetMetricsKey: Double] = [:]
        for (key, samples) in perKey {
            guard let threshold = thresholds[key] else { continue }
            out[key] = HistogramAttainment.fraction(buckets: HistogramAttainment.buckets(samples), threshold: threshold)
        }
        return out
    }

    /// One interval's observations of every key (latencies in ms), six queries in all,
    /// run concurrently. Throws when Prometheus fails; then no deployment has data.
    ///
    /// `attainmentThresholds` (SLA seconds per key, for the deployments with `--target-attainment`):
    /// two more queries, the TTFT and ITL histograms' buckets, give those keys their SLA attainment,
    /// as `PrometheusQueryClient.attainmentThresholds` does for one deployment.
    public func observe(_ keys: [FleetMetricsKey], intervalSeconds: Int,
                        attainmentThresholds: [FleetMetricsKey: (ttftSeconds: Double, itlSeconds: Double)] = [:])
        async throws -> [FleetMetricsKey: ObservedMetrics] {
        let wanted = Set(keys)
        let ttftThresholds = attainmentThresholds.mapValues(\.ttftSeconds)
        let itlThresholds = attainmentThresholds.mapValues(\.itlSeconds)
        async let ttftAttainment = attainment(.timeToFirstToken, thresholds: ttftThresholds, intervalSeconds: intervalSeconds)
        async let itlAttainment = attainment(.interTokenLatency, thresholds: itlThresholds, intervalSeconds: intervalSeconds)
        @Sendable func average(_ h: PrometheusQueryClient.Histogram) async throws -> [FleetMetricsKey: Double] {
            Self.split(try await client.query(Self.averageQuery(h, intervalSeconds: intervalSeconds)), keys: wanted, combine: .mean)
        }
        async let ttft = average(.timeToFirstToken)
        async let itl = average(.interTokenLatency)
        async let isl = average(.inputSequenceTokens)
        async let osl = average(.outputSequenceTokens)
        async let duration = average(.requestDuration)
        async let counts = client.query(Self.requestCountQuery(intervalSeconds: intervalSeconds))
        let (t, i, il, ol, d) = try await (ttft, itl, isl, osl, duration)
        let c = Self.split(try await counts, keys: wanted, combine: .sum)
        let (ta, ia) = await (ttftAttainment, itlAttainment)
        var out: [FleetMetricsKey: ObservedMetrics] = [:]
        var idle = 0
        for key in wanted {
            if c[key] == nil, t[key] == nil { idle += 1 }
            out[key] = ObservedMetrics(ttftMilliseconds: (t[key] ?? 0) * 1000, itlMilliseconds: (i[key] ?? 0) * 1000,
                                       requestCount: c[key] ?? 0, isl: il[key] ?? 0, osl: ol[key] ?? 0,
                                       requestDurationSeconds: d[key] ?? 0,
                                       ttftAttainment: ta?[key], itlAttainment: ia?[key])
        }
        if idle > 0 { logger.debug("deployments without Prometheus series counted as idle", metadata: ["count": "\(idle)"]) }
        return out
    }
}
