/// The history every load predictor keeps, with SPEC.md §3's common rules:
/// NaN counts as 0, and zeros are dropped until the first non-zero value
/// (the idle stretch before traffic starts) unless skipping was never armed.
public struct IdleSkippingHistory: Sendable {
    public private(set) var values: [Double] = []
    /// True once a non-zero value has been accepted since the last re-arm.
    public private(set) var seenTraffic = false

    public init() {}

    /// Appends `value` unless it is a leading zero; returns whether it was kept.
    @discardableResult
    public mutating func accept(_ value: Double) -> Bool {
        let v = value.isNaN ? 0 : value
        if v == 0 && !seenTraffic { return false }
        if v != 0 { seenTraffic = true }
        values.append(v)
        return true
    }

    /// Re-arms the skipping of leading zeros; the kept history stays.
    public mutating func resetIdleSkip() { seenTraffic = false }

    /// The last kept value, 0 when empty.
    public var last: Double { values.last ?? 0 }
    public var count: Int { values.count }
}
