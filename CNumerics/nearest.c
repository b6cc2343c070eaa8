/*
 * nearest.c — nearest-sample look-up (griddata(method="nearest")), used to
 * fill grid cells outside the convex hull.
 *
 * Profiles are a few rows of context length, far apart compared with the KV
 * axis, so for each grid row the samples are ordered by their squared row
 * distance and the scan stops once that alone exceeds the best distance.
 */
#include "cnumerics.h"
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

/* Stable merge sort of idx[0..n) by key (ties keep index order). */
static void sort_by_key(int n, const double *key, int *idx, int *tmp) {
    for (int w = 1; w < n; w *= 2) {
        for (int lo = 0; lo < n; lo += 2 * w) {
            int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = key[idx[j]] < key[idx[i]] ? idx[j++] : idx[i++];
            while (i < mid) tmp[k++] = idx[i++];
            while (j < hi) tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, sizeof(int) * (size_t)n);
    }
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
        sort_by_key(n, dwork, order, tmp);
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
