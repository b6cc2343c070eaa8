/* Minimum-norm least squares by one-sided Jacobi (Hestenes) SVD: rotations
 * of column pairs until every pair is orthogonal, so X·V = U·Σ with the
 * column norms as singular values; then beta = Σ v_j (u_j·y)/σ_j over the
 * kept σ_j. For a handful of columns this is as cheap as dgelsd's set-up and
 * as accurate (Demmel & Veselić 1992), and its summation order is fixed. */
#include <float.h>
#include <math.h>
#include "cnumerics.h"
#include "lstsq_internal.h"
#include "dot_internal.h"

#define AT(M, i, j, ld) ((M)[(i) + (size_t)(j) * (ld)])

/* Rotates columns j and k of the rows×cols X and the cols×cols V so that X's
 * become orthogonal; 0 when they already are (to working precision). */
static int rotate_pair(int rows, int cols, double *X, double *V, int j, int k) {
    double *xj = &AT(X, 0, j, rows), *xk = &AT(X, 0, k, rows);
    double a = cn_dot_in_order(rows, xj, xj), b = cn_dot_in_order(rows, xk, xk), g = cn_dot_in_order(rows, xj, xk);
    if (a == 0.0 || b == 0.0 || fabs(g) <= DBL_EPSILON * sqrt(a) * sqrt(b)) return 0;
    double zeta = (b - a) / (2.0 * g);
    double t = (zeta >= 0 ? 1.0 : -1.0) / (fabs(zeta) + sqrt(1.0 + zeta * zeta));
    double c = 1.0 / sqrt(1.0 + t * t), s = c * t;
    for (int i = 0; i < rows; i++) {
        double u = xj[i], v = xk[i];
        xj[i] = c * u - s * v;
        xk[i] = s * u + c * v;
    }
    for (int i = 0; i < cols; i++) {
        double u = AT(V, i, j, cols), v = AT(V, i, k, cols);
        AT(V, i, j, cols) = c * u - s * v;
        AT(V, i, k, cols) = s * u + c * v;
    }
    return 1;
}

/* Power of two near the largest magnitude (1 when all are zero): dividing by
 * it is exact and keeps the squared column norms far from overflow. */
static double binary_scale(int n, const double *v) {
    double m = 0.0;
    for (int i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
    if (m == 0.0) return 1.0;
    int e;
    frexp(m, &e);
    return ldexp(1.0, e);
}

int cn_small_lstsq(int rows, int cols, double *X, const double *y, double rcond, double *beta) {
    if (rows < 1 || cols < 1 || cols > CN_LSTSQ_MAX_COLS || !X || !y || !beta) return CN_ERR_ARGUMENT;
    size_t count = (size_t)rows * cols;
    for (size_t i = 0; i < count; i++) if (!isfinite(X[i])) return CN_ERR_NONFINITE;
    for (int i = 0; i < rows; i++) if (!isfinite(y[i])) return CN_ERR_NONFINITE;
    double sx = binary_scale((int)count, X), sy = binary_scale(rows, y);
    for (size_t i = 0; i < count; i++) X[i] /= sx;
    double V[CN_LSTSQ_MAX_COLS * CN_LSTSQ_MAX_COLS];
    for (int j = 0; j < cols; j++) for (int i = 0; i < cols; i++) AT(V, i, j, cols) = i == j;
    int converged = 0;
    for (int sweep = 0; sweep < 100 && !converged; sweep++) {
        int rotated = 0;
        for (int j = 0; j < cols - 1; j++)
            for (int k = j + 1; k < cols; k++) rotated |= rotate_pair(rows, cols, X, V, j, k);
        converged = !rotated;
    }
    if (!converged) return CN_ERR_NO_CONVERGENCE;
    double sigma[CN_LSTSQ_MAX_COLS], smax = 0.0;
    for (int j = 0; j < cols; j++) {
        sigma[j] = sqrt(cn_dot_in_order(rows, &AT(X, 0, j, rows), &AT(X, 0, j, rows)));
        smax = fmax(smax, sigma[j]);
    }
    for (int i = 0; i < cols; i++) beta[i] = 0.0;
    for (int j = 0; j < cols; j++) {
        if (!(sigma[j] > rcond * smax)) continue;
        /* u_j·y / σ_j with u_j = x_j / σ_j, then scaled back. */
        double w = 0.0;
        for (int i = 0; i < rows; i++) w += AT(X, i, j, rows) * (y[i] / sy);
        w /= sigma[j] * sigma[j];
        for (int i = 0; i < cols; i++) beta[i] += AT(V, i, j, cols) * w;
    }
    for (int i = 0; i < cols; i++) beta[i] *= sy / sx;
    return CN_OK;
}
