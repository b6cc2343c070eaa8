import CNumerics

/// Thin-plate-spline radial-basis interpolant (with a linear polynomial part),
/// solved in the C core through LAPACK `dsysv` on coordinates mapped to the
/// unit square. Exact at the samples and smooth everywhere, including past the
/// convex hull where Clough–Tocher has no value and griddata falls back to the
/// nearest sample. Matches scipy's `RBFInterpolator(kernel="thin_plate_spline")`
/// applied to the same unit-square coordinates.
public enum ThinPlateSpline {
    public static func grid(x: [Double], y: [Double], values: [[Double]], xi: [Double], yi: [Double],
                            what: String = "scattered data") throws -> GridSurfaces {
        try ScatteredInput.validate(x: x, y: y, values: values, what: what)
        guard !values.isEmpty, !xi.isEmpty, !yi.isEmpty else {
            throw InterpolationInputError.invalidOption("\(what): empty grid or no surface")
        }
        let n = x.count, nv = values.count, nx = xi.count, ny = yi.count, cells = nx * ny
        let lwork = cn_tps_workspace(Int32(n), Int32(nv))
        var work = [Double](repeating: 0, count: lwork)
        var out = [Double](repeating: 0, count: cells * nv)
        let f = values.flatMap { $0 }
        let status = work.withUnsafeMutableBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                cn_tps_grid(Int32(n), x, y, Int32(nv), f, Int32(n), Int32(nx), xi, Int32(ny), yi, w.baseAddress, lwork, o.baseAddress)
            }
        }
        try NumericsError.check(status, "cn_tps_grid")
        let surfaces = (0..<nv).map { Array(out[($0 * cells)..<(($0 + 1) * cells)]) }
        return GridSurfaces(xi: xi, yi: yi, values: surfaces, gradientSweeps: -1)
    }
}
