import CNumerics

/// Surfaces sampled on a regular grid; `values[s][j * xi.count + i]` is
/// surface s at (xi[i], yi[j]) — rows follow yi, as numpy's meshgrid.
public struct GridSurfaces: Sendable, Equatable {
    public let xi: [Double]
    public let yi: [Double]
    public let values: [[Double]]
    /// Gauss–Seidel sweeps of the gradient estimate (the fewest over the
    /// surfaces); 0 when one stopped at `maxiter` without converging.
    public let gradientSweeps: Int
}

/// Checks that scattered 2-D samples can carry a surface: equal lengths,
/// finite, at least 3 distinct points, not all on one line.
public enum ScatteredInput {
    public static func validate(x: [Double], y: [Double], values: [[Double]], what: String) throws {
        let counts = [x.count, y.count] + values.map(\.count)
        guard Set(counts).count == 1 else { throw InterpolationInputError.mismatchedLengths(what: what, counts: counts) }
        guard x.count >= 3 else { throw InterpolationInputError.tooFewPoints(what: what, needed: 3, got: x.count) }
        for i in x.indices where !x[i].isFinite || !y[i].isFinite || values.contains(where: { !$0[i].isFinite }) {
            throw InterpolationInputError.nonFinite(what: what, index: i)
        }
        // The exact predicates square and multiply coordinates: beyond 1e100 they would overflow.
        if let i = x.indices.first(where: { abs(x[$0]) > 1e100 || abs(y[$0]) > 1e100 }) {
            throw InterpolationInputError.invalidOption("\(what): coordinates of point \(i) exceed 1e100 in magnitude")
        }
        if let (i, j) = firstDuplicate(x: x, y: y) { throw InterpolationInputError.duplicate(what: what, index: i, other: j) }
        guard hasTriangle(x: x, y: y) else { throw InterpolationInputError.collinear(what: what) }
    }

    /// The first pair of coinciding points (later index, earlier index), if any.
    public static func firstDuplicate(x: [Double], y: [Double]) -> (Int, Int)? {
        let order = x.indices.sorted { (x[$0], y[$0], $0) < (x[$1], y[$1], $1) }
        for k in order.indices.dropFirst() where x[order[k]] == x[order[k - 1]] && y[order[k]] == y[order[k - 1]] {
            return (max(order[k], order[k - 1]), min(order[k], order[k - 1]))
        }
        return nil
    }

    /// True when some three points are not collinear (exact orientation test).
    public static func hasTriangle(x: [Double], y: [Double]) -> Bool {
        guard x.count >= 3 else { return false }
        let a = [x[0], y[0]]
        guard let j = x.indices.first(where: { x[$0] != x[0] || y[$0] != y[0] }) else { return false }
        let b = [x[j], y[j]]
        return x.indices.contains { cn_orient2d(a, b, [x[$0], y[$0]]) != 0 }
    }
}

/// scipy's `griddata(method="cubic")` — Delaunay triangulation plus the
/// Clough–Tocher interpolant with globally estimated gradients — evaluated on
/// a grid in the C core; cells outside the convex hull are NaN or, with
/// `nearestFill`, take the value of the nearest sample (`griddata(method="nearest")`).
public enum CloughTocher {
    public static func grid(x: [Double], y: [Double], values: [[Double]], xi: [Double], yi: [Double],
                            nearestFill: Bool = true, what: String = "scattered data") throws -> GridSurfaces {
        var params = cn_ct_params()
        cn_ct_params_init(&params)
        params.nearest_fill = nearestFill ? 1 : 0
        return try GridSurfaces.evaluate(x: x, y: y, values: values, xi: xi, yi: yi, what: what, routine: "cn_griddata_ct",
                                         workspace: { cn_griddata_ct_workspace($0, $1, $2, $3) }) { n, nv, f, nx, ny, w, lw, o, sweeps in
            cn_griddata_ct(n, x, y, nv, f, n, nx, xi, ny, yi, &params, w, lw, o, &sweeps)
        }
    }
}

extension GridSurfaces {
    /// The part every grid method shares: validate the samples, lay the value
    /// columns out for C, run `body` (n, nvalues, f, nx, ny, work, lwork, out,
    /// sweeps) with a workspace of `workspace(n, nvalues, nx, ny)` doubles, and
    /// split the output into one grid per surface.
    static func evaluate(x: [Double], y: [Double], values: [[Double]], xi: [Double], yi: [Double], what: String,
                         routine: String, workspace: (Int32, Int32, Int32, Int32) -> Int,
                         body: (Int32, Int32, UnsafePointer<Double>, Int32, Int32, UnsafeMutablePointer<Double>?, Int,
                                UnsafeMutablePointer<Double>?, inout Int32) -> Int32) throws -> GridSurfaces {
        try ScatteredInput.validate(x: x, y: y, values: values, what: what)
        guard !values.isEmpty, !xi.isEmpty, !yi.isEmpty else {
            throw InterpolationInputError.invalidOption("\(what): empty grid or no surface")
        }
        let n = Int32(x.count), nv = Int32(values.count), nx = Int32(xi.count), ny = Int32(yi.count), cells = xi.count * yi.count
        let lwork = workspace(n, nv, nx, ny)
        var work = [Double](repeating: 0, count: lwork)
        var out = [Double](repeating: 0, count: cells * values.count)
        let f = values.flatMap { $0 }
        var sweeps: Int32 = -1
        let status = work.withUnsafeMutableBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                body(n, nv, f, nx, ny, w.baseAddress, lwork, o.baseAddress, &sweeps)
            }
        }
        try NumericsError.check(status, routine)
        let surfaces = values.indices.map { Array(out[($0 * cells)..<(($0 + 1) * cells)]) }
        return GridSurfaces(xi: xi, yi: yi, values: surfaces, gradientSweeps: Int(sweeps))
    }
}

/// The Delaunay triangulation of the C core (exposed for tests and tools).
public enum Delaunay {
    /// Triangles as vertex-index triples (counter-clockwise) and, per triangle,
    /// the neighbour opposite each vertex (-1 on the hull).
    public static func triangulate(x: [Double], y: [Double]) throws -> (triangles: [[Int]], neighbors: [[Int]]) {
        try ScatteredInput.validate(x: x, y: y, values: [], what: "triangulation")
        let n = x.count
        let lwork = cn_delaunay_workspace(Int32(n))
        var work = [Int32](repeating: 0, count: lwork)
        var tri = [Int32](repeating: 0, count: 6 * n), nbr = [Int32](repeating: 0, count: 6 * n)
        var count: Int32 = 0
        let status = work.withUnsafeMutableBufferPointer { w in
            tri.withUnsafeMutableBufferPointer { t in
                nbr.withUnsafeMutableBufferPointer { b in
                    cn_delaunay(Int32(n), x, y, w.baseAddress, lwork, &count, t.baseAddress, b.baseAddress)
                }
            }
        }
        try NumericsError.check(status, "cn_delaunay")
        let m = Int(count)
        return ((0..<m).map { t in (0..<3).map { Int(tri[3 * t + $0]) } },
                (0..<m).map { t in (0..<3).map { Int(nbr[3 * t + $0]) } })
    }
}
