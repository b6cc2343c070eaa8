/// The method that fills the decode grids.
public enum DecodeInterpolationMethod: String, CaseIterable, Sendable {
    /// scipy's griddata(method="cubic") plus nearest fill outside the hull (the reference).
    case cloughTocher = "clough-tocher"
    /// Thin-plate-spline RBF (beyond the reference): smooth past the convex hull.
    case thinPlate = "thin-plate"
}

/// Result of `findBestThroughputPerGPU`.
public struct BestDecodeThroughput: Equatable, Sendable {
    public var throughputPerGPU: Double
    public var itlMilliseconds: Double
    public var kvUsage: Double
    /// False when no cell of the row meets the ITL target (cell 0 is returned).
    public var feasible: Bool

    public init(throughputPerGPU: Double, itlMilliseconds: Double, kvUsage: Double, feasible: Bool) {
        self.throughputPerGPU = throughputPerGPU
        self.itlMilliseconds = itlMilliseconds
        self.kvUsage = kvUsage
        self.feasible = feasible
    }
}

/// Placeholder API (filled by the interpolation issue): ITL and throughput per
/// GPU over (KV usage, context length) grids (SPEC.md §4).
public final class DecodeInterpolator {
    public let profile: DecodeProfile
    public let resolution: Int

    public init(profile: DecodeProfile, resolution: Int = 100, method: DecodeInterpolationMethod = .cloughTocher) throws {
        self.profile = profile
        self.resolution = resolution
    }

    public func interpolateITL(concurrency: Double, contextLength: Double) -> Double { 0 }
    public func interpolateThroughputPerGPU(concurrency: Double, contextLength: Double) -> Double { 0 }
    public func findBestThroughputPerGPU(itlMilliseconds: Double, contextLength: Double) -> BestDecodeThroughput {
        BestDecodeThroughput(throughputPerGPU: 0, itlMilliseconds: 0, kvUsage: 0, feasible: false)
    }
}
