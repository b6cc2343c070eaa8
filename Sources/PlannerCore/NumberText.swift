import Foundation

/// The one number formatter of the planner's outputs: JSON files, the dryrun summary, the
/// chart, the interpolate report. Every Double is handled: NaN and infinities get a word (or
/// JSON's null), magnitudes of 1e15 and more switch to exponent form instead of being
/// converted to an integer type.
public enum NumberText {
    /// Integral values below this magnitude print as integers ("162", not "162.0").
    static let integerDigitsLimit = 1e15

    /// The shortest text that reads back as `v` (Swift's own), integers without ".0";
    /// NaN and ±infinity as `nonFinite` when given, else "nan", "inf", "-inf".
    public static func plain(_ v: Double, nonFinite: String? = nil) -> String {
        guard v.isFinite else { return nonFinite ?? word(v) }
        if abs(v) < integerDigitsLimit, let integer = Int64(exactly: v) { return String(integer) }
        return "\(v)"
    }

    /// A JSON number; JSON has no NaN or infinity, so those are null.
    public static func json(_ v: Double) -> String { plain(v, nonFinite: "null") }

    /// A JSON array of `json` numbers.
    public static func jsonArray(_ values: some Sequence<Double>) -> String {
        "[" + values.map(json).joined(separator: ", ") + "]"
    }

    /// `v` rounded to at most `decimals` digits after the point, written as `plain`
    /// (SVG coordinates: "12.5", "300").
    public static func rounded(_ v: Double, decimals: Int, nonFinite: String? = nil) -> String {
        guard v.isFinite else { return nonFinite ?? word(v) }
        guard abs(v) < integerDigitsLimit else { return plain(v) }
        let scale = pow(10, Double(min(max(decimals, 0), 15)))
        return plain((v * scale).rounded() / scale)
    }

    /// Exactly `digits` digits after the point ("%.2f") below 1e15 in magnitude; larger
    /// values as `plain`, so a line never grows to hundreds of digits.
    public static func fixed(_ v: Double, digits: Int) -> String {
        guard v.isFinite else { return word(v) }
        guard abs(v) < integerDigitsLimit else { return plain(v) }
        return String(format: "%.\(min(max(digits, 0), 15))f", v)
    }

    private static func word(_ v: Double) -> String {
        v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf")
    }
}
