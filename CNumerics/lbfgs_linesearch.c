/* Moré–Thuente line search (MINPACK-2 dcsrch/dcstep), the one L-BFGS-B uses.
 * Rewritten from the published algorithm (Moré & Thuente, ACM TOMS 20, 1994);
 * the constants (xtrapl 1.1, xtrapu 4, bisection when the bracket shrinks by
 * less than 2/3) are the paper's, so step sequences match scipy's L-BFGS-B. */
#include <math.h>
#include "lbfgs_internal.h"

/* γ of the cubic interpolating two points with derivatives da and db, scaled
 * by s = max(|θ|, |da|, |db|) against overflow; `clamp` keeps the root real. */
static double cubic_gamma(double theta, double da, double db, int clamp) {
    double s = fmax(fabs(theta), fmax(fabs(da), fabs(db)));
    double disc = (theta / s) * (theta / s) - (da / s) * (db / s);
    return s * sqrt(clamp ? fmax(0.0, disc) : disc);
}

/* One safeguarded cubic/quadratic step; updates the interval of uncertainty
 * [stx, sty] and returns the new trial step in *stp. */
static void dcstep(double *stx, double *fx, double *dx, double *sty, double *fy, double *dy,
                   double *stp, double fp, double dp, int *brackt, double stpmin, double stpmax) {
    const double p66 = 0.66;
    double sgnd = dp * (*dx / fabs(*dx));
    double stpf, stpc, stpq, theta, gamma, p, q, r;
    if (fp > *fx) {
        theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        gamma = cubic_gamma(theta, *dx, dp, 0);
        if (*stp < *stx) gamma = -gamma;
        p = (gamma - *dx) + theta;
        q = ((gamma - *dx) + gamma) + dp;
        r = p / q;
        stpc = *stx + r * (*stp - *stx);
        stpq = *stx + ((*dx / ((*fx - fp) / (*stp - *stx) + *dx)) / 2.0) * (*stp - *stx);
        stpf = fabs(stpc - *stx) < fabs(stpq - *stx) ? stpc : stpc + (stpq - stpc) / 2.0;
        *brackt = 1;
    } else if (sgnd < 0.0) {
        theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        gamma = cubic_gamma(theta, *dx, dp, 0);
        if (*stp > *stx) gamma = -gamma;
        p = (gamma - dp) + theta;
        q = ((gamma - dp) + gamma) + *dx;
        r = p / q;
        stpc = *stp + r * (*stx - *stp);
        stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
        stpf = fabs(stpc - *stp) > fabs(stpq - *stp) ? stpc : stpq;
        *brackt = 1;
    } else if (fabs(dp) < fabs(*dx)) {
        theta = 3.0 * (*fx - fp) / (*stp - *stx) + *dx + dp;
        gamma = cubic_gamma(theta, *dx, dp, 1);
        if (*stp > *stx) gamma = -gamma;
        p = (gamma - dp) + theta;
        q = (gamma + (*dx - dp)) + gamma;
        r = p / q;
        if (r < 0.0 && gamma != 0.0) stpc = *stp + r * (*stx - *stp);
        else if (*stp > *stx) stpc = stpmax;
        else stpc = stpmin;
        stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
        if (*brackt) {
            stpf = fabs(stpc - *stp) < fabs(stpq - *stp) ? stpc : stpq;
            if (*stp > *stx) stpf = fmin(*stp + p66 * (*sty - *stp), stpf);
            else stpf = fmax(*stp + p66 * (*sty - *stp), stpf);
        } else {
            stpf = fabs(stpc - *stp) > fabs(stpq - *stp) ? stpc : stpq;
            stpf = fmin(stpmax, stpf);
            stpf = fmax(stpmin, stpf);
        }
    } else {
        if (*brackt) {
            theta = 3.0 * (fp - *fy) / (*sty - *stp) + *dy + dp;
            gamma = cubic_gamma(theta, *dy, dp, 0);
            if (*stp > *sty) gamma = -gamma;
            p = (gamma - dp) + theta;
            q = ((gamma - dp) + gamma) + *dy;
            r = p / q;
            stpc = *stp + r * (*sty - *stp);
            stpf = stpc;
        } else if (*stp > *stx) {
            stpf = stpmax;
        } else {
            stpf = stpmin;
        }
    }
    if (fp > *fx) {
        *sty = *stp; *fy = fp; *dy = dp;
    } else {
        if (sgnd < 0.0) { *sty = *stx; *fy = *fx; *dy = *dx; }
        *stx = *stp; *fx = fp; *dx = dp;
    }
    *stp = stpf;
}

