/* prophet_direction.c — cmdstan's Newton direction |H|⁻¹ g without a full
 * eigendecomposition.
 *
 * cmdstan forms V |Λ|⁻¹ Vᵀ g from all eigenpairs of H. Prophet's Hessians are
 * indefinite at almost every step (the finite-differenced Laplace prior puts
 * negative entries on the δ diagonal), and a full eigendecomposition of a
 * 30 × 30 matrix costs ~100 µs, which at ~100 Newton steps per fit would be
 * most of the fit. When H is positive definite a Cholesky solve gives H⁻¹ g;
 * otherwise the same vector follows from
 *     |H|⁻¹ g = H⁻¹ g − 2 Σ_{λ<0} v (vᵀ g) / λ,
 * which needs only the (few) negative eigenpairs. We reduce H to tridiagonal
 * T = Qᵀ H Q once (Householder, plain loops: LAPACK's dsytrd spends more on
 * level-2 BLAS call overhead than on flops at this size), and solve on T with
 * LAPACK's tridiagonal routines: dsterf for the eigenvalues, dgtsv for
 * T⁻¹ (Qᵀ g). The vectors of the negative eigenvalues come from our own
 * inverse iteration below, not dstein: dstein's level-1 BLAS (dnrm2, dasum,
 * daxpy) rounds by OpenBLAS's CPU kernel, and Prophet's fit carried that to
 * 1e-8 of a forecast. dsterf and dgtsv call no BLAS.
 */
#include "prophet_internal.h"
#include <lapacke.h>
#include <math.h>
#include <stdint.h>

size_t cn_prophet_direction_workspace(int P) {
    return (size_t)P * (size_t)P + 23 * (size_t)P;
}

/* Reduces the full symmetric A (P × P, column-major) to tridiagonal (d, e): the
 * Householder vector of step j is left in A[j+1.., j] and its β in beta[j]. */
static void tridiagonalize(int P, double *A, double *d, double *e, double *beta, double *p) {
    for (int j = 0; j + 2 < P; j++) {
        double *x = A + (size_t)j * P + j + 1;   /* column j below the diagonal */
        int m = P - j - 1;
        double norm2 = 0;
        for (int i = 1; i < m; i++) norm2 += x[i] * x[i];
        double alpha = x[0], b = 0;
        if (norm2 == 0) {
            e[j] = alpha;
        } else {
            double r = sqrt(alpha * alpha + norm2);
            double s = alpha <= 0 ? alpha - r : -norm2 / (alpha + r); /* v0 without cancellation */
            b = 2 * s * s / (norm2 + s * s);
            for (int i = 1; i < m; i++) x[i] /= s;
            x[0] = 1.0;
            e[j] = r;
            /* trailing block B ← H B H with H = I − b v vᵀ: p = b B v, w = p − (b/2)(pᵀv) v,
             * B −= v wᵀ + w vᵀ; only B's lower triangle is read and written */
            double *B = A + (size_t)(j + 1) * P + j + 1;
            for (int i = 0; i < m; i++) p[i] = 0;
            for (int c = 0; c < m; c++) {
                const double *col = B + (size_t)c * P;
                double xc = b * x[c], acc = 0;   /* acc: the strict upper part of row c, by symmetry */
                for (int i = c + 1; i < m; i++) { p[i] += col[i] * xc; acc += col[i] * x[i]; }
                p[c] += col[c] * xc + b * acc;
            }
            double k = 0;
            for (int i = 0; i < m; i++) k += p[i] * x[i];
            k *= 0.5 * b;
            for (int i = 0; i < m; i++) p[i] -= k * x[i];
            for (int c = 0; c < m; c++) {
                double *col = B + (size_t)c * P;
                for (int i = c; i < m; i++) col[i] -= x[i] * p[c] + p[i] * x[c];
            }
        }
        beta[j] = b;
        d[j] = A[(size_t)j * P + j];
    }
    if (P >= 2) {
        d[P - 2] = A[(size_t)(P - 2) * P + P - 2];
        e[P - 2] = A[(size_t)(P - 2) * P + P - 1];
    }
    d[P - 1] = A[(size_t)(P - 1) * P + P - 1];
}

/* H⁻¹ g by a plain-loop Cholesky factorisation of the lower triangle of A into L
 * (P × P scratch); 1 when A is not positive definite. At P ≈ 30 this costs a
 * fifth of LAPACK's dposv, whose time goes to per-column BLAS calls. */
