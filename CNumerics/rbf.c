/*
 * rbf.c — thin-plate-spline radial-basis interpolant (beyond the reference).
 *
 * s(p) = sum_i w_i phi(|p - p_i|) + a0 + a1 u + a2 v with phi(r) = r^2 log r,
 * interpolating exactly. The coordinates are first mapped to the unit square
 * (KV usage and context length differ by four orders of magnitude, and the
 * kernel matrix would otherwise be hopelessly conditioned). The saddle-point
 * system [K P; P^T 0] is symmetric indefinite; it is solved by Gaussian
 * elimination with partial pivoting in plain loops rather than LAPACK's dsysv,
 * whose last bits (1e-9 of the interpolated grid) followed OpenBLAS's CPU
 * kernel. The updates are element-wise (no reordered sums), so the result is
 * the same on every CPU.
 * Unlike Clough–Tocher it continues smoothly past the convex hull.
 */
#include "cnumerics.h"
#include <math.h>

static inline double tps_phi(double r2) { return r2 > 0 ? 0.5 * r2 * log(r2) : 0.0; } /* r^2 log r */

size_t cn_tps_workspace(int n, int nvalues) {
    if (n < 0 || nvalues < 0) return 0;
    size_t m = (size_t)n + 3;
    return m * m /* matrix */ + m * (size_t)nvalues /* rhs */ + 2 * (size_t)n;
}

/* Solves A X = B for the m×m column-major A and m×nrhs B in place (A is
 * overwritten by its factors). CN_ERR_SINGULAR on an exactly zero pivot. */
static int solve_partial_pivoting(int m, double *A, int nrhs, double *B) {
    for (int k = 0; k < m; k++) {
        int piv = k;
        double best = fabs(A[(size_t)k * m + k]);
        for (int i = k + 1; i < m; i++) {
            double a = fabs(A[(size_t)k * m + i]);
            if (a > best) { best = a; piv = i; }
        }
        if (!(best > 0)) return CN_ERR_SINGULAR;
        if (piv != k) {
            for (int j = 0; j < m; j++) { double t = A[(size_t)j * m + k]; A[(size_t)j * m + k] = A[(size_t)j * m + piv]; A[(size_t)j * m + piv] = t; }
            for (int j = 0; j < nrhs; j++) { double t = B[(size_t)j * m + k]; B[(size_t)j * m + k] = B[(size_t)j * m + piv]; B[(size_t)j * m + piv] = t; }
        }
        double *ck = A + (size_t)k * m, pivot = ck[k];
        for (int i = k + 1; i < m; i++) ck[i] /= pivot;
        for (int j = k + 1; j < m; j++) {
            double *cj = A + (size_t)j * m, akj = cj[k];
            if (akj != 0) for (int i = k + 1; i < m; i++) cj[i] -= ck[i] * akj;
        }
        for (int j = 0; j < nrhs; j++) {
            double *bj = B + (size_t)j * m, bk = bj[k];
            if (bk != 0) for (int i = k + 1; i < m; i++) bj[i] -= ck[i] * bk;
        }
    }
    for (int j = 0; j < nrhs; j++) {
        double *bj = B + (size_t)j * m;
        for (int k = m - 1; k >= 0; k--) {
            const double *ck = A + (size_t)k * m;
            bj[k] /= ck[k];
            double bk = bj[k];
            if (bk != 0) for (int i = 0; i < k; i++) bj[i] -= ck[i] * bk;
        }
    }
    return CN_OK;
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
    double *A = work, *B = A + (size_t)m * m;
    double *u = B + (size_t)m * nvalues, *v = u + n;
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
    int st = solve_partial_pivoting(m, A, nvalues, B);
    if (st) return st;
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
