/* Kalman filter of a stationary ARMA(p,q) with intercept in Harvey's state-space
 * form (state r = max(p, q+1), companion transition, selection [1, θ1..θq]),
 * written once over a scalar type ARK_T (define ARK_T, ARK_NAME, ARK_LOG,
 * ARK_ABS before including) so a complex-step instance stays possible.
 *
 * Initialisation is the stationary one: mean (I−T)⁻¹c (closed form for a
 * companion matrix) and the covariance solving P = T P Tᵀ + σ² R Rᵀ, whose
 * r(r+1)/2 unknowns (P symmetric) are found by Gaussian elimination — at most
 * 21 unknowns, where a fixed loop beats a LAPACK call's set-up. */

typedef struct {
    ARK_T c, phi[CN_ARIMA_MAX_P], theta[CN_ARIMA_MAX_Q], s2;
} ARK_NAME(params);

#ifndef ARK_RM_DEFINED
#define ARK_RM_DEFINED
enum { ARK_RM = CN_ARIMA_MAX_Q + 1, ARK_UM = ARK_RM * (ARK_RM + 1) / 2 };
#endif

/* One filter's state (a lane): several lanes over the same series advance in
 * lockstep so their independent recursions overlap in the CPU. */
typedef struct {
    ARK_T phi[ARK_RM + 1], a[ARK_RM + 1], P[ARK_RM + 1][ARK_RM + 1], M[ARK_RM][ARK_RM + 1];
    ARK_T Pf[ARK_RM + 1][ARK_RM], Q[ARK_RM][ARK_RM], gain[ARK_RM], c, ll, Fc, logFc;
    int r, converged;
} ARK_NAME(lane);

/* Stationary start of one lane; -1 when the Lyapunov system is singular. */
static int ARK_NAME(lane_init)(ARK_NAME(lane) *L, int p, int q, const ARK_NAME(params) *m) {
    enum { RM = ARK_RM, UM = ARK_UM };
    int r = p > q + 1 ? p : q + 1;
    ARK_T R[RM];
    L->r = r; L->c = m->c; L->ll = 0; L->converged = 0; L->Fc = 0; L->logFc = 0;
    for (int i = 0; i <= RM; i++) L->phi[i] = 0;
    for (int i = 0; i < p; i++) L->phi[i] = m->phi[i];
    for (int i = 0; i < RM; i++) R[i] = 0;
    R[0] = 1;
    for (int i = 0; i < q; i++) R[i + 1] = m->theta[i];

    ARK_T sphi = 0;
    for (int i = 0; i < p; i++) sphi += L->phi[i];
    if (ARK_ABS(1.0 - sphi) < 1e-300) return -1;
    L->a[0] = m->c / (1.0 - sphi);
    {
        ARK_T tail = 0;
        for (int i = r - 1; i >= 1; i--) { tail += L->phi[i]; L->a[i] = L->a[0] * tail; }
    }
    L->a[r] = 0;

    /* Lyapunov: unknown u(i,j), i ≤ j. */
    int nu = r * (r + 1) / 2, map[RM][RM];
    for (int i = 0, k = 0; i < r; i++) for (int j = i; j < r; j++) { map[i][j] = map[j][i] = k++; }
    ARK_T A[UM][UM + 1];
    for (int e = 0; e < nu; e++) for (int k = 0; k <= nu; k++) A[e][k] = 0;
    for (int i = 0; i < r; i++) for (int j = i; j < r; j++) {
        int e = map[i][j];
        A[e][e] += 1.0;
        A[e][map[0][0]] -= L->phi[i] * L->phi[j];
        if (j + 1 < r) A[e][map[0][j + 1]] -= L->phi[i];
        if (i + 1 < r) A[e][map[i + 1][0]] -= L->phi[j];
        if (i + 1 < r && j + 1 < r) A[e][map[i + 1][j + 1]] -= 1.0;
        A[e][nu] = m->s2 * R[i] * R[j];
    }
    for (int col = 0; col < nu; col++) {
        int piv = col;
        for (int k = col + 1; k < nu; k++) if (ARK_ABS(A[k][col]) > ARK_ABS(A[piv][col])) piv = k;
        if (ARK_ABS(A[piv][col]) < 1e-14) return -1;
        if (piv != col) for (int k = 0; k <= nu; k++) { ARK_T t = A[col][k]; A[col][k] = A[piv][k]; A[piv][k] = t; }
        for (int k = col + 1; k < nu; k++) {
            ARK_T f = A[k][col] / A[col][col];
            if (f == 0) continue;
            for (int l = col; l <= nu; l++) A[k][l] -= f * A[col][l];
        }
    }
    ARK_T u[UM];
    for (int e = nu - 1; e >= 0; e--) {
        ARK_T s = A[e][nu];
        for (int k = e + 1; k < nu; k++) s -= A[e][k] * u[k];
        u[e] = s / A[e][e];
    }
    for (int i = 0; i <= r; i++) for (int j = 0; j <= r; j++) L->P[i][j] = (i < r && j < r) ? u[map[i][j]] : 0;

    /* Pf: filtered P (its row r stays zero for the shift); M's column r is
     * the zero the companion shift brings in; Q = σ² R Rᵀ. */
    for (int i = 0; i <= r; i++) for (int j = 0; j < r; j++) L->Pf[i][j] = 0;
    for (int i = 0; i < r; i++) { L->M[i][r] = 0; for (int j = 0; j < r; j++) L->Q[i][j] = m->s2 * R[i] * R[j]; }
    return 0;
}

