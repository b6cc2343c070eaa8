import PlannerCore

/// Placeholder API (filled by the foundation issue): profile directories (SPEC.md §2.2).
public enum ProfileLoader {
    public static func load(directory: String) throws -> PerformanceProfile {
        throw PlannerIOError(path: directory, message: "profile reading is not implemented yet")
    }
}
