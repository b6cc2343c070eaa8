import Foundation
import PlannerJSON

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
    /// becomes one sample without labels. Label values that are not strings are dropped.
    /// Read with `JSONScanner`: a fleet's answers hold 10,000 samples each.
    static func parse(_ body: Data, endpoint: String, query: String) throws -> [PrometheusSample] {
        func malformed(_ detail: String) -> PrometheusError {
            .malformedResponse(endpoint: endpoint, query: query, detail: detail)
        }
        var status: String?, errorType: String?, errorText: String?, type: String?
        var samples: [Parsed]?
        var sawData = false
        do {
            try JSONScanner.read(body) { s in
                guard s.peekPastWhitespace() == UInt8(ascii: "{") else { throw malformed("not a JSON object") }
                try s.object { s, key in
                    switch key {
                    case "status": status = try s.stringIfAny()
                    case "errorType": errorType = try s.stringIfAny()
                    case "error": errorText = try s.stringIfAny()
                    case "data" where s.peekPastWhitespace() == UInt8(ascii: "{"):
                        sawData = true
                        try s.object { s, key in
                            switch key {
                            case "resultType": type = try s.stringIfAny()
                            case "result": samples = try result(&s, malformed)
                            default: try s.skip()
                            }
                        }
                    default: try s.skip()
                    }
                }
            }
        } catch let failure as JSONSyntaxError {
            throw malformed(failure.expected == "an object" && failure.offset == 0 ? "not a JSON object" : "\(failure)")
        }
        if status == "error" {
            throw PrometheusError.queryFailed(endpoint: endpoint, query: query, errorType: errorType ?? "error",
                                              message: errorText ?? "")
        }
        guard status == "success", sawData else { throw malformed("missing status \"success\" or data") }
        switch type ?? "" {
        case "vector":
            guard let samples, samples.allSatisfy({ !$0.isScalar }) else { throw malformed("vector without result list") }
            return samples.map(\.sample)
        case "scalar":
            guard let samples, samples.count == 1, samples[0].isScalar else { throw malformed("scalar without [time, value]") }
            return [samples[0].sample]
        default:
            throw malformed("unexpected result type '\(type ?? "")' (expected vector)")
        }
    }

    /// A parsed `result`: vector entries, or the one [time, value] pair of a scalar.
    private struct Parsed {
        var sample: PrometheusSample
        var isScalar: Bool
    }

    private static func result(_ s: inout JSONScanner, _ malformed: (String) -> PrometheusError) throws -> [Parsed]? {
        guard s.peekPastWhitespace() == UInt8(ascii: "[") else {
            try s.skip()
            return nil
        }
        var out: [Parsed] = []
        var scalarParts: [String?] = []
        try s.array { s in
            guard s.peekPastWhitespace() == UInt8(ascii: "{") else {
                // A scalar: [time, "value"].
                scalarParts.append(try s.stringIfAny())
                return
            }
            var labels: [String: String] = [:]
            var pair: [String?]?
            try s.object { s, key in
                switch key {
                case "metric" where s.peekPastWhitespace() == UInt8(ascii: "{"):
                    try s.object { s, name in
                        if s.peekPastWhitespace() == UInt8(ascii: "\"") { labels[name] = try s.string() } else { try s.skip() }
                    }
                case "value" where s.peekPastWhitespace() == UInt8(ascii: "["):
                    var parts: [String?] = []
                    try s.array { s in parts.append(try s.stringIfAny()) }
                    pair = parts
                default: try s.skip()
                }
            }
            guard let pair, pair.count == 2 else { throw malformed("sample without [time, value]") }
            out.append(Parsed(sample: PrometheusSample(labels: labels, value: try sampleValue(pair[1], malformed)), isScalar: false))
        }
        if !scalarParts.isEmpty {
            guard out.isEmpty, scalarParts.count == 2 else { throw malformed("scalar without [time, value]") }
            return [Parsed(sample: PrometheusSample(labels: [:], value: try sampleValue(scalarParts[1], malformed)), isScalar: true)]
        }
        return out
    }

    private static func sampleValue(_ raw: String?, _ malformed: (String) -> PrometheusError) throws -> Double {
        guard let text = raw else { throw malformed("sample value is not a string") }
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
