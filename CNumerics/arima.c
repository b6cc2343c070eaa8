/* ARIMA(p,d,q) likelihood, start parameters, fit and forecast with the
 * semantics of statsmodels' SARIMAX (simple_differencing=False, trend 'c' or
 * none, enforced stationarity/invertibility, concentrate_scale=False).
 *
 * With the d differencing states diffuse, statsmodels' exact diffuse filter
 * burns the first d observations; the remaining likelihood is exactly the
 * stationary ARMA likelihood of the d-times differenced series (the diffuse
 * levels are pinned by the first d values), which is what is computed here.
 * The level forecast undoes the differencing with the last d observations. */
#include <float.h>
#include <math.h>
#include <string.h>
#include <lapacke.h>
#include "cnumerics.h"
#include "arima_internal.h"

#define ARK_T double
#define ARK_NAME(x) ark_real_##x
#define ARK_LOG log
#define ARK_ABS fabs
#include "arima_kalman_tpl.h"
#undef ARK_T
#undef ARK_NAME
#undef ARK_LOG
#undef ARK_ABS

size_t cn_arima_workspace_size(int n) {
    if (n < 1) n = 1;
    return (size_t)48 * (size_t)n + 128 + cn_lbfgs_workspace_size(CN_ARIMA_MAX_PARAMS, CN_ARIMA_LBFGS_MEMORY);
}

int cn_arima_order_valid(cn_arima_order o) {
    return o.p >= 0 && o.p <= CN_ARIMA_MAX_P && o.q >= 0 && o.q <= CN_ARIMA_MAX_Q && o.d >= 0 && o.d <= 2;
}

int cn_arima_difference(const double *y, int n, int d, double *w) {
    if (n - d < 1) return 0;
    memcpy(w, y, sizeof(double) * (size_t)n);
    int len = n;
    for (int k = 0; k < d; k++) {
        for (int i = 0; i + 1 < len; i++) w[i] = w[i + 1] - w[i];
        len--;
    }
    return len;
}

/* Monahan (1984) / Jones (1980): maps R^k onto the coefficients of a stationary
 * AR polynomial through partial autocorrelations r = x/√(1+x²). */
void cn_constrain_stationary(int k, const double *x, double *out) {
    double y[CN_ARIMA_MAX_P][CN_ARIMA_MAX_P];
    for (int j = 0; j < k; j++) {
        double r = x[j] / sqrt(1.0 + x[j] * x[j]);
        for (int i = 0; i < j; i++) y[j][i] = y[j - 1][i] + r * y[j - 1][j - i - 1];
        y[j][j] = r;
    }
    for (int i = 0; i < k; i++) out[i] = -y[k - 1][i];
}

void cn_unconstrain_stationary(int k, const double *c, double *out) {
    double y[CN_ARIMA_MAX_P][CN_ARIMA_MAX_P];
    for (int i = 0; i < k; i++) y[k - 1][i] = -c[i];
    for (int j = k - 1; j > 0; j--)
        for (int i = 0; i < j; i++)
            y[j - 1][i] = (y[j][i] - y[j][j] * y[j][j - i - 1]) / (1.0 - y[j][j] * y[j][j]);
    for (int i = 0; i < k; i++) { double r = y[i][i]; out[i] = r / sqrt(1.0 - r * r); }
}

void cn_arima_transform(cn_arima_order o, const double *x, double *theta) {
    int i = 0;
    if (o.intercept) { theta[0] = x[0]; i = 1; }
    if (o.p) cn_constrain_stationary(o.p, x + i, theta + i);
    i += o.p;
    if (o.q) { cn_constrain_stationary(o.q, x + i, theta + i); for (int k = 0; k < o.q; k++) theta[i + k] = -theta[i + k]; }
    i += o.q;
    theta[i] = x[i] * x[i];
}

void cn_arima_untransform(cn_arima_order o, const double *theta, double *x) {
    int i = 0;
    if (o.intercept) { x[0] = theta[0]; i = 1; }
    if (o.p) cn_unconstrain_stationary(o.p, theta + i, x + i);
    i += o.p;
    if (o.q) { double neg[CN_ARIMA_MAX_Q]; for (int k = 0; k < o.q; k++) neg[k] = -theta[i + k]; cn_unconstrain_stationary(o.q, neg, x + i); }
    i += o.q;
    x[i] = sqrt(theta[i]);
}

