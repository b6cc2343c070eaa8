/* prophet_fit.c — the MAP fit of Prophet's model.
 *
 * Prophet asks cmdstan for Newton's method below 100 rows (L-BFGS above). We
 * follow cmdstan's Newton step by step so the point reached is the one Prophet
 * reports, including two traits that decide where the non-smooth Laplace prior
 * leaves the changepoint deltas:
 *  - the Hessian is a fourth-order finite difference of the gradient (step
 *    ε = 1e-3) whose accumulation multiplies by ε/2 where 1/(2ε) was meant, so
 *    it equals ε²·(true Hessian) plus, on each δ diagonal, the difference of
 *    the prior's sign jump ε/τ·Σ c_i sign(δ + p_i) — large when |δ| < 2ε;
 *  - eigenvalues are replaced by their absolute values (the direction |H|⁻¹ g,
 *    prophet_direction.c), the step starts at the
 *    full (ε⁻²-long) direction and halves until the log density does not drop;
 *  - the loop ends when the log density changes by at most 1e-8.
 * The likelihood only enters through Gram sums (Zᵀ Z, Zᵀ y, yᵀ y), so one
 * evaluation costs O(pl²) whatever the history length.
 */
#include "prophet_internal.h"
#include <string.h>
#include <math.h>

#define FD_EPSILON 1e-3
#define STOP_CHANGE 1e-8
#define MIN_STEP 1e-50

size_t cn_prophet_newton_workspace(int pl) {
    size_t p = (size_t)pl + 1;
    return 5 * p + p * p + cn_prophet_direction_workspace((int)p);
}

/* Below this share of yᵀy the Gram form of the RSS loses its digits to
 * cancellation (a near-perfect fit, where σ heads to 0 and RSS/σ² still needs
 * them), so the residuals are formed row by row as Stan does. */
#define NEAR_PERFECT 1e-6

/* RSS and (when w is not NULL) w = Zᵀ r from r = y − Zθ row by row, r left in pb->r; O(n·pl). */
static double direct_residuals(const prophet_problem *pb, const double *x, double *w) {
    int n = pb->n, pl = pb->pl;
    double rss = 0;
    for (int i = 0; i < n; i++) pb->r[i] = pb->y[i];
    for (int j = 0; j < pl; j++) {
        const double *col = pb->Z + (size_t)j * n;
        for (int i = 0; i < n; i++) pb->r[i] -= col[i] * x[j];
    }
    for (int i = 0; i < n; i++) rss += pb->r[i] * pb->r[i];
    for (int j = 0; w && j < pl; j++) {
        const double *col = pb->Z + (size_t)j * n;
        double s = 0;
        for (int i = 0; i < n; i++) s += col[i] * pb->r[i];
        w[j] = s;
    }
    return rss;
}

/* Negative log posterior (cmdstan's lp__ with constants dropped, sign flipped) at
 * x = [θ, log σ]; w receives b − Gθ = Zᵀ(y − Zθ), *rss the residual sum of squares. */
double cn_prophet_objective(const prophet_problem *pb, const double *x, double *w, double *rss) {
    int pl = pb->pl;
    /* Plain loops: at these sizes (pl ≤ 137) BLAS calls cost more in dispatch and threads than in flops. */
    double xb = 0, xw = 0;
    for (int j = 0; j < pl; j++) {
        const double *col = pb->G + (size_t)j * pl;
        double s = 0;
        for (int l = 0; l < pl; l++) s += col[l] * x[l];
        w[j] = pb->b[j] - s;
        xb += x[j] * pb->b[j];
        xw += x[j] * w[j];
    }
    double r = pb->yy - xb - xw;
    if (!(r > NEAR_PERFECT * pb->yy)) r = direct_residuals(pb, x, w);
    *rss = r;
    double u = x[pl], s2 = exp(2 * u);
    double f = 2 * s2 + pb->n * u + r / (2 * s2);
    for (int j = 0; j < pl; j++) f += 0.5 * pb->prior[j] * x[j] * x[j];
    for (int j = 0; j < pb->S; j++) f += fabs(x[2 + j]) / pb->tau;
    return f;
}

