/* ARIMA start parameters (statsmodels SARIMAX.start_params) and maximum
 * likelihood fit (statsmodels MLEModel.fit(method='lbfgs')). */
#include <float.h>
#include <math.h>
#include <string.h>
#include "cnumerics.h"
#include "arima_internal.h"
#include "lstsq_internal.h"

/* Minimum-norm least squares of the rows×cols column-major X against Y (as
 * numpy's pinv(X)·Y, numpy's default cut-off max(rows, cols)·ε); writes cols
 * coefficients to beta. X is clobbered. Not LAPACK's dgelsd: its last bits
 * depend on OpenBLAS's kernel, and the fit amplifies them (lstsq_internal.h). */
static int least_squares(int rows, int cols, double *X, const double *Y, double *beta) {
    if (cols == 0) return CN_OK;
    if (rows <= 0) { for (int j = 0; j < cols; j++) beta[j] = 0.0; return CN_OK; }
    double rcond = (rows > cols ? rows : cols) * DBL_EPSILON;
    return cn_small_lstsq(rows, cols, X, Y, rcond, beta);
}

static double mean_of(const double *v, int n) { double s = 0; for (int i = 0; i < n; i++) s += v[i]; return s / n; }

/* Conditional sum of squares: a long AR(2q) gives residuals, then one
 * regression of w on [1], its p lags and q lagged residuals. */
static int css(const double *w, int N, int n, cn_arima_order o, double *params, double *work) {
    int p = o.p, q = o.q, kt = o.intercept ? 1 : 0, k = 2 * q, r = 3 * q > p ? 3 * q : p;
    int ncoef = kt + p + q;
    double coef[CN_ARIMA_MAX_PARAMS] = {0}, variance;
    if (ncoef == 0) {
        double s = 0; for (int i = 0; i < N; i++) s += w[i] * w[i];
        variance = s / n;
    } else if ((q > 0 && 3 * q >= N) || (p > 0 && p >= N)) {
        /* statsmodels' lagmat refuses (lag ≥ rows, for w or for the N − 2q
         * residuals): zeros, and residuals [0]*2q + (w − mean). */
        double m = mean_of(w, N), s = 0;
        int len = 2 * q + N;
        for (int i = 0; i < N; i++) s += (w[i] - m) * (w[i] - m);
        if (len > (q > 1 ? q : 1)) variance = s / (len - q);
        else variance = s / N;
    } else {
        double *res = work, *X = work + N, *Y = X + (size_t)N * CN_ARIMA_MAX_PARAMS * 2;
        if (q > 0) {
            int rows = N - k;
            for (int j = 0; j < k; j++) for (int t = 0; t < rows; t++) X[t + j * rows] = w[k + t - j - 1];
            for (int t = 0; t < rows; t++) Y[t] = w[k + t];
            double ar[2 * CN_ARIMA_MAX_Q];
            int st = least_squares(rows, k, X, Y, ar);
            if (st) return st;
            for (int t = 0; t < rows; t++) {
                double f = 0; for (int j = 0; j < k; j++) f += ar[j] * w[k + t - j - 1];
                res[t] = w[k + t] - f;
            }
        }
        int rows = N - r;
        {
            double *Xc = X;
            for (int t = 0; t < rows; t++) {
                int col = 0, tt = r + t;
                if (kt) Xc[t + (col++) * rows] = 1.0;
                for (int j = 1; j <= p; j++) Xc[t + (col++) * rows] = w[tt - j];
                for (int j = 1; j <= q; j++) { int ri = tt - k - j; Xc[t + (col++) * rows] = ri >= 0 ? res[ri] : 0.0; }
                Y[t] = w[tt];
            }
            double *Xcopy = Y + (rows > ncoef ? rows : ncoef);
            memcpy(Xcopy, Xc, sizeof(double) * (size_t)rows * ncoef);
            int st = least_squares(rows, ncoef, Xcopy, Y, coef);
            if (st) return st;
            /* statsmodels: mean of residuals[q:]² when there are more than max(1, q), else var(w). */
            if (rows > (q > 1 ? q : 1)) {
                double s = 0;
                for (int t = q; t < rows; t++) {
                    double f = 0; for (int j = 0; j < ncoef; j++) f += Xc[t + j * rows] * coef[j];
                    double e = w[r + t] - f; s += e * e;
                }
                variance = s / (rows - q);
            } else {
                double m = mean_of(w, N); variance = 0;
                for (int i = 0; i < N; i++) variance += (w[i] - m) * (w[i] - m);
                variance /= N;
            }
        }
    }
    for (int i = 0; i < ncoef; i++) params[i] = coef[i];
    if (p && cn_arima_max_inverse_root(o, params, 0) >= 1.0) for (int i = 0; i < p; i++) params[kt + i] = 0.0;
    if (q && cn_arima_max_inverse_root(o, params, 1) >= 1.0) for (int i = 0; i < q; i++) params[kt + p + i] = 0.0;
    params[ncoef] = fmax(variance, 1e-10);
    return CN_OK;
}

