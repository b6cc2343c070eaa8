import Foundation
import PlannerCore

/// One key of etcd as the JSON gateway returns it (keys and values arrive base64-encoded,
/// 64-bit integers as decimal strings, and fields equal to zero are left out).
public struct EtcdKeyValue: Sendable, Equatable {
    public var key: String
    public var value: String
    public var createRevision: Int64
    public var modRevision: Int64
    public var version: Int64
    /// 0 when the key is not attached to a lease.
    public var lease: Int64

    public init(key: String, value: String, createRevision: Int64 = 0, modRevision: Int64 = 0,
                version: Int64 = 0, lease: Int64 = 0) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }

    init?(json: Any?) {
        guard let object = json as? [String: Any],
              let key = EtcdJSON.decodeBase64(object["key"]) else { return nil }
        self.key = key
        self.value = EtcdJSON.decodeBase64(object["value"]) ?? ""
        self.createRevision = EtcdJSON.int64(object["create_revision"]) ?? 0
        self.modRevision = EtcdJSON.int64(object["mod_revision"]) ?? 0
        self.version = EtcdJSON.int64(object["version"]) ?? 0
        self.lease = EtcdJSON.int64(object["lease"]) ?? 0
    }
}

/// The answer to a range read: the keys found and the store revision they were read at.
public struct EtcdRangeResult: Sendable, Equatable {
    public var revision: Int64
    public var kvs: [EtcdKeyValue]

    public subscript(key: String) -> EtcdKeyValue? { kvs.first { $0.key == key } }
}

/// Encoding rules of the gateway, kept in one place.
enum EtcdJSON {
    static func encodeBase64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    static func encodeBase64(bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func decodeBase64(_ any: Any?) -> String? {
        guard let text = any as? String, let data = Data(base64Encoded: text) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// int64 fields come as strings (protobuf JSON mapping), but accept numbers too;
    /// nil for anything that is not an exact integer within Int64.
    static func int64(_ any: Any?) -> Int64? {
        CheckedNumber.exactInt(any).map(Int64.init)
    }

    /// The `range_end` that selects every key starting with `prefix`: the prefix with its
    /// last byte below 0xff incremented and the rest cut off (etcd's own rule).
    static func prefixRangeEnd(_ prefix: String) -> [UInt8] {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0xff {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return [0]  // "\0" means: every key from `prefix` on
    }

    static func revision(ofHeader object: [String: Any]) -> Int64 {
        int64((object["header"] as? [String: Any])?["revision"]) ?? 0
    }
}
