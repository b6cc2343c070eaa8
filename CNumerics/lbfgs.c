/* Bounded limited-memory BFGS with the semantics of L-BFGS-B 3.0 (Byrd, Lu,
 * Nocedal & Zhu 1995; Morales & Nocedal 2011), as scipy's fmin_l_bfgs_b runs it:
 * generalized Cauchy point, subspace minimisation over the free variables with
 * the projected-then-backtracked step, Moré–Thuente line search (ftol 1e-3,
 * gtol 0.9, xtol 0.1), first step 1/||d|| on unconstrained problems, stopping
 * on the projected gradient (pgtol), relative reduction (factr·eps) or the
 * iteration limit counted after each accepted step.
 *
 * The problems this project solves have few variables (ARIMA ≤ 7, Prophet a
 * few dozen), so the limited-memory matrix B = θI − W M Wᵀ is formed densely
 * by replaying the stored BFGS pairs from θI: mathematically the same model as
 * the compact form, and simpler to keep correct. */
#include <math.h>
#include <float.h>
#include <string.h>
#include "cnumerics.h"
#include "lbfgs_internal.h"

void cn_lbfgs_params_init(cn_lbfgs_params *p) {
    p->memory = 10; p->max_iterations = 50; p->max_evaluations = 15000;
    p->factr = 1e7; p->pgtol = 1e-5;
}

size_t cn_lbfgs_workspace_size(int n, int m) {
    if (n <= 0 || m <= 0) return 0;
    return (size_t)(2 * m) * (size_t)n + 3 * (size_t)n * (size_t)n + 14 * (size_t)n;
}

typedef struct lb_ws {
    double *S, *Y, *B, *L, *Bd;
    double *g, *xold, *gold, *d, *z, *xp, *tmp, *r, *bp;
    double *free;  /* 1.0 when a variable is free at the Cauchy point */
    double *order; /* indices of breakpoints, stored as doubles */
} lb_ws;

static double lb_lower(const double *l, int i) { return l ? l[i] : -INFINITY; }
static double lb_upper(const double *u, int i) { return u ? u[i] : INFINITY; }

static double proj_grad_norm(int n, const double *x, const double *g, const double *l, const double *u) {
    double norm = 0.0;
    for (int i = 0; i < n; i++) {
        double gi = g[i];
        if (gi < 0.0) { double up = lb_upper(u, i); if (isfinite(up)) gi = fmax(x[i] - up, gi); }
        else { double lo = lb_lower(l, i); if (isfinite(lo)) gi = fmin(x[i] - lo, gi); }
        norm = fmax(norm, fabs(gi));
    }
    return norm;
}

/* B = θI followed by the BFGS updates of the stored pairs, oldest first. */
static void form_b(int n, int col, int head, int m, double theta, const double *S, const double *Y,
                   double *B, double *Bs) {
    memset(B, 0, sizeof(double) * (size_t)n * (size_t)n);
    for (int i = 0; i < n; i++) B[i + i * n] = theta;
    for (int k = 0; k < col; k++) {
        const double *s = S + (size_t)((head + k) % m) * n, *y = Y + (size_t)((head + k) % m) * n;
        double sbs = 0.0, ys = 0.0;
        for (int i = 0; i < n; i++) {
            double acc = 0.0;
            for (int j = 0; j < n; j++) acc += B[i + j * n] * s[j];
            Bs[i] = acc; sbs += s[i] * acc; ys += y[i] * s[i];
        }
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) B[i + j * n] += y[i] * y[j] / ys - Bs[i] * Bs[j] / sbs;
    }
}

static void matvec(int n, const double *B, const double *v, double *out) {
    for (int i = 0; i < n; i++) out[i] = 0.0;
    for (int j = 0; j < n; j++) { double vj = v[j]; if (vj != 0.0) for (int i = 0; i < n; i++) out[i] += B[i + j * n] * vj; }
}

/* Generalized Cauchy point: minimiser of the quadratic model along the
 * projected steepest-descent path; writes it to z and marks free variables. */
