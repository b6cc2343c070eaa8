/*
 * clough_tocher.c — the Clough–Tocher C1 interpolant on a Delaunay
 * triangulation, with vertex gradients from global curvature minimisation:
 * the scheme of scipy's CloughTocher2DInterpolator (griddata "cubic").
 *
 * The arithmetic follows scipy's formulas term by term (same order of
 * operations), so grids agree to rounding: the gradient sweeps stop at a 1e-6
 * tolerance, and only an identical sequence of sweeps reproduces the same
 * partially converged gradients.
 */
#include "cnumerics.h"
#include <float.h>
#include <math.h>
#include <string.h>

void cn_ct_params_init(cn_ct_params *p) {
    p->maxiter = 400;
    p->tol = 1e-6;
    p->eps = 100 * DBL_EPSILON;
    p->nearest_fill = 1;
}

/* Vertex adjacency (CSR) of the triangulation: neighbours of i are idx[ptr[i] .. ptr[i] + deg[i]). */
static void adjacency(int n, int ntri, const int *tri, int *ptr, int *idx, int *deg) {
    memset(deg, 0, sizeof(int) * (size_t)n);
    for (int t = 0; t < 3 * ntri; t++) deg[tri[t]]++;
    ptr[0] = 0;
    for (int i = 0; i < n; i++) ptr[i + 1] = ptr[i] + deg[i] + 1; /* a fan of k triangles has ≤ k + 1 neighbours */
    memset(deg, 0, sizeof(int) * (size_t)n);
    for (int t = 0; t < ntri; t++)
        for (int k = 0; k < 3; k++) {
            int u = tri[3 * t + k], v = tri[3 * t + (k + 1) % 3];
            for (int s = 0; s < 2; s++) {
                int a = s ? v : u, b = s ? u : v, seen = 0;
                for (int j = ptr[a]; j < ptr[a] + deg[a]; j++) if (idx[j] == b) { seen = 1; break; }
                if (!seen) idx[ptr[a] + deg[a]++] = b;
            }
        }
}

int cn_ct_gradients(int n, const double *x, const double *y, const double *f,
                    int ntri, const int *tri, const cn_ct_params *params,
                    int *work, double *dwork, double *grad, int *iterations) {
    if (n < 3 || ntri < 1 || !x || !y || !f || !tri || !params || !work || !dwork || !grad) return CN_ERR_ARGUMENT;
    for (int i = 0; i < n; i++) if (!isfinite(f[i])) return CN_ERR_NONFINITE;
    int *ptr = work, *deg = work + n + 1, *idx = work + 2 * n + 1;
    adjacency(n, ntri, tri, ptr, idx, deg);
    /* Everything that does not change between sweeps — edge vectors, L^3 and the
     * 2x2 matrices Q — is computed once, with the very same expressions, so the
     * sweeps produce scipy's numbers bit for bit at a fraction of the cost. */
    double *Q = dwork, *E = dwork + 3 * n;
    for (int ip = 0; ip < n; ip++) {
        double Q0 = 0, Q1 = 0, Q3 = 0;
        for (int j = ptr[ip]; j < ptr[ip] + deg[ip]; j++) {
            int iq = idx[j];
            double ex = x[iq] - x[ip], ey = y[iq] - y[ip];
            double L = sqrt(ex * ex + ey * ey), L3 = L * L * L;
            Q0 += 4 * ex * ex / L3;
            Q1 += 4 * ex * ey / L3;
            Q3 += 4 * ey * ey / L3;
            E[3 * j] = ex; E[3 * j + 1] = ey; E[3 * j + 2] = L3;
        }
        Q[3 * ip] = Q0; Q[3 * ip + 1] = Q1; Q[3 * ip + 2] = Q3;
    }
    for (int i = 0; i < 2 * n; i++) grad[i] = 0;
    *iterations = 0;
    for (int iter = 0; iter < params->maxiter; iter++) {
        double err = 0;
        for (int ip = 0; ip < n; ip++) {
            double s0 = 0, s1 = 0, f1 = f[ip];
            for (int j = ptr[ip]; j < ptr[ip] + deg[ip]; j++) {
                int iq = idx[j];
                double ex = E[3 * j], ey = E[3 * j + 1], L3 = E[3 * j + 2];
                double f2 = f[iq];
                double df2 = -ex * grad[2 * iq] - ey * grad[2 * iq + 1];
                s0 += (6 * (f1 - f2) - 2 * df2) * ex / L3;
                s1 += (6 * (f1 - f2) - 2 * df2) * ey / L3;
            }
            double Q0 = Q[3 * ip], Q1 = Q[3 * ip + 1], Q3 = Q[3 * ip + 2];
            double Q2 = Q1, det = Q0 * Q3 - Q1 * Q2;
            double r0 = (Q3 * s0 - Q1 * s1) / det, r1 = (-Q2 * s0 + Q0 * s1) / det;
            double change = fmax(fabs(grad[2 * ip] + r0), fabs(grad[2 * ip + 1] + r1));
            grad[2 * ip] = -r0;
            grad[2 * ip + 1] = -r1;
            change /= fmax(1.0, fmax(fabs(r0), fabs(r1)));
            err = fmax(err, change);
        }
        if (err < params->tol) { *iterations = iter + 1; break; }
    }
    for (int i = 0; i < 2 * n; i++) if (!isfinite(grad[i])) return CN_ERR_SINGULAR;
    return CN_OK;
}

