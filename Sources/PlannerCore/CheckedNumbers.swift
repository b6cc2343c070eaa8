import Foundation

/// Conversions and arithmetic on numbers that come from outside the process (flags, trace
/// and profile files, etcd, Prometheus, the Kubernetes API). Swift traps on `Int(x)` of a
/// Double out of range and on integer overflow; none of these does, whatever the value.
public enum CheckedNumber {
    /// Nanoseconds in `seconds` for sleeps, timeouts and clock amounts: NaN and negative
    /// durations are 0, durations beyond Int64 nanoseconds (about 292 years, infinity
    /// included) are Int64.max. Never traps.
    public static func nanoseconds(seconds: Double) -> Int64 {
        guard seconds > 0 else { return 0 }   // also NaN
        let ns = (seconds * 1e9).rounded()
        return ns < 0x1p63 ? Int64(ns) : .max   // 2^63 is exact as a Double
    }

    /// `x` rounded toward zero and clamped to `range`; nil for NaN.
    public static func clampedInt(_ x: Double, to range: ClosedRange<Int>) -> Int? {
        guard !x.isNaN else { return nil }
        if x <= Double(range.lowerBound) { return range.lowerBound }
        if x >= Double(range.upperBound) { return range.upperBound }
        return Int(x)   // strictly inside a range of Ints, so representable
    }

    /// An integer carried as a JSON number (JSONSerialization's NSNumber, or a Double):
    /// nil unless it is an exact integer within Int's range.
    public static func exactInt(_ value: Any?) -> Int? {
        switch value {
        case let i as Int: return i
        case let d as Double: return Int(exactly: d)
        case let s as String: return Int(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }
}

extension Int {
    /// `self + other`, clamped to Int.min...Int.max instead of trapping.
    public func saturatingAdding(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self * other`, clamped to Int.min...Int.max instead of trapping.
    public func saturatingMultiplied(by other: Int) -> Int {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) == (other < 0) ? .max : .min) : product
    }
}
