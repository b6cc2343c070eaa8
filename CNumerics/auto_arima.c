/* pmdarima's ndiffs (repeated KPSS) and auto_arima's Hyndman–Khandakar
 * stepwise search with pmdarima's defaults, non-seasonal. */
#include <math.h>
#include <string.h>
#include "cnumerics.h"
#include "arima_internal.h"

static int is_constant(const double *x, int n) {
    for (int i = 1; i < n; i++) if (x[i] != x[0]) return 0;
    return 1;
}

int cn_kpss_level(const double *y, int n, double *statistic, double *pvalue, double *work, size_t work_size) {
    (void)work; (void)work_size;
    if (!y || n < 1 || !statistic || !pvalue) return CN_ERR_ARGUMENT;
    double mean = 0; for (int i = 0; i < n; i++) mean += y[i];
    mean /= n;
    double s = 0, eta = 0, s2 = 0;
    for (int i = 0; i < n; i++) { double e = y[i] - mean; s += e; eta += s * s; s2 += e * e; }
    eta /= (double)n * n;
    s2 /= n;
    /* tseries' long-run variance with Bartlett weights, lshort lag rule. */
    int l = (int)trunc(4.0 * pow(n / 100.0, 0.25));
    double acc = 0;
    for (int i = 1; i <= l; i++) {
        double t = 0;
        for (int j = i; j < n; j++) t += (y[j] - mean) * (y[j - i] - mean);
        acc += t * (1.0 - i / (l + 1.0));
    }
    s2 += 2.0 * acc / n;
    double stat = eta / s2;
    static const double crit[4] = {0.347, 0.463, 0.574, 0.739}, prob[4] = {0.10, 0.05, 0.025, 0.01};
    double p;
    if (!(stat == stat)) p = NAN;
    else if (stat <= crit[0]) p = prob[0];
    else if (stat >= crit[3]) p = prob[3];
    else {
        int k = 0; while (stat > crit[k + 1]) k++;
        p = prob[k] + (prob[k + 1] - prob[k]) * (stat - crit[k]) / (crit[k + 1] - crit[k]);
    }
    *statistic = stat; *pvalue = p;
    return CN_OK;
}

int cn_kpss_ndiffs(const double *y, int n, double alpha, int max_d, int *d, double *work, size_t work_size) {
    if (!y || !d || n < 1 || !work || work_size < (size_t)n) return CN_ERR_ARGUMENT;
    *d = 0;
    if (is_constant(y, n)) return CN_OK;
    double stat, p;
    memcpy(work, y, sizeof(double) * (size_t)n);
    int len = n;
    if (cn_kpss_level(work, len, &stat, &p, NULL, 0) || isnan(p)) return CN_OK;
    while (p < alpha && *d < max_d) {
        (*d)++;
        for (int i = 0; i + 1 < len; i++) work[i] = work[i + 1] - work[i];
        len--;
        if (len < 1) { (*d)--; return CN_OK; }
        if (is_constant(work, len)) return CN_OK;
        if (cn_kpss_level(work, len, &stat, &p, NULL, 0) || isnan(p)) { (*d)--; return CN_OK; }
    }
    return CN_OK;
}

typedef struct stepwise {
    const double *y;
    int n, d, k, have_best;
    double ic[CN_ARIMA_MAX_P + 1][CN_ARIMA_MAX_Q + 1][2];
    char tried[CN_ARIMA_MAX_P + 1][CN_ARIMA_MAX_Q + 1][2];
    cn_arima_fit_result fits[CN_ARIMA_MAX_P + 1][CN_ARIMA_MAX_Q + 1][2];
    int bp, bq, bc;
    double *work;
    size_t work_size;
} stepwise;

/* pmdarima's _root_test: AIC becomes inf when an inverse root is within 0.01
 * of the unit circle (the MA check replaces the AR one when both exist). */
static double root_test(cn_arima_order o, const double *params, double ic) {
    double m = 0;
    if (o.p > 0) m = cn_arima_max_inverse_root(o, params, 0);
    if (o.q > 0 && isfinite(ic)) m = cn_arima_max_inverse_root(o, params, 1);
    return m > 1.0 - 1e-2 ? INFINITY : ic;
}

/* _StepwiseFitWrapper._do_fit: fits once per (p, q, constant); true when it improves. */
static int do_fit(stepwise *s, int p, int q, int c) {
    if (s->tried[p][q][c]) return 0;
    s->tried[p][q][c] = 1;
    s->k++;
    cn_arima_order o = { p, s->d, q, c };
    cn_arima_fit_result *r = &s->fits[p][q][c];
    double ic = INFINITY;
    if (cn_arima_fit(s->y, s->n, o, NULL, 50, r, s->work, s->work_size) == CN_OK && isfinite(r->aic))
        ic = root_test(o, r->params, r->aic);
    s->ic[p][q][c] = ic;
    if (!isfinite(ic)) return 0;
    if (!s->have_best || ic < s->ic[s->bp][s->bq][s->bc]) {
        s->have_best = 1; s->bp = p; s->bq = q; s->bc = c;
        return 1;
    }
    return 0;
}

