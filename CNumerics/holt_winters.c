/* Additive Holt–Winters: recursions, statsmodels' "simple" initial state and the
 * least-squares fit (see cn_holt_winters.h). */
#include <math.h>
#include <string.h>
#include "cnumerics.h"

enum { HW_A = 0, HW_B = 1, HW_G = 2, HW_P = 3, HW_NPAR = 4 };

/* statsmodels' LOWER_BOUND = sqrt(machine epsilon) keeps α off 0 and 1. */
#define HW_EDGE 1.4901161193847656e-08
#define HW_PHI_LOW 0.8
#define HW_PHI_HIGH 0.995

static int spec_ok(cn_hw_spec s) {
    return (s.trend == 0 || s.trend == 1) && (s.damped == 0 || s.damped == 1) && !(s.damped && !s.trend)
        && (s.period == 0 || s.period >= 2);
}

static int hw_seasonal_slots(cn_hw_spec s) { return s.period > 0 ? s.period : 1; }

int cn_hw_initial_simple(cn_hw_spec spec, const double *y, int n, double *level, double *trend, double *seasonal) {
    if (!spec_ok(spec) || !y || !level || !trend || (spec.period && !seasonal)) return CN_ERR_ARGUMENT;
    int m = spec.period;
    if (m == 0) {
        if (n < 1 + spec.trend) return CN_ERR_ARGUMENT;
        *level = y[0];
        *trend = spec.trend ? y[1] - y[0] : 0.0;
        return isfinite(*level) && isfinite(*trend) ? CN_OK : CN_ERR_NONFINITE;
    }
    if (n < 2 * m) return CN_ERR_ARGUMENT;
    double first = 0, diff = 0;
    for (int j = 0; j < m; j++) { first += y[j]; diff += (y[m + j] - y[j]) / m; }
    first /= m;
    *level = first;
    *trend = spec.trend ? diff / m : 0.0;
    for (int j = 0; j < m; j++) seasonal[j] = y[j] - first;
    if (!isfinite(*level) || !isfinite(*trend)) return CN_ERR_NONFINITE;
    for (int j = 0; j < m; j++) if (!isfinite(seasonal[j])) return CN_ERR_NONFINITE;
    return CN_OK;
}

int cn_hw_initial_smoothed(cn_hw_spec spec, const double *y, int n, int window, double *level, double *trend,
                           double *seasonal, double *work) {
    if (!spec_ok(spec) || !y || n < 1 || !level || !trend || window < 1 || window % 2 == 0) return CN_ERR_ARGUMENT;
    int m = spec.period;
    if (m == 0) {
        /* The first value and no trend. A line through the first points would be
         * fitted to the very points the weights are then fitted on, and least
         * squares would freeze the level there (alpha -> 0). */
        *level = y[0];
        *trend = 0.0;
        return isfinite(*level) ? CN_OK : CN_ERR_NONFINITE;
    }
    if (!seasonal || !work || window > m) return CN_ERR_ARGUMENT;
    int st = cn_hw_initial_simple(spec, y, n, level, trend, seasonal);
    if (st) return st;
    int cycles = n / m;
    for (int j = 0; j < m; j++) work[j] = 0;
    for (int c = 0; c < cycles; c++) {
        double mean = 0;
        for (int j = 0; j < m; j++) mean += y[(size_t)c * m + j];
        mean /= m;
        for (int j = 0; j < m; j++) work[j] += (y[(size_t)c * m + j] - mean) / cycles;
    }
    int h = window / 2;
    double sum = 0, total = 0;
    for (int i = -h; i <= h; i++) sum += work[((i % m) + m) % m];
    for (int j = 0; j < m; j++) {
        seasonal[j] = sum / window;
        total += seasonal[j];
        sum += work[(j + h + 1) % m] - work[((j - h) % m + m) % m];
    }
    for (int j = 0; j < m; j++) seasonal[j] -= total / m;
    for (int j = 0; j < m; j++) if (!isfinite(seasonal[j])) return CN_ERR_NONFINITE;
    return CN_OK;
}

double cn_hw_forecast(cn_hw_spec spec, cn_hw_params p, const cn_hw_state *st, const double *seasonal) {
    double phi = spec.damped ? p.phi : 1.0;
    double f = st->level + (spec.trend ? phi * st->trend : 0.0);
    if (spec.period > 0) f += seasonal[st->slot];
    return f;
}

