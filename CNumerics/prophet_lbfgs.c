/* prophet_lbfgs.c — cmdstan's L-BFGS, which Prophet runs from 100 rows up.
 *
 * The Laplace prior makes the MAP objective non-smooth at δ = 0, so no
 * quasi-Newton method converges to the exact optimum; each stops at its own
 * point, and Prophet's forecasts are those of cmdstan's stopping point. We
 * therefore follow stan::optimization::BFGSMinimizer with LBFGSUpdate step for
 * step (Wolfe line search with its zoom, initial step from a cubic through the
 * last step, history 5, cmdstan's default tolerances). The shared
 * cn_lbfgs_minimize (L-BFGS-B) reaches a different, if nearly as good, point.
 */
#include "prophet_internal.h"
#include <math.h>
#include <string.h>

#define HISTORY 5
#define INIT_ALPHA 1e-3
#define MIN_ALPHA 1e-12
#define C1 1e-4
#define C2 0.9
#define MAX_LS_ITS 20
#define MAX_LS_RESTARTS 10
#define ZOOM_MIN_RANGE 1e-16
#define TOL_ABS_F 1e-12
#define TOL_REL_F 1e4
#define TOL_ABS_GRAD 1e-8
#define TOL_REL_GRAD 1e7
#define TOL_ABS_X 1e-8
#define DBL_EPS 2.220446049250313e-16

typedef struct lbfgs_state {
    const prophet_problem *pb;
    int P;
    double *w;                       /* scratch for the objective */
    double *hy, *hs, hrho[HISTORY];  /* correction pairs, oldest at hstart */
    int hlen, hstart;
    double gamma;
} lbfgs_state;

