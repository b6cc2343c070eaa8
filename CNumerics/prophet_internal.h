/* prophet_internal.h — the scaled regression problem shared by prophet_design.c
 * and prophet_fit.c (private to CNumerics). */
#ifndef CN_PROPHET_INTERNAL_H
#define CN_PROPHET_INTERNAL_H

#include "cnumerics.h"

/*
 * The mean is linear in θ = [k, m, δ_1..δ_S, β_1..β_K] (pl = 2 + S + K
 * entries): μ = Z θ with Z = [t, 1, (t - c_j)₊, X]. σ enters as u = log σ,
 * cmdstan's unconstrained coordinate for a lower-bounded parameter.
 */
typedef struct prophet_problem {
    int n;            /* rows kept */
    int S, K, pl;     /* changepoints (dummy included), Fourier columns, linear parameters */
    double tau;       /* Laplace scale of δ */
    double *t, *y;    /* scaled time and value, n each */
    double *Z;        /* n × pl, column-major, leading dimension n */
    double *G;        /* Zᵀ Z, pl × pl, both triangles */
    double *b;        /* Zᵀ y */
    double yy;        /* yᵀ y */
    double *prior;    /* prior precision of each θ entry (0 for δ, whose prior is Laplace) */
    double *r, *q;    /* n-long scratch for residuals formed row by row (near-perfect fits) */
} prophet_problem;

/* Fourier columns of one timestamp (seconds since the epoch) for the model's orders into row[0..K-1]. */
void cn_prophet_fourier_row(const cn_prophet_model *model, double ds, double *row);

/* Negative log posterior (cmdstan's lp__ with constants dropped, sign flipped) at
 * x = [θ, log σ]; w receives Zᵀ(y − Zθ), *rss the residual sum of squares. */
double cn_prophet_objective(const prophet_problem *pb, const double *x, double *w, double *rss);
/* Its gradient, from the w and rss of the same point; sign(0) = 0 for |δ|, as Stan's. */
void cn_prophet_gradient(const prophet_problem *pb, const double *x, const double *w, double rss, double *g);
double cn_prophet_sign(double v);

/* |H|⁻¹ g for symmetric H (P × P, upper triangle read, H overwritten): cmdstan's
 * Newton direction. CN_ERR_SINGULAR / CN_ERR_NONFINITE where cmdstan's is not finite. */
int cn_prophet_abs_solve(int P, double *H, const double *g, double *dir, double *work, size_t work_size);
size_t cn_prophet_direction_workspace(int P);

/* Both optimisers start from the (k, m) in `model` with δ, β = 0 and σ = 1, and
 * write the parameters they reach into `model`. */
/* The two optimisers' ends: x (P = pl + 1 entries) set to that start, and the
 * parameters of x with the iteration count written into `model`. */
void cn_prophet_start(const prophet_problem *pb, const cn_prophet_model *model, double *x);
void cn_prophet_store(const prophet_problem *pb, const double *x, int iterations, cn_prophet_model *model);
/* cmdstan's Newton (Prophet below 100 rows). */
int cn_prophet_newton(const prophet_problem *pb, const cn_prophet_params *params,
                      double *work, size_t work_size, cn_prophet_model *model);
size_t cn_prophet_newton_workspace(int pl);
/* cmdstan's L-BFGS with cmdstan's default tolerances (Prophet from 100 rows);
 * CN_ERR_NO_CONVERGENCE when its line search fails, where Prophet retries with Newton. */
int cn_prophet_lbfgs(const prophet_problem *pb, const cn_prophet_params *params,
                     double *work, size_t work_size, cn_prophet_model *model);
size_t cn_prophet_lbfgs_workspace(int pl);

#endif
