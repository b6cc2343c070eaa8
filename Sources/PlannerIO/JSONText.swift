/// Numbers as the output JSON files (dryrun, predict, interpolate) write them.
public enum JSONText {
    /// Shortest text that reads back to the same Double (Swift's description),
    /// integers without ".0"; JSON has no NaN or infinity, so those become null.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// A JSON array of `number`s.
    public static func array(_ values: some Sequence<Double>) -> String {
        "[" + values.map(number).joined(separator: ", ") + "]"
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    public static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