/* Steady state: once P stops changing, F and the gain of that step are
 * reused and P is no longer propagated, so each remaining observation costs
 * O(r) instead of O(r²). With statsmodels_steady_state, "stops changing" is
 * statsmodels' test (‖P_{t+1|t} − P_{t|t−1}‖²_F < 1e-19, not at the first
 * step), which it applies only to time-invariant models — SARIMAX's trend
 * makes the state intercept time-varying, so with an intercept statsmodels
 * never switches. Otherwise the switch waits for an exact fixed point
 * (P_{t+1|t} == P_{t|t−1} bit for bit), after which the full recursion would
 * repeat the same F and gain anyway: the result is identical to never
 * switching. Returns -1 when F is not positive and finite. */
#if defined(__GNUC__) || defined(__clang__)
#define ARK_INLINE static inline __attribute__((always_inline))
#else
#define ARK_INLINE static inline
#endif
ARK_INLINE int ARK_NAME(lane_step_r)(ARK_NAME(lane) *L, double wt, int t, int statsmodels_steady_state, const int r) {
    const double log2pi = 1.8378770664093453, conv_tol = 1e-19;
    const ARK_T *phi = L->phi;
    ARK_T *a = L->a;
    if (L->converged) {
        /* a ← T (a + g v) + c e0 with the fixed gain g. */
        ARK_T v = wt - a[0];
        L->ll += -0.5 * (log2pi + L->logFc + v * v / L->Fc);
        for (int i = 0; i < r; i++) a[i] += L->gain[i] * v;
        ARK_T a0 = a[0];
        for (int i = 0; i < r; i++) a[i] = phi[i] * a0 + a[i + 1];
        a[0] += L->c;
        return 0;
    }
    ARK_T (*P)[ARK_RM + 1] = L->P, (*Pf)[ARK_RM] = L->Pf, (*M)[ARK_RM + 1] = L->M, (*Q)[ARK_RM] = L->Q;
    ARK_T F = P[0][0];
    if (!(ARK_ABS(F) > 0) || !(F == F)) return -1;
    ARK_T v = wt - a[0];
    ARK_T logF = ARK_LOG(F);
    L->ll += -0.5 * (log2pi + logF + v * v / F);
    for (int i = 0; i < r; i++) {
        ARK_T k = P[i][0] / F;
        L->gain[i] = k;
        a[i] += k * v;
        for (int j = 0; j < r; j++) Pf[i][j] = P[i][j] - k * P[j][0];
    }
    /* Predict: a ← T a + c e0, P ← T Pf Tᵀ + σ² R Rᵀ (companion structure). */
    ARK_T a0 = a[0];
    for (int i = 0; i < r; i++) a[i] = phi[i] * a0 + a[i + 1];
    a[0] += L->c;
    for (int i = 0; i < r; i++) for (int j = 0; j < r; j++) M[i][j] = phi[i] * Pf[0][j] + Pf[i + 1][j];
    int same = 1;
    ARK_T ss = 0;
    for (int i = 0; i < r; i++) for (int j = 0; j < r; j++) {
        ARK_T pn = phi[j] * M[i][0] + M[i][j + 1] + Q[i][j], d = pn - P[i][j];
        same &= d == 0;
        ss += d * d;
        P[i][j] = pn;
    }
    if (t > 0 && (same || (statsmodels_steady_state && ARK_ABS(ss) < conv_tol))) {
        L->converged = 1; L->Fc = F; L->logFc = logF;
    }
    return 0;
}

