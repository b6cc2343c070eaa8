import Foundation
import NIOSSL

/// Which Dynamo component's traffic metrics the planner reads (Dynamo 1.x's
/// `throughput_metrics_source`).
public enum ThroughputMetricsSource: String, CaseIterable, Sendable {
    /// `dynamo_frontend_*`, per model and namespace.
    case frontend
    /// `dynamo_component_router_*` of a local router, aggregated over the namespace.
    case router
}

/// How to reach a hardened Prometheus (Dynamo 1.x's `metric_pulling_prometheus_*`):
/// a bearer token (fixed, or re-read from a file before every query so rotated
/// service-account tokens work), a CA bundle, TLS verification off, fixed extra
/// query parameters (`tenant=a&namespace=b`, e.g. for Thanos), and the metrics source.
public struct PrometheusAccess: Sendable, Equatable {
    public var token: String?
    public var tokenFile: String?
    public var caBundle: String?
    /// False accepts any certificate (Dynamo's default; here the default is to verify).
    public var verifyTLS: Bool
    /// Name/value pairs appended to every query URL.
    public var extraQueryParameters: [QueryParameter]
    public var source: ThroughputMetricsSource

    public struct QueryParameter: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }
    }

    public init(token: String? = nil, tokenFile: String? = nil, caBundle: String? = nil, verifyTLS: Bool = true,
                extraQueryParameters: [QueryParameter] = [], source: ThroughputMetricsSource = .frontend) {
        self.token = token
        self.tokenFile = tokenFile
        self.caBundle = caBundle
        self.verifyTLS = verifyTLS
        self.extraQueryParameters = extraQueryParameters
        self.source = source
    }

    /// Parses `a=1&b=2` (percent-decoded); a pair without `=` or with an empty name is refused.
    public static func parseQuery(_ text: String) throws -> [QueryParameter] {
        try text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw PrometheusAccessError.badQueryParameter(String(pair))
            }
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            return QueryParameter(decode(parts[0]), decode(parts[1]))
        }
    }

    /// `&name=value…`, percent-encoded, to append after the query parameter.
    var extraQueryString: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return extraQueryParameters.map {
            "&\($0.name.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.name)="
                + ($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)
        }.joined()
    }

    /// The token for the next query: the file's content (trimmed) when a file is set, else `token`.
    func bearerToken() throws -> String? {
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile),
                  let text = String(data: data, encoding: .utf8) else {
                throw PrometheusAccessError.unreadableTokenFile(tokenFile)
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty, !token.contains(where: { $0.isNewline }) else {
                throw PrometheusAccessError.unreadableTokenFile(tokenFile)
            }
            return token
        }
        return token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Fails early (at start-up) on a token file or CA bundle that cannot be read.
    public func check() throws {
        _ = try bearerToken()
        _ = try tlsConfiguration()
    }

    /// A TLS configuration when the defaults do not apply (CA bundle, or no verification).
    func tlsConfiguration() throws -> TLSConfiguration? {
        guard caBundle != nil || !verifyTLS else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caBundle {
            guard FileManager.default.isReadableFile(atPath: caBundle) else {
                throw PrometheusAccessError.unreadableCABundle(caBundle, reason: "not a readable file")
            }
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caBundle))
            } catch {
                throw PrometheusAccessError.unreadableCABundle(caBundle, reason: "\(error)")
            }
        }
        if !verifyTLS { tls.certificateVerification = .none }
        return tls
    }
}

public enum PrometheusAccessError: Error, CustomStringConvertible, Equatable {
    case unreadableTokenFile(String)
    case unreadableCABundle(String, reason: String)
    case badQueryParameter(String)

    public var description: String {
        switch self {
        case let .unreadableTokenFile(path):
            return "Prometheus token file \(path) cannot be read or holds no single-line token"
        case let .unreadableCABundle(path, reason):
            return "Prometheus CA bundle \(path): \(reason)"
        case let .badQueryParameter(pair):
            return "extra Prometheus query parameter '\(pair)' is not name=value"
        }
    }
}

extension PrometheusQueryClient.Histogram {
    /// The router's (or, for request duration, the worker handler's) histogram of the same quantity.
    var routerName: String {
        switch self {
        case .timeToFirstToken: return "dynamo_component_router_time_to_first_token_seconds"
        case .interTokenLatency: return "dynamo_component_router_inter_token_latency_seconds"
        case .requestDuration: return "dynamo_component_request_duration_seconds"
        case .inputSequenceTokens: return "dynamo_component_router_input_sequence_tokens"
        case .outputSequenceTokens: return "dynamo_component_router_output_sequence_tokens"
        }
    }
}
