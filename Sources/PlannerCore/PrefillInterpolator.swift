import Logging
import PlannerNumerics

/// TTFT and throughput per GPU as functions of ISL (docs/behaviour.md §4): not-a-knot
/// cubic splines through the profile — the curves of scipy's
/// `interp1d(kind="cubic")` — with the query clamped into the profiled range.
///
/// Input the reference rejects is handled as documented here:
/// - ISL values in any order are sorted (interp1d does the same).
/// - A repeated ISL is merged into one knot carrying the mean TTFT and mean
///   throughput of its samples (logged); scipy raises instead.
/// - 3 distinct ISL values give the interpolating parabola and 2 the line
///   (logged); fewer than 2, unequal lengths, NaN or infinity throw.
public final class PrefillInterpolator {
    public let profile: PrefillProfile
    public let ttftCurve: CubicSpline
    public let throughputCurve: CubicSpline
    /// The profiled ISL range queries are clamped into.
    public var islRange: ClosedRange<Double> { ttftCurve.lowerBound...ttftCurve.upperBound }

    private static let logger = Logger(label: "planner.interpolation.prefill")

    public init(profile: PrefillProfile) throws {
        self.profile = profile
        let what = "prefill profile"
        let counts = [profile.isl.count, profile.ttftMilliseconds.count, profile.throughputPerGPU.count]
        guard Set(counts).count == 1 else { throw InterpolationInputError.mismatchedLengths(what: what, counts: counts) }
        for i in profile.isl.indices
        where !profile.isl[i].isFinite || !profile.ttftMilliseconds[i].isFinite || !profile.throughputPerGPU[i].isFinite {
            throw InterpolationInputError.nonFinite(what: what, index: i)
        }
        let merged = Self.mergeRepeated(profile)
        if merged.isl.count < profile.isl.count {
            Self.logger.warning("\(what): \(profile.isl.count - merged.isl.count) repeated ISL value(s) merged into their mean TTFT and throughput")
        }
        if merged.isl.count < 4 && merged.isl.count >= 2 {
            Self.logger.warning("\(what): only \(merged.isl.count) distinct ISL values; using the \(merged.isl.count == 3 ? "parabola" : "line") through them instead of a cubic spline")
        }
        ttftCurve = try CubicSpline(x: merged.isl, y: merged.ttft, what: "\(what) TTFT")
        throughputCurve = try CubicSpline(x: merged.isl, y: merged.thpt, what: "\(what) throughput")
    }

    /// TTFT in ms at `isl`, clamped into the profiled ISL range (NaN stays NaN).
    public func interpolateTTFT(_ isl: Double) -> Double { ttftCurve(clamp(isl)) }

    /// Prefill tokens/s per GPU at `isl`, clamped into the profiled ISL range.
    public func interpolateThroughputPerGPU(_ isl: Double) -> Double { throughputCurve(clamp(isl)) }

    private func clamp(_ isl: Double) -> Double {
        isl.isNaN ? isl : min(max(isl, ttftCurve.lowerBound), ttftCurve.upperBound)
    }

    /// Distinct ISL values (sorted), each with the mean of its samples.
    static func mergeRepeated(_ p: PrefillProfile) -> (isl: [Double], ttft: [Double], thpt: [Double]) {
        let order = p.isl.indices.sorted { (p.isl[$0], $0) < (p.isl[$1], $1) }
        var isl: [Double] = [], ttft: [Double] = [], thpt: [Double] = [], count: [Double] = []
        for i in order {
            if let last = isl.last, last == p.isl[i] {
                ttft[ttft.count - 1] += p.ttftMilliseconds[i]
                thpt[thpt.count - 1] += p.throughputPerGPU[i]
                count[count.count - 1] += 1
            } else {
                isl.append(p.isl[i]); ttft.append(p.ttftMilliseconds[i]); thpt.append(p.throughputPerGPU[i]); count.append(1)
            }
        }
        for k in isl.indices where count[k] > 1 {
            ttft[k] /= count[k]
            thpt[k] /= count[k]
        }
        return (isl, ttft, thpt)
    }
}
