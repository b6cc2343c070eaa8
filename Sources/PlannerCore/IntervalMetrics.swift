/// Request load observed in one adjustment interval of a trace (docs/behaviour.md §2.1).
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

extension IntervalMetrics {
    /// The intervals that saw requests, renumbered consecutively (start = position × interval).
    ///
    /// This is the series Dynamo 1.0.2's dryrun replays: its trace reader keeps only intervals
    /// with requests, so an idle stretch vanishes and later intervals move earlier. The planner
    /// keeps empty intervals as zeros by default; `dryrun --skip-empty-intervals` uses this.
    public static func droppingEmpty(_ intervals: [IntervalMetrics], intervalSeconds: Int) -> [IntervalMetrics] {
        // Renumbered starts never exceed the original ones, so the product cannot overflow.
        intervals.filter { $0.requestCount > 0 }.enumerated().map { position, interval in
            var moved = interval
            moved.intervalStartSeconds = position * intervalSeconds
            return moved
        }
    }
}
