/* Private helpers shared by the ARIMA sources (not part of cnumerics.h). */
#ifndef CN_ARIMA_INTERNAL_H
#define CN_ARIMA_INTERNAL_H

/* True for 0 ≤ p ≤ 5, 0 ≤ q ≤ 5, 0 ≤ d ≤ 2 (the orders pmdarima's defaults reach). */
int cn_arima_order_valid(cn_arima_order o);
/* Differences y d times into w (n doubles); returns the new length (0 if none left). */
int cn_arima_difference(const double *y, int n, int d, double *w);
void cn_constrain_stationary(int k, const double *x, double *out);
void cn_unconstrain_stationary(int k, const double *c, double *out);
void cn_arima_transform(cn_arima_order o, const double *x, double *theta);
void cn_arima_untransform(cn_arima_order o, const double *theta, double *x);
/* Likelihood of the differenced series w[0..N-1]; a_next (may be NULL) gets the forecast of w[N]. */
int cn_arima_loglike_diff(const double *w, int N, cn_arima_order o, const double *params, double *llf, double *a_next);

/* The same for `sets` ≤ CN_ARIMA_MAX_PARAMS parameter vectors (rows of
 * cn_arima_param_count(o) in params) filtered in lockstep: llf[b] for each. */
int cn_arima_loglike_diff_sets(const double *w, int N, cn_arima_order o, const double *params, int sets, double *llf);

#endif