size_t cn_auto_arima_workspace_size(int n) {
    return cn_arima_workspace_size(n) + sizeof(stepwise) / sizeof(double) + 1;
}

/* pmdarima's stepwise search has no p+q cap (max_order only bounds the
 * exhaustive search); p ≤ min(5, n/3), q likewise. */
int cn_auto_arima(const double *y, int n, cn_auto_arima_result *result, double *work, size_t work_size) {
    if (!y || !result || n < 1 || !work) return CN_ERR_ARGUMENT;
    if (work_size < cn_auto_arima_workspace_size(n)) return CN_ERR_WORKSPACE;
    for (int i = 0; i < n; i++) if (!isfinite(y[i])) return CN_ERR_NONFINITE;
    memset(result, 0, sizeof *result);
    int d = 0;
    if (is_constant(y, n)) {
        cn_arima_order o = { 0, 0, 0, 0 };
        result->order = o; result->models_fitted = 1;
        return cn_arima_fit(y, n, o, NULL, 50, &result->fit, work, work_size);
    }
    int max_p = n / 3 < CN_ARIMA_MAX_P ? n / 3 : CN_ARIMA_MAX_P;
    int max_q = n / 3 < CN_ARIMA_MAX_Q ? n / 3 : CN_ARIMA_MAX_Q;
    int st = cn_kpss_ndiffs(y, n, 0.05, 2, &d, work, work_size);
    if (st) return st;
    int N = cn_arima_difference(y, n, d, work);
    if (N >= 1 && is_constant(work, N)) {
        cn_arima_order o = { 0, d, 0, d < 2 };
        result->order = o; result->models_fitted = 1;
        return cn_arima_fit(y, n, o, NULL, 50, &result->fit, work, work_size);
    }
    int with_c = d <= 1;
    int start = n < 10 ? 1 : 2;
    int p = start < max_p ? start : max_p, q = start < max_q ? start : max_q;
    stepwise *s = (stepwise *)(work + cn_arima_workspace_size(n));
    memset(s, 0, sizeof *s);
    s->y = y; s->n = n; s->d = d; s->work = work; s->work_size = cn_arima_workspace_size(n);

    do_fit(s, p, q, with_c);
    if (do_fit(s, 0, 0, with_c)) p = q = 0;
    if (max_p > 0 && do_fit(s, 1, 0, with_c)) { p = 1; q = 0; }
    if (max_q > 0 && do_fit(s, 0, 1, with_c)) { p = 0; q = 1; }
    if (with_c && do_fit(s, 0, 0, 0)) p = q = 0;
    int start_k = 0;
    while (start_k < s->k && s->k < 100) {
        start_k = s->k;
        int c = with_c;
        if (p > 0 && do_fit(s, p - 1, q, c)) { p--; continue; }
        if (q > 0 && do_fit(s, p, q - 1, c)) { q--; continue; }
        if (p < max_p && do_fit(s, p + 1, q, c)) { p++; continue; }
        if (q < max_q && do_fit(s, p, q + 1, c)) { q++; continue; }
        if (q > 0 && p > 0 && do_fit(s, p - 1, q - 1, c)) { p--; q--; continue; }
        if (q < max_q && p > 0 && do_fit(s, p - 1, q + 1, c)) { p--; q++; continue; }
        if (q > 0 && p < max_p && do_fit(s, p + 1, q - 1, c)) { p++; q--; continue; }
        if (q < max_q && p < max_p && do_fit(s, p + 1, q + 1, c)) { p++; q++; continue; }
        if (do_fit(s, p, q, !c)) { with_c = !c; continue; }
    }
    if (!s->have_best) return CN_ERR_NO_CONVERGENCE;
    /* The result is the lowest AIC over every model fitted. */
    int bp = s->bp, bq = s->bq, bc = s->bc;
    for (int a = 0; a <= CN_ARIMA_MAX_P; a++) for (int b = 0; b <= CN_ARIMA_MAX_Q; b++) for (int c = 0; c < 2; c++)
        if (s->tried[a][b][c] && s->ic[a][b][c] < s->ic[bp][bq][bc]) { bp = a; bq = b; bc = c; }
    cn_arima_order o = { bp, d, bq, bc };
    result->order = o;
    result->fit = s->fits[bp][bq][bc];
    result->models_fitted = s->k;
    return CN_OK;
}
