/*
 * predicates.c — adaptive exact orientation and in-circle tests.
 *
 * Why: profilers place many points on one context-length row and produce
 * nearly cocircular quads; a plain floating-point determinant can then pick
 * the wrong side and break the Delaunay property (or loop). Each test first
 * evaluates the determinant in doubles with a forward error bound (after
 * Shewchuk's error analysis); only when the sign is not certified does it
 * recompute exactly with floating-point expansions (sums of non-overlapping
 * doubles), which is rare and slower.
 */
#include "cnumerics.h"
#include <math.h>

#define CN_EPS (1.1102230246251565e-16) /* 2^-53 */
/* Capacity of one expansion: far above what determinants of doubles need. */
#define CN_EXP_MAX 600

/* a + b = x + y exactly, |y| <= ulp(x)/2 */
static inline void two_sum(double a, double b, double *x, double *y) {
    double s = a + b, bv = s - a, av = s - bv;
    *x = s;
    *y = (a - av) + (b - bv);
}

/* a * b = x + y exactly (fma gives the rounding error directly) */
static inline void two_product(double a, double b, double *x, double *y) {
    double p = a * b;
    *x = p;
    *y = fma(a, b, -p);
}

/* h = e + f, expansions in increasing magnitude; zero components dropped. */
static int expansion_sum(int elen, const double *e, int flen, const double *f, double *h) {
    /* Simple but correct: add f's components one at a time (grow_expansion). */
    double tmp[CN_EXP_MAX];
    int n = 0;
    for (int i = 0; i < elen && n < CN_EXP_MAX; i++) tmp[n++] = e[i];
    for (int j = 0; j < flen; j++) {
        double q = f[j];
        int m = 0;
        for (int i = 0; i < n; i++) {
            double s, err;
            two_sum(q, tmp[i], &s, &err);
            if (err != 0.0 && m < CN_EXP_MAX - 1) tmp[m++] = err;
            q = s;
        }
        if (q != 0.0 && m < CN_EXP_MAX) tmp[m++] = q;
        n = m;
    }
    for (int i = 0; i < n; i++) h[i] = tmp[i];
    return n;
}

/* h = e * b for a scalar b (h may alias e: expansion_sum copies first). */
static int scale_expansion(int elen, const double *e, double b, double *h) {
    double src[CN_EXP_MAX];
    int n = 0;
    for (int i = 0; i < elen; i++) src[i] = e[i];
    for (int i = 0; i < elen; i++) {
        double hi, lo, pp[2];
        int pn = 0;
        two_product(src[i], b, &hi, &lo);
        if (lo != 0.0) pp[pn++] = lo;
        if (hi != 0.0) pp[pn++] = hi;
        n = expansion_sum(n, h, pn, pp, h);
    }
    return n;
}

/* h = e * f */
static int expansion_product(int elen, const double *e, int flen, const double *f, double *h) {
    double acc[CN_EXP_MAX], part[CN_EXP_MAX], sum[CN_EXP_MAX];
    int accn = 0;
    for (int j = 0; j < flen; j++) {
        int pn = scale_expansion(elen, e, f[j], part);
        int sn = expansion_sum(accn, acc, pn, part, sum);
        for (int i = 0; i < sn; i++) acc[i] = sum[i];
        accn = sn;
    }
    for (int i = 0; i < accn; i++) h[i] = acc[i];
    return accn;
}

static int expansion_negate(int elen, const double *e, double *h) {
    for (int i = 0; i < elen; i++) h[i] = -e[i];
    return elen;
}

/* Sign of an expansion: its largest component carries the sign. */
static int expansion_sign(int elen, const double *e) {
    for (int i = elen - 1; i >= 0; i--)
        if (e[i] != 0.0) return e[i] > 0 ? 1 : -1;
    return 0;
}

/* a - b as an exact two-component expansion. */
static int diff2(double a, double b, double *h) {
    double x, y;
    two_sum(a, -b, &x, &y);
    int n = 0;
    if (y != 0.0) h[n++] = y;
    if (x != 0.0) h[n++] = x;
    return n;
}

