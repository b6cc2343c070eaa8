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

/* Returns 0, or -1 when the model is degenerate (singular Lyapunov system, F ≤ 0).
 * *a_next receives the one-step forecast of w[N]. */
static int ARK_NAME(filter)(const double *w, int N, int p, int q, const ARK_NAME(params) *m,
                            int statsmodels_steady_state, ARK_T *llf, ARK_T *a_next) {
    enum { RM = CN_ARIMA_MAX_Q + 1, UM = RM * (RM + 1) / 2 };
    int r = p > q + 1 ? p : q + 1;
    ARK_T phi[RM + 1], R[RM], a[RM + 1], P[RM + 1][RM + 1], M[RM][RM + 1];
    for (int i = 0; i <= RM; i++) phi[i] = 0;
    for (int i = 0; i < p; i++) phi[i] = m->phi[i];
    for (int i = 0; i < RM; i++) R[i] = 0;
    R[0] = 1;
    for (int i = 0; i < q; i++) R[i + 1] = m->theta[i];

    ARK_T sphi = 0;
    for (int i = 0; i < p; i++) sphi += phi[i];
    if (ARK_ABS(1.0 - sphi) < 1e-300) return -1;
    a[0] = m->c / (1.0 - sphi);
    {
        ARK_T tail = 0;
        for (int i = r - 1; i >= 1; i--) { tail += phi[i]; a[i] = a[0] * tail; }
    }
    a[r] = 0;

    /* Lyapunov: unknown u(i,j), i ≤ j. */
    int nu = r * (r + 1) / 2, map[RM][RM];
    for (int i = 0, k = 0; i < r; i++) for (int j = i; j < r; j++) { map[i][j] = map[j][i] = k++; }
    ARK_T A[UM][UM + 1];
    for (int e = 0; e < nu; e++) for (int k = 0; k <= nu; k++) A[e][k] = 0;
    for (int i = 0; i < r; i++) for (int j = i; j < r; j++) {
        int e = map[i][j];
        A[e][e] += 1.0;
        A[e][map[0][0]] -= phi[i] * phi[j];
        if (j + 1 < r) A[e][map[0][j + 1]] -= phi[i];
        if (i + 1 < r) A[e][map[i + 1][0]] -= phi[j];
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
    for (int i = 0; i <= r; i++) for (int j = 0; j <= r; j++) P[i][j] = (i < r && j < r) ? u[map[i][j]] : 0;

    /* Steady state: once P stops changing, F and the gain of that step are
     * reused and P is no longer propagated, so each remaining observation
     * costs O(r) instead of O(r²). With statsmodels_steady_state, "stops
     * changing" is statsmodels' test (‖P_{t+1|t} − P_{t|t−1}‖²_F < 1e-19, not
     * at the first step), which it applies only to time-invariant models —
     * SARIMAX's trend makes the state intercept time-varying, so with an
     * intercept statsmodels never switches. Otherwise the switch waits for an
     * exact fixed point (P_{t+1|t} == P_{t|t−1} bit for bit), after which
     * the full recursion would repeat the same F and gain anyway: the result
     * is identical to never switching. */
    const double log2pi = 1.8378770664093453, conv_tol = 1e-19;
    /* Pf: filtered P (its row r stays zero for the shift below); M's column r
     * is the zero the companion shift brings in; Q = σ² R Rᵀ. */
    ARK_T ll = 0, gain[RM], Fc = 0, logFc = 0, Pf[RM + 1][RM], Q[RM][RM];
    for (int i = 0; i <= r; i++) for (int j = 0; j < r; j++) Pf[i][j] = 0;
    for (int i = 0; i < r; i++) { M[i][r] = 0; for (int j = 0; j < r; j++) Q[i][j] = m->s2 * R[i] * R[j]; }
    int t = 0;
    for (; t < N; t++) {
        ARK_T F = P[0][0];
        if (!(ARK_ABS(F) > 0) || !(F == F)) return -1;
        ARK_T v = w[t] - a[0];
        ARK_T logF = ARK_LOG(F);
        ll += -0.5 * (log2pi + logF + v * v / F);
        for (int i = 0; i < r; i++) {
            ARK_T k = P[i][0] / F;
            gain[i] = k;
            a[i] += k * v;
            for (int j = 0; j < r; j++) Pf[i][j] = P[i][j] - k * P[j][0];
        }
        /* Predict: a ← T a + c e0, P ← T Pf Tᵀ + σ² R Rᵀ (companion structure). */
        ARK_T a0 = a[0];
        for (int i = 0; i < r; i++) a[i] = phi[i] * a0 + a[i + 1];
        a[0] += m->c;
        for (int i = 0; i < r; i++) for (int j = 0; j < r; j++) M[i][j] = phi[i] * Pf[0][j] + Pf[i + 1][j];
        int same = 1;
        ARK_T ss = 0;
        for (int i = 0; i < r; i++) for (int j = 0; j < r; j++) {
            ARK_T pn = phi[j] * M[i][0] + M[i][j + 1] + Q[i][j], d = pn - P[i][j];
            same &= d == 0;
            ss += d * d;
            P[i][j] = pn;
        }
        if (t > 0 && (same || (statsmodels_steady_state && ARK_ABS(ss) < conv_tol))) { Fc = F; logFc = logF; t++; break; }
    }
    /* Converged: a ← T (a + g v) + c e0 with the fixed gain g. */
    for (; t < N; t++) {
        ARK_T v = w[t] - a[0];
        ll += -0.5 * (log2pi + logFc + v * v / Fc);
        for (int i = 0; i < r; i++) a[i] += gain[i] * v;
        ARK_T a0 = a[0];
        for (int i = 0; i < r; i++) a[i] = phi[i] * a0 + a[i + 1];
        a[0] += m->c;
    }
    *llf = ll;
    if (a_next) *a_next = a[0];
    return 0;
}