/* Barycentric transform of triangle t as scipy stores it: [Tinv (2x2, row-major), r2]. */
static int transform(const double *x, const double *y, const int *v, double *T) {
    double a = x[v[0]] - x[v[2]], b = x[v[1]] - x[v[2]];
    double c = y[v[0]] - y[v[2]], d = y[v[1]] - y[v[2]];
    double det = a * d - b * c;
    double norm = fmax(fabs(a) + fabs(c), fabs(b) + fabs(d));
    double inorm = fmax(fabs(d) + fabs(c), fabs(b) + fabs(a)) / fabs(det);
    if (det == 0 || !(1.0 / (norm * inorm) >= 1000 * DBL_EPSILON)) {
        for (int i = 0; i < 6; i++) T[i] = NAN;
        return 0;
    }
    T[0] = d / det; T[1] = -b / det; T[2] = -c / det; T[3] = a / det;
    T[4] = x[v[2]]; T[5] = y[v[2]];
    return 1;
}

static inline void bary(const double *T, double px, double py, double *c) {
    c[0] = T[0] * (px - T[4]) + T[1] * (py - T[5]);
    c[1] = T[2] * (px - T[4]) + T[3] * (py - T[5]);
    c[2] = 1.0 - c[0] - c[1];
}

/* The 19 Bézier ordinates of triangle t (scipy's _clough_tocher_2d_single, point-independent part). */
static void ct_coefficients(const double *x, const double *y, const int *tri, const int *nbr, const double *Ts,
                            int t, const double *fv, const double *gv, double *C) {
    const int *v = tri + 3 * t;
    double e12x = x[v[1]] - x[v[0]], e12y = y[v[1]] - y[v[0]];
    double e23x = x[v[2]] - x[v[1]], e23y = y[v[2]] - y[v[1]];
    double e31x = x[v[0]] - x[v[2]], e31y = y[v[0]] - y[v[2]];
    double f1 = fv[v[0]], f2 = fv[v[1]], f3 = fv[v[2]];
    const double *d1 = gv + 2 * v[0], *d2 = gv + 2 * v[1], *d3 = gv + 2 * v[2];
    double df12 = +(d1[0] * e12x + d1[1] * e12y), df21 = -(d2[0] * e12x + d2[1] * e12y);
    double df23 = +(d2[0] * e23x + d2[1] * e23y), df32 = -(d3[0] * e23x + d3[1] * e23y);
    double df31 = +(d3[0] * e31x + d3[1] * e31y), df13 = -(d1[0] * e31x + d1[1] * e31y);
    double c3000 = f1, c2100 = (df12 + 3 * c3000) / 3, c2010 = (df13 + 3 * c3000) / 3;
    double c0300 = f2, c1200 = (df21 + 3 * c0300) / 3, c0210 = (df23 + 3 * c0300) / 3;
    double c0030 = f3, c1020 = (df31 + 3 * c0030) / 3, c0120 = (df32 + 3 * c0030) / 3;
    double c2001 = (c2100 + c2010 + c3000) / 3, c0201 = (c1200 + c0300 + c0210) / 3, c0021 = (c1020 + c0120 + c0030) / 3;
    double g[3];
    for (int k = 0; k < 3; k++) {
        int it = nbr[3 * t + k];
        if (it < 0) { g[k] = -1. / 2; continue; }
        const int *w = tri + 3 * it;
        double cy0 = (x[w[0]] + x[w[1]] + x[w[2]]) / 3, cy1 = (y[w[0]] + y[w[1]] + y[w[2]]) / 3, c[3];
        bary(Ts + 6 * t, cy0, cy1, c);
        if (k == 0) g[k] = (2 * c[2] + c[1] - 1) / (2 - 3 * c[2] - 3 * c[1]);
        else if (k == 1) g[k] = (2 * c[0] + c[2] - 1) / (2 - 3 * c[0] - 3 * c[2]);
        else g[k] = (2 * c[1] + c[0] - 1) / (2 - 3 * c[1] - 3 * c[0]);
    }
    double c0111 = (g[0] * (-c0300 + 3 * c0210 - 3 * c0120 + c0030) + (-c0300 + 2 * c0210 - c0120 + c0021 + c0201)) / 2;
    double c1011 = (g[1] * (-c0030 + 3 * c1020 - 3 * c2010 + c3000) + (-c0030 + 2 * c1020 - c2010 + c2001 + c0021)) / 2;
    double c1101 = (g[2] * (-c3000 + 3 * c2100 - 3 * c1200 + c0300) + (-c3000 + 2 * c2100 - c1200 + c2001 + c0201)) / 2;
    double c1002 = (c1101 + c1011 + c2001) / 3, c0102 = (c1101 + c0111 + c0201) / 3, c0012 = (c1011 + c0111 + c0021) / 3;
    double c0003 = (c1002 + c0102 + c0012) / 3;
    double out[19] = {c3000, c2100, c2010, c2001, c1200, c1101, c1020, c1011, c1002, c0300,
                      c0210, c0201, c0120, c0111, c0102, c0030, c0021, c0012, c0003};
    memcpy(C, out, sizeof out);
}