double cn_prophet_sign(double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); }

/* cmdstan's finite-difference Hessian of lp__, negated (see the file comment). */
static void stan_hessian(const prophet_problem *pb, const double *x, const double *w, double rss, double *H) {
    int pl = pb->pl, P = pl + 1;
    double e2 = FD_EPSILON * FD_EPSILON, s2 = exp(2 * x[pl]), scale = e2 / s2;
    for (int c = 0; c < pl; c++) {
        const double *gc = pb->G + (size_t)c * pl;
        double *hc = H + (size_t)c * P;
        for (int r = 0; r <= c; r++) hc[r] = scale * gc[r];
        hc[c] += e2 * pb->prior[c];
    }
    for (int r = 0; r < pl; r++) H[(size_t)pl * P + r] = e2 * 2 * w[r] / s2;
    H[(size_t)pl * P + pl] = e2 * (2 * rss / s2 + 8 * s2);
    const double p[4] = {-2 * FD_EPSILON, -FD_EPSILON, FD_EPSILON, 2 * FD_EPSILON};
    const double c4[4] = {1.0 / 12.0, -2.0 / 3.0, 2.0 / 3.0, -1.0 / 12.0};
    for (int j = 0; j < pb->S; j++) {
        double d = x[2 + j], jump = 0;
        for (int i = 0; i < 4; i++) jump += c4[i] * cn_prophet_sign(d + p[i]);
        H[(size_t)(2 + j) * P + 2 + j] += FD_EPSILON * jump / pb->tau;
    }
}

void cn_prophet_gradient(const prophet_problem *pb, const double *x, const double *w, double rss, double *g) {
    int pl = pb->pl;
    double s2 = exp(2 * x[pl]);
    for (int j = 0; j < pl; j++) g[j] = pb->prior[j] * x[j] - w[j] / s2;
    for (int j = 0; j < pb->S; j++) g[2 + j] += cn_prophet_sign(x[2 + j]) / pb->tau;
    g[pl] = pb->n + 4 * s2 - rss / s2;
}

/* The objective along x − s·dir as a polynomial in s (plus the |δ| and σ terms). */
typedef struct line_search_terms {
    int direct;                  /* near-perfect fit: RSS(s) = Σ (r_i + s·q_i)², q = Z d, from pb->r, pb->q */
    double rss0, rss1, rss2;     /* else RSS(s) = rss0 + rss1·s + rss2·s² */
    double pri0, pri1, pri2;     /* Gaussian prior terms likewise */
} line_search_terms;

static void line_terms(const prophet_problem *pb, const double *x, const double *d, const double *w,
                       double rss, line_search_terms *ls) {
    int pl = pb->pl;
    double dw = 0, dgd = 0, p0 = 0, p1 = 0, p2 = 0;
    for (int j = 0; j < pl; j++) {
        const double *col = pb->G + (size_t)j * pl;
        double s = 0;
        for (int l = 0; l < pl; l++) s += col[l] * d[l];
        dgd += d[j] * s;
        dw += d[j] * w[j];
        p0 += pb->prior[j] * x[j] * x[j];
        p1 += pb->prior[j] * x[j] * d[j];
        p2 += pb->prior[j] * d[j] * d[j];
    }
    ls->rss0 = rss; ls->rss1 = 2 * dw; ls->rss2 = dgd;
    ls->direct = !(rss > NEAR_PERFECT * pb->yy);
    if (ls->direct) {
        direct_residuals(pb, x, NULL);
        int n = pb->n;
        for (int i = 0; i < n; i++) pb->q[i] = 0;
        for (int j = 0; j < pl; j++) {
            const double *col = pb->Z + (size_t)j * n;
            for (int i = 0; i < n; i++) pb->q[i] += col[i] * d[j];
        }
    }
    ls->pri0 = 0.5 * p0; ls->pri1 = -p1; ls->pri2 = 0.5 * p2;
}