static void unpack_real(cn_arima_order o, const double *th, ark_real_params *m) {
    int i = 0;
    m->c = o.intercept ? th[i++] : 0.0;
    for (int k = 0; k < o.p; k++) m->phi[k] = th[i++];
    for (int k = 0; k < o.q; k++) m->theta[k] = th[i++];
    m->s2 = th[i];
}

int cn_arima_loglike_diff(const double *w, int N, cn_arima_order o, const double *params, double *llf, double *a_next) {
    ark_real_params m;
    unpack_real(o, params, &m);
    if (ark_real_filter(w, N, o.p, o.q, &m, !o.intercept, llf, a_next) != 0 || !isfinite(*llf)) return CN_ERR_SINGULAR;
    return CN_OK;
}

int cn_arima_loglike_diff_sets(const double *w, int N, cn_arima_order o, const double *params, int sets, double *llf) {
    ark_real_params m[CN_ARIMA_MAX_PARAMS];
    if (sets < 1 || sets > CN_ARIMA_MAX_PARAMS) return CN_ERR_ARGUMENT;
    int k = cn_arima_param_count(o);
    for (int b = 0; b < sets; b++) unpack_real(o, params + (size_t)b * k, &m[b]);
    if (ark_real_filter_lanes(w, N, o.p, o.q, m, sets, !o.intercept, llf, NULL) != 0) return CN_ERR_SINGULAR;
    for (int b = 0; b < sets; b++) if (!isfinite(llf[b])) return CN_ERR_SINGULAR;
    return CN_OK;
}

int cn_arima_loglike(const double *y, int n, cn_arima_order order, const double *params,
                     double *loglike, double *work, size_t work_size) {
    if (!y || !params || !loglike || !cn_arima_order_valid(order)) return CN_ERR_ARGUMENT;
    if (work_size < cn_arima_workspace_size(n)) return CN_ERR_WORKSPACE;
    int N = cn_arima_difference(y, n, order.d, work);
    if (N < 1) return CN_ERR_ARGUMENT;
    return cn_arima_loglike_diff(work, N, order, params, loglike, NULL);
}

int cn_arima_forecast(const double *y, int n, cn_arima_order order, const double *params,
                      double *forecast, double *work, size_t work_size) {
    if (!y || !params || !forecast || !cn_arima_order_valid(order)) return CN_ERR_ARGUMENT;
    if (work_size < cn_arima_workspace_size(n)) return CN_ERR_WORKSPACE;
    int N = cn_arima_difference(y, n, order.d, work);
    if (N < 1) return CN_ERR_ARGUMENT;
    double llf, wnext;
    int st = cn_arima_loglike_diff(work, N, order, params, &llf, &wnext);
    if (st) return st;
    /* Undo differencing: y[n] = w[n] + Σ_k (-1)^(k+1) C(d,k) y[n-k]. */
    double f = wnext;
    if (order.d == 1) f += y[n - 1];
    else if (order.d == 2) f += 2.0 * y[n - 1] - y[n - 2];
    *forecast = f;
    return isfinite(f) ? CN_OK : CN_ERR_NONFINITE;
}

double cn_arima_max_inverse_root(cn_arima_order o, const double *params, int ma) {
    int k = ma ? o.q : o.p, off = (o.intercept ? 1 : 0) + (ma ? o.p : 0);
    if (k == 0) return 0.0;
    /* Inverse roots of 1 - φ1 z - ... (AR) or 1 + θ1 z + ... (MA) are the
     * eigenvalues of the companion matrix of the coefficients. */
    double C[CN_ARIMA_MAX_P * CN_ARIMA_MAX_P] = {0}, wr[CN_ARIMA_MAX_P], wi[CN_ARIMA_MAX_P];
    for (int i = 0; i < k; i++) C[0 + i * k] = ma ? -params[off + i] : params[off + i];
    for (int i = 1; i < k; i++) C[i + (i - 1) * k] = 1.0;
    if (k == 1) return fabs(C[0]);
    lapack_int info = LAPACKE_dgeev(LAPACK_COL_MAJOR, 'N', 'N', k, C, k, wr, wi, NULL, 1, NULL, 1);
    if (info != 0) return INFINITY;
    double mx = 0.0;
    for (int i = 0; i < k; i++) mx = fmax(mx, hypot(wr[i], wi[i]));
    return mx;
}
