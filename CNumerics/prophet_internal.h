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
} prophet_problem;

/* Fourier columns of one timestamp (seconds since the epoch) for the model's orders into row[0..K-1]. */
void cn_prophet_fourier_row(const cn_prophet_model *model, double ds, double *row);

/* Maximises the log posterior from the initial (k, m) in `model`; fills the parameters. */
int cn_prophet_optimize(const prophet_problem *pb, const cn_prophet_params *params,
                        double *work, size_t work_size, cn_prophet_model *model);

/* Doubles `cn_prophet_optimize` needs for pl linear parameters. */
size_t cn_prophet_optimize_workspace(int pl);

#endif
