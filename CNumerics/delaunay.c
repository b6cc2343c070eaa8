/*
 * delaunay.c — 2-D Delaunay triangulation (Bowyer–Watson insertion with a
 * ghost vertex closing the hull, exact predicates).
 *
 * Why this design: profiles are small (tens to hundreds of points) but highly
 * degenerate — whole rows of collinear points, hull edges with many collinear
 * vertices. Ghost triangles (one vertex "at infinity" per hull edge) make
 * insertion outside the hull the same operation as inside, and exact
 * predicates keep every decision consistent, so the result is the unique
 * Delaunay triangulation whenever no four points are cocircular — the same
 * triangles Qhull (scipy.spatial.Delaunay) returns for such input.
 */
#include "cnumerics.h"
#include "sort_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct dt {
    int n, ghost, cap, count, free_head;
    const double *x, *y;
    int *v, *nb;      /* 3 per slot */
    int *mark;        /* per slot: insertion stamp that visited it (conflict or boundary) */
    int *incav;       /* per slot: 1 when the slot is in the current cavity */
    int *cavity, *edges, *start_at, *end_at, *order;
} dt;

static inline void pt(const dt *d, int i, double *p) { p[0] = d->x[i]; p[1] = d->y[i]; }

static int alloc_tri(dt *d, int a, int b, int c) {
    int t;
    if (d->free_head >= 0) {
        t = d->free_head;
        d->free_head = d->nb[3 * t];
    } else {
        if (d->count >= d->cap) return -1;
        t = d->count++;
    }
    d->v[3 * t] = a; d->v[3 * t + 1] = b; d->v[3 * t + 2] = c;
    d->nb[3 * t] = d->nb[3 * t + 1] = d->nb[3 * t + 2] = -1;
    d->mark[t] = 0; d->incav[t] = 0;
    return t;
}

static void free_tri(dt *d, int t) {
    d->v[3 * t] = -1;
    d->nb[3 * t] = d->free_head;
    d->free_head = t;
}

static inline int is_ghost(const dt *d, int t) {
    return d->v[3 * t] == d->ghost || d->v[3 * t + 1] == d->ghost || d->v[3 * t + 2] == d->ghost;
}

/* Does the circumdisk of t (open) contain point p? For a ghost (u, v, G): p strictly
 * outside the hull edge u→v, or on the open segment uv. */
static int conflict(const dt *d, int t, const double *p) {
    const int *v = d->v + 3 * t;
    int k = -1;
    for (int i = 0; i < 3; i++) if (v[i] == d->ghost) k = i;
    if (k < 0) {
        double a[2], b[2], c[2];
        pt(d, v[0], a); pt(d, v[1], b); pt(d, v[2], c);
        return cn_incircle(a, b, c, p) > 0;
    }
    double a[2], b[2];
    pt(d, v[(k + 1) % 3], a); pt(d, v[(k + 2) % 3], b);
    int o = cn_orient2d(a, b, p);
    if (o != 0) return o > 0;
    /* collinear: inside the open segment? */
    double lo = fmin(a[0], b[0]), hi = fmax(a[0], b[0]);
    if (a[0] != b[0]) return p[0] > lo && p[0] < hi;
    lo = fmin(a[1], b[1]); hi = fmax(a[1], b[1]);
    return p[1] > lo && p[1] < hi;
}

/* Visibility walk to a triangle whose circumdisk holds p; brute force when the walk stalls. */
static int locate(const dt *d, int t, const double *p) {
    int steps = 0, limit = 4 * d->cap + 16;
    if (t < 0 || d->v[3 * t] < 0) t = -1;
    while (t >= 0 && steps++ < limit) {
        if (is_ghost(d, t)) {
            if (conflict(d, t, p)) return t;
            /* step back into the triangulation through the hull edge */
            int k = 0;
            while (d->v[3 * t + k] != d->ghost) k++;
            t = d->nb[3 * t + k];
            continue;
        }
        int moved = 0;
        for (int k = 0; k < 3; k++) {
            double a[2], b[2];
            pt(d, d->v[3 * t + (k + 1) % 3], a);
            pt(d, d->v[3 * t + (k + 2) % 3], b);
            if (cn_orient2d(a, b, p) < 0) { t = d->nb[3 * t + k]; moved = 1; break; }
        }
        if (!moved) return conflict(d, t, p) ? t : -1;
    }
    for (int s = 0; s < d->count; s++)
        if (d->v[3 * s] >= 0 && conflict(d, s, p)) return s;
    return -1;
}

/* Index k of neighbour slot in t whose edge is (u, v) in either direction. */
static int edge_slot(const dt *d, int t, int u, int v) {
    for (int k = 0; k < 3; k++) {
        int a = d->v[3 * t + (k + 1) % 3], b = d->v[3 * t + (k + 2) % 3];
        if ((a == u && b == v) || (a == v && b == u)) return k;
    }
    return -1;
}