static void cauchy(int n, const double *x, const double *g, const double *l, const double *u,
                   const double *B, lb_ws *w) {
    double *d = w->d, *p = w->tmp, *Bd = w->Bd, *t = w->bp;
    int nbreak = 0;
    for (int i = 0; i < n; i++) {
        double lo = lb_lower(l, i), up = lb_upper(u, i), neg = -g[i];
        int fixed = 0;
        t[i] = INFINITY;
        if (x[i] <= lo && neg <= 0.0) fixed = 1;
        else if (x[i] >= up && neg >= 0.0) fixed = 1;
        else if (neg == 0.0) fixed = 1;
        d[i] = fixed ? 0.0 : neg;
        if (!fixed) {
            if (neg < 0.0 && isfinite(lo)) t[i] = (x[i] - lo) / (-neg);
            else if (neg > 0.0 && isfinite(up)) t[i] = (up - x[i]) / neg;
            if (isfinite(t[i])) w->order[nbreak++] = (double)i;
        }
        p[i] = 0.0;
        w->free[i] = 1.0;
    }
    /* Sort breakpoints ascending (insertion sort: few variables). */
    for (int a = 1; a < nbreak; a++) {
        double key = w->order[a]; int b = a - 1;
        while (b >= 0 && t[(int)w->order[b]] > t[(int)key]) { w->order[b + 1] = w->order[b]; b--; }
        w->order[b + 1] = key;
    }
    double tsum = 0.0;
    int k = 0;
    for (;;) {
        matvec(n, B, d, Bd);
        double f1 = 0.0, f2 = 0.0;
        for (int i = 0; i < n; i++) { f1 += g[i] * d[i] + p[i] * Bd[i]; f2 += d[i] * Bd[i]; }
        double dtm = f2 > 0.0 ? -f1 / f2 : (f1 < 0.0 ? INFINITY : 0.0);
        if (f1 >= 0.0) dtm = 0.0;
        /* Skip breakpoints already passed (ties). */
        while (k < nbreak && t[(int)w->order[k]] <= tsum) {
            int b = (int)w->order[k++];
            if (d[b] != 0.0) { p[b] += 0.0; d[b] = 0.0; w->free[b] = 0.0; }
        }
        double dt = k < nbreak ? t[(int)w->order[k]] - tsum : INFINITY;
        if (dtm < dt || k >= nbreak) {
            if (!isfinite(dtm)) dtm = 0.0;
            for (int i = 0; i < n; i++) p[i] += dtm * d[i];
            break;
        }
        for (int i = 0; i < n; i++) p[i] += dt * d[i];
        tsum += dt;
        int b = (int)w->order[k++];
        double lo = lb_lower(l, b), up = lb_upper(u, b);
        p[b] = (d[b] > 0.0 ? up : lo) - x[b];
        d[b] = 0.0;
        w->free[b] = 0.0;
    }
    for (int i = 0; i < n; i++) {
        w->z[i] = x[i] + p[i];
        double lo = lb_lower(l, i), up = lb_upper(u, i);
        if (w->z[i] <= lo) { w->z[i] = lo; w->free[i] = 0.0; }
        if (w->z[i] >= up) { w->z[i] = up; w->free[i] = 0.0; }
    }
}

/* Minimises the model over the free variables from the Cauchy point z (in
 * place), then projects; falls back to the backtracked step when projection
 * gives an ascent direction (L-BFGS-B 3.0). Returns a status. */
