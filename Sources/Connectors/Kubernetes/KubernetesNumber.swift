import Foundation

/// Whole numbers read from Kubernetes JSON. Every number the connector uses
/// (replicas, generations, GPU counts) passes through here, so a value
/// ≥ 2^63, a negative one, a fraction or a boolean is refused with one line
/// naming the field instead of trapping in a conversion.
enum KubernetesNumber {
    /// Replica counts and device counts are int32 in Kubernetes.
    static let int32Max = Int(Int32.max)

    /// The value at `field` as an integer in `0...maximum`; nil when absent (or JSON null).
    /// Quantities written as strings ("2") are accepted; "2.5", "1e3" and "2k" are not.
    static func count(_ value: Any?, field: String, in resource: String, maximum: Int = int32Max) throws -> Int? {
        guard let value, !(value is NSNull) else { return nil }
        func refuse(_ why: String) -> KubernetesError {
            .malformed(resource: resource, detail: "\(field) is \(shown(value)): \(why)")
        }
        if isBoolean(value) { throw refuse("expected a whole number, not a boolean") }
        let parsed: Int
        if let string = value as? String {
            guard let i = Int(string.trimmingCharacters(in: .whitespaces)) else {
                throw refuse("expected a whole number from 0 to \(maximum)")
            }
            parsed = i
        } else if let number = value as? NSNumber {
            // `as? Int` is nil unless the value converts exactly, so 1e19, 2^63 and 2.5 all land here.
            guard let i = number as? Int else {
                let d = number.doubleValue
                throw refuse(d.isFinite && d.rounded() == d ? "too large (at most \(maximum))" : "expected a whole number")
            }
            parsed = i
        } else {
            throw refuse("expected a number")
        }
        guard parsed >= 0 else { throw refuse("must not be negative") }
        guard parsed <= maximum else { throw refuse("too large (at most \(maximum))") }
        return parsed
    }

    /// JSON `true`/`false`. Not `value is Bool`: on Linux an NSNumber 0 or 1 casts to Bool too.
    static func isBoolean(_ value: Any) -> Bool {
        guard let n = value as? NSNumber else { return false }
        return String(cString: n.objCType) == "c"
    }

    private static func shown(_ value: Any) -> String {
        if let s = value as? String { return "\"\(s.prefix(40))\"" }
        return String(describing: value).prefix(40).description
    }
}