static int insert(dt *d, int ip, int *hint, int stamp) {
    double p[2];
    pt(d, ip, p);
    int t0 = locate(d, *hint, p);
    if (t0 < 0) return CN_ERR_DEGENERATE;
    int ncav = 0, nedge = 0;
    d->cavity[ncav++] = t0; d->mark[t0] = stamp; d->incav[t0] = 1;
    for (int c = 0; c < ncav; c++) {
        int t = d->cavity[c];
        for (int k = 0; k < 3; k++) {
            int o = d->nb[3 * t + k];
            if (d->mark[o] != stamp) {
                d->mark[o] = stamp;
                if (conflict(d, o, p)) { d->incav[o] = 1; d->cavity[ncav++] = o; continue; }
            } else if (d->incav[o]) {
                continue;
            }
            int *e = d->edges + 3 * nedge++;
            e[0] = d->v[3 * t + (k + 1) % 3]; e[1] = d->v[3 * t + (k + 2) % 3]; e[2] = o;
        }
    }
    for (int c = 0; c < ncav; c++) { d->incav[d->cavity[c]] = 0; free_tri(d, d->cavity[c]); }
    int first = -1;
    for (int i = 0; i < nedge; i++) {
        int *e = d->edges + 3 * i;
        int t = alloc_tri(d, e[0], e[1], ip);
        if (t < 0) return CN_ERR_WORKSPACE;
        d->mark[t] = stamp;
        int o = e[2], k = edge_slot(d, o, e[0], e[1]);
        if (k < 0) return CN_ERR_DEGENERATE;
        d->nb[3 * o + k] = t;
        d->nb[3 * t + 2] = o;
        d->start_at[e[0]] = t; d->end_at[e[1]] = t;
        if (first < 0 || !is_ghost(d, t)) first = t;
    }
    for (int i = 0; i < nedge; i++) {
        int *e = d->edges + 3 * i;
        int t = d->start_at[e[0]];
        d->nb[3 * t + 0] = d->start_at[e[1]]; /* across (e1, p): triangle starting at e1 */
        d->nb[3 * t + 1] = d->end_at[e[0]];   /* across (p, e0): triangle ending at e0 */
    }
    *hint = first;
    return CN_OK;
}

/* Flatter than roundoff: |orient| below 1e-13 of the product of the two longest sides. */
static int is_sliver(const dt *d, int t) {
    double p[3][2];
    for (int k = 0; k < 3; k++) pt(d, d->v[3 * t + k], p[k]);
    double area2 = (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[1][1] - p[0][1]) * (p[2][0] - p[0][0]);
    double l[3];
    for (int k = 0; k < 3; k++) l[k] = hypot(p[(k + 1) % 3][0] - p[k][0], p[(k + 1) % 3][1] - p[k][1]);
    double lo = fmin(l[0], fmin(l[1], l[2]));
    double prod = (l[0] * l[1] * l[2]) / (lo > 0 ? lo : 1);
    return fabs(area2) <= 1e-13 * prod;
}

size_t cn_delaunay_workspace(int n) {
    if (n < 0) return 0;
    size_t cap = 4 * (size_t)n + 16;
    return 3 * cap /* v */ + 3 * cap /* nb */ + 2 * cap /* mark, incav */ + cap /* cavity */
         + 3 * (cap + 4) /* edges */ + 2 * ((size_t)n + 1) /* start/end */ + (size_t)n /* order */;
}

/* Lexicographic (x, y, index) order, for cn_sort_indices. */
typedef struct { const double *x, *y; } point_set;

static int before(const void *ctx, int a, int b) {
    const point_set *p = ctx;
    if (p->x[a] != p->x[b]) return p->x[a] < p->x[b];
    if (p->y[a] != p->y[b]) return p->y[a] < p->y[b];
    return a < b;
}