int cn_hw_filter(cn_hw_spec spec, cn_hw_params p, const double *y, int n, cn_hw_state *st, double *seasonal,
                 double *sse, double *errors) {
    if (!spec_ok(spec) || !st || !sse || n < 0 || (n > 0 && !y) || (spec.period && !seasonal)) return CN_ERR_ARGUMENT;
    if (spec.period && (st->slot < 0 || st->slot >= spec.period)) return CN_ERR_ARGUMENT;
    double a = p.alpha, be = spec.trend ? p.beta : 0.0, g = spec.period ? p.gamma : 0.0;
    double phi = spec.damped ? p.phi : 1.0;
    double l = st->level, b = spec.trend ? st->trend : 0.0, acc = 0;
    int m = spec.period, j = st->slot;
    for (int t = 0; t < n; t++) {
        if (!isfinite(y[t])) return CN_ERR_NONFINITE;
        double s = m ? seasonal[j] : 0.0, lb = l + phi * b;
        double e = y[t] - (lb + s);
        acc += e * e;
        if (errors) errors[t] = e;
        double ln = a * (y[t] - s) + (1 - a) * lb;
        if (spec.trend) b = be * (ln - l) + (1 - be) * phi * b;
        if (m) { seasonal[j] = g * (y[t] - lb) + (1 - g) * s; j = j + 1 == m ? 0 : j + 1; }
        l = ln;
    }
    st->level = l; st->trend = b; st->slot = j;
    *sse = acc;
    return isfinite(acc) && isfinite(l) && isfinite(b) ? CN_OK : CN_ERR_NONFINITE;
}

/* ---- fit ---- */

typedef struct hw_problem {
    cn_hw_spec spec;
    const double *y;
    int n;
    double l0, b0;
    const double *s0;
    double scale;          /* objective = SSE / scale */
    int which[HW_NPAR];    /* natural parameter of each optimisation variable */
    int k;                 /* number of optimisation variables */
    double *s, *ds;        /* season ring (m) and its sensitivities (4·m) */
    int evaluations;
} hw_problem;

/* Natural parameters from the unit-cube variables (statsmodels' to_restricted). */
static cn_hw_params hw_restrict(const hw_problem *pr, const double *u, double jac[HW_NPAR][HW_NPAR]) {
    double v[HW_NPAR] = { 0.5, 0, 0, 1 };
    for (int i = 0; i < pr->k; i++) v[pr->which[i]] = u[i];
    double span = (1 - HW_EDGE) - HW_EDGE;
    cn_hw_params p;
    p.alpha = HW_EDGE + v[HW_A] * span;
    p.beta = pr->spec.trend ? v[HW_B] * p.alpha : 0.0;
    p.gamma = pr->spec.period ? v[HW_G] * (1 - p.alpha) : 0.0;
    p.phi = pr->spec.damped ? v[HW_P] : 1.0;
    if (jac) {
        memset(jac, 0, sizeof(double) * HW_NPAR * HW_NPAR);   /* jac[natural][variable] */
        jac[HW_A][HW_A] = span;
        jac[HW_B][HW_A] = v[HW_B] * span; jac[HW_B][HW_B] = p.alpha;
        jac[HW_G][HW_A] = -v[HW_G] * span; jac[HW_G][HW_G] = 1 - p.alpha;
        jac[HW_P][HW_P] = 1;
    }
    return p;
}

