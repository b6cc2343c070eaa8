/* prophet_design.c — Prophet's data preparation (scaling, changepoints,
 * seasonalities, design matrix) and forecasting, after prophet 1.5's
 * forecaster.py; the optimiser lives in prophet_fit.c. */
#include "prophet_internal.h"
#include "dot_internal.h"
#include <math.h>

#define SECONDS_PER_DAY 86400.0
#define TWO_PI 6.283185307179586476925286766559

void cn_prophet_params_init(cn_prophet_params *p) {
    p->n_changepoints = 25;
    p->changepoint_range = 0.8;
    p->changepoint_prior_scale = 0.05;
    p->seasonality_prior_scale = 10.0;
    p->yearly_order = -1;
    p->weekly_order = -1;
    p->daily_order = -1;
    p->max_iterations = 10000;
}

/* The largest order a setting can turn into (auto → Prophet's default order). */
static int max_order(int setting, int default_order) { return setting < 0 ? default_order : setting; }

static int max_fourier(const cn_prophet_params *p) {
    return 2 * (max_order(p->yearly_order, 10) + max_order(p->weekly_order, 3) + max_order(p->daily_order, 4));
}

static int params_valid(const cn_prophet_params *p) {
    return p && p->n_changepoints >= 0 && p->n_changepoints <= CN_PROPHET_MAX_CHANGEPOINTS
        && p->changepoint_range > 0 && p->changepoint_range <= 1
        && p->changepoint_prior_scale > 0 && isfinite(p->changepoint_prior_scale)
        && p->seasonality_prior_scale > 0 && isfinite(p->seasonality_prior_scale)
        && max_fourier(p) <= CN_PROPHET_MAX_FOURIER && p->max_iterations > 0;
}

static int max_linear(const cn_prophet_params *p) {
    int s = p->n_changepoints > 0 ? p->n_changepoints : 1;
    return 2 + s + max_fourier(p);
}

size_t cn_prophet_workspace_size(int n, const cn_prophet_params *p) {
    if (n < 0 || !params_valid(p)) return 0;
    size_t pl = (size_t)max_linear(p);
    return 6 * (size_t)n + (size_t)n * pl + pl * pl + 2 * pl + cn_prophet_newton_workspace((int)pl) + cn_prophet_lbfgs_workspace((int)pl);
}

void cn_prophet_fourier_row(const cn_prophet_model *model, double ds, double *row) {
    /* Prophet's phases count days since 1970-01-01, so they are absolute, not relative to the history. */
    const double periods[3] = {365.25, 7.0, 1.0};
    const int orders[3] = {model->yearly_order, model->weekly_order, model->daily_order};
    double x = TWO_PI * (ds / SECONDS_PER_DAY);
    int col = 0;
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < orders[s]; i++) {
            double c = (double)(i + 1) / periods[s] * x;
            row[col++] = sin(c);
            row[col++] = cos(c);
        }
}

/* Order setting → order used: auto turns on when the history allows it (Prophet's set_auto_seasonalities). */
static int resolve_order(int setting, int default_order, int enabled_by_history) {
    if (setting >= 0) return setting;
    return enabled_by_history ? default_order : 0;
}

/* Changepoints on rows round(linspace(0, h-1, S+1))[1:] of the first h = floor(n·range) rows;
 * returns 1 when the history is too short and Prophet's dummy changepoint is used instead. */
static int place_changepoints(int n, const double *t, const cn_prophet_params *p, cn_prophet_model *model) {
    int hist = (int)floor((double)n * p->changepoint_range);
    int s = p->n_changepoints;
    if (s + 1 > hist) s = hist - 1;
    if (s <= 0) {
        /* Prophet keeps one dummy changepoint at t = 0 and folds its δ into k after the fit. */
        model->n_changepoints = 1;
        model->changepoints_t[0] = 0.0;
        return 1;
    }
    double step = (double)(hist - 1) / (double)s;
    for (int i = 1; i <= s; i++) {
        double v = i == s ? (double)(hist - 1) : (double)i * step;
        int row = (int)nearbyint(v); /* numpy rounds half to even, as nearbyint does by default */
        model->changepoints_t[i - 1] = t[row];
    }
    model->n_changepoints = s;
    return 0;
}