static int subspace(int n, const double *x, const double *g, const double *l, const double *u,
                    const double *B, lb_ws *w) {
    int nf = 0;
    int idx[n];
    for (int i = 0; i < n; i++) if (w->free[i] != 0.0) idx[nf++] = i;
    if (nf == 0) return CN_OK;
    double *r = w->r, *L = w->L, *du = w->xp;
    for (int i = 0; i < n; i++) w->tmp[i] = w->z[i] - x[i];
    matvec(n, B, w->tmp, w->Bd);
    for (int a = 0; a < nf; a++) r[a] = -(g[idx[a]] + w->Bd[idx[a]]);
    /* Cholesky of B_FF (positive definite as a principal submatrix of B). */
    for (int j = 0; j < nf; j++) {
        for (int i = j; i < nf; i++) {
            double s = B[idx[i] + idx[j] * n];
            for (int k = 0; k < j; k++) s -= L[i + k * nf] * L[j + k * nf];
            if (i == j) { if (!(s > 0.0)) return CN_ERR_SINGULAR; L[j + j * nf] = sqrt(s); }
            else L[i + j * nf] = s / L[j + j * nf];
        }
    }
    for (int i = 0; i < nf; i++) { double s = r[i]; for (int k = 0; k < i; k++) s -= L[i + k * nf] * du[k]; du[i] = s / L[i + i * nf]; }
    for (int i = nf - 1; i >= 0; i--) { double s = du[i]; for (int k = i + 1; k < nf; k++) s -= L[k + i * nf] * du[k]; du[i] = s / L[i + i * nf]; }
    /* Try the projected Newton point first. */
    double *zc = w->tmp;
    memcpy(zc, w->z, sizeof(double) * (size_t)n);
    int hit = 0;
    for (int a = 0; a < nf; a++) {
        int k = idx[a];
        double lo = lb_lower(l, k), up = lb_upper(u, k), v = zc[k] + du[a];
        if (v <= lo) { v = lo; hit = 1; }
        if (v >= up) { v = up; hit = 1; }
        w->z[k] = v;
    }
    if (!hit) return CN_OK;
    double dd = 0.0;
    for (int i = 0; i < n; i++) dd += (w->z[i] - x[i]) * g[i];
    if (dd <= 0.0) return CN_OK;
    memcpy(w->z, zc, sizeof(double) * (size_t)n);
    double alpha = 1.0; int ibd = -1;
    for (int a = 0; a < nf; a++) {
        int k = idx[a];
        double dk = du[a], lo = lb_lower(l, k), up = lb_upper(u, k), t = alpha;
        if (dk < 0.0 && isfinite(lo)) {
            double room = lo - zc[k];
            if (room >= 0.0) t = 0.0; else if (dk * alpha < room) t = room / dk;
        } else if (dk > 0.0 && isfinite(up)) {
            double room = up - zc[k];
            if (room <= 0.0) t = 0.0; else if (dk * alpha > room) t = room / dk;
        }
        if (t < alpha) { alpha = t; ibd = a; }
    }
    if (alpha < 1.0 && ibd >= 0) {
        int k = idx[ibd];
        w->z[k] = du[ibd] > 0.0 ? lb_upper(u, k) : lb_lower(l, k);
        du[ibd] = 0.0;
    }
    for (int a = 0; a < nf; a++) w->z[idx[a]] += alpha * du[a];
    return CN_OK;
}

static int evaluate(cn_objective_fn fn, void *ctx, int n, const double *x, double *f, double *g, int *evals) {
    (*evals)++;
    if (fn(ctx, n, x, f, g) != 0) return CN_ERR_OBJECTIVE;
    if (!isfinite(*f)) return CN_ERR_OBJECTIVE;
    for (int i = 0; i < n; i++) if (!isfinite(g[i])) return CN_ERR_OBJECTIVE;
    return CN_OK;
}

