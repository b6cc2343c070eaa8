import PlannerCore

/// Loading the optional warm-up trace (docs/behaviour.md §3). A missing or malformed
/// warm-up trace is not fatal, as in the reference: the planner warns and
/// starts with empty predictors.
public enum WarmupTrace {
    public struct Outcome {
        /// The history to feed the predictors; nil when the trace was unusable.
        public var history: WarmupHistory?
        /// Why the warm-up was skipped, for the log; nil on success.
        public var warning: String?
    }

    /// Extracts `path` at the planner's interval.
    public static func load(path: String, intervalSeconds: Int) -> Outcome {
        do {
            let intervals = try TraceReader.extractIntervals(from: path, intervalSeconds: intervalSeconds)
            guard !intervals.isEmpty else {
                return Outcome(history: nil, warning: "warm-up trace \(path) holds no requests; continuing without warm-up")
            }
            return Outcome(history: WarmupHistory(intervals: intervals, intervalSeconds: intervalSeconds), warning: nil)
        } catch {
            return Outcome(history: nil, warning: "cannot use warm-up trace: \(error); continuing without warm-up")
        }
    }
}
