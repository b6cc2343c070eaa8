import Foundation

/// The etcd members a client may talk to, in the order it tries them.
///
/// Parsed from `ETCD_ENDPOINTS` (comma-separated, docs/behaviour.md §8.1); an entry without a scheme
/// gets `http://`. The list is never empty.
public struct EtcdEndpoints: Sendable, Equatable, CustomStringConvertible {
    /// Base URLs without a trailing slash, e.g. `http://127.0.0.1:2379`.
    public let urls: [String]

    public static let defaultEndpoint = "http://localhost:2379"
    public static let environmentVariable = "ETCD_ENDPOINTS"

    public init(_ entries: [String]) throws {
        var urls: [String] = []
        for raw in entries {
            var entry = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if entry.isEmpty { continue }
            if !entry.contains("://") { entry = "http://" + entry }
            while entry.hasSuffix("/") { entry.removeLast() }
            guard let url = URL(string: entry), let scheme = url.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
            else {
                throw EtcdError.invalidEndpoints(
                    "`\(raw)` is not an etcd endpoint; expected http://HOST:PORT (comma-separated in \(Self.environmentVariable))")
            }
            urls.append(entry)
        }
        guard !urls.isEmpty else {
            throw EtcdError.invalidEndpoints(
                "no etcd endpoint given; expected http://HOST:PORT (comma-separated in \(Self.environmentVariable))")
        }
        self.urls = urls
    }

    /// Parses a comma-separated list such as `http://a:2379,http://b:2379`.
    public static func parse(_ text: String) throws -> EtcdEndpoints {
        try EtcdEndpoints(text.split(separator: ",").map(String.init))
    }

    /// Reads `ETCD_ENDPOINTS`, defaulting to `http://localhost:2379` when unset or blank.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> EtcdEndpoints {
        let text = environment[environmentVariable] ?? ""
        if text.trimmingCharacters(in: .whitespaces).isEmpty {
            return try EtcdEndpoints([defaultEndpoint])
        }
        return try parse(text)
    }

    public var description: String { urls.joined(separator: ",") }
}