static double line_objective(const prophet_problem *pb, const line_search_terms *ls,
                             const double *x, const double *d, double s) {
    int pl = pb->pl;
    double r = 0;
    if (ls->direct) {
        for (int i = 0; i < pb->n; i++) { double e = pb->r[i] + s * pb->q[i]; r += e * e; }
    } else {
        r = ls->rss0 + s * (ls->rss1 + s * ls->rss2);
        if (r < 0) r = 0;
    }
    double u = x[pl] - s * d[pl], s2 = exp(2 * u);
    double f = 2 * s2 + pb->n * u + r / (2 * s2) + ls->pri0 + s * (ls->pri1 + s * ls->pri2);
    for (int j = 0; j < pb->S; j++) f += fabs(x[2 + j] - s * d[2 + j]) / pb->tau;
    return f;
}

int cn_prophet_newton(const prophet_problem *pb, const cn_prophet_params *params,
                        double *work, size_t work_size, cn_prophet_model *model) {
    int pl = pb->pl, P = pl + 1;
    if (work_size < cn_prophet_newton_workspace(pl)) return CN_ERR_WORKSPACE;
    double *x = work, *xn = x + P, *g = xn + P, *dir = g + P, *w = dir + P;
    double *H = w + P, *ew = H + (size_t)P * P;
    size_t ewsize = cn_prophet_direction_workspace(P);

    cn_prophet_start(pb, model, x);
    double rss, f = cn_prophet_objective(pb, x, w, &rss);
    if (!isfinite(f)) return CN_ERR_OBJECTIVE;
    int it = 0;
    for (; it < params->max_iterations; it++) {
        double last = f;
        cn_prophet_gradient(pb, x, w, rss, g);
        stan_hessian(pb, x, w, rss, H);
        /* A Hessian that overflows (σ → 0 on an exact fit) gives Stan a non-finite
         * direction, and it stops where it is; so do we. */
        if (cn_prophet_abs_solve(P, H, g, dir, ew, ewsize) != CN_OK) break;
        int finite = 1;
        for (int j = 0; j < P; j++) finite &= isfinite(dir[j]);
        if (!finite) break;
        /* Halve from the full step until the log density does not drop; along the
         * line every term is a cheap function of the step, so each trial is O(S). */
        line_search_terms ls;
        line_terms(pb, x, dir, w, rss, &ls);
        double step = 2, fn = INFINITY;
        int moved = 1;
        while (!(fn <= f)) {
            step *= 0.5;
            if (step < MIN_STEP) { moved = 0; break; }
            fn = line_objective(pb, &ls, x, dir, step);
            if (!isfinite(fn)) fn = INFINITY;
        }
        if (moved) for (int j = 0; j < P; j++) xn[j] = x[j] - step * dir[j];
        if (!moved) break;
        memcpy(x, xn, sizeof(double) * (size_t)P);
        f = cn_prophet_objective(pb, x, w, &rss);
        /* cmdstan's first comparison is against lp__ with its constants, so it never stops at once */
        if (it > 0 && fabs(f - last) <= STOP_CHANGE) { it++; break; }
    }
    cn_prophet_store(pb, x, it, model);
    return CN_OK;
}

void cn_prophet_start(const prophet_problem *pb, const cn_prophet_model *model, double *x) {
    for (int j = 0; j <= pb->pl; j++) x[j] = 0;
    x[0] = model->k; x[1] = model->m; /* δ, β = 0 and σ = 1 (log σ = 0), Prophet's start */
}

void cn_prophet_store(const prophet_problem *pb, const double *x, int iterations, cn_prophet_model *model) {
    model->k = x[0];
    model->m = x[1];
    for (int j = 0; j < pb->S; j++) model->delta[j] = x[2 + j];
    for (int l = 0; l < pb->K; l++) model->beta[l] = x[2 + pb->S + l];
    model->sigma_obs = exp(x[pb->pl]);
    model->iterations = iterations;
}