static int orient_exact(const double *a, const double *b, const double *c) {
    double acx[2], acy[2], bcx[2], bcy[2], p1[16], p2[16], d[32];
    int nacx = diff2(a[0], c[0], acx), nacy = diff2(a[1], c[1], acy);
    int nbcx = diff2(b[0], c[0], bcx), nbcy = diff2(b[1], c[1], bcy);
    int n1 = expansion_product(nacx, acx, nbcy, bcy, p1);
    int n2 = expansion_product(nacy, acy, nbcx, bcx, p2);
    n2 = expansion_negate(n2, p2, p2);
    int nd = expansion_sum(n1, p1, n2, p2, d);
    return expansion_sign(nd, d);
}

int cn_orient2d(const double *a, const double *b, const double *c) {
    double detleft = (a[0] - c[0]) * (b[1] - c[1]);
    double detright = (a[1] - c[1]) * (b[0] - c[0]);
    double det = detleft - detright, detsum;
    if (detleft > 0.0) {
        if (detright <= 0.0) return det > 0 ? 1 : (det < 0 ? -1 : 0);
        detsum = detleft + detright;
    } else if (detleft < 0.0) {
        if (detright >= 0.0) return det > 0 ? 1 : (det < 0 ? -1 : 0);
        detsum = -detleft - detright;
    } else {
        return det > 0 ? 1 : (det < 0 ? -1 : 0);
    }
    double bound = (3.0 + 16.0 * CN_EPS) * CN_EPS * detsum;
    if (det >= bound) return 1;
    if (-det >= bound) return -1;
    return orient_exact(a, b, c);
}

/* Exact lifted term: (px-dx)^2 + (py-dy)^2 times the 2x2 minor of (q, r). */
static int incircle_term(const double *p, const double *q, const double *r, const double *d, double *h) {
    double px[2], py[2], qx[2], qy[2], rx[2], ry[2];
    int npx = diff2(p[0], d[0], px), npy = diff2(p[1], d[1], py);
    int nqx = diff2(q[0], d[0], qx), nqy = diff2(q[1], d[1], qy);
    int nrx = diff2(r[0], d[0], rx), nry = diff2(r[1], d[1], ry);
    double a[16], b[16], lift[40], m1[16], m2[16], minor[40];
    int na = expansion_product(npx, px, npx, px, a);
    int nb = expansion_product(npy, py, npy, py, b);
    int nl = expansion_sum(na, a, nb, b, lift);
    int n1 = expansion_product(nqx, qx, nry, ry, m1);
    int n2 = expansion_product(nqy, qy, nrx, rx, m2);
    n2 = expansion_negate(n2, m2, m2);
    int nm = expansion_sum(n1, m1, n2, m2, minor);
    return expansion_product(nl, lift, nm, minor, h);
}

static int incircle_exact(const double *a, const double *b, const double *c, const double *d) {
    double t1[CN_EXP_MAX], t2[CN_EXP_MAX], t3[CN_EXP_MAX], s[CN_EXP_MAX], r[CN_EXP_MAX];
    int n1 = incircle_term(a, b, c, d, t1);
    int n2 = incircle_term(b, c, a, d, t2);
    int n3 = incircle_term(c, a, b, d, t3);
    int ns = expansion_sum(n1, t1, n2, t2, s);
    int nr = expansion_sum(ns, s, n3, t3, r);
    return expansion_sign(nr, r);
}

int cn_incircle(const double *a, const double *b, const double *c, const double *d) {
    double adx = a[0] - d[0], bdx = b[0] - d[0], cdx = c[0] - d[0];
    double ady = a[1] - d[1], bdy = b[1] - d[1], cdy = c[1] - d[1];
    double bdxcdy = bdx * cdy, cdxbdy = cdx * bdy, alift = adx * adx + ady * ady;
    double cdxady = cdx * ady, adxcdy = adx * cdy, blift = bdx * bdx + bdy * bdy;
    double adxbdy = adx * bdy, bdxady = bdx * ady, clift = cdx * cdx + cdy * cdy;
    double det = alift * (bdxcdy - cdxbdy) + blift * (cdxady - adxcdy) + clift * (adxbdy - bdxady);
    double permanent = (fabs(bdxcdy) + fabs(cdxbdy)) * alift + (fabs(cdxady) + fabs(adxcdy)) * blift
                     + (fabs(adxbdy) + fabs(bdxady)) * clift;
    double bound = (10.0 + 96.0 * CN_EPS) * CN_EPS * permanent;
    if (det > bound) return 1;
    if (-det > bound) return -1;
    return incircle_exact(a, b, c, d);
}