int cn_delaunay(int n, const double *x, const double *y, int *work, size_t lwork,
                int *ntri, int *tri, int *nbr) {
    if (n < 3 || !x || !y || !work || !ntri || !tri || !nbr) return CN_ERR_ARGUMENT;
    if (lwork < cn_delaunay_workspace(n)) return CN_ERR_WORKSPACE;
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i]) || !isfinite(y[i])) return CN_ERR_NONFINITE;
    dt d;
    d.n = n; d.ghost = n; d.cap = 4 * n + 16; d.count = 0; d.free_head = -1; d.x = x; d.y = y;
    int *w = work;
    d.v = w; w += 3 * d.cap;
    d.nb = w; w += 3 * d.cap;
    d.mark = w; w += d.cap;
    d.incav = w; w += d.cap;
    d.cavity = w; w += d.cap;
    d.edges = w; w += 3 * (d.cap + 4);
    d.start_at = w; w += n + 1;
    d.end_at = w; w += n + 1;
    d.order = w;

    /* duplicates: neighbours in lexicographic order */
    for (int i = 0; i < n; i++) d.order[i] = i;
    point_set points = {x, y};
    cn_sort_indices(n, d.order, d.edges, before, &points);
    for (int i = 1; i < n; i++)
        if (x[d.order[i]] == x[d.order[i - 1]] && y[d.order[i]] == y[d.order[i - 1]]) return CN_ERR_DEGENERATE;

    /* first triangle: points 0, 1 and the first point not collinear with them */
    int a = 0, b = 1, c = -1;
    double pa[2], pb[2], pc[2];
    pt(&d, a, pa); pt(&d, b, pb);
    int o = 0;
    for (int i = 2; i < n && c < 0; i++) {
        pt(&d, i, pc);
        o = cn_orient2d(pa, pb, pc);
        if (o != 0) c = i;
    }
    if (c < 0) return CN_ERR_DEGENERATE;
    if (o < 0) { int s = a; a = b; b = s; }
    int t0 = alloc_tri(&d, a, b, c);
    int g0 = alloc_tri(&d, b, a, d.ghost), g1 = alloc_tri(&d, c, b, d.ghost), g2 = alloc_tri(&d, a, c, d.ghost);
    int init[4] = {t0, g0, g1, g2};
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 3; k++) {
            int t = init[i], u = d.v[3 * t + (k + 1) % 3], v = d.v[3 * t + (k + 2) % 3];
            for (int j = 0; j < 4; j++) {
                if (j == i) continue;
                int s = edge_slot(&d, init[j], u, v);
                if (s >= 0) d.nb[3 * t + k] = init[j];
            }
        }
    int hint = t0, stamp = 0;
    for (int i = 2; i < n; i++) {
        if (i == c) continue;
        int st = insert(&d, i, &hint, ++stamp);
        if (st != CN_OK) return st;
    }

    /* Qhull (scipy) sees a hull triangle flatter than roundoff as a vertical
     * facet of the lifted hull and leaves it out, so the middle point becomes a
     * boundary vertex. Profilers make such slivers (points x = n*c/kv with
     * n = 1 lie on one line through the origin, off it only by rounding);
     * peel them the same way, repeatedly, so hull edges and neighbours match. */
    for (int changed = 1; changed;) {
        changed = 0;
        for (int t = 0; t < d.count; t++) {
            if (d.v[3 * t] < 0 || is_ghost(&d, t)) continue;
            int hk = -1, hulls = 0;
            for (int k = 0; k < 3; k++) if (is_ghost(&d, d.nb[3 * t + k])) { hk = k; hulls++; }
            if (hulls != 1) continue;
            if (!is_sliver(&d, t)) continue;
            /* t = (c, a, b) with hull edge (a, b) opposite c; its ghost g = (b, a, G) */
            int g = d.nb[3 * t + hk];
            int c = d.v[3 * t + hk], a = d.v[3 * t + (hk + 1) % 3], b = d.v[3 * t + (hk + 2) % 3];
            int ta = d.nb[3 * t + (hk + 2) % 3]; /* across (c, a) */
            int tb = d.nb[3 * t + (hk + 1) % 3]; /* across (b, c) */
            int ga = alloc_tri(&d, c, a, d.ghost), gb = alloc_tri(&d, b, c, d.ghost);
            if (ga < 0 || gb < 0) return CN_ERR_WORKSPACE;
            int gka = d.nb[3 * g + edge_slot(&d, g, a, d.ghost)], gkb = d.nb[3 * g + edge_slot(&d, g, b, d.ghost)];
            /* ghost (c, a, G): opposite G → ta; opposite c (edge a, G) → ghost beyond a; opposite a (edge G, c) → gb */
            d.nb[3 * ga + 2] = ta; d.nb[3 * ga + 0] = gka; d.nb[3 * ga + 1] = gb;
            d.nb[3 * gb + 2] = tb; d.nb[3 * gb + 1] = gkb; d.nb[3 * gb + 0] = ga;
            d.nb[3 * ta + edge_slot(&d, ta, c, a)] = ga;
            d.nb[3 * tb + edge_slot(&d, tb, b, c)] = gb;
            d.nb[3 * gka + edge_slot(&d, gka, a, d.ghost)] = ga;
            d.nb[3 * gkb + edge_slot(&d, gkb, b, d.ghost)] = gb;
            free_tri(&d, t); free_tri(&d, g);
            changed = 1;
        }
    }

    /* compact the finite triangles; ghosts become -1 neighbours */
    int *id = d.mark, m = 0;
    for (int t = 0; t < d.count; t++)
        id[t] = (d.v[3 * t] >= 0 && !is_ghost(&d, t)) ? m++ : -1;
    if (m > 2 * n) return CN_ERR_WORKSPACE;
    for (int t = 0; t < d.count; t++) {
        if (id[t] < 0) continue;
        for (int k = 0; k < 3; k++) {
            tri[3 * id[t] + k] = d.v[3 * t + k];
            nbr[3 * id[t] + k] = id[d.nb[3 * t + k]];
        }
    }
    *ntri = m;
    return CN_OK;
}
