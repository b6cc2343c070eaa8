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
}
