/* dot_internal.h — the dot product of the C core (private to CNumerics). */
#ifndef CN_DOT_INTERNAL_H
#define CN_DOT_INTERNAL_H

/* Σ a[i]·b[i] summed in index order: the same bits on every CPU, where
 * OpenBLAS's ddot/dgemv/dsyrk sum in an order chosen by its CPU kernel
 * (docs/numerics.md). */
static inline double cn_dot_in_order(int n, const double *a, const double *b) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

#endif
