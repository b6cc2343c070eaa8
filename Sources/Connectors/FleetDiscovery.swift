import Foundation

extension EtcdClient {
    /// The keys (no values) that start with `prefix`: one range read with `keys_only`.
    public func keys(withPrefix prefix: String) async throws -> [String] {
        let body: [String: Any] = ["key": EtcdJSON.encodeBase64(prefix),
                                   "range_end": EtcdJSON.encodeBase64(bytes: EtcdJSON.prefixRangeEnd(prefix)),
                                   "keys_only": true]
        let object = try await call("range keys \(prefix)", path: "/kv/range", body: body)
        return (object["kvs"] as? [Any] ?? []).compactMap { ($0 as? [String: Any]).flatMap { EtcdJSON.decodeBase64($0["key"]) } }
    }
}

/// `planner run --discover` with `--environment virtual`: the Dynamo namespaces that have the
/// virtual connector's planner keys (`v1/{namespace}/planner/…`, `VirtualConnectorKeys`).
public enum FleetDiscovery {
    /// Prefixes under `v1/` that are not deployments (the fleet replicas' registry).
    static let reserved: Set<String> = ["planner-fleet"]

    /// Every namespace with at least one key under `v1/{namespace}/planner/`, sorted; one keys-only range read of `v1/`.
    public static func virtualNamespaces(client: EtcdClient) async throws -> [String] {
        namespaces(inKeys: try await client.keys(withPrefix: "v1/"))
    }

    /// The namespaces named by keys of the form `v1/{namespace}/planner/…`, sorted and each once.
    public static func namespaces(inKeys keys: [String]) -> [String] {
        var found = Set<String>()
        for key in keys {
            let parts = key.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "v1", parts[2] == "planner", !parts[1].isEmpty,
                  !reserved.contains(String(parts[1])),
                  parts[1].trimmingCharacters(in: .whitespaces) == parts[1] else { continue }
            found.insert(String(parts[1]))
        }
        return found.sorted()
    }
}
