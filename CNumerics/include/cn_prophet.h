/* cn_prophet.h — Prophet's additive model fitted at its MAP point (part of cnumerics.h).
 *
 * The model of prophet 1.5 with its defaults (linear growth, additive
 * seasonality, absmax scaling): y/y_scale = k·t + m + Σ_j δ_j·(t - c_j)₊ + X·β + ε,
 * t = (ds - start) / (end - start), changepoints c_j on history rows spread over
 * the first `changepoint_range` of the history, Fourier seasonalities turned on
 * by Prophet's span rules. Priors k, m ~ N(0,5), δ ~ Laplace(0, τ),
 * β ~ N(0, seasonality_prior_scale), σ ~ half-N(0, 0.5); the fit maximises the
 * log posterior over (k, m, δ, log σ, β) without the Jacobian term, as
 * cmdstan's optimiser does — and with cmdstan's own algorithms, because the
 * Laplace prior makes the optimum non-smooth and Prophet's forecasts are those
 * of the point cmdstan stops at: its Newton method below 100 rows, its L-BFGS
 * (history 5, default tolerances) from 100 rows, Newton again when L-BFGS's
 * line search fails, as Prophet retries.
 */
#ifndef CN_PROPHET_H
#define CN_PROPHET_H

/** Capacity of the fixed arrays in cn_prophet_model. */
#define CN_PROPHET_MAX_CHANGEPOINTS 100
/** 2·(yearly 10 + weekly 3 + daily 4) Fourier columns at the default orders; larger orders are refused. */
#define CN_PROPHET_MAX_FOURIER 34

typedef struct cn_prophet_params {
    int n_changepoints;              /**< requested changepoints (25); fewer on short histories */
    double changepoint_range;        /**< share of the history holding changepoints (0.8) */
    double changepoint_prior_scale;  /**< τ of the Laplace prior on δ (0.05) */
    double seasonality_prior_scale;  /**< scale of the normal prior on β (10) */
    int yearly_order;                /**< -1 auto (order 10 when the span ≥ 730 days), 0 off, > 0 order */
    int weekly_order;                /**< -1 auto (order 3 when span ≥ 14 days and spacing < 7 days) */
    int daily_order;                 /**< -1 auto (order 4 when span ≥ 2 days and spacing < 1 day) */
    int max_iterations;              /**< optimiser iterations (10000, Prophet's iter) */
} cn_prophet_params;

/** A fitted model: scales, structure and the MAP parameters (scaled units). */
typedef struct cn_prophet_model {
    double start;          /**< first timestamp, seconds */
    double t_scale;        /**< last − first timestamp, seconds */
    double y_scale;        /**< max |y|, 1 when every y is 0 */
    int n_changepoints;    /**< S; a dummy changepoint at t = 0 when the history is too short */
    int yearly_order, weekly_order, daily_order;
    double changepoints_t[CN_PROPHET_MAX_CHANGEPOINTS];
    double k, m, sigma_obs;
    double delta[CN_PROPHET_MAX_CHANGEPOINTS];
    double beta[CN_PROPHET_MAX_FOURIER];
    int iterations;        /**< optimiser iterations used (0 for a constant history) */
    int constant_history;  /**< 1 when every y was equal and the fit was skipped, as Prophet does */
} cn_prophet_model;

/** Fills `p` with Prophet's defaults. */
void cn_prophet_params_init(cn_prophet_params *p);

/** Workspace size in doubles for `cn_prophet_fit` on n points. */
size_t cn_prophet_workspace_size(int n, const cn_prophet_params *p);

/**
 * Fits the model to (ds[i], y[i]), i < n; ds in seconds since the Unix epoch
 * (seasonal phases are absolute, as Prophet's are), rows in any order. Rows
 * whose y is NaN are dropped, as Prophet drops them.
 * Returns CN_ERR_ARGUMENT for fewer than 2 usable rows or bad params,
 * CN_ERR_NONFINITE for an infinite y or a non-finite ds, CN_ERR_DEGENERATE
 * when every timestamp is equal, CN_ERR_WORKSPACE when `work_size` is short,
 * CN_ERR_LAPACK / CN_ERR_OBJECTIVE when the optimiser cannot proceed.
 */
int cn_prophet_fit(int n, const double *ds, const double *y, const cn_prophet_params *params,
                   double *work, size_t work_size, cn_prophet_model *model);

/** yhat (unscaled) at the n timestamps `ds`, the trend extrapolated with the last segment's rate. */
int cn_prophet_predict(const cn_prophet_model *model, int n, const double *ds, double *yhat);

#endif
