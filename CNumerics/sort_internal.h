/* sort_internal.h — the stable index sort shared by delaunay.c and nearest.c
 * (private to CNumerics). */
#ifndef CN_SORT_INTERNAL_H
#define CN_SORT_INTERNAL_H

/* Whether item a goes strictly before item b; ctx is the caller's data. */
typedef int (*cn_index_before)(const void *ctx, int a, int b);

/* Stable bottom-up merge sort of idx[0..n) by `before` (equal items keep their
 * order); tmp holds n ints. No qsort: it has no context argument in C99 and
 * is not stable. */
void cn_sort_indices(int n, int *idx, int *tmp, cn_index_before before, const void *ctx);

#endif
