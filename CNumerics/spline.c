/*
 * spline.c — not-a-knot cubic spline (scipy interp1d(kind="cubic")).
 *
 * Formulated on the slopes s_i at the knots: interior rows are the C2
 * conditions and the two not-a-knot rows (third derivative continuous at x_1
 * and x_{n-2}) can be written with only two unknowns each, so the whole
 * system stays tridiagonal and one LAPACK dgtsv solves it.
 */
#include "cnumerics.h"
#include <lapacke.h>
#include <math.h>

int cn_spline_notaknot(int n, const double *x, const double *y, double *coef, double *work) {
    if (n < 2 || !x || !y || !coef || !work) return CN_ERR_ARGUMENT;
    for (int i = 0; i < n; i++) if (!isfinite(x[i]) || !isfinite(y[i])) return CN_ERR_NONFINITE;
    for (int i = 1; i < n; i++) if (!(x[i] > x[i - 1])) return CN_ERR_DEGENERATE;
    double *dl = work, *d = work + n, *du = work + 2 * n, *s = work + 3 * n, *m = work + 4 * n;
    for (int i = 0; i < n - 1; i++) m[i] = (y[i + 1] - y[i]) / (x[i + 1] - x[i]);
    if (n == 2) {
        s[0] = s[1] = m[0];
    } else if (n == 3) {
        /* the parabola through the three points */
        double h0 = x[1] - x[0], h1 = x[2] - x[1];
        double a = (m[1] - m[0]) / (h0 + h1);
        s[0] = m[0] - a * h0;
        s[1] = m[0] + a * h0;
        s[2] = m[1] + a * h1;
    } else {
        for (int i = 1; i < n - 1; i++) {
            double h0 = x[i] - x[i - 1], h1 = x[i + 1] - x[i];
            dl[i - 1] = h1;
            d[i] = 2 * (h0 + h1);
            du[i] = h0;
            s[i] = 3 * (h1 * m[i - 1] + h0 * m[i]);
        }
        double h0 = x[1] - x[0], h1 = x[2] - x[1], dd = x[2] - x[0];
        d[0] = h1;
        du[0] = dd;
        s[0] = ((h0 + 2 * dd) * h1 * m[0] + h0 * h0 * m[1]) / dd;
        double a = x[n - 1] - x[n - 2], b = x[n - 2] - x[n - 3];
        dd = x[n - 1] - x[n - 3];
        dl[n - 2] = dd;
        d[n - 1] = b;
        s[n - 1] = (a * a * m[n - 3] + (2 * dd + a) * b * m[n - 2]) / dd;
        lapack_int info = LAPACKE_dgtsv(LAPACK_COL_MAJOR, n, 1, dl, d, du, s, n);
        if (info > 0) return CN_ERR_SINGULAR;
        if (info < 0) return CN_ERR_LAPACK;
    }
    for (int i = 0; i < n - 1; i++) {
        double h = x[i + 1] - x[i];
        double t = (s[i] + s[i + 1] - 2 * m[i]) / h;
        coef[4 * i] = y[i];
        coef[4 * i + 1] = s[i];
        coef[4 * i + 2] = (m[i] - s[i]) / h - t;
        coef[4 * i + 3] = t / h;
    }
    return CN_OK;
}

double cn_spline_eval(int n, const double *x, const double *coef, double t) {
    if (n < 2 || t != t) return NAN;
    int lo = 0, hi = n - 2;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (x[mid] <= t) lo = mid; else hi = mid - 1;
    }
    double u = t - x[lo];
    const double *c = coef + 4 * lo;
    return c[0] + u * (c[1] + u * (c[2] + u * c[3]));
}
