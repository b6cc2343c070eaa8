/// A comparison of an etcd transaction.
public enum EtcdCompare: Sendable, Equatable {
    /// `create_revision(key) == revision`; 0 means "the key does not exist".
    case createRevision(key: String, equals: Int64)
    /// `mod_revision(key) == revision`; 0 means "the key does not exist".
    case modRevision(key: String, equals: Int64)
    /// `value(key) == value`.
    case value(key: String, equals: String)

    var json: [String: Any] {
        switch self {
        case let .createRevision(key, revision):
            return ["key": EtcdJSON.encodeBase64(key), "target": "CREATE", "result": "EQUAL",
                    "create_revision": String(revision)]
        case let .modRevision(key, revision):
            return ["key": EtcdJSON.encodeBase64(key), "target": "MOD", "result": "EQUAL",
                    "mod_revision": String(revision)]
        case let .value(key, value):
            return ["key": EtcdJSON.encodeBase64(key), "target": "VALUE", "result": "EQUAL",
                    "value": EtcdJSON.encodeBase64(value)]
        }
    }
}

/// One operation inside a transaction.
public enum EtcdOperation: Sendable, Equatable {
    case put(key: String, value: String, lease: Int64 = 0)
    case get(key: String)
    /// Every key starting with `prefix` (its results come back like `get`'s).
    case getPrefix(String)
    case delete(key: String)

    var putBody: [String: Any] {
        guard case let .put(key, value, lease) = self else { return [:] }
        var body: [String: Any] = ["key": EtcdJSON.encodeBase64(key), "value": EtcdJSON.encodeBase64(value)]
        if lease != 0 { body["lease"] = String(lease) }
        return body
    }

    var json: [String: Any] {
        switch self {
        case .put: return ["request_put": putBody]
        case let .get(key): return ["request_range": ["key": EtcdJSON.encodeBase64(key)]]
        case let .getPrefix(prefix):
            return ["request_range": ["key": EtcdJSON.encodeBase64(prefix),
                                      "range_end": EtcdJSON.encodeBase64(bytes: EtcdJSON.prefixRangeEnd(prefix))]]
        case let .delete(key): return ["request_delete_range": ["key": EtcdJSON.encodeBase64(key)]]
        }
    }
}

/// The outcome of a transaction: which branch ran, the revision after it, and the keys read
/// by its `get` operations, in order.
public struct EtcdTxnResult: Sendable, Equatable {
    public var succeeded: Bool
    public var revision: Int64
    public var ranges: [[EtcdKeyValue]]
}