int cn_prophet_fit(int n, const double *ds, const double *y, const cn_prophet_params *params,
                   double *work, size_t work_size, cn_prophet_model *model) {
    if (n < 0 || !ds || !y || !model || !work || !params_valid(params)) return CN_ERR_ARGUMENT;
    if (work_size < cn_prophet_workspace_size(n, params)) return CN_ERR_WORKSPACE;
    int plmax = max_linear(params);
    double *sds = work, *sy = sds + n, *t = sy + n, *ys = t + n, *Z = ys + n;
    double *G = Z + (size_t)n * (size_t)plmax, *b = G + (size_t)plmax * (size_t)plmax, *prior = b + plmax;
    double *rbuf = prior + plmax, *qbuf = rbuf + n, *owork = qbuf + n;

    /* Keep rows with a y (Prophet drops NaN rows), then sort stably by time. */
    int rows = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(ds[i])) return CN_ERR_NONFINITE;
        if (isnan(y[i])) continue;
        if (!isfinite(y[i])) return CN_ERR_NONFINITE;
        int j = rows++;
        while (j > 0 && sds[j - 1] > ds[i]) { sds[j] = sds[j - 1]; sy[j] = sy[j - 1]; j--; }
        sds[j] = ds[i]; sy[j] = y[i];
    }
    if (rows < 2) return CN_ERR_ARGUMENT;

    double ymax = 0, ylo = sy[0], yhi = sy[0];
    for (int i = 0; i < rows; i++) {
        ymax = fmax(ymax, fabs(sy[i]));
        ylo = fmin(ylo, sy[i]); yhi = fmax(yhi, sy[i]);
    }
    model->y_scale = ymax == 0 ? 1.0 : ymax;
    model->start = sds[0];
    model->t_scale = sds[rows - 1] - sds[0];
    if (!(model->t_scale > 0)) return CN_ERR_DEGENERATE;
    double min_dt = 0;
    for (int i = 1; i < rows; i++) {
        double d = sds[i] - sds[i - 1];
        if (d > 0 && (min_dt == 0 || d < min_dt)) min_dt = d;
    }
    for (int i = 0; i < rows; i++) {
        t[i] = (sds[i] - model->start) / model->t_scale;
        ys[i] = sy[i] / model->y_scale;
    }
    double span_days = model->t_scale / SECONDS_PER_DAY, dt_days = min_dt / SECONDS_PER_DAY;
    model->yearly_order = resolve_order(params->yearly_order, 10, span_days >= 730);
    model->weekly_order = resolve_order(params->weekly_order, 3, span_days >= 14 && dt_days < 7);
    model->daily_order = resolve_order(params->daily_order, 4, span_days >= 2 && dt_days < 1);
    int dummy = place_changepoints(rows, t, params, model);

    prophet_problem pb;
    pb.n = rows; pb.S = model->n_changepoints;
    pb.K = 2 * (model->yearly_order + model->weekly_order + model->daily_order);
    pb.pl = 2 + pb.S + pb.K; pb.tau = params->changepoint_prior_scale;
    pb.t = t; pb.y = ys; pb.Z = Z; pb.G = G; pb.b = b; pb.prior = prior;
    pb.r = rbuf; pb.q = qbuf;
    for (int i = 0; i < rows; i++) {
        Z[i] = t[i];
        Z[(size_t)rows + i] = 1.0;
        for (int j = 0; j < pb.S; j++) {
            double c = model->changepoints_t[j];
            Z[(size_t)(2 + j) * rows + i] = t[i] >= c ? t[i] - c : 0.0;
        }
    }
    if (pb.K > 0) {
        double row[CN_PROPHET_MAX_FOURIER];
        for (int i = 0; i < rows; i++) {
            cn_prophet_fourier_row(model, sds[i], row);
            for (int l = 0; l < pb.K; l++) Z[(size_t)(2 + pb.S + l) * rows + i] = row[l];
        }
    }
    /* G = ZᵀZ, b = Zᵀy, yy = yᵀy in plain loops, not dsyrk/dgemv/ddot: the
     * order of OpenBLAS's sums follows its CPU kernel, and the optimiser
     * carried that last bit to 1e-8 of a forecast. G is symmetric in full
     * (the optimiser reads whole columns). */
    for (int c = 0; c < pb.pl; c++) {
        const double *zc = Z + (size_t)c * rows;
        for (int r = 0; r <= c; r++) {
            double g = cn_dot_in_order(rows, Z + (size_t)r * rows, zc);
            G[(size_t)c * pb.pl + r] = g;
            G[(size_t)r * pb.pl + c] = g;
        }
        b[c] = cn_dot_in_order(rows, zc, ys);
    }
    pb.yy = cn_dot_in_order(rows, ys, ys);
    double sp = params->seasonality_prior_scale;
    for (int j = 0; j < pb.pl; j++) prior[j] = j < 2 ? 1.0 / 25.0 : (j < 2 + pb.S ? 0.0 : 1.0 / (sp * sp));

    /* Linear-growth start through the first and last points, as Prophet's linear_growth_init. */
    model->k = (ys[rows - 1] - ys[0]) / (t[rows - 1] - t[0]);
    model->m = ys[0] - model->k * t[0];
    for (int j = 0; j < CN_PROPHET_MAX_CHANGEPOINTS; j++) model->delta[j] = 0;
    for (int l = 0; l < CN_PROPHET_MAX_FOURIER; l++) model->beta[l] = 0;
    model->sigma_obs = 1.0;
    model->iterations = 0;
    model->constant_history = ylo == yhi;
    if (model->constant_history) {
        model->sigma_obs = 1e-9; /* Prophet skips Stan for a constant history and keeps the start */
    } else {
        /* Prophet's choice: Newton below 100 rows, else L-BFGS, falling back to Newton when L-BFGS fails */
        size_t left = work_size - (size_t)(owork - work);
        int st = CN_ERR_NO_CONVERGENCE;
        if (rows >= 100) st = cn_prophet_lbfgs(&pb, params, owork, left, model);
        if (st == CN_ERR_NO_CONVERGENCE) st = cn_prophet_newton(&pb, params, owork, left, model);
        if (st != CN_OK) return st;
    }
    if (dummy) {
        model->k += model->delta[0];
        model->delta[0] = 0;
    }
    return CN_OK;
}

int cn_prophet_predict(const cn_prophet_model *model, int n, const double *ds, double *yhat) {
    if (!model || n < 0 || (n > 0 && (!ds || !yhat))) return CN_ERR_ARGUMENT;
    int K = 2 * (model->yearly_order + model->weekly_order + model->daily_order);
    double row[CN_PROPHET_MAX_FOURIER];
    for (int i = 0; i < n; i++) {
        if (!isfinite(ds[i])) return CN_ERR_NONFINITE;
        double t = (ds[i] - model->start) / model->t_scale;
        double rate = model->k, offset = model->m;
        for (int j = 0; j < model->n_changepoints; j++)
            if (model->changepoints_t[j] <= t) {
                rate += model->delta[j];
                offset -= model->delta[j] * model->changepoints_t[j];
            }
        double v = rate * t + offset;
        if (K > 0) {
            cn_prophet_fourier_row(model, ds[i], row);
            for (int l = 0; l < K; l++) v += row[l] * model->beta[l];
        }
        yhat[i] = v * model->y_scale;
    }
    return CN_OK;
}
