/* cn_optimize.h — bounded limited-memory BFGS (part of cnumerics.h).
 * One minimiser shared by ARIMA and Prophet fitting. */
#ifndef CN_OPTIMIZE_H
#define CN_OPTIMIZE_H

/**
 * Objective callback: writes f(x) into *f and, when `grad` is not NULL, the
 * gradient into grad[0..n-1]. Returns 0 on success, non-zero to abort.
 */
typedef int (*cn_objective_fn)(void *context, int n, const double *x, double *f, double *grad);

typedef struct cn_lbfgs_params {
    int memory;            /**< corrections kept (scipy default 10) */
    int max_iterations;    /**< default 50 */
    int max_evaluations;   /**< default 15000 */
    double factr;          /**< relative reduction tolerance, as scipy's factr (1e7) */
    double pgtol;          /**< projected-gradient tolerance (1e-5) */
} cn_lbfgs_params;

typedef struct cn_lbfgs_result {
    double f;              /**< objective at the returned point */
    int iterations;
    int evaluations;
    int converged;         /**< 1 when a tolerance was met, 0 when stopped by a limit */
} cn_lbfgs_result;

/** Fills `p` with the defaults above. */
void cn_lbfgs_params_init(cn_lbfgs_params *p);

/** Workspace size in doubles for `cn_lbfgs_minimize` with n variables and memory m. */
size_t cn_lbfgs_workspace_size(int n, int m);

/**
 * Minimises `fn` from x (overwritten with the minimiser) subject to
 * lower[i] <= x[i] <= upper[i]; either bound array may be NULL (unbounded),
 * and single entries may be ±INFINITY. `work` holds cn_lbfgs_workspace_size doubles.
 */
int cn_lbfgs_minimize(int n, double *x, const double *lower, const double *upper,
                      cn_objective_fn fn, void *context, const cn_lbfgs_params *params,
                      double *work, size_t work_size, cn_lbfgs_result *result);

#endif
