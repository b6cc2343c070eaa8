#!/usr/bin/env python3
"""Golden cases for CNumerics' Holt-Winters (cn_holt_winters.h), from statsmodels.

usage: python make_cases.py > cases.json   (statsmodels 0.15, numpy; run from any directory)

Each case: a seeded synthetic series, the model (trend / damped / period), statsmodels'
ExponentialSmoothing(..., initialization_method="known").fit() from statsmodels' own
"simple" initial state (statsmodels.tsa.exponential_smoothing.initialization._initialization_simple) (its default L-BFGS-B after the
brute-force grid), and what it returned: the initial state, the fitted alpha/beta/gamma/phi, the SSE,
the one-step fitted values and the next forecast. The Swift test checks (1) our recursion at
statsmodels' parameters reproduces its SSE, fitted values and forecast, (2) our fit's SSE is no
larger than statsmodels' (the least-squares objective both minimise).
"""
import json
import math
import warnings

import numpy as np
from statsmodels.tsa.exponential_smoothing.initialization import _initialization_simple
from statsmodels.tsa.holtwinters import ExponentialSmoothing


def series(kind, n, rng):
    t = np.arange(n, dtype=float)
    if kind == "seasonal_trend":
        return 50 + 0.3 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, n)
    if kind == "poisson_daily":
        rate = 120 * (1 + 0.5 * np.sin(2 * np.pi * (t / 48 - 0.25)))
        return rng.poisson(rate).astype(float)
    if kind == "drift_walk":
        return 200 + np.cumsum(rng.normal(0.5, 3, n))
    if kind == "level_noise":
        return 80 + rng.normal(0, 5, n) + np.where(t > n / 2, 15.0, 0.0)
    if kind == "poisson_ramp":
        return rng.poisson(30 + 0.8 * t).astype(float)
    raise ValueError(kind)


CASES = [
    # name, kind, n, trend, damped, period
    ("hw_add_add_m12", "seasonal_trend", 120, True, False, 12),
    ("hw_add_add_damped_m12", "seasonal_trend", 120, True, True, 12),
    ("hw_none_add_m48", "poisson_daily", 240, False, False, 48),
    ("hw_add_add_damped_m48", "poisson_daily", 240, True, True, 48),
    ("holt_add", "drift_walk", 150, True, False, 0),
    ("holt_add_damped", "drift_walk", 150, True, True, 0),
    ("ses", "level_noise", 100, False, False, 0),
    ("holt_add_damped_ramp", "poisson_ramp", 80, True, True, 0),
]


def main():
    rng = np.random.default_rng(20261201)
    out = []
    for name, kind, n, trend, damped, period in CASES:
        y = series(kind, n, rng)
        level0, trend0, seasonal0 = _initialization_simple(
            y, trend="add" if trend else None, seasonal="add" if period else None, seasonal_periods=period or None)
        model = ExponentialSmoothing(
            y, trend="add" if trend else None, damped_trend=damped,
            seasonal="add" if period else None, seasonal_periods=period or None,
            initialization_method="known", initial_level=level0,
            initial_trend=trend0 if trend else None, initial_seasonal=seasonal0 if period else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = model.fit()
        p = fit.params
        out.append({
            "name": name, "trend": int(trend), "damped": int(damped), "period": period,
            "y": [float(v) for v in y],
            "level0": float(p["initial_level"]),
            "trend0": float(p["initial_trend"]) if trend else 0.0,
            "seasonal0": [float(v) for v in np.atleast_1d(p["initial_seasons"])] if period else [],
            "alpha": float(p["smoothing_level"]),
            "beta": float(p["smoothing_trend"]) if trend else 0.0,
            "gamma": float(p["smoothing_seasonal"]) if period else 0.0,
            "phi": float(p["damping_trend"]) if damped else 1.0,
            "sse": float(fit.sse),
            "fitted": [float(v) for v in fit.fittedvalues],
            "forecast": float(fit.forecast(1)[0]),
        })
    json.dump({"generator": "Tests/Goldens/holt_winters/make_cases.py", "statsmodels": __import__("statsmodels").__version__,
               "cases": out}, fp=__import__("sys").stdout, indent=None, separators=(",", ":"))
    print()


if __name__ == "__main__":
    main()
