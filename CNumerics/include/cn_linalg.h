/* cn_linalg.h — small linear-algebra helpers over LAPACKE (part of cnumerics.h). */
#ifndef CN_LINALG_H
#define CN_LINALG_H

/**
 * Solves the tridiagonal system with sub-diagonal `dl` (n-1), diagonal `d` (n),
 * super-diagonal `du` (n-1) for one right-hand side `b` (n), in place, through
 * LAPACK's dgtsv. The three diagonals are overwritten by the factorisation.
 * Returns CN_ERR_SINGULAR when a pivot is exactly zero.
 */
int cn_tridiagonal_solve(int n, double *dl, double *d, double *du, double *b);

#endif