int cn_lbfgs_minimize(int n, double *x, const double *lower, const double *upper,
                      cn_objective_fn fn, void *context, const cn_lbfgs_params *params,
                      double *work, size_t work_size, cn_lbfgs_result *result) {
    cn_lbfgs_params def;
    if (!params) { cn_lbfgs_params_init(&def); params = &def; }
    int m = params->memory;
    if (n <= 0 || !x || !fn || !work || !result || m <= 0) return CN_ERR_ARGUMENT;
    if (work_size < cn_lbfgs_workspace_size(n, m)) return CN_ERR_WORKSPACE;
    memset(result, 0, sizeof *result);
    lb_ws w;
    double *p = work;
    w.S = p; p += (size_t)m * n; w.Y = p; p += (size_t)m * n;
    w.B = p; p += (size_t)n * n; w.L = p; p += (size_t)n * n; w.bp = p; p += (size_t)n * n;
    w.Bd = p; p += n; w.g = p; p += n; w.xold = p; p += n; w.gold = p; p += n; w.d = p; p += n;
    w.z = p; p += n; w.xp = p; p += n; w.tmp = p; p += n; w.r = p; p += n;
    w.free = p; p += n; w.order = p; p += n;

    int constrained = 0, boxed = 1;
    for (int i = 0; i < n; i++) {
        double lo = lb_lower(lower, i), up = lb_upper(upper, i);
        if (!isfinite(x[i]) || isnan(lo) || isnan(up) || lo > up) return CN_ERR_ARGUMENT;
        if (isfinite(lo) || isfinite(up)) constrained = 1;
        if (!(isfinite(lo) && isfinite(up))) boxed = 0;
        if (x[i] < lo) x[i] = lo;
        if (x[i] > up) x[i] = up;
    }
    const double eps = DBL_EPSILON, tol = params->factr * eps;
    double f;
    int st = evaluate(fn, context, n, x, &f, w.g, &result->evaluations);
    if (st) return st;
    result->f = f;
    if (proj_grad_norm(n, x, w.g, lower, upper) <= params->pgtol) { result->converged = 1; return CN_OK; }

    int col = 0, head = 0, iter = 0;
    double theta = 1.0;
    for (;;) {
        /* Search direction d = z - x from the Cauchy point and subspace step. */
        form_b(n, col, head, m, theta, w.S, w.Y, w.B, w.Bd);
        if (!constrained && col > 0) {
            memcpy(w.z, x, sizeof(double) * (size_t)n);
            for (int i = 0; i < n; i++) w.free[i] = 1.0;
        } else {
            cauchy(n, x, w.g, lower, upper, w.B, &w);
        }
        if (col > 0) {
            if (subspace(n, x, w.g, lower, upper, w.B, &w) != CN_OK) {
                col = 0; head = 0; theta = 1.0; continue;
            }
        }
        double dnorm2 = 0.0, gd = 0.0;
        double *d = w.d;
        for (int i = 0; i < n; i++) { d[i] = w.z[i] - x[i]; dnorm2 += d[i] * d[i]; gd += w.g[i] * d[i]; }
        double dnorm = sqrt(dnorm2);
        double stpmax = 1e10;
        if (constrained) {
            if (iter == 0) stpmax = 1.0;
            else for (int i = 0; i < n; i++) {
                double lo = lb_lower(lower, i), up = lb_upper(upper, i), a1 = d[i];
                if (a1 < 0.0 && isfinite(lo)) { double a2 = lo - x[i]; if (a2 >= 0.0) stpmax = 0.0; else if (a1 * stpmax < a2) stpmax = a2 / a1; }
                else if (a1 > 0.0 && isfinite(up)) { double a2 = up - x[i]; if (a2 <= 0.0) stpmax = 0.0; else if (a1 * stpmax > a2) stpmax = a2 / a1; }
            }
        }
        double stp = (iter == 0 && !boxed) ? fmin(1.0 / dnorm, stpmax) : 1.0;
        memcpy(w.xold, x, sizeof(double) * (size_t)n);
        memcpy(w.gold, w.g, sizeof(double) * (size_t)n);
        double fold = f, gdold = gd;
        int failed = !(gd < 0.0) || dnorm == 0.0;
        cn_linesearch ls;
        int backs = 0;
        if (!failed) {
            cn_ls_start(&ls, f, gd, stp, 1e-3, 0.9, 0.1, 0.0, stpmax);
            for (;;) {
                if (stp == 1.0) memcpy(x, w.z, sizeof(double) * (size_t)n);
                else for (int i = 0; i < n; i++) x[i] = w.xold[i] + stp * d[i];
                if (result->evaluations >= params->max_evaluations) { failed = 2; break; }
                st = evaluate(fn, context, n, x, &f, w.g, &result->evaluations);
                if (st) { failed = 1; break; }
                gd = 0.0;
                for (int i = 0; i < n; i++) gd += w.g[i] * d[i];
                int r = cn_ls_next(&ls, f, gd, &stp);
                if (r != CN_LS_EVALUATE) break;
                if (++backs >= 20) { failed = 1; break; }
            }
        }
        if (failed) {
            memcpy(x, w.xold, sizeof(double) * (size_t)n);
            memcpy(w.g, w.gold, sizeof(double) * (size_t)n);
            f = fold;
            result->f = f;
            if (failed == 2) return CN_OK;
            /* scipy: ABNORMAL_TERMINATION_IN_LNSRCH keeps the last point, no error. */
            if (col == 0) return CN_OK;
            col = 0; head = 0; theta = 1.0;
            continue;
        }
        iter++;
        result->iterations = iter;
        result->f = f;
        if (iter >= params->max_iterations) return CN_OK;
        if (proj_grad_norm(n, x, w.g, lower, upper) <= params->pgtol) { result->converged = 1; return CN_OK; }
        if (fold - f <= tol * fmax(fmax(fabs(fold), fabs(f)), 1.0)) { result->converged = 1; return CN_OK; }
        /* New correction pair s = x - xold, y = g - gold, kept when sᵀy is safely positive. */
        double yy = 0.0, sy = 0.0;
        for (int i = 0; i < n; i++) { double yi = w.g[i] - w.gold[i]; yy += yi * yi; sy += yi * (x[i] - w.xold[i]); }
        double ddum = stp == 1.0 ? -gdold : -gdold * stp;
        if (sy <= eps * ddum) continue;
        int slot;
        if (col < m) { slot = (head + col) % m; col++; }
        else { slot = head; head = (head + 1) % m; }
        for (int i = 0; i < n; i++) { w.S[(size_t)slot * n + i] = x[i] - w.xold[i]; w.Y[(size_t)slot * n + i] = w.g[i] - w.gold[i]; }
        theta = yy / sy;
    }
}
