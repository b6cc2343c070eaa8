"""Expected values for Tests/NumericsTests/ARIMATests.swift, from statsmodels 0.15
SARIMAX (fit method='lbfgs', maxiter=50, as pmdarima 2.1.1 calls it),
pmdarima.arima.ndiffs / KPSSTest and pmdarima.auto_arima with its defaults.
Each fit also records whether scipy met its tolerance within the 50 iterations
and, under "strict", the fit from the same start with a stricter stop
(maxiter 1000, factr 10, pgtol 1e-10): where 50 iterations run out on a flat
likelihood, the test compares that optimum instead of a point on the path.
Run: pip install statsmodels==0.15.0 pmdarima==2.1.1; python make_cases.py > cases.json"""
import json, warnings, numpy as np
warnings.filterwarnings("ignore")
import statsmodels.api as sm, pmdarima
from pmdarima.arima.stationarity import KPSSTest
from scipy.signal import lfilter
rng = np.random.default_rng(2024)
e = rng.normal(size=300)
series = {
    "random_walk_60": list(np.cumsum(e[:60]) + 30),
    "arma_100": list(lfilter([1, 0.5], [1, -0.6, 0.2], e)[100:200] + 10),
    "poisson_70": list(rng.poisson(20, size=70).astype(float)),
    "trend_40": list(0.5 * np.arange(40) + rng.normal(size=40) * 2),
    "quadratic_60": list(0.02 * np.arange(60) ** 2 + rng.normal(size=60)),
}
fits = []
for name, y in series.items():
    for order, c in [((1, 0, 1), True), ((2, 1, 2), True), ((0, 1, 1), True), ((2, 2, 1), False), ((3, 0, 0), True), ((0, 0, 2), True)]:
        m = sm.tsa.statespace.SARIMAX(np.array(y), order=order, trend="c" if c else None)
        r = m.fit(method="lbfgs", maxiter=50, disp=0)
        s = m.fit(method="lbfgs", maxiter=1000, disp=0, factr=10, pgtol=1e-10)
        strict = {"aic": float(s.aic), "forecast": float(s.forecast(1)[0]), "iterations": int(s.mle_retvals["iterations"]),
                  "converged": bool(s.mle_retvals["converged"]),
                  "max_ma_root": float(np.max(1 / np.abs(s.maroots))) if order[2] else 0.0}
        fits.append({"series": name, "order": list(order), "intercept": c, "start_params": list(m.start_params),
                     "loglike_at_start": float(m.loglike(m.start_params)), "params": list(r.params), "aic": float(r.aic),
                     "forecast": float(r.forecast(1)[0]), "iterations": int(r.mle_retvals["iterations"]),
                     "converged": bool(r.mle_retvals["converged"]), "strict": strict})
kpss = []
for name, y in series.items():
    stat_p = KPSSTest().should_diff(np.array(y))
    kpss.append({"series": name, "pvalue": float(stat_p[0]), "ndiffs": int(pmdarima.arima.ndiffs(np.array(y), test="kpss", alpha=0.05, max_d=2))})
auto = []
for name, y in series.items():
    m = pmdarima.auto_arima(y, suppress_warnings=True, error_action="ignore")
    auto.append({"series": name, "order": list(m.order), "intercept": bool(m.with_intercept), "aic": float(m.aic()),
                 "forecast": float(m.predict(1)[0])})
print(json.dumps({"series": series, "fits": fits, "kpss": kpss, "auto": auto}, indent=1))