static double dot(int n, const double *a, const double *b) {
    double s = 0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* f and ∇f; non-zero when either is not finite (cmdstan's ModelAdaptor error). */
static int evaluate(lbfgs_state *st, const double *x, double *f, double *g) {
    double rss;
    *f = cn_prophet_objective(st->pb, x, st->w, &rss);
    if (!isfinite(*f)) return 2;
    cn_prophet_gradient(st->pb, x, st->w, rss, g);
    for (int i = 0; i < st->P; i++)
        if (!isfinite(g[i])) return 3;
    return 0;
}

static void along(int n, double *out, const double *x, double a, const double *p) {
    for (int i = 0; i < n; i++) out[i] = x[i] + a * p[i];
}

/* Minimiser over [loX, hiX] of the cubic with value 0 and slope df0 at 0, f1 and df1 at x1. */
static double cubic_interp(double df0, double x1, double f1, double df1, double lo, double hi) {
    double c3 = (-12 * f1 + 6 * x1 * (df0 + df1)) / (x1 * x1 * x1);
    double c2 = -(4 * df0 + 2 * df1) / x1 + 6 * f1 / (x1 * x1);
    double c1 = df0;
    double ts = sqrt(c2 * c2 - 2.0 * c1 * c3);
    double s1 = -(c2 + ts) / c3, s2 = -(c2 - ts) / c3;
    double minF = lo * (lo * (lo * c3 / 3.0 + c2) / 2.0 + c1), minX = lo, v;
    v = hi * (hi * (hi * c3 / 3.0 + c2) / 2.0 + c1);
    if (v < minF) { minF = v; minX = hi; }
    if (lo < s1 && s1 < hi) {
        v = s1 * (s1 * (s1 * c3 / 3.0 + c2) / 2.0 + c1);
        if (v < minF) { minF = v; minX = s1; }
    }
    if (lo < s2 && s2 < hi) {
        v = s2 * (s2 * (s2 * c3 / 3.0 + c2) / 2.0 + c1);
        if (v < minF) { minX = s2; }
    }
    return minX;
}

static int zoom(lbfgs_state *st, double *alpha, double *nx, double *nf, double *ng,
                const double *x, double f, double c1dfp, double c2dfp, const double *p,
                double alo, double aloF, double aloDFp, double ahi, double ahiF, double ahiDFp) {
    int it = 0, P = st->P;
    for (;;) {
        it++;
        if (fabs(alo - ahi) < ZOOM_MIN_RANGE) return 1;
        double a;
        if (it % 5 == 0) {
            a = 0.5 * (alo + ahi);
        } else {
            double d1 = aloDFp + ahiDFp - 3 * (aloF - ahiF) / (alo - ahi);
            double d2 = sqrt(d1 * d1 - aloDFp * ahiDFp);
            if (ahi < alo) d2 = -d2;
            a = ahi - (ahi - alo) * (ahiDFp + d2 - d1) / (ahiDFp - aloDFp + 2 * d2);
            double lo = fmin(alo, ahi), hi = fmax(alo, ahi), span = fabs(alo - ahi);
            if (!isfinite(a) || a < lo + 0.01 * span || a > hi - 0.01 * span) a = 0.5 * (alo + ahi);
        }
        along(P, nx, x, a, p);
        while (evaluate(st, nx, nf, ng)) {
            a = 0.5 * (a + fmin(alo, ahi));
            if (fabs(fmin(alo, ahi) - a) < ZOOM_MIN_RANGE) { *alpha = a; return 1; }
            along(P, nx, x, a, p);
        }
        *alpha = a;
        double dfp = dot(P, ng, p);
        if (*nf > f + a * c1dfp || *nf >= aloF) {
            ahi = a; ahiF = *nf; ahiDFp = dfp;
        } else {
            if (fabs(dfp) <= -c2dfp) return 0;
            if (dfp * (ahi - alo) >= 0) { ahi = alo; ahiF = aloF; ahiDFp = aloDFp; }
            alo = a; aloF = *nf; aloDFp = dfp;
        }
    }
}

/* Stan's WolfeLineSearch; its sufficient-decrease test uses the initial alpha, as Stan's does. */
static int wolfe(lbfgs_state *st, double *alpha, double *x1, double *f1, double *g1, const double *p,
                 const double *x0, double f0, const double *g0) {
    int P = st->P, nits = 0, restarts = 0;
    double dfp = dot(P, g0, p), c1dfp = C1 * dfp, c2dfp = C2 * dfp;
    double a0 = MIN_ALPHA, a1 = *alpha, prevF = f0, prevDFp = dfp;
    for (;;) {
        if (nits >= MAX_LS_ITS) return 1;
        along(P, x1, x0, a1, p);
        if (evaluate(st, x1, f1, g1)) {
            if (restarts >= MAX_LS_RESTARTS) return 1;
            a1 = 0.5 * (a0 + a1);
            restarts++;
            continue;
        }
        restarts = 0;
        double newDFp = dot(P, g1, p);
        if (*f1 > f0 + *alpha * c1dfp || (*f1 >= prevF && nits > 0))
            return zoom(st, alpha, x1, f1, g1, x0, f0, c1dfp, c2dfp, p, a0, prevF, prevDFp, a1, *f1, newDFp);
        if (fabs(newDFp) <= -c2dfp) { *alpha = a1; return 0; }
        if (newDFp >= 0)
            return zoom(st, alpha, x1, f1, g1, x0, f0, c1dfp, c2dfp, p, a1, *f1, newDFp, a0, prevF, prevDFp);
        a0 = a1; prevF = *f1; prevDFp = newDFp;
        a1 *= 10.0;
        nits++;
    }
}

/* Adds the pair (y, s); on a reset forgets the others and returns |y|²/(sᵀy). */
static double push_pair(lbfgs_state *st, const double *y, const double *s, int reset) {
    int P = st->P;
    double sy = dot(P, y, s), yy = dot(P, y, y), b0 = 1.0;
    if (reset) { b0 = yy / sy; st->hlen = 0; st->hstart = 0; }
    st->gamma = sy / yy;
    int slot;
    if (st->hlen < HISTORY) slot = (st->hstart + st->hlen++) % HISTORY;
    else { slot = st->hstart; st->hstart = (st->hstart + 1) % HISTORY; }
    memcpy(st->hy + (size_t)slot * P, y, sizeof(double) * (size_t)P);
    memcpy(st->hs + (size_t)slot * P, s, sizeof(double) * (size_t)P);
    st->hrho[slot] = 1.0 / sy;
    return b0;
}

/* p = −H g by the two-loop recursion, newest pair first. */
static void search_direction(lbfgs_state *st, double *p, const double *g) {
    int P = st->P;
    double a[HISTORY];
    for (int i = 0; i < P; i++) p[i] = -g[i];
    for (int k = st->hlen - 1; k >= 0; k--) {
        int slot = (st->hstart + k) % HISTORY;
        a[k] = st->hrho[slot] * dot(P, st->hs + (size_t)slot * P, p);
        along(P, p, p, -a[k], st->hy + (size_t)slot * P);
    }
    for (int i = 0; i < P; i++) p[i] *= st->gamma;
    for (int k = 0; k < st->hlen; k++) {
        int slot = (st->hstart + k) % HISTORY;
        double b = st->hrho[slot] * dot(P, st->hy + (size_t)slot * P, p);
        along(P, p, p, a[k] - b, st->hs + (size_t)slot * P);
    }
}

size_t cn_prophet_lbfgs_workspace(int pl) {
    size_t P = (size_t)pl + 1;
    return (9 + 2 * HISTORY) * P;
}

int cn_prophet_lbfgs(const prophet_problem *pb, const cn_prophet_params *params,
                     double *work, size_t work_size, cn_prophet_model *model) {
    int P = pb->pl + 1;
    if (work_size < cn_prophet_lbfgs_workspace(pb->pl)) return CN_ERR_WORKSPACE;
    lbfgs_state st = {pb, P, work, work + P, work + (1 + HISTORY) * (size_t)P, {0}, 0, 0, 1.0};
    double *xk = work + (1 + 2 * HISTORY) * (size_t)P, *gk = xk + P, *pk = gk + P;
    double *xk1 = pk + P, *gk1 = xk1 + P, *pk1 = gk1 + P, *sk = pk1 + P, *yk = sk + P;
    cn_prophet_start(pb, model, xk);
    double fk, fk1 = 0, alpha = INIT_ALPHA, alphak1 = 0;
    if (evaluate(&st, xk, &fk, gk)) return CN_ERR_OBJECTIVE;
    for (int j = 0; j < P; j++) pk[j] = -gk[j];
    int it = 0, done = 0;
    while (!done) {
        it++;
        int reset = it == 1;
        for (;;) {
            if (reset) for (int j = 0; j < P; j++) pk[j] = -gk[j];
            if (it > 1 && reset != 2)
                alpha = fmin(1.0, 1.01 * cubic_interp(dot(P, gk1, pk1), alphak1, fk - fk1, dot(P, gk, pk1), MIN_ALPHA, 1.0));
            else
                alpha = INIT_ALPHA;
            /* the line search writes the new point over the previous one */
            if (wolfe(&st, &alpha, xk1, &fk1, gk1, pk, xk, fk, gk) == 0) break;
            if (reset) return CN_ERR_NO_CONVERGENCE;
            reset = 2;
        }
        double *t;
        double tf = fk; fk = fk1; fk1 = tf;
        t = xk; xk = xk1; xk1 = t;
        t = gk; gk = gk1; gk1 = t;
        t = pk; pk = pk1; pk1 = t;
        for (int j = 0; j < P; j++) { sk[j] = xk[j] - xk1[j]; yk[j] = gk[j] - gk1[j]; }
        double gnorm = sqrt(dot(P, gk, gk)), snorm = sqrt(dot(P, sk, sk));
        if (reset) {
            double b0 = push_pair(&st, yk, sk, 1);
            for (int j = 0; j < P; j++) pk1[j] /= b0;
            alphak1 = alpha * b0;
        } else {
            push_pair(&st, yk, sk, 0);
            alphak1 = alpha;
        }
        search_direction(&st, pk, gk);
        double fscale = fmax(fabs(fk1), fmax(fabs(fk), 1.0));
        if (fabs(fk1 - fk) < TOL_ABS_F) done = 1;
        else if (gnorm < TOL_ABS_GRAD) done = 1;
        else if (snorm < TOL_ABS_X) done = 1;
        else if (it >= params->max_iterations) done = 1;
        else if (fabs(fk1 - fk) / fscale < TOL_REL_F * DBL_EPS) done = 1;
        else if (-dot(P, pk, gk) / fmax(fabs(fk), 1.0) < TOL_REL_GRAD * DBL_EPS) done = 1;
    }
    cn_prophet_store(pb, xk, it, model);
    return CN_OK;
}
