/* Kalman filter with exact diffuse initialisation (see cn_statespace.h).
 * State sizes here are small (ARIMA: d + max(p, q+1) ≤ 8), so the covariance
 * recursions are plain loops; LAPACK solves the stationary block's Lyapunov
 * equation, whose Kronecker system has s² unknowns. */
#include <math.h>
#include <string.h>
#include <lapacke.h>
#include "cnumerics.h"

#define IDX(i, j, m) ((i) + (size_t)(j) * (m))

size_t cn_kalman_workspace_size(int m) {
    if (m < 1 || m > CN_SSM_MAX_STATES) return 0;
    size_t mm = (size_t)m * m;
    return 4 * mm + 4 * (size_t)m + mm * mm + 2 * mm + 16;
}

/* P ← T P Tᵀ (+ Q when given), through `tmp` (m×m). */
static void propagate(int m, const double *T, double *P, const double *Q, double *tmp) {
    for (int j = 0; j < m; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int k = 0; k < m; k++) s += T[IDX(i, k, m)] * P[IDX(k, j, m)];
            tmp[IDX(i, j, m)] = s;
        }
    for (int j = 0; j < m; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int k = 0; k < m; k++) s += tmp[IDX(i, k, m)] * T[IDX(j, k, m)];
            P[IDX(i, j, m)] = s + (Q ? Q[IDX(i, j, m)] : 0.0);
        }
}

/* Stationary block [kd, m): mean and covariance into a and Pst. */
static int stationary_init(const cn_ssm *s, double *a, double *Pst, double *A, double *B) {
    int m = s->k_states, kd = s->k_diffuse, b = m - kd;
    if (b == 0) return CN_OK;
    lapack_int ipiv[CN_SSM_MAX_STATES * CN_SSM_MAX_STATES];
    /* (I − T₂₂) a₂ = c₂ */
    for (int j = 0; j < b; j++) for (int i = 0; i < b; i++)
        A[IDX(i, j, b)] = (i == j) - s->T[IDX(kd + i, kd + j, m)];
    for (int i = 0; i < b; i++) B[i] = s->c ? s->c[kd + i] : 0.0;
    if (LAPACKE_dgesv(LAPACK_COL_MAJOR, b, 1, A, b, ipiv, B, b) != 0) return CN_ERR_SINGULAR;
    for (int i = 0; i < b; i++) a[kd + i] = B[i];
    /* (I − T₂₂ ⊗ T₂₂) vec P = vec Q₂₂ */
    int bb = b * b;
    for (int l = 0; l < b; l++) for (int k = 0; k < b; k++)
        for (int j = 0; j < b; j++) for (int i = 0; i < b; i++) {
            int row = i + j * b, col = k + l * b;
            A[IDX(row, col, bb)] = (row == col) - s->T[IDX(kd + i, kd + k, m)] * s->T[IDX(kd + j, kd + l, m)];
        }
    for (int j = 0; j < b; j++) for (int i = 0; i < b; i++) B[i + j * b] = s->RQR[IDX(kd + i, kd + j, m)];
    if (LAPACKE_dgesv(LAPACK_COL_MAJOR, bb, 1, A, bb, ipiv, B, bb) != 0) return CN_ERR_SINGULAR;
    for (int j = 0; j < b; j++) for (int i = 0; i < b; i++)
        Pst[IDX(kd + i, kd + j, m)] = 0.5 * (B[i + j * b] + B[j + i * b]);
    return CN_OK;
}