/* SSE at p and, when grad is not NULL, dSSE/d(α, β, γ, φ) by forward sensitivities. */
static double hw_sse_grad(hw_problem *pr, cn_hw_params p, double grad[HW_NPAR]) {
    const cn_hw_spec sp = pr->spec;
    int m = sp.period, ms = hw_seasonal_slots(sp);
    double *s = pr->s, *ds = pr->ds;
    if (m) memcpy(s, pr->s0, sizeof(double) * (size_t)m); else s[0] = 0;
    double a = p.alpha, be = p.beta, g = p.gamma, phi = p.phi;
    double l = pr->l0, b = sp.trend ? pr->b0 : 0.0, sse = 0;
    double dl[HW_NPAR] = { 0 }, db[HW_NPAR] = { 0 };
    if (grad) { memset(ds, 0, sizeof(double) * HW_NPAR * (size_t)ms); memset(grad, 0, sizeof(double) * HW_NPAR); }
    pr->evaluations++;
    for (int t = 0, j = 0; t < pr->n; t++) {
        double y = pr->y[t], sj = s[j], lb = l + phi * b;
        double e = y - (lb + sj);
        sse += e * e;
        double ln = a * (y - sj) + (1 - a) * lb;
        double bn = sp.trend ? be * (ln - l) + (1 - be) * phi * b : 0.0;
        if (grad) {
            for (int q = 0; q < HW_NPAR; q++) {
                double *dsq = ds + (size_t)q * ms;
                double dlb = dl[q] + phi * db[q] + (q == HW_P ? b : 0.0);
                grad[q] -= 2 * e * (dlb + dsq[j]);
                double dln = (q == HW_A ? y - sj - lb : 0.0) - a * dsq[j] + (1 - a) * dlb;
                if (sp.trend)
                    db[q] = (q == HW_B ? ln - l - phi * b : 0.0) + be * (dln - dl[q])
                          + (1 - be) * (phi * db[q] + (q == HW_P ? b : 0.0));
                if (m) dsq[j] = (q == HW_G ? y - lb - sj : 0.0) - g * dlb + (1 - g) * dsq[j];
                dl[q] = dln;
            }
        }
        if (m) { s[j] = g * (y - lb) + (1 - g) * sj; j = j + 1 == m ? 0 : j + 1; }
        l = ln; b = bn;
    }
    return sse;
}

static int hw_objective(void *ctx, int k, const double *u, double *f, double *grad) {
    hw_problem *pr = ctx;
    double jac[HW_NPAR][HW_NPAR], g[HW_NPAR];
    cn_hw_params p = hw_restrict(pr, u, grad ? jac : NULL);
    double sse = hw_sse_grad(pr, p, grad ? g : NULL);
    if (!isfinite(sse)) return 1;
    *f = sse / pr->scale;
    if (grad) {
        for (int i = 0; i < k; i++) {
            double acc = 0;
            for (int q = 0; q < HW_NPAR; q++) acc += g[q] * jac[q][pr->which[i]];
            grad[i] = acc / pr->scale;
            if (!isfinite(grad[i])) return 1;
        }
    }
    return 0;
}

size_t cn_hw_fit_workspace_size(cn_hw_spec spec) {
    if (!spec_ok(spec)) return 0;
    size_t ms = (size_t)hw_seasonal_slots(spec);
    return ms * (1 + HW_NPAR) + cn_lbfgs_workspace_size(HW_NPAR, 10) + 8;
}

/* Unit-cube point of natural parameters (the inverse of hw_restrict), clamped. */
static void hw_unrestrict(const hw_problem *pr, cn_hw_params p, double *u) {
    double span = (1 - HW_EDGE) - HW_EDGE;
    for (int i = 0; i < pr->k; i++) {
        double v;
        switch (pr->which[i]) {
        case HW_A: v = (p.alpha - HW_EDGE) / span; break;
        case HW_B: v = p.alpha > 0 ? p.beta / p.alpha : 0; break;
        case HW_G: v = p.alpha < 1 ? p.gamma / (1 - p.alpha) : 0; break;
        default: v = p.phi; break;
        }
        double lo = pr->which[i] == HW_P ? HW_PHI_LOW : 0.0, hi = pr->which[i] == HW_P ? HW_PHI_HIGH : 1.0;
        u[i] = isfinite(v) ? fmin(hi, fmax(lo, v)) : lo;
    }
}