static int cholesky_solve(int P, const double *A, const double *g, double *dir, double *L) {
    for (int c = 0; c < P; c++) {
        const double *ac = A + (size_t)c * P;
        double *lc = L + (size_t)c * P;
        for (int i = c; i < P; i++) lc[i] = ac[i];
        for (int k = 0; k < c; k++) {
            const double *lk = L + (size_t)k * P;
            double f = lk[c];
            for (int i = c; i < P; i++) lc[i] -= f * lk[i];
        }
        if (!(lc[c] > 0)) return 1;
        double piv = sqrt(lc[c]);
        for (int i = c; i < P; i++) lc[i] /= piv;
    }
    for (int i = 0; i < P; i++) {          /* L y = g */
        double s = g[i];
        for (int k = 0; k < i; k++) s -= L[(size_t)k * P + i] * dir[k];
        dir[i] = s / L[(size_t)i * P + i];
    }
    for (int i = P - 1; i >= 0; i--) {     /* Lᵀ x = y */
        const double *li = L + (size_t)i * P;
        double s = dir[i];
        for (int k = i + 1; k < P; k++) s -= li[k] * dir[k];
        dir[i] = s / li[i];
    }
    return 0;
}

/* Eigenvector of the symmetric tridiagonal block (diagonal d, off-diagonal e,
 * size n) for its eigenvalue lambda, by three steps of inverse iteration on
 * T − λI factored with partial pivoting (a zero pivot becomes tol, as LAPACK's
 * dlagtf does), orthogonal to the `nprev` vectors in prev (leading dimension
 * ld) whose eigenvalues lie within 1e-3·‖T‖ (dstein's cluster rule). The start
 * vector is a fixed pseudo-random one, so the result has the same bits on
 * every CPU. scratch holds 6n doubles. */
