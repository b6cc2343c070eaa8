/* Placeholder until the predictor issue lands the L-BFGS-B implementation. */
#include "cnumerics.h"

void cn_lbfgs_params_init(cn_lbfgs_params *p) {
    p->memory = 10; p->max_iterations = 50; p->max_evaluations = 15000;
    p->factr = 1e7; p->pgtol = 1e-5;
}
size_t cn_lbfgs_workspace_size(int n, int m) { return (size_t)(2 * m + 8) * (size_t)n + (size_t)(4 * m * m + 12 * m); }
int cn_lbfgs_minimize(int n, double *x, const double *lower, const double *upper,
                      cn_objective_fn fn, void *context, const cn_lbfgs_params *params,
                      double *work, size_t work_size, cn_lbfgs_result *result) {
    (void)n; (void)x; (void)lower; (void)upper; (void)fn; (void)context; (void)params;
    (void)work; (void)work_size; (void)result;
    return CN_ERR_ARGUMENT;
}
