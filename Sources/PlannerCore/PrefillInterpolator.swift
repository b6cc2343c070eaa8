/// Placeholder API (filled by the interpolation issue): TTFT and throughput per
/// GPU as functions of ISL, from a not-a-knot cubic spline (SPEC.md §4).
public final class PrefillInterpolator {
    public let profile: PrefillProfile

    public init(profile: PrefillProfile) throws {
        self.profile = profile
    }

    /// TTFT in ms at `isl`, clamped into the profiled ISL range.
    public func interpolateTTFT(_ isl: Double) -> Double { 0 }
    /// Prefill tokens/s per GPU at `isl`, clamped into the profiled ISL range.
    public func interpolateThroughputPerGPU(_ isl: Double) -> Double { 0 }
}
