#include "cnumerics.h"
#include <lapacke.h>
#include <math.h>

int cn_tridiagonal_solve(int n, double *dl, double *d, double *du, double *b) {
    if (n <= 0 || !d || !b || (n > 1 && (!dl || !du))) return CN_ERR_ARGUMENT;
    for (int i = 0; i < n; i++)
        if (!isfinite(d[i]) || !isfinite(b[i]) || (i < n - 1 && (!isfinite(dl[i]) || !isfinite(du[i]))))
            return CN_ERR_NONFINITE;
    lapack_int info = LAPACKE_dgtsv(LAPACK_COL_MAJOR, n, 1, dl, d, du, b, n);
    if (info > 0) return CN_ERR_SINGULAR;
    if (info < 0) return CN_ERR_LAPACK;
    return CN_OK;
}