int cn_arima_start_params(const double *y, int n, cn_arima_order o, double *params, double *work, size_t work_size) {
    if (!y || !params || !cn_arima_order_valid(o)) return CN_ERR_ARGUMENT;
    if (work_size < cn_arima_workspace_size(n)) return CN_ERR_WORKSPACE;
    int N = cn_arima_difference(y, n, o.d, work);
    if (N < 1) return CN_ERR_ARGUMENT;
    return css(work, N, n, o, params, work + n);
}

typedef struct fit_ctx {
    const double *w;
    int N, n;
    cn_arima_order o;
} fit_ctx;

/* -llf/n as statsmodels hands it to fmin_l_bfgs_b. statsmodels 0.15 fits
 * 'lbfgs' with approx_grad=True, epsilon=1e-5: scipy's forward differences
 * with absolute step 1e-5, dividing by the representable step (x+h)-x. */
static int objective(void *context, int k, const double *x, double *f, double *grad) {
    fit_ctx *c = context;
    double th[(CN_ARIMA_MAX_PARAMS + 1) * CN_ARIMA_MAX_PARAMS], llf[CN_ARIMA_MAX_PARAMS + 1];
    cn_arima_transform(c->o, x, th);
    if (!grad) {
        if (cn_arima_loglike_diff(c->w, c->N, c->o, th, &llf[0], NULL) != CN_OK) return 1;
        *f = -llf[0] / c->n;
        return 0;
    }
    /* The point and its k forward steps are filtered in lockstep (each
     * lane's arithmetic is that of a lone filter). */
    double dx[CN_ARIMA_MAX_PARAMS];
    for (int b = 0; b < k; b++) {
        double xb[CN_ARIMA_MAX_PARAMS];
        memcpy(xb, x, sizeof(double) * (size_t)k);
        xb[b] = x[b] + 1e-5;
        dx[b] = xb[b] - x[b];
        cn_arima_transform(c->o, xb, th + (size_t)(b + 1) * k);
    }
    if (k + 1 > CN_ARIMA_MAX_PARAMS) {
        /* More lanes than one batch holds: the point alone, then the steps. */
        if (cn_arima_loglike_diff(c->w, c->N, c->o, th, &llf[0], NULL) != CN_OK) return 1;
        if (cn_arima_loglike_diff_sets(c->w, c->N, c->o, th + k, k, llf + 1) != CN_OK) return 1;
    } else if (cn_arima_loglike_diff_sets(c->w, c->N, c->o, th, k + 1, llf) != CN_OK) return 1;
    *f = -llf[0] / c->n;
    for (int b = 0; b < k; b++) grad[b] = (-llf[b + 1] / c->n - *f) / dx[b];
    return 0;
}

int cn_arima_fit(const double *y, int n, cn_arima_order o, const double *start, int max_iterations,
                 cn_arima_fit_result *result, double *work, size_t work_size) {
    if (max_iterations < 0) return CN_ERR_ARGUMENT;
    cn_lbfgs_params lp;
    cn_lbfgs_params_init(&lp);
    lp.max_iterations = max_iterations;
    return cn_arima_fit_lbfgs(y, n, o, start, &lp, result, work, work_size);
}

int cn_arima_fit_lbfgs(const double *y, int n, cn_arima_order o, const double *start, const cn_lbfgs_params *stop,
                       cn_arima_fit_result *result, double *work, size_t work_size) {
    if (!y || !result || !stop || !cn_arima_order_valid(o)) return CN_ERR_ARGUMENT;
    if (stop->max_iterations < 0 || stop->memory < 1 || stop->memory > CN_ARIMA_LBFGS_MEMORY) return CN_ERR_ARGUMENT;
    if (work_size < cn_arima_workspace_size(n)) return CN_ERR_WORKSPACE;
    for (int i = 0; i < n; i++) if (!isfinite(y[i])) return CN_ERR_NONFINITE;
    int N = cn_arima_difference(y, n, o.d, work);
    if (N < 1) return CN_ERR_ARGUMENT;
    int k = cn_arima_param_count(o);
    double th0[CN_ARIMA_MAX_PARAMS], x[CN_ARIMA_MAX_PARAMS];
    if (start) memcpy(th0, start, sizeof(double) * (size_t)k);
    else { int st = css(work, N, n, o, th0, work + n); if (st) return st; }
    cn_arima_untransform(o, th0, x);
    for (int i = 0; i < k; i++) if (!isfinite(x[i])) return CN_ERR_NONFINITE;
    fit_ctx ctx = { work, N, n, o };
    cn_lbfgs_result lr;
    double *lw = work + n;
    size_t lsize = work_size - (size_t)n;
    int st = cn_lbfgs_minimize(k, x, NULL, NULL, objective, &ctx, stop, lw, lsize, &lr);
    if (st) return st;
    cn_arima_transform(o, x, result->params);
    st = cn_arima_loglike_diff(work, N, o, result->params, &result->loglike, NULL);
    if (st) return st;
    result->aic = -2.0 * result->loglike + 2.0 * k;
    result->iterations = lr.iterations;
    result->converged = lr.converged;
    return CN_OK;
}
