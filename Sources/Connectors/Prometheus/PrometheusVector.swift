import Foundation

/// One sample of an instant-vector result: its labels and value.
public struct PrometheusSample: Equatable, Sendable {
    public var labels: [String: String]
    public var value: Double

    public init(labels: [String: String], value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// Errors of the Prometheus query client; each names the server and query.
public enum PrometheusError: Error, CustomStringConvertible, Equatable {
    case invalidEndpoint(String)
    case unreachable(endpoint: String, reason: String)
    case timeout(endpoint: String, seconds: Double)
    case httpStatus(endpoint: String, status: Int, query: String, body: String)
    case queryFailed(endpoint: String, query: String, errorType: String, message: String)
    case malformedResponse(endpoint: String, query: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidEndpoint(e):
            return "invalid Prometheus endpoint '\(e)': expected http://host:port (--metric-pulling-prometheus-endpoint or PROMETHEUS_ENDPOINT)"
        case let .unreachable(e, reason):
            return "Prometheus at \(e) is unreachable: \(reason)"
        case let .timeout(e, s):
            return "Prometheus at \(e) did not answer within \(s) s"
        case let .httpStatus(e, status, q, body):
            return "Prometheus at \(e) answered HTTP \(status) to query \(q): \(body.prefix(200))"
        case let .queryFailed(e, q, type, message):
            return "Prometheus at \(e) rejected query \(q): \(type): \(message)"
        case let .malformedResponse(e, q, detail):
            return "Prometheus at \(e) sent an unreadable answer to query \(q): \(detail)"
        }
    }
}

/// Decoding of `/api/v1/query` answers (the HTTP API's JSON envelope).
enum PrometheusVector {
    /// Parses `{"status":"success","data":{"resultType":"vector","result":[...]}}`.
    /// Values are strings in the API ("NaN", "+Inf" included); a scalar result
    /// becomes one sample without labels.
    static func parse(_ body: Data, endpoint: String, query: String) throws -> [PrometheusSample] {
        func malformed(_ detail: String) -> PrometheusError {
            .malformedResponse(endpoint: endpoint, query: query, detail: detail)
        }
        guard let root = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw malformed("not a JSON object")
        }
        let status = root["status"] as? String
        if status == "error" {
            throw PrometheusError.queryFailed(endpoint: endpoint, query: query,
                                              errorType: root["errorType"] as? String ?? "error",
                                              message: root["error"] as? String ?? "")
        }
        guard status == "success", let data = root["data"] as? [String: Any] else {
            throw malformed("missing status \"success\" or data")
        }
        let type = data["resultType"] as? String ?? ""
        switch type {
        case "vector":
            guard let result = data["result"] as? [[String: Any]] else { throw malformed("vector without result list") }
            return try result.map { entry in
                let labels = (entry["metric"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
                guard let pair = entry["value"] as? [Any], pair.count == 2 else { throw malformed("sample without [time, value]") }
                return PrometheusSample(labels: labels, value: try sampleValue(pair[1], malformed))
            }
        case "scalar":
            guard let pair = data["result"] as? [Any], pair.count == 2 else { throw malformed("scalar without [time, value]") }
            return [PrometheusSample(labels: [:], value: try sampleValue(pair[1], malformed))]
        default:
            throw malformed("unexpected result type '\(type)' (expected vector)")
        }
    }

    private static func sampleValue(_ raw: Any, _ malformed: (String) -> PrometheusError) throws -> Double {
        guard let text = raw as? String else { throw malformed("sample value is not a string") }
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard let v = Double(text) else { throw malformed("sample value '\(text)' is not a number") }
            return v
        }
    }
}
