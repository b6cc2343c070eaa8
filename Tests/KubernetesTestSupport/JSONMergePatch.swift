import Foundation

/// JSON merge patch (RFC 7386) over `JSONSerialization` values: an object
/// patch merges key by key, `null` deletes the key, anything else replaces
/// the target wholesale (arrays included).
public enum JSONMergePatch {
    public static func apply(_ patch: Any, to target: Any?) -> Any {
        guard let fields = patch as? [String: Any] else { return patch }
        var result = target as? [String: Any] ?? [:]
        for (key, value) in fields {
            if value is NSNull {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key])
            }
        }
        return result
    }

    /// Canonical text of a JSON value (sorted keys), to tell whether a patch changed anything.
    public static func canonical(_ value: Any?) -> String {
        guard let value else { return "null" }
        guard JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) else {
            return "\(value)"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
