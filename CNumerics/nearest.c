/*
 * nearest.c — nearest-sample look-up (griddata(method="nearest")), used to
 * fill grid cells outside the convex hull.
 *
 * Profiles are a few rows of context length, far apart compared with the KV
 * axis, so for each grid row the samples are ordered by their squared row
 * distance and the scan stops once that alone exceeds the best distance.
 */
#include "cnumerics.h"
#include "sort_internal.h"
#include <math.h>
#include <string.h>

int cn_nearest_index(int n, const double *x, const double *y, int m, const double *qx, const double *qy, int *index) {
    if (n < 1 || m < 0 || !x || !y || (m > 0 && (!qx || !qy || !index))) return CN_ERR_ARGUMENT;
    for (int k = 0; k < m; k++) {
        double best = INFINITY;
        int bi = -1;
        for (int p = 0; p < n; p++) {
            double dx = qx[k] - x[p], dy = qy[k] - y[p], d = dx * dx + dy * dy;
            if (d < best) { best = d; bi = p; }
        }
        if (bi < 0) return CN_ERR_NONFINITE;
        index[k] = bi;
    }
    return CN_OK;
}

/* Ascending key order, for cn_sort_indices (ties keep index order: the sort is stable). */
static int key_before(const void *ctx, int a, int b) {
    const double *key = ctx;
    return key[a] < key[b];
}

void cn_nearest_grid(int n, const double *x, const double *y, int nx, const double *xi, int ny, const double *yi,
                     int *cell, double *dwork, int *iwork) {
    int *order = iwork, *tmp = iwork + n;
    for (int j = 0; j < ny; j++) {
        int any = 0;
        for (int i = 0; i < nx; i++) if (cell[(size_t)j * nx + i] < 0) { any = 1; break; }
        if (!any) continue;
        for (int p = 0; p < n; p++) {
            double dy = yi[j] - y[p];
            dwork[p] = dy * dy;
            order[p] = p;
        }
        cn_sort_indices(n, order, tmp, key_before, dwork);
        for (int i = 0; i < nx; i++) {
            size_t k = (size_t)j * nx + i;
            if (cell[k] >= 0) continue;
            double best = INFINITY;
            int bi = 0;
            for (int s = 0; s < n; s++) {
                int p = order[s];
                if (dwork[p] > best) break;
                double dx = xi[i] - x[p], d = dx * dx + dwork[p];
                if (d < best || (d == best && p < bi)) { best = d; bi = p; }
            }
            cell[k] = -(bi + 1);
        }
    }
}
