import PlannerCore

/// Placeholder API (filled by the foundation issue): per-interval metrics of a
/// trace file, directory of shards or glob (SPEC.md §2.1).
public enum TraceReader {
    public static func extractIntervals(from path: String, intervalSeconds: Int) throws -> [IntervalMetrics] {
        throw PlannerIOError(path: path, line: nil, message: "trace reading is not implemented yet")
    }
}
