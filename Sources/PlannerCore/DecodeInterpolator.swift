import Logging
import PlannerNumerics

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

/// ITL and throughput per GPU over (KV usage, context length) grids (docs/behaviour.md §4).
///
/// The grids are xi = linspace(0, 1, resolution) over KV usage and
/// yi = linspace(0, max context length, resolution), rows following yi, filled
/// by `method` from the scattered profile; look-ups round to the nearest cell.
/// With `.cloughTocher` the grids equal scipy's to rounding (about 1e-15)
/// whenever the Delaunay triangulation is unique, as it is for profiler sweeps.
/// Two known limits: where four or more samples are cocircular (a regular
/// lattice of kv × context values) Qhull picks diagonals by its own roundoff and
/// the cells of those quads can differ; and cells exactly equidistant from two
/// samples outside the hull take the lower-index sample, where cKDTree's
/// choice depends on its tree.
/// Documented handling of input the reference does not cover:
/// - points that coincide are merged into one carrying the mean ITL and mean
///   throughput (logged); scipy would drop all but one of them silently;
/// - fewer than 3 points, all points on one line, NaN or infinity, a
///   non-positive `maxKVTokens` or a resolution outside 2...4096 throw;
/// - a NaN query maps to cell 0 of its axis (Python would raise);
/// - `.thinPlate` surfaces are floored at 0 where they extrapolate below it.
public final class DecodeInterpolator {
    public let profile: DecodeProfile
    public let resolution: Int
    public let method: DecodeInterpolationMethod
    /// KV-usage axis (columns) and context-length axis (rows).
    public let xi: [Double]
    public let yi: [Double]
    /// Row-major grids: `itlGrid[j * resolution + i]` is at (xi[i], yi[j]).
    public let itlGrid: [Double]
    public let throughputGrid: [Double]
    /// Gradient sweeps of the Clough–Tocher build (0: not converged; -1 for thin-plate).
    public let gradientSweeps: Int

    /// Largest accepted grid resolution per axis.
    public static let maxResolution = 4096

    private let maxKVTokens: Double
    private static let logger = Logger(label: "planner.interpolation.decode")

    public init(profile: DecodeProfile, resolution: Int = 100, method: DecodeInterpolationMethod = .cloughTocher) throws {
        self.profile = profile
        self.resolution = resolution
        self.method = method
        let what = "decode profile"
        // Two resolution² grids (plus workspace) must fit in memory: 4096² cells are ~400 MB.
        guard (2...Self.maxResolution).contains(resolution) else {
            throw InterpolationInputError.invalidOption("decode grid resolution must be between 2 and \(Self.maxResolution) (got \(resolution))")
        }
        guard profile.maxKVTokens > 0 else {
            throw InterpolationInputError.invalidOption("\(what): max_kv_tokens must be positive (got \(profile.maxKVTokens))")
        }
        let counts = [profile.kvUsage.count, profile.contextLength.count, profile.itlMilliseconds.count, profile.throughputPerGPU.count]
        guard Set(counts).count == 1 else { throw InterpolationInputError.mismatchedLengths(what: what, counts: counts) }
        for i in profile.kvUsage.indices
        where ![profile.kvUsage[i], profile.contextLength[i], profile.itlMilliseconds[i], profile.throughputPerGPU[i]].allSatisfy(\.isFinite) {
            throw InterpolationInputError.nonFinite(what: what, index: i)
        }
        let samples = Self.mergeCoinciding(profile)
        if samples.x.count < profile.kvUsage.count {
            Self.logger.warning("\(what): \(profile.kvUsage.count - samples.x.count) coinciding point(s) merged into their mean ITL and throughput")
        }
        maxKVTokens = Double(profile.maxKVTokens)
        xi = linspace(0, 1, resolution)
        yi = linspace(0, profile.contextLength.max() ?? 0, resolution)
        switch method {
        case .cloughTocher:
            let g = try CloughTocher.grid(x: samples.x, y: samples.y, values: [samples.itl, samples.thpt],
                                          xi: xi, yi: yi, nearestFill: true, what: what)
            itlGrid = g.values[0]
            throughputGrid = g.values[1]
            gradientSweeps = g.gradientSweeps
            if g.gradientSweeps == 0 {
                Self.logger.warning("\(what): gradient estimation stopped at its iteration limit; the surface may be inaccurate")
            }
        case .thinPlate:
            let g = try ThinPlateSpline.grid(x: samples.x, y: samples.y, values: [samples.itl, samples.thpt],
                                             xi: xi, yi: yi, what: what)
            // Past the hull the spline extrapolates; a negative ITL or throughput
            // means nothing physical, so both surfaces are floored at 0.
            itlGrid = g.values[0].map { max(0, $0) }
            throughputGrid = g.values[1].map { max(0, $0) }
            gradientSweeps = -1
        }
    }

