import CNumerics

/// Not-a-knot cubic spline through (x, y): the curve of scipy's
/// `interp1d(kind="cubic")`, computed in the C core (one LAPACK `dgtsv`).
///
/// Abscissae may come in any order (they are sorted, stably, as interp1d
/// does). With 3 points the curve is the interpolating parabola, with 2 the
/// line — what not-a-knot reduces to; scipy refuses fewer than 4, so callers
/// that want the reference's behaviour check `count` themselves.
public struct CubicSpline: Sendable {
    /// Sorted knots.
    public let x: [Double]
    /// Per interval, c0...c3 of c0 + c1 t + c2 t² + c3 t³ with t = v - x[i].
    let coefficients: [Double]

    public var count: Int { x.count }
    public var lowerBound: Double { x[0] }
    public var upperBound: Double { x[x.count - 1] }

    /// - Throws: `InterpolationInputError` for fewer than 2 points, unequal
    ///   lengths, NaN/inf, or a repeated abscissa; `NumericsError` if the solve fails.
    public init(x: [Double], y: [Double], what: String = "spline") throws {
        guard x.count == y.count else { throw InterpolationInputError.mismatchedLengths(what: what, counts: [x.count, y.count]) }
        guard x.count >= 2 else { throw InterpolationInputError.tooFewPoints(what: what, needed: 2, got: x.count) }
        for i in x.indices where !x[i].isFinite || !y[i].isFinite {
            throw InterpolationInputError.nonFinite(what: what, index: i)
        }
        let order = x.indices.sorted { x[$0] < x[$1] || (x[$0] == x[$1] && $0 < $1) }
        for k in 1..<order.count where x[order[k]] == x[order[k - 1]] {
            throw InterpolationInputError.duplicate(what: what, index: order[k], other: order[k - 1])
        }
        let xs = order.map { x[$0] }, ys = order.map { y[$0] }
        let n = xs.count
        var coef = [Double](repeating: 0, count: 4 * (n - 1))
        var work = [Double](repeating: 0, count: 5 * n)
        let status = coef.withUnsafeMutableBufferPointer { c in
            work.withUnsafeMutableBufferPointer { w in
                cn_spline_notaknot(Int32(n), xs, ys, c.baseAddress, w.baseAddress)
            }
        }
        try NumericsError.check(status, "cn_spline_notaknot")
        self.x = xs
        self.coefficients = coef
    }

    /// The spline at `t`; past the ends the end pieces extend (no clamping here).
    @inlinable
    public func callAsFunction(_ t: Double) -> Double { value(at: t) }

    public func value(at t: Double) -> Double {
        guard !t.isNaN else { return .nan }
        var lo = 0, hi = x.count - 2
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if x[mid] <= t { lo = mid } else { hi = mid - 1 }
        }
        let u = t - x[lo], b = 4 * lo
        return coefficients[b] + u * (coefficients[b + 1] + u * (coefficients[b + 2] + u * coefficients[b + 3]))
    }
}
