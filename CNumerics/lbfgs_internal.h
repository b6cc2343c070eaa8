/* Private declarations shared by the L-BFGS-B sources (not part of cnumerics.h). */
#ifndef CN_LBFGS_INTERNAL_H
#define CN_LBFGS_INTERNAL_H

enum { CN_LS_EVALUATE = 0, CN_LS_CONVERGED = 1, CN_LS_WARNING = 2 };

/* State of one Moré–Thuente line search (MINPACK-2 dcsrch). */
typedef struct cn_linesearch {
    double ftol, gtol, xtol, stpmin, stpmax;
    int brackt, stage;
    double finit, ginit, gtest, width, width1;
    double stx, fx, gx, sty, fy, gy, stmin, stmax;
} cn_linesearch;

/* Starts a search at step `stp` from value f and directional derivative g (< 0). */
void cn_ls_start(cn_linesearch *ls, double f, double g, double stp, double ftol, double gtol,
                 double xtol, double stpmin, double stpmax);

/* Given f and g at *stp, returns CN_LS_CONVERGED / CN_LS_WARNING (stop, keep
 * *stp) or CN_LS_EVALUATE with the next trial step in *stp. */
int cn_ls_next(cn_linesearch *ls, double f, double g, double *stp);

#endif