    public func interpolateITL(concurrency: Double, contextLength: Double) -> Double {
        itlGrid[cell(concurrency: concurrency, contextLength: contextLength)]
    }

    public func interpolateThroughputPerGPU(concurrency: Double, contextLength: Double) -> Double {
        throughputGrid[cell(concurrency: concurrency, contextLength: contextLength)]
    }

    /// On the row of `contextLength`, the highest-KV cell whose ITL meets the
    /// target; cell 0 of the row with `feasible == false` when none does.
    public func findBestThroughputPerGPU(itlMilliseconds: Double, contextLength: Double) -> BestDecodeThroughput {
        let row = Self.index(contextLength, axis: yi) * resolution
        for ix in stride(from: resolution - 1, through: 0, by: -1) where itlGrid[row + ix] <= itlMilliseconds {
            return BestDecodeThroughput(throughputPerGPU: throughputGrid[row + ix], itlMilliseconds: itlGrid[row + ix],
                                        kvUsage: xi[ix], feasible: true)
        }
        return BestDecodeThroughput(throughputPerGPU: throughputGrid[row], itlMilliseconds: itlGrid[row],
                                    kvUsage: xi[0], feasible: false)
    }

    @inline(__always)
    private func cell(concurrency: Double, contextLength: Double) -> Int {
        let kv = concurrency * contextLength / maxKVTokens
        return Self.index(contextLength, axis: yi) * resolution + Self.index(kv, axis: xi)
    }

    /// clip(round((v - a[0]) / (a[1] - a[0])), 0, n - 1) with numpy's half-to-even rounding.
    @inline(__always)
    static func index(_ v: Double, axis: [Double]) -> Int {
        let r = ((v - axis[0]) / (axis[1] - axis[0])).rounded(.toNearestOrEven)
        guard r > 0 else { return 0 }
        return r >= Double(axis.count - 1) ? axis.count - 1 : Int(r)
    }

    /// Distinct (kv, context) points, each with the mean ITL and throughput of its samples.
    static func mergeCoinciding(_ p: DecodeProfile) -> (x: [Double], y: [Double], itl: [Double], thpt: [Double]) {
        var firstAt: [SIMD2<Double>: Int] = [:]
        var x: [Double] = [], y: [Double] = [], itl: [Double] = [], thpt: [Double] = [], count: [Double] = []
        for i in p.kvUsage.indices {
            let key = SIMD2(p.kvUsage[i], p.contextLength[i])
            if let k = firstAt[key] {
                itl[k] += p.itlMilliseconds[i]; thpt[k] += p.throughputPerGPU[i]; count[k] += 1
            } else {
                firstAt[key] = x.count
                x.append(key.x); y.append(key.y); itl.append(p.itlMilliseconds[i]); thpt.append(p.throughputPerGPU[i]); count.append(1)
            }
        }
        for k in x.indices where count[k] > 1 { itl[k] /= count[k]; thpt[k] /= count[k] }
        return (x, y, itl, thpt)
    }
}