/* All lanes (one state size r) over the series; r is a compile-time
 * constant in each case of filter_lanes' switch, so the small loops unroll
 * (the same operations in the same order as the generic loops). */
ARK_INLINE int ARK_NAME(run_lanes_r)(ARK_NAME(lane) *lanes, int nl, const double *w, int N,
                                     int statsmodels_steady_state, const int r) {
    for (int t = 0; t < N; t++)
        for (int b = 0; b < nl; b++)
            if (ARK_NAME(lane_step_r)(&lanes[b], w[t], t, statsmodels_steady_state, r) != 0) return -1;
    return 0;
}

/* Filters nl ≤ CN_ARIMA_MAX_PARAMS parameter sets over w in lockstep; llf[b]
 * gets each log-likelihood. Returns 0, or -1 when any lane is degenerate
 * (singular Lyapunov system, F ≤ 0). a_next (may be NULL) receives lane 0's
 * one-step forecast of w[N]. */
static int ARK_NAME(filter_lanes)(const double *w, int N, int p, int q, const ARK_NAME(params) *ms, int nl,
                                  int statsmodels_steady_state, ARK_T *llf, ARK_T *a_next) {
    ARK_NAME(lane) lanes[CN_ARIMA_MAX_PARAMS];
    if (nl < 1 || nl > CN_ARIMA_MAX_PARAMS) return -1;
    for (int b = 0; b < nl; b++) if (ARK_NAME(lane_init)(&lanes[b], p, q, &ms[b]) != 0) return -1;
    int st;
    switch (lanes[0].r) {
    case 1: st = ARK_NAME(run_lanes_r)(lanes, nl, w, N, statsmodels_steady_state, 1); break;
    case 2: st = ARK_NAME(run_lanes_r)(lanes, nl, w, N, statsmodels_steady_state, 2); break;
    case 3: st = ARK_NAME(run_lanes_r)(lanes, nl, w, N, statsmodels_steady_state, 3); break;
    case 4: st = ARK_NAME(run_lanes_r)(lanes, nl, w, N, statsmodels_steady_state, 4); break;
    case 5: st = ARK_NAME(run_lanes_r)(lanes, nl, w, N, statsmodels_steady_state, 5); break;
    default: st = ARK_NAME(run_lanes_r)(lanes, nl, w, N, statsmodels_steady_state, 6); break;
    }
    if (st != 0) return -1;
    for (int b = 0; b < nl; b++) llf[b] = lanes[b].ll;
    if (a_next) *a_next = lanes[0].a[0];
    return 0;
}

/* One parameter set: see filter_lanes. */
static int ARK_NAME(filter)(const double *w, int N, int p, int q, const ARK_NAME(params) *m,
                            int statsmodels_steady_state, ARK_T *llf, ARK_T *a_next) {
    return ARK_NAME(filter_lanes)(w, N, p, q, m, 1, statsmodels_steady_state, llf, a_next);
}
