/// Load history fed to the predictors before the first live (or replayed)
/// interval (docs/behaviour.md §3 warm-up), kept so charts can show it at negative times.
public struct WarmupHistory: Equatable, Sendable {
    public var intervals: [IntervalMetrics]
    public var intervalSeconds: Int

    public init(intervals: [IntervalMetrics], intervalSeconds: Int) {
        self.intervals = intervals
        self.intervalSeconds = intervalSeconds
    }

    /// Seconds relative to the first replayed interval: the last warm-up
    /// interval ends at 0, so its start is -interval, the one before -2·interval...
    public var times: [Int] {
        let n = intervals.count
        return (0..<n).map { -(n - $0) * intervalSeconds }
    }

    public var requestCounts: [Double] { intervals.map { Double($0.requestCount) } }
    public var isl: [Double] { intervals.map(\.averageISL) }
    public var osl: [Double] { intervals.map(\.averageOSL) }

    public var isEmpty: Bool { intervals.isEmpty }
}