void cn_ls_start(cn_linesearch *ls, double f, double g, double stp, double ftol, double gtol,
                 double xtol, double stpmin, double stpmax) {
    ls->ftol = ftol; ls->gtol = gtol; ls->xtol = xtol;
    ls->stpmin = stpmin; ls->stpmax = stpmax;
    ls->brackt = 0; ls->stage = 1;
    ls->finit = f; ls->ginit = g; ls->gtest = ftol * g;
    ls->width = stpmax - stpmin; ls->width1 = ls->width / 0.5;
    ls->stx = 0.0; ls->fx = f; ls->gx = g;
    ls->sty = 0.0; ls->fy = f; ls->gy = g;
    ls->stmin = 0.0; ls->stmax = stp + 4.0 * stp;
}

int cn_ls_next(cn_linesearch *ls, double f, double g, double *stp) {
    double ftest = ls->finit + *stp * ls->gtest;
    if (ls->stage == 1 && f <= ftest && g >= 0.0) ls->stage = 2;
    if (ls->brackt && (*stp <= ls->stmin || *stp >= ls->stmax)) return CN_LS_WARNING;
    if (ls->brackt && ls->stmax - ls->stmin <= ls->xtol * ls->stmax) return CN_LS_WARNING;
    if (*stp == ls->stpmax && f <= ftest && g <= ls->gtest) return CN_LS_WARNING;
    if (*stp == ls->stpmin && (f > ftest || g >= ls->gtest)) return CN_LS_WARNING;
    if (f <= ftest && fabs(g) <= ls->gtol * (-ls->ginit)) return CN_LS_CONVERGED;

    if (ls->stage == 1 && f <= ls->fx && f > ftest) {
        /* Modified function (f - stp*gtest) until a point with sufficient decrease
         * and non-negative derivative is found (the paper's stage 1). */
        double fm = f - *stp * ls->gtest, fxm = ls->fx - ls->stx * ls->gtest;
        double fym = ls->fy - ls->sty * ls->gtest, gm = g - ls->gtest;
        double gxm = ls->gx - ls->gtest, gym = ls->gy - ls->gtest;
        dcstep(&ls->stx, &fxm, &gxm, &ls->sty, &fym, &gym, stp, fm, gm, &ls->brackt, ls->stmin, ls->stmax);
        ls->fx = fxm + ls->stx * ls->gtest; ls->fy = fym + ls->sty * ls->gtest;
        ls->gx = gxm + ls->gtest; ls->gy = gym + ls->gtest;
    } else {
        dcstep(&ls->stx, &ls->fx, &ls->gx, &ls->sty, &ls->fy, &ls->gy, stp, f, g, &ls->brackt, ls->stmin, ls->stmax);
    }
    if (ls->brackt) {
        if (fabs(ls->sty - ls->stx) >= 0.66 * ls->width1) *stp = ls->stx + 0.5 * (ls->sty - ls->stx);
        ls->width1 = ls->width;
        ls->width = fabs(ls->sty - ls->stx);
        ls->stmin = fmin(ls->stx, ls->sty);
        ls->stmax = fmax(ls->stx, ls->sty);
    } else {
        ls->stmin = *stp + 1.1 * (*stp - ls->stx);
        ls->stmax = *stp + 4.0 * (*stp - ls->stx);
    }
    *stp = fmax(*stp, ls->stpmin);
    *stp = fmin(*stp, ls->stpmax);
    if ((ls->brackt && (*stp <= ls->stmin || *stp >= ls->stmax)) ||
        (ls->brackt && ls->stmax - ls->stmin <= ls->xtol * ls->stmax)) *stp = ls->stx;
    return CN_LS_EVALUATE;
}
