/* cn_scattered.h — scattered-data interpolation in 2-D (part of cnumerics.h).
 *
 * Delaunay triangulation with adaptive exact predicates, the Clough–Tocher C1
 * interpolant with globally estimated gradients (the scheme of scipy's
 * CloughTocher2DInterpolator / griddata(method="cubic")), nearest-neighbour
 * fill, and a thin-plate-spline radial-basis interpolant.
 */
#ifndef CN_SCATTERED_H
#define CN_SCATTERED_H

/** Sign of the orientation of (a, b, c): +1 counter-clockwise, -1 clockwise, 0 collinear. Exact. */
int cn_orient2d(const double *a, const double *b, const double *c);
/** +1 when d lies inside the circle through the counter-clockwise a, b, c, -1 outside, 0 on it. Exact. */
int cn_incircle(const double *a, const double *b, const double *c, const double *d);

/** Number of ints `cn_delaunay` needs as workspace for n points. */
size_t cn_delaunay_workspace(int n);

/**
 * Delaunay triangulation of the n points (x[i], y[i]).
 * Outputs (caller-owned, capacity 2n triangles): `tri` (3 vertex indices per
 * triangle, counter-clockwise) and `nbr` (the neighbour opposite each vertex,
 * -1 on the convex hull); `*ntri` receives the triangle count.
 * Exactly cocircular points are resolved by insertion order (index order).
 * Errors: CN_ERR_ARGUMENT (n < 3, null pointers), CN_ERR_NONFINITE,
 * CN_ERR_DEGENERATE (duplicate points, or all points collinear),
 * CN_ERR_WORKSPACE.
 */
int cn_delaunay(int n, const double *x, const double *y, int *work, size_t lwork,
                int *ntri, int *tri, int *nbr);

/** Options of the Clough–Tocher gradient estimation (scipy's defaults via _init). */
typedef struct cn_ct_params {
    int maxiter;        /**< Gauss–Seidel sweeps (400) */
    double tol;         /**< absolute/relative stop tolerance (1e-6) */
    double eps;         /**< barycentric tolerance of point location (100 * DBL_EPSILON) */
    int nearest_fill;   /**< 1: cells outside the hull take the nearest sample's value; 0: NaN */
} cn_ct_params;
void cn_ct_params_init(cn_ct_params *p);

/**
 * Global gradient estimate at the vertices (Nielson / Renka–Cline curvature
 * minimisation by Gauss–Seidel sweeps in vertex order), as scipy's
 * estimate_gradients_2d_global. `grad` receives (d/dx, d/dy) per point (2n).
 * `work` holds at least 3n + 1 + 3 ntri ints and `dwork` 6n + 9 ntri doubles.
 * `*iterations` receives the sweeps used, or 0 when maxiter was reached
 * without convergence.
 */
int cn_ct_gradients(int n, const double *x, const double *y, const double *f,
                    int ntri, const int *tri, const cn_ct_params *params,
                    int *work, double *dwork, double *grad, int *iterations);

/** Doubles of workspace `cn_griddata_ct` needs. */
size_t cn_griddata_ct_workspace(int n, int nvalues, int nx, int ny);

/**
 * griddata(method="cubic") on the regular grid xi (nx) × yi (ny): the Delaunay
 * triangulation of the points, a Clough–Tocher surface per value column of `f`
 * (n × nvalues, column-major, leading dimension ldf), evaluated on the grid;
 * out holds nvalues grids of ny × nx, row-major by yi (out[v*nx*ny + j*nx + i]
 * is value v at (xi[i], yi[j])). Cells outside the hull are NaN, or with
 * params->nearest_fill the value at the nearest sample (lowest index on ties).
 * `*iterations` receives the fewest gradient sweeps over the value columns
 * (0 = one did not converge).
 */
int cn_griddata_ct(int n, const double *x, const double *y, int nvalues, const double *f, int ldf,
                   int nx, const double *xi, int ny, const double *yi, const cn_ct_params *params,
                   double *work, size_t lwork, double *out, int *iterations);

/**
 * Nearest sample (Euclidean, lowest index on ties) for each (qx[k], qy[k]) of m queries.
 */
int cn_nearest_index(int n, const double *x, const double *y, int m, const double *qx, const double *qy, int *index);

/**
 * Nearest-sample search for the cells of the grid xi (nx) × yi (ny) whose
 * cell[j*nx + i] is negative: such a cell receives -(p + 1), p the nearest
 * sample (Euclidean; the lowest index on exact ties). Cells >= 0 are left as
 * they are. Workspace: dwork n doubles, iwork 2n ints.
 */
void cn_nearest_grid(int n, const double *x, const double *y, int nx, const double *xi, int ny, const double *yi,
                     int *cell, double *dwork, int *iwork);

/** Doubles of workspace `cn_tps_grid` needs. */
size_t cn_tps_workspace(int n, int nvalues);

/**
 * Thin-plate-spline RBF through the samples (coordinates mapped to the unit
 * square first), evaluated on the grid xi × yi; same value and output layout
 * as cn_griddata_ct, every cell defined. CN_ERR_SINGULAR when the samples do
 * not determine the spline (e.g. all collinear), CN_ERR_DEGENERATE when one
 * axis has no extent.
 */
int cn_tps_grid(int n, const double *x, const double *y, int nvalues, const double *f, int ldf,
                int nx, const double *xi, int ny, const double *yi, double *work, size_t lwork, double *out);

#endif