int cn_hw_fit(cn_hw_spec spec, const double *y, int n, double level0, double trend0, const double *seasonal0,
              const cn_hw_params *start, cn_hw_fit_result *result, double *work, size_t work_size) {
    if (!spec_ok(spec) || !y || n < 1 || !result || !work || (spec.period && !seasonal0)) return CN_ERR_ARGUMENT;
    if (work_size < cn_hw_fit_workspace_size(spec)) return CN_ERR_WORKSPACE;
    if (!isfinite(level0) || !isfinite(trend0)) return CN_ERR_NONFINITE;
    for (int t = 0; t < n; t++) if (!isfinite(y[t])) return CN_ERR_NONFINITE;
    for (int j = 0; j < spec.period; j++) if (!isfinite(seasonal0[j])) return CN_ERR_NONFINITE;
    size_t ms = (size_t)hw_seasonal_slots(spec);
    hw_problem pr = { .spec = spec, .y = y, .n = n, .l0 = level0, .b0 = trend0, .s0 = seasonal0 };
    pr.s = work; pr.ds = work + ms;
    double *lbw = pr.ds + HW_NPAR * ms;
    size_t lbw_size = cn_lbfgs_workspace_size(HW_NPAR, 10);
    pr.which[pr.k++] = HW_A;
    if (spec.trend) pr.which[pr.k++] = HW_B;
    if (spec.period) pr.which[pr.k++] = HW_G;
    if (spec.damped) pr.which[pr.k++] = HW_P;
    /* Objective in units of the series' spread around its mean, so the
     * tolerances below do not depend on the load's magnitude. */
    double mean = 0, spread = 0;
    for (int t = 0; t < n; t++) mean += y[t];
    mean /= n;
    for (int t = 0; t < n; t++) spread += (y[t] - mean) * (y[t] - mean);
    pr.scale = spread > 0 ? spread : 1.0;

    double lower[HW_NPAR], upper[HW_NPAR];
    for (int i = 0; i < pr.k; i++) {
        lower[i] = pr.which[i] == HW_P ? HW_PHI_LOW : 0.0;
        upper[i] = pr.which[i] == HW_P ? HW_PHI_HIGH : 1.0;
    }
    /* Grid of starts (the SSE surface has several basins); the best two and the
     * warm start are polished by L-BFGS-B. */
    static const double ga[] = { 0.02, 0.1, 0.3, 0.6, 0.9 }, gr[] = { 0.02, 0.2, 0.6 };
    double best2[2][HW_NPAR], bestf[2] = { INFINITY, INFINITY };
    int nb = spec.trend ? 3 : 1, ng = spec.period ? 3 : 1;
    for (int ia = 0; ia < 5; ia++) for (int ib = 0; ib < nb; ib++) for (int ig = 0; ig < ng; ig++) {
        double u[HW_NPAR], f;
        for (int i = 0; i < pr.k; i++) {
            switch (pr.which[i]) {
            case HW_A: u[i] = ga[ia]; break;
            case HW_B: u[i] = gr[ib]; break;
            case HW_G: u[i] = gr[ig]; break;
            default: u[i] = 0.98; break;
            }
        }
        if (hw_objective(&pr, pr.k, u, &f, NULL) != 0) continue;
        int slot = f < bestf[0] ? 0 : f < bestf[1] ? 1 : -1;
        if (slot == 0) { memcpy(best2[1], best2[0], sizeof best2[0]); bestf[1] = bestf[0]; }
        if (slot >= 0) { memcpy(best2[slot], u, sizeof best2[0]); bestf[slot] = f; }
    }
    double starts[3][HW_NPAR];
    int ns = 0;
    for (int i = 0; i < 2; i++) if (isfinite(bestf[i])) memcpy(starts[ns++], best2[i], sizeof starts[0]);
    if (start) hw_unrestrict(&pr, *start, starts[ns++]);
    if (ns == 0) return CN_ERR_NONFINITE;

    cn_lbfgs_params lp;
    cn_lbfgs_params_init(&lp);
    lp.max_iterations = 200;
    lp.factr = 1e5;
    lp.pgtol = 1e-9;
    double bestu[HW_NPAR], bf = INFINITY;
    for (int i = 0; i < ns; i++) {
        double u[HW_NPAR], f0;
        memcpy(u, starts[i], sizeof u);
        cn_lbfgs_result r;
        int st = cn_lbfgs_minimize(pr.k, u, lower, upper, hw_objective, &pr, &lp, lbw, lbw_size, &r);
        /* A line search that gives up still leaves a point no worse than its start. */
        if (st != CN_OK && st != CN_ERR_NO_CONVERGENCE) continue;
        if (hw_objective(&pr, pr.k, u, &f0, NULL) != 0) continue;
        if (f0 < bf) { bf = f0; memcpy(bestu, u, sizeof bestu); }
    }
    if (!isfinite(bf)) return CN_ERR_NO_CONVERGENCE;
    result->params = hw_restrict(&pr, bestu, NULL);
    result->sse = bf * pr.scale;
    result->evaluations = pr.evaluations;
    return CN_OK;
}
