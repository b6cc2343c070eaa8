import Foundation
import PlannerJSON
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

extension EtcdTxnResult {
    static let scannedKey = "planner.scanned-txn"

    /// Reads a successful transaction answer with `JSONScanner` (a fleet's reads return
    /// tens of thousands of keys); nil for anything else (an error envelope, odd syntax),
    /// which the generic reading then handles.
    static func scan(_ data: Data) -> [String: Any]? {
        var succeeded = false, revision: Int64 = 0, ranges: [[EtcdKeyValue]] = [], error = false
        do {
            try JSONScanner.read(data) { s in
                try s.object { s, key in
                    switch key {
                    case "header": revision = try scanRevision(&s)
                    case "succeeded": succeeded = try s.literal() == "true"
                    case "responses":
                        try s.array { s in
                            try s.object { s, key in
                                guard key == "response_range" else { return try s.skip() }
                                var kvs: [EtcdKeyValue] = []
                                try s.object { s, key in
                                    guard key == "kvs" else { return try s.skip() }
                                    try s.array { s in if let kv = try scanKeyValue(&s) { kvs.append(kv) } }
                                }
                                ranges.append(kvs)
                            }
                        }
                    case "error", "code", "message":
                        error = true
                        try s.skip()
                    default: try s.skip()
                    }
                }
            }
        } catch {
            return nil
        }
        if error { return nil }
        return [scannedKey: EtcdTxnResult(succeeded: succeeded, revision: revision, ranges: ranges)]
    }

    static func scanRevision(_ s: inout JSONScanner) throws -> Int64 {
        var revision: Int64 = 0
        try s.object { s, key in
            if key == "revision" { revision = EtcdJSON.int64(try s.text()) ?? 0 } else { try s.skip() }
        }
        return revision
    }

    /// One key as `EtcdKeyValue(json:)` reads it: nil without a readable key.
    static func scanKeyValue(_ s: inout JSONScanner) throws -> EtcdKeyValue? {
        var kv = EtcdKeyValue(key: "", value: "")
        var hasKey = false
        try s.object { s, field in
            switch field {
            case "key":
                if let k = EtcdJSON.decodeBase64(try s.stringIfAny()) { kv.key = k; hasKey = true }
            case "value": kv.value = EtcdJSON.decodeBase64(try s.stringIfAny()) ?? ""
            case "create_revision": kv.createRevision = EtcdJSON.int64(try s.text()) ?? 0
            case "mod_revision": kv.modRevision = EtcdJSON.int64(try s.text()) ?? 0
            case "version": kv.version = EtcdJSON.int64(try s.text()) ?? 0
            case "lease": kv.lease = EtcdJSON.int64(try s.text()) ?? 0
            default: try s.skip()
            }
        }
        return hasKey ? kv : nil
    }
}

extension EtcdRangeResult {
    static let scannedKey = "planner.scanned-range"

    /// `EtcdTxnResult.scan` for a range answer.
    static func scan(_ data: Data) -> [String: Any]? {
        var result = EtcdRangeResult(revision: 0, kvs: []), error = false
        do {
            try JSONScanner.read(data) { s in
                try s.object { s, key in
                    switch key {
                    case "header": result.revision = try EtcdTxnResult.scanRevision(&s)
                    case "kvs": try s.array { s in if let kv = try EtcdTxnResult.scanKeyValue(&s) { result.kvs.append(kv) } }
                    case "error", "code", "message":
                        error = true
                        try s.skip()
                    default: try s.skip()
                    }
                }
            }
        } catch {
            return nil
        }
        return error ? nil : [scannedKey: result]
    }
}