int cn_kalman_filter(const cn_ssm *s, const double *y, int n, cn_kalman_result *result, double *work, size_t work_size) {
    if (!s || !y || !result || !work || !s->T || !s->Z || !s->RQR || n < 0) return CN_ERR_ARGUMENT;
    int m = s->k_states, kd = s->k_diffuse;
    if (m < 1 || m > CN_SSM_MAX_STATES || kd < 0 || kd > m || !(s->H >= 0)) return CN_ERR_ARGUMENT;
    if (work_size < cn_kalman_workspace_size(m)) return CN_ERR_WORKSPACE;
    size_t mm = (size_t)m * m;
    double *a = work, *Pst = a + m, *Pinf = Pst + mm, *tmp = Pinf + mm, *Ms = tmp + mm, *Mi = Ms + m;
    double *A = Mi + m, *B = A + mm * mm;
    memset(work, 0, sizeof(double) * (2 * (size_t)m + 3 * mm));
    int st = stationary_init(s, a, Pst, A, B);
    if (st) return st;
    for (int i = 0; i < kd; i++) Pinf[IDX(i, i, m)] = 1.0;
    int diffuse = kd > 0;
    const double log2pi = 1.8378770664093453, tol = 1e-10;
    double ll = 0;
    result->nobs_diffuse = 0;
    for (int t = 0; t < n; t++) {
        if (!isfinite(y[t])) return CN_ERR_NONFINITE;
        double v = y[t], Fs = s->H, Fi = 0;
        for (int i = 0; i < m; i++) v -= s->Z[i] * a[i];
        for (int i = 0; i < m; i++) {
            double ms = 0, mi = 0;
            for (int k = 0; k < m; k++) { ms += Pst[IDX(i, k, m)] * s->Z[k]; mi += Pinf[IDX(i, k, m)] * s->Z[k]; }
            Ms[i] = ms; Mi[i] = mi;
        }
        for (int i = 0; i < m; i++) { Fs += s->Z[i] * Ms[i]; Fi += s->Z[i] * Mi[i]; }
        if (diffuse && Fi > tol) {
            /* Diffuse update: the observation pins a combination of diffuse states. */
            for (int i = 0; i < m; i++) a[i] += Mi[i] * v / Fi;
            for (int j = 0; j < m; j++) for (int i = 0; i < m; i++) {
                Pst[IDX(i, j, m)] += Mi[i] * Mi[j] * Fs / (Fi * Fi) - (Ms[i] * Mi[j] + Mi[i] * Ms[j]) / Fi;
                Pinf[IDX(i, j, m)] -= Mi[i] * Mi[j] / Fi;
            }
        } else {
            if (!(Fs > 0)) return CN_ERR_SINGULAR;
            if (!diffuse) ll += -0.5 * (log2pi + log(Fs) + v * v / Fs);
            for (int i = 0; i < m; i++) a[i] += Ms[i] * v / Fs;
            for (int j = 0; j < m; j++) for (int i = 0; i < m; i++) Pst[IDX(i, j, m)] -= Ms[i] * Ms[j] / Fs;
        }
        double an[CN_SSM_MAX_STATES];
        for (int i = 0; i < m; i++) {
            double acc = s->c ? s->c[i] : 0.0;
            for (int k = 0; k < m; k++) acc += s->T[IDX(i, k, m)] * a[k];
            an[i] = acc;
        }
        memcpy(a, an, sizeof(double) * (size_t)m);
        propagate(m, s->T, Pst, s->RQR, tmp);
        if (diffuse) {
            propagate(m, s->T, Pinf, NULL, tmp);
            double mx = 0;
            for (size_t k = 0; k < mm; k++) mx = fmax(mx, fabs(Pinf[k]));
            if (mx <= tol) { diffuse = 0; result->nobs_diffuse = t + 1; }
        }
    }
    if (!isfinite(ll)) return CN_ERR_NONFINITE;
    double f = 0, fv = s->H;
    for (int i = 0; i < m; i++) {
        f += s->Z[i] * a[i];
        for (int k = 0; k < m; k++) fv += s->Z[i] * Pst[IDX(i, k, m)] * s->Z[k];
    }
    result->loglike = ll;
    result->forecast = f;
    result->forecast_variance = diffuse ? INFINITY : fv;
    return CN_OK;
}