static void inverse_iteration(int n, const double *d, const double *e, double lambda, double tnorm,
                              const double *prev, const double *prev_lambda, int nprev, int ld,
                              double *v, double *scratch) {
    double *dl = scratch, *dd = dl + n, *du = dd + n, *du2 = du + n, *swapped = du2 + n, *b = swapped + n;
    double tol = fmax(tnorm, 1e-300) * 1e-16 * n;
    for (int i = 0; i < n; i++) {
        dd[i] = d[i] - lambda;
        dl[i] = du[i] = i + 1 < n ? e[i] : 0.0;
        du2[i] = 0.0;
        swapped[i] = 0.0;
    }
    for (int i = 0; i + 1 < n; i++) {
        if (fabs(dd[i]) >= fabs(dl[i])) {
            if (dd[i] == 0.0) dd[i] = tol;
            double f = dl[i] / dd[i];
            dl[i] = f;
            dd[i + 1] -= f * du[i];
        } else {
            double f = dd[i] / dl[i], upper = du[i];
            swapped[i] = 1.0;
            dd[i] = dl[i];
            dl[i] = f;
            du[i] = dd[i + 1];
            dd[i + 1] = upper - f * dd[i + 1];
            if (i + 2 < n) { du2[i] = du[i + 1]; du[i + 1] = -f * du[i + 1]; }
        }
    }
    if (dd[n - 1] == 0.0) dd[n - 1] = tol;
    uint32_t seed = 2463534242u;
    for (int i = 0; i < n; i++) {
        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5;   /* xorshift32 */
        v[i] = (double)seed / 4294967296.0 - 0.5;
    }
    for (int step = 0; step < 3; step++) {
        for (int i = 0; i < n; i++) b[i] = v[i];
        for (int i = 0; i + 1 < n; i++) {
            if (swapped[i] != 0.0) { double t = b[i]; b[i] = b[i + 1]; b[i + 1] = t; }
            b[i + 1] -= dl[i] * b[i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = b[i];
            if (i + 1 < n) s -= du[i] * v[i + 1];
            if (i + 2 < n) s -= du2[i] * v[i + 2];
            v[i] = s / dd[i];
        }
        for (int k = 0; k < nprev; k++) {
            if (fabs(prev_lambda[k] - lambda) > 1e-3 * tnorm) continue;
            const double *q = prev + (size_t)k * ld;
            double c = 0;
            for (int i = 0; i < n; i++) c += q[i] * v[i];
            for (int i = 0; i < n; i++) v[i] -= c * q[i];
        }
        double scale = 0;
        for (int i = 0; i < n; i++) scale = fmax(scale, fabs(v[i]));
        if (!(scale > 0) || !isfinite(scale)) break;
        double norm = 0;
        for (int i = 0; i < n; i++) { v[i] /= scale; norm += v[i] * v[i]; }
        norm = sqrt(norm);
        for (int i = 0; i < n; i++) v[i] /= norm;
    }
}

/* Applies H_j = I − β v vᵀ (v from tridiagonalize) to u[j+1..]. */
static void reflect(int P, const double *A, const double *beta, int j, double *u) {
    if (beta[j] == 0) return;
    const double *v = A + (size_t)j * P + j + 1;
    int m = P - j - 1;
    double s = 0;
    for (int i = 0; i < m; i++) s += v[i] * u[j + 1 + i];
    s *= beta[j];
    for (int i = 0; i < m; i++) u[j + 1 + i] -= s * v[i];
}

int cn_prophet_abs_solve(int P, double *A, const double *g, double *dir, double *work, size_t work_size) {
    if (work_size < cn_prophet_direction_workspace(P)) return CN_ERR_WORKSPACE;
    double *d = work, *e = d + P, *beta = e + P, *h = beta + P, *u = h + P, *w = u + P;
    double *dl = w + P, *dd = dl + P, *du = dd + P, *scratch = du + P, *Z = scratch + 14 * (size_t)P;
    for (int c = 0; c < P; c++) /* full symmetric from the upper triangle */
        for (int r = c + 1; r < P; r++) A[(size_t)c * P + r] = A[(size_t)r * P + c];
    for (int i = 0; i < P; i++) {
        if (!isfinite(g[i])) return CN_ERR_NONFINITE;
        for (int r = 0; r < P; r++)
            if (!isfinite(A[(size_t)i * P + r])) return CN_ERR_NONFINITE;
    }
    /* positive definite (a common case): no eigenvalue to flip, H⁻¹ g directly */
    if (cholesky_solve(P, A, g, dir, Z) == 0) {
        int finite = 1;
        for (int i = 0; i < P; i++) finite &= isfinite(dir[i]);
        return finite ? CN_OK : CN_ERR_NONFINITE;
    }
    tridiagonalize(P, A, d, e, beta, u);
    for (int i = 0; i < P; i++) h[i] = g[i];
    for (int j = 0; j + 2 < P; j++) reflect(P, A, beta, j, h);   /* h = Qᵀ g */

    /* u = T⁻¹ h; a singular T means a zero eigenvalue, where cmdstan's direction is not finite either */
    for (int i = 0; i < P; i++) { u[i] = h[i]; dd[i] = d[i]; }
    for (int i = 0; i + 1 < P; i++) { dl[i] = e[i]; du[i] = e[i]; }
    lapack_int info = LAPACKE_dgtsv_work(LAPACK_COL_MAJOR, P, 1, dl, dd, du, u, P);
    if (info != 0) return CN_ERR_SINGULAR;

    /* The negative eigenvalues of T, block by block (T splits where an e is exactly 0):
     * dsterf's root-free QL gives all of a block's eigenvalues in O(size²); each
     * negative one gets its vector by inverse iteration within its block. */
    int m = 0;
    for (int start = 0; start < P;) {
        int end = start;
        while (end + 1 < P && e[end] != 0) end++;
        int size = end - start + 1;
        for (int i = 0; i < size; i++) { dd[i] = d[start + i]; dl[i] = i + 1 < size ? e[start + i] : 0; }
        info = LAPACKE_dsterf_work(size, dd, dl);
        if (info != 0) return CN_ERR_NO_CONVERGENCE;
        double tnorm = 0;   /* ‖T_block‖₁ */
        for (int i = 0; i < size; i++)
            tnorm = fmax(tnorm, fabs(d[start + i]) + (i > 0 ? fabs(e[start + i - 1]) : 0) + (i + 1 < size ? fabs(e[start + i]) : 0));
        int first = m;
        for (int i = 0; i < size && dd[i] < 0; i++) w[m++] = dd[i];
        for (int k = first; k < m; k++) {
            double *v = Z + (size_t)k * P;
            for (int i = 0; i < P; i++) v[i] = 0;
            inverse_iteration(size, d + start, e + start, w[k], tnorm, Z + (size_t)first * P + start, w + first,
                              k - first, P, v + start, scratch);
        }
        start = end + 1;
    }
    for (int k = 0; k < m; k++) {
        const double *v = Z + (size_t)k * P;
        double vh = 0;
        for (int i = 0; i < P; i++) vh += v[i] * h[i];
        double c = 2 * vh / w[k];
        for (int i = 0; i < P; i++) u[i] -= c * v[i];
    }
    for (int j = P - 3; j >= 0; j--) reflect(P, A, beta, j, u);   /* dir = Q u */
    for (int i = 0; i < P; i++) {
        if (!isfinite(u[i])) return CN_ERR_NONFINITE;
        dir[i] = u[i];
    }
    return CN_OK;
}
