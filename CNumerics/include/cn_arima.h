/* cn_arima.h — ARIMA(p,d,q) with optional intercept, fitted as statsmodels'
 * SARIMAX does (part of cnumerics.h), and pmdarima's automatic order search. */
#ifndef CN_ARIMA_H
#define CN_ARIMA_H

#define CN_ARIMA_MAX_P 5
#define CN_ARIMA_MAX_Q 5
/** Intercept + p + q + sigma2. */
#define CN_ARIMA_MAX_PARAMS (1 + CN_ARIMA_MAX_P + CN_ARIMA_MAX_Q + 1)

typedef struct cn_arima_order {
    int p, d, q;            /**< 0 ≤ p, q ≤ 5 and 0 ≤ d ≤ 2; others are CN_ERR_ARGUMENT */
    int intercept;          /**< 1 for trend 'c' (a constant in the differenced equation) */
} cn_arima_order;

/** Parameters in statsmodels' order: [intercept], ar.L1..p, ma.L1..q, sigma2 (constrained). */
static inline int cn_arima_param_count(cn_arima_order o) { return (o.intercept ? 1 : 0) + o.p + o.q + 1; }

typedef struct cn_arima_fit_result {
    double params[CN_ARIMA_MAX_PARAMS];
    double loglike;
    double aic;
    int iterations;
    int converged;          /**< 1 when L-BFGS met a tolerance, 0 when it stopped at a limit */
} cn_arima_fit_result;

/** Most L-BFGS corrections cn_arima_fit_lbfgs accepts (the workspace is sized for it). */
#define CN_ARIMA_LBFGS_MEMORY 10

/** Doubles of workspace every routine below needs for a series of n points. */
size_t cn_arima_workspace_size(int n);

/** Exact Gaussian log-likelihood (diffuse levels, stationary ARMA block). */
int cn_arima_loglike(const double *y, int n, cn_arima_order order, const double *params,
                     double *loglike, double *work, size_t work_size);

/** statsmodels SARIMAX.start_params: conditional sum of squares (Hannan–Rissanen style). */
int cn_arima_start_params(const double *y, int n, cn_arima_order order, double *params,
                          double *work, size_t work_size);

/**
 * Maximum likelihood by L-BFGS over statsmodels' unconstrained parameters,
 * objective -llf/n, gradient by forward differences with absolute step 1e-5
 * (statsmodels 0.15 hands scipy approx_grad=True), scipy's default stop with
 * at most max_iterations iterations. `start` may be NULL (start_params above).
 */
int cn_arima_fit(const double *y, int n, cn_arima_order order, const double *start, int max_iterations,
                 cn_arima_fit_result *result, double *work, size_t work_size);

/**
 * cn_arima_fit with the whole L-BFGS stop given (memory ≤ CN_ARIMA_LBFGS_MEMORY,
 * iteration and evaluation limits, factr, pgtol): a stricter stop than
 * scipy's defaults finds the optimum itself rather than the point where a
 * 50-iteration budget ran out on a flat likelihood.
 */
int cn_arima_fit_lbfgs(const double *y, int n, cn_arima_order order, const double *start, const cn_lbfgs_params *stop,
                       cn_arima_fit_result *result, double *work, size_t work_size);

/** One-step-ahead forecast of the level y[n]. */
int cn_arima_forecast(const double *y, int n, cn_arima_order order, const double *params,
                      double *forecast, double *work, size_t work_size);

/** Largest modulus of the inverse AR roots (sel 0) or MA roots (sel 1); 0 when none. */
double cn_arima_max_inverse_root(cn_arima_order order, const double *params, int ma);

/** pmdarima ndiffs: repeated KPSS level-stationarity tests (lshort lag rule). */
int cn_kpss_ndiffs(const double *y, int n, double alpha, int max_d, int *d, double *work, size_t work_size);
/** KPSS statistic and p-value (table interpolation, clamped) for level stationarity. */
int cn_kpss_level(const double *y, int n, double *statistic, double *pvalue, double *work, size_t work_size);

typedef struct cn_auto_arima_result {
    cn_arima_order order;
    cn_arima_fit_result fit;
    int models_fitted;
} cn_auto_arima_result;

/** Doubles of workspace for cn_auto_arima. */
size_t cn_auto_arima_workspace_size(int n);

/** pmdarima.auto_arima(y) with its defaults (non-seasonal stepwise search by AIC). */
int cn_auto_arima(const double *y, int n, cn_auto_arima_result *result, double *work, size_t work_size);

#endif
