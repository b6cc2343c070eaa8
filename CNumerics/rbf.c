/*
 * rbf.c — thin-plate-spline radial-basis interpolant (beyond the reference).
 *
 * s(p) = sum_i w_i phi(|p - p_i|) + a0 + a1 u + a2 v with phi(r) = r^2 log r,
 * interpolating exactly. The coordinates are first mapped to the unit square
 * (KV usage and context length differ by four orders of magnitude, and the
 * kernel matrix would otherwise be hopelessly conditioned). The saddle-point
 * system [K P; P^T 0] is symmetric indefinite: LAPACK dsysv (Bunch–Kaufman).
 * Unlike Clough–Tocher it continues smoothly past the convex hull.
 */
#include "cnumerics.h"
#include <lapacke.h>
#include <math.h>

#define TPS_NB 64 /* dsysv block size the workspace is sized for */

static inline double tps_phi(double r2) { return r2 > 0 ? 0.5 * r2 * log(r2) : 0.0; } /* r^2 log r */

size_t cn_tps_workspace(int n, int nvalues) {
    if (n < 0 || nvalues < 0) return 0;
    size_t m = (size_t)n + 3;
    return m * m /* matrix */ + m * (size_t)nvalues /* rhs */ + m /* ipiv, as doubles */ + m * TPS_NB + 2 * (size_t)n;
}

int cn_tps_grid(int n, const double *x, const double *y, int nvalues, const double *f, int ldf,
                int nx, const double *xi, int ny, const double *yi, double *work, size_t lwork, double *out) {
    if (n < 3 || nvalues < 1 || ldf < n || nx < 1 || ny < 1 || !x || !y || !f || !xi || !yi || !work || !out)
        return CN_ERR_ARGUMENT;
    if (lwork < cn_tps_workspace(n, nvalues)) return CN_ERR_WORKSPACE;
    double x0 = x[0], x1 = x[0], y0 = y[0], y1 = y[0];
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) return CN_ERR_NONFINITE;
        for (int v = 0; v < nvalues; v++) if (!isfinite(f[(size_t)v * ldf + i])) return CN_ERR_NONFINITE;
        x0 = fmin(x0, x[i]); x1 = fmax(x1, x[i]); y0 = fmin(y0, y[i]); y1 = fmax(y1, y[i]);
    }
    if (!(x1 > x0) || !(y1 > y0)) return CN_ERR_DEGENERATE;
    double sx = 1.0 / (x1 - x0), sy = 1.0 / (y1 - y0);
    int m = n + 3;
    double *A = work, *B = A + (size_t)m * m, *piv = B + (size_t)m * nvalues, *wk = piv + m;
    double *u = wk + (size_t)m * TPS_NB, *v = u + n;
    for (int i = 0; i < n; i++) { u[i] = (x[i] - x0) * sx; v[i] = (y[i] - y0) * sy; }
    for (int j = 0; j < m; j++)
        for (int i = 0; i < m; i++) {
            double a = 0;
            if (i < n && j < n) {
                double du = u[i] - u[j], dv = v[i] - v[j];
                a = tps_phi(du * du + dv * dv);
            } else if (i < n || j < n) {
                int p = i < n ? i : j, k = i < n ? j - n : i - n;
                a = k == 0 ? 1.0 : (k == 1 ? u[p] : v[p]);
            }
            A[(size_t)j * m + i] = a;
        }
    for (int s = 0; s < nvalues; s++)
        for (int i = 0; i < m; i++) B[(size_t)s * m + i] = i < n ? f[(size_t)s * ldf + i] : 0.0;
    lapack_int *ipiv = (lapack_int *)piv; /* m lapack_ints fit in m doubles */
    lapack_int info = LAPACKE_dsysv_work(LAPACK_COL_MAJOR, 'L', m, nvalues, A, m, ipiv, B, m, wk, (lapack_int)m * TPS_NB);
    if (info > 0) return CN_ERR_SINGULAR;
    if (info < 0) return CN_ERR_LAPACK;
    size_t cells = (size_t)nx * ny;
    for (int j = 0; j < ny; j++) {
        double qv = (yi[j] - y0) * sy;
        for (int i = 0; i < nx; i++) {
            double qu = (xi[i] - x0) * sx;
            for (int s = 0; s < nvalues; s++) {
                const double *c = B + (size_t)s * m;
                double acc = c[n] + c[n + 1] * qu + c[n + 2] * qv;
                for (int p = 0; p < n; p++) {
                    double du = qu - u[p], dv = qv - v[p];
                    acc += c[p] * tps_phi(du * du + dv * dv);
                }
                out[(size_t)s * cells + (size_t)j * nx + i] = acc;
            }
        }
    }
    return CN_OK;
}
