import CNumerics

/// Thin-plate-spline radial-basis interpolant (with a linear polynomial part),
/// solved in the C core (Gaussian elimination with partial pivoting, the same
/// bits on every CPU) on coordinates mapped to the
/// unit square. Exact at the samples and smooth everywhere, including past the
/// convex hull where Clough–Tocher has no value and griddata falls back to the
/// nearest sample. Matches scipy's `RBFInterpolator(kernel="thin_plate_spline")`
/// applied to the same unit-square coordinates.
public enum ThinPlateSpline {
    public static func grid(x: [Double], y: [Double], values: [[Double]], xi: [Double], yi: [Double],
                            what: String = "scattered data") throws -> GridSurfaces {
        try GridSurfaces.evaluate(x: x, y: y, values: values, xi: xi, yi: yi, what: what, routine: "cn_tps_grid",
                                  workspace: { n, nv, _, _ in cn_tps_workspace(n, nv) }) { n, nv, f, nx, ny, w, lw, o, _ in
            cn_tps_grid(n, x, y, nv, f, n, nx, xi, ny, yi, w, lw, o)
        }
    }
}
