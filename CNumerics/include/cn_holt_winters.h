/* cn_holt_winters.h — additive Holt–Winters exponential smoothing (part of cnumerics.h),
 * with statsmodels' ExponentialSmoothing recursions and admissible region.
 *
 * Model (trend and seasonal optional, trend optionally damped by φ):
 *   forecast  ŷ_t   = l + φ·b + s_t
 *   level     l'    = α·(y_t − s_t) + (1 − α)·(l + φ·b)
 *   trend     b'    = β·(l' − l) + (1 − β)·φ·b
 *   seasonal  s_t+m = γ·(y_t − l − φ·b) + (1 − γ)·s_t
 * with φ = 1 when not damped, b = 0 without trend, s = 0 without season. The
 * state before y_0 (l₀, b₀, s₀..s_{m−1}) is given by the caller ("known"
 * initialisation); cn_hw_initial_simple computes statsmodels' "simple" one.
 *
 * The fit minimises the sum of squared one-step errors (as statsmodels' fit()),
 * over α ∈ [√ε, 1 − √ε], β ∈ [0, α], γ ∈ [0, 1 − α], φ ∈ [0.8, 0.995], through
 * statsmodels' map from the unit cube (β = u₁·α, γ = u₂·(1 − α)). The gradient
 * is exact (forward-mode sensitivities of the recursion), the optimiser is
 * cn_lbfgs_minimize, started from the best points of a small grid and from an
 * optional warm start. */
#ifndef CN_HOLT_WINTERS_H
#define CN_HOLT_WINTERS_H

typedef struct cn_hw_spec {
    int trend;     /**< 1 additive trend, 0 none */
    int damped;    /**< 1 estimates φ (needs trend), 0 fixes φ = 1 */
    int period;    /**< m ≥ 2 for an additive season, 0 for none */
} cn_hw_spec;

typedef struct cn_hw_params {
    double alpha, beta, gamma, phi;   /**< unused ones are 0 (β, γ) or 1 (φ) */
} cn_hw_params;

/** The state after the observations filtered so far; the season is a ring of
 * `period` values owned by the caller, `slot` indexes the next observation's one. */
typedef struct cn_hw_state {
    double level, trend;
    int slot;
} cn_hw_state;

typedef struct cn_hw_fit_result {
    cn_hw_params params;
    double sse;            /**< Σ e_t² at params */
    int evaluations;       /**< SSE (+ gradient) evaluations, grid included */
} cn_hw_fit_result;

/** Doubles of workspace cn_hw_fit needs for a spec. */
size_t cn_hw_fit_workspace_size(cn_hw_spec spec);

/** statsmodels' "simple" initial state: without season l₀ = y₀, b₀ = y₁ − y₀;
 * with season (n ≥ 2m) l₀ = mean(y[0, m)), b₀ = mean(y[m, 2m) − y[0, m)) / m,
 * s_j = y_j − l₀. `seasonal` holds m values (may be NULL without season). */
int cn_hw_initial_simple(cn_hw_spec spec, const double *y, int n, double *level, double *trend, double *seasonal);

/** The planner's initial state: without season l₀ = y₀, b₀ = 0 (a line through
 * the first points would be fitted to the points the weights are fitted on, and
 * least squares would then freeze the level); with season (n ≥ 2m) l₀ and b₀
 * as "simple", and s_j the mean over every full season c of y[cm + j] minus
 * that season's mean (less noisy than "simple" on count data), smoothed by a circular moving average of `window`
 * (odd, 1 ≤ window ≤ m) points and re-centred to sum 0. `work` holds m
 * doubles (may be NULL without season). */
int cn_hw_initial_smoothed(cn_hw_spec spec, const double *y, int n, int window, double *level, double *trend,
                           double *seasonal, double *work);

/** Filters y[0..n) from the state (level, trend, seasonal ring, slot),
 * updating it in place; *sse receives Σ e_t², `errors` (may be NULL) the
 * one-step errors. Non-finite input is CN_ERR_NONFINITE. O(n), no workspace. */
int cn_hw_filter(cn_hw_spec spec, cn_hw_params params, const double *y, int n, cn_hw_state *state,
                 double *seasonal, double *sse, double *errors);

/** One-step forecast from a state: l + φ·b + s[slot]. */
double cn_hw_forecast(cn_hw_spec spec, cn_hw_params params, const cn_hw_state *state, const double *seasonal);

/** Fits α, β, γ, φ (those the spec has) by least squares from the given initial
 * state (level0, trend0, seasonal0[m]); `start` (may be NULL) is a warm start
 * tried besides the grid. */
int cn_hw_fit(cn_hw_spec spec, const double *y, int n, double level0, double trend0, const double *seasonal0,
              const cn_hw_params *start, cn_hw_fit_result *result, double *work, size_t work_size);

#endif
