/* cn_spline.h — cubic interpolating spline (part of cnumerics.h). */
#ifndef CN_SPLINE_H
#define CN_SPLINE_H

/**
 * Not-a-knot cubic spline through (x[i], y[i]), x strictly increasing — the
 * curve of scipy's interp1d(kind="cubic") / make_interp_spline(k=3). The slopes
 * come from one tridiagonal solve (LAPACK dgtsv). With n = 3 the curve is the
 * interpolating parabola and with n = 2 the line (what not-a-knot reduces to).
 * `coef` receives 4 (n - 1) numbers: for interval i, c0..c3 of
 * y(t) = c0 + c1 (t - x[i]) + c2 (t - x[i])^2 + c3 (t - x[i])^3.
 * `work` holds 5 n doubles.
 * Errors: CN_ERR_ARGUMENT (n < 2, null), CN_ERR_NONFINITE,
 * CN_ERR_DEGENERATE (x not strictly increasing), CN_ERR_SINGULAR.
 */
int cn_spline_notaknot(int n, const double *x, const double *y, double *coef, double *work);

/** Value at t of the spline from cn_spline_notaknot (end pieces extend past the range). */
double cn_spline_eval(int n, const double *x, const double *coef, double t);

#endif
