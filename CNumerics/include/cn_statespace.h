/* cn_statespace.h — Kalman filter for a linear Gaussian state-space model with
 * one observation per period (part of cnumerics.h):
 *   y_t = Z α_t + ε_t,        ε_t ~ N(0, H)
 *   α_{t+1} = T α_t + c + η_t, η_t ~ N(0, RQRᵀ)
 * The first k_diffuse states get an exact diffuse prior (Koopman & Durbin
 * 2000, univariate form); the others start from the stationary distribution of
 * their block: mean (I − T₂₂)⁻¹c₂ and covariance solving P = T₂₂PT₂₂ᵀ + (RQRᵀ)₂₂
 * (LAPACK dgesv on the Kronecker system). As statsmodels, the log-likelihood
 * skips the periods while the diffuse part is being resolved. */
#ifndef CN_STATESPACE_H
#define CN_STATESPACE_H

#define CN_SSM_MAX_STATES 12

typedef struct cn_ssm {
    int k_states;          /**< m ≤ CN_SSM_MAX_STATES */
    int k_diffuse;         /**< the first k_diffuse states are diffuse */
    const double *T;       /**< m×m transition, column-major, leading dimension m */
    const double *Z;       /**< m design row */
    const double *c;       /**< m state intercept, or NULL */
    const double *RQR;     /**< m×m state noise covariance, column-major */
    double H;              /**< observation noise variance (≥ 0) */
} cn_ssm;

typedef struct cn_kalman_result {
    double loglike;        /**< over the periods after the diffuse ones */
    double forecast;       /**< E[y_n | y_0..y_{n-1}] */
    double forecast_variance;
    int nobs_diffuse;      /**< periods until the diffuse prior was resolved */
} cn_kalman_result;

/** Doubles of workspace for cn_kalman_filter with m states. */
size_t cn_kalman_workspace_size(int m);

/** Filters y[0..n-1]; fails with CN_ERR_SINGULAR when the stationary block is not stationary. */
int cn_kalman_filter(const cn_ssm *model, const double *y, int n, cn_kalman_result *result,
                     double *work, size_t work_size);

#endif