/* scipy's 19-term Bézier sum. After subtracting the smallest barycentric
 * coordinate one of b1, b2, b3 is exactly zero, so the terms holding it add
 * exact zeros: summing only the other ten, in scipy's order, gives the same
 * bits at half the cost. */
static inline double ct_eval(const double *C, const double *b) {
    double minval = b[0];
    int m = 0;
    for (int k = 0; k < 3; k++) if (b[k] < minval) { minval = b[k]; m = k; }
    double b1 = b[0] - minval, b2 = b[1] - minval, b3 = b[2] - minval, b4 = 3 * minval;
    double c3000 = C[0], c2100 = C[1], c2010 = C[2], c2001 = C[3], c1200 = C[4], c1101 = C[5], c1020 = C[6],
           c1011 = C[7], c1002 = C[8], c0300 = C[9], c0210 = C[10], c0201 = C[11], c0120 = C[12], c0111 = C[13],
           c0102 = C[14], c0030 = C[15], c0021 = C[16], c0012 = C[17], c0003 = C[18];
    if (m == 0) /* b1 == 0 */
        return (b2 * b2 * b2 * c0300 + 3 * (b2 * b2) * b3 * c0210 +
                3 * (b2 * b2) * b4 * c0201 + 3 * b2 * (b3 * b3) * c0120 + 6 * b2 * b3 * b4 * c0111 +
                3 * b2 * (b4 * b4) * c0102 + b3 * b3 * b3 * c0030 + 3 * (b3 * b3) * b4 * c0021 +
                3 * b3 * (b4 * b4) * c0012 + b4 * b4 * b4 * c0003);
    if (m == 1) /* b2 == 0 */
        return (b1 * b1 * b1 * c3000 + 3 * (b1 * b1) * b3 * c2010 +
                3 * (b1 * b1) * b4 * c2001 + 3 * b1 * (b3 * b3) * c1020 + 6 * b1 * b3 * b4 * c1011 +
                3 * b1 * (b4 * b4) * c1002 + b3 * b3 * b3 * c0030 + 3 * (b3 * b3) * b4 * c0021 +
                3 * b3 * (b4 * b4) * c0012 + b4 * b4 * b4 * c0003);
    /* b3 == 0 */
    return (b1 * b1 * b1 * c3000 + 3 * (b1 * b1) * b2 * c2100 +
            3 * (b1 * b1) * b4 * c2001 + 3 * b1 * (b2 * b2) * c1200 +
            6 * b1 * b2 * b4 * c1101 +
            3 * b1 * (b4 * b4) * c1002 + b2 * b2 * b2 * c0300 +
            3 * (b2 * b2) * b4 * c0201 +
            3 * b2 * (b4 * b4) * c0102 + b4 * b4 * b4 * c0003);
}

