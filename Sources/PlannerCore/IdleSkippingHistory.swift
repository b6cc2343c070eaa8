/// The history a load predictor can keep, with docs/behaviour.md §3's common rules
/// (those of `ObservationGate`, which it applies): NaN counts as 0, ±infinity
/// is dropped and logged, and zeros are dropped until the first non-zero value
/// (the idle stretch before traffic starts) unless skipping was never armed.
public struct IdleSkippingHistory: Sendable {
    public private(set) var values: [Double] = []
    private var gate = ObservationGate()
    /// True once a non-zero value has been accepted since the last re-arm.
    public var seenTraffic: Bool { gate.seenTraffic }

    public init() {}

    /// Appends `value` unless the rules drop it; returns whether it was kept.
    @discardableResult
    public mutating func accept(_ value: Double) -> Bool {
        guard let v = gate.admit(value, predictor: "history") else { return false }
        values.append(v)
        return true
    }

    /// Re-arms the skipping of leading zeros; the kept history stays.
    public mutating func resetIdleSkip() { gate.resetIdleSkip() }

    /// The last kept value, 0 when empty.
    public var last: Double { values.last ?? 0 }
    public var count: Int { values.count }
}
