/* lstsq_internal.h — minimum-norm least squares for small column counts
 * (private to CNumerics). */
#ifndef CN_LSTSQ_INTERNAL_H
#define CN_LSTSQ_INTERNAL_H

/* Most columns cn_small_lstsq accepts. */
#define CN_LSTSQ_MAX_COLS 16

/* beta = pinv(X)·y for the rows×cols column-major X (leading dimension rows,
 * overwritten), singular values ≤ rcond·σmax treated as zero, as numpy's
 * pinv and LAPACK's dgelsd do. One-sided Jacobi SVD in plain loops with a
 * fixed rotation order: the same bits on every CPU, whatever BLAS kernel
 * OpenBLAS picks (dgelsd's result moved by an ulp between kernels, and the
 * ARIMA fit from those start parameters by up to 1.4 % on a flat likelihood).
 * Returns CN_ERR_ARGUMENT for cols outside 1..CN_LSTSQ_MAX_COLS,
 * CN_ERR_NONFINITE for a non-finite entry, CN_ERR_NO_CONVERGENCE when 100
 * sweeps do not orthogonalise the columns. */
int cn_small_lstsq(int rows, int cols, double *X, const double *y, double rcond, double *beta);

#endif