/* First index i with a[i] >= v in the increasing array a. */
static int lower_bound(int m, const double *a, double v) {
    int lo = 0, hi = m;
    while (lo < hi) { int mid = (lo + hi) / 2; if (a[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
}

/* Intersects [lo, hi] with {px : -eps <= a px + b <= 1 + eps} (a slightly wider
 * candidate range; every cell in it is still tested exactly). */
static int narrow(double a, double b, double eps, double *lo, double *hi) {
    double l, h;
    if (a == 0) return b >= -2 * eps && b <= 1 + 2 * eps;
    if (a > 0) { l = (-eps - b) / a; h = (1 + eps - b) / a; }
    else { l = (1 + eps - b) / a; h = (-eps - b) / a; }
    double w = (fabs(l) + fabs(h)) * 1e-12;
    if (l - w > *lo) *lo = l - w;
    if (h + w < *hi) *hi = h + w;
    return *lo <= *hi;
}

/* Workspace layout of cn_griddata_ct, in bytes rounded to doubles. */
typedef struct ct_layout { size_t dwork, tri, nbr, adj, cell, near, grad, edges, Ts, coef, total; } ct_layout;

static ct_layout layout(int n, int nvalues, int nx, int ny) {
    ct_layout L;
    size_t nt = 2 * (size_t)n, off = 0;
#define TAKE(field, bytes) do { L.field = off; off += ((bytes) + sizeof(double) - 1) / sizeof(double); } while (0)
    TAKE(dwork, sizeof(int) * cn_delaunay_workspace(n));
    TAKE(tri, sizeof(int) * 3 * nt);
    TAKE(nbr, sizeof(int) * 3 * nt);
    TAKE(adj, sizeof(int) * (3 * (size_t)n + 1 + 3 * nt));
    TAKE(cell, sizeof(int) * (size_t)nx * (size_t)ny);
    TAKE(near, sizeof(double) * (size_t)n + sizeof(int) * (2 * (size_t)n));
    TAKE(grad, sizeof(double) * 2 * (size_t)n * (size_t)nvalues);
    TAKE(edges, sizeof(double) * (3 * (size_t)n + 3 * (3 * nt + (size_t)n)));
    TAKE(Ts, sizeof(double) * 6 * nt);
    TAKE(coef, sizeof(double) * 19 * nt * (size_t)nvalues);
#undef TAKE
    L.total = off;
    return L;
}

size_t cn_griddata_ct_workspace(int n, int nvalues, int nx, int ny) {
    if (n < 0 || nvalues < 0 || nx < 0 || ny < 0) return 0;
    return layout(n, nvalues, nx, ny).total;
}

int cn_griddata_ct(int n, const double *x, const double *y, int nvalues, const double *f, int ldf,
                   int nx, const double *xi, int ny, const double *yi, const cn_ct_params *params,
                   double *work, size_t lwork, double *out, int *iterations) {
    if (n < 3 || nvalues < 1 || ldf < n || nx < 1 || ny < 1 || !x || !y || !f || !xi || !yi || !params || !work ||
        !out || !iterations)
        return CN_ERR_ARGUMENT;
    ct_layout L = layout(n, nvalues, nx, ny);
    if (lwork < L.total) return CN_ERR_WORKSPACE;
    for (int i = 0; i < nx; i++) if (!isfinite(xi[i]) || (i && xi[i] < xi[i - 1])) return CN_ERR_ARGUMENT;
    for (int j = 0; j < ny; j++) if (!isfinite(yi[j]) || (j && yi[j] < yi[j - 1])) return CN_ERR_ARGUMENT;
    for (int v = 0; v < nvalues; v++)
        for (int i = 0; i < n; i++) if (!isfinite(f[(size_t)v * ldf + i])) return CN_ERR_NONFINITE;
    int *tri = (int *)(work + L.tri), *nbr = (int *)(work + L.nbr), *cell = (int *)(work + L.cell), ntri = 0;
    double *grad = work + L.grad, *Ts = work + L.Ts, *coef = work + L.coef;
    int st = cn_delaunay(n, x, y, (int *)(work + L.dwork), cn_delaunay_workspace(n), &ntri, tri, nbr);
    if (st != CN_OK) return st;

    *iterations = params->maxiter + 1;
    for (int v = 0; v < nvalues; v++) {
        int it = 0;
        st = cn_ct_gradients(n, x, y, f + (size_t)v * ldf, ntri, tri, params, (int *)(work + L.adj), work + L.edges,
                             grad + 2 * (size_t)n * v, &it);
        if (st != CN_OK) return st;
        if (it < *iterations) *iterations = it;
    }
    for (int t = 0; t < ntri; t++) transform(x, y, tri + 3 * t, Ts + 6 * t);
    for (int v = 0; v < nvalues; v++)
        for (int t = 0; t < ntri; t++)
            if (Ts[6 * t] == Ts[6 * t])
                ct_coefficients(x, y, tri, nbr, Ts, t, f + (size_t)v * ldf, grad + 2 * (size_t)n * v,
                                coef + 19 * ((size_t)v * ntri + t));

    /* Point location by rasterising each triangle over its bounding box; scipy's
     * bounding-box rejection (with eps) comes first, and a cell takes the first
     * triangle whose barycentric coordinates all lie in [-eps, 1 + eps]. */
    double eps = params->eps, minx = x[0], maxx = x[0], miny = y[0], maxy = y[0];
    for (int i = 1; i < n; i++) {
        minx = fmin(minx, x[i]); maxx = fmax(maxx, x[i]); miny = fmin(miny, y[i]); maxy = fmax(maxy, y[i]);
    }
    size_t cells = (size_t)nx * ny;
    for (size_t k = 0; k < cells; k++) cell[k] = -1;
    for (int t = 0; t < ntri; t++) {
        const double *T = Ts + 6 * t;
        if (T[0] != T[0]) continue;
        const int *w = tri + 3 * t;
        double tx0 = fmin(x[w[0]], fmin(x[w[1]], x[w[2]])), tx1 = fmax(x[w[0]], fmax(x[w[1]], x[w[2]]));
        double ty0 = fmin(y[w[0]], fmin(y[w[1]], y[w[2]])), ty1 = fmax(y[w[0]], fmax(y[w[1]], y[w[2]]));
        double mx = (tx1 - tx0) * 1e-9 + eps, my = (ty1 - ty0) * 1e-9 + eps;
        int i0 = lower_bound(nx, xi, tx0 - mx), i1 = lower_bound(nx, xi, tx1 + mx);
        int j0 = lower_bound(ny, yi, ty0 - my), j1 = lower_bound(ny, yi, ty1 + my);
        for (int j = j0; j < j1 && j < ny; j++) {
            double py = yi[j];
            if (py < miny - eps || py > maxy + eps) continue;
            /* on this row each coordinate is affine in px: narrow the columns first */
            double a0 = T[0], b0 = T[1] * (py - T[5]) - T[0] * T[4];
            double a1 = T[2], b1 = T[3] * (py - T[5]) - T[2] * T[4];
            double lo = tx0 - mx, hi = tx1 + mx;
            if (!narrow(a0, b0, eps, &lo, &hi) || !narrow(a1, b1, eps, &lo, &hi) ||
                !narrow(-a0 - a1, 1.0 - b0 - b1, eps, &lo, &hi))
                continue;
            double pad = (tx1 - tx0) * 1e-9 + eps;
            int ia = lower_bound(nx, xi, lo - pad), ib = lower_bound(nx, xi, hi + pad);
            if (ia < i0) ia = i0;
            if (ib > i1) ib = i1;
            for (int i = ia; i < ib && i < nx; i++) {
                size_t k = (size_t)j * nx + i;
                if (cell[k] >= 0) continue;
                double px = xi[i], c[3];
                if (px < minx - eps || px > maxx + eps) continue;
                bary(T, px, py, c);
                if (!(-eps <= c[0] && c[0] <= 1 + eps) || !(-eps <= c[1] && c[1] <= 1 + eps) ||
                    !(-eps <= c[2] && c[2] <= 1 + eps))
                    continue;
                cell[k] = t;
                for (int v = 0; v < nvalues; v++)
                    out[(size_t)v * cells + k] = ct_eval(coef + 19 * ((size_t)v * ntri + t), c);
            }
        }
    }
    int outside = 0;
    for (size_t k = 0; k < cells; k++) if (cell[k] < 0) outside = 1;
    if (!outside) return CN_OK;
    if (!params->nearest_fill) {
        for (size_t k = 0; k < cells; k++)
            if (cell[k] < 0) for (int v = 0; v < nvalues; v++) out[(size_t)v * cells + k] = NAN;
        return CN_OK;
    }
    /* nearest fill: cell[] gets the nearest sample for every outside cell */
    double *nd = work + L.near;
    cn_nearest_grid(n, x, y, nx, xi, ny, yi, cell, nd, (int *)(nd + n));
    for (size_t k = 0; k < cells; k++)
        if (cell[k] < 0) {
            int p = -cell[k] - 1;
            for (int v = 0; v < nvalues; v++) out[(size_t)v * cells + k] = f[(size_t)v * ldf + p];
        }
    return CN_OK;
}
