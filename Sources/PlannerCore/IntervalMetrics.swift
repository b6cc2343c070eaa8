/// Request load observed in one adjustment interval of a trace (SPEC.md §2.1).
public struct IntervalMetrics: Equatable, Sendable {
    /// Start of the interval in seconds from the trace origin (index × interval).
    public var intervalStartSeconds: Int
    public var requestCount: Int
    /// Mean input sequence length of the interval's requests, 0 when empty.
    public var averageISL: Double
    /// Mean output sequence length of the interval's requests, 0 when empty.
    public var averageOSL: Double

    public init(intervalStartSeconds: Int, requestCount: Int, averageISL: Double, averageOSL: Double) {
        self.intervalStartSeconds = intervalStartSeconds
        self.requestCount = requestCount
        self.averageISL = averageISL
        self.averageOSL = averageOSL
    }
}
