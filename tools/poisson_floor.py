#!/usr/bin/env python3
"""The MAPE floor of one-step request-count forecasts on a gen_diurnal_trace.py trace.

usage: poisson_floor.py [--days 3] [--requests 850000] [--amplitude 0.6] [--interval 60]

Arrivals are Poisson with the generator's rate, so even a forecaster that knows the exact expected
count lambda_k of every interval misses by |Y - lambda_k|. Prints, averaged over the intervals:
- the issue's approximation sqrt(2 / (pi * lambda_k)) (the mean absolute deviation of a Poisson
  count over its mean, for large lambda), in percent;
- the exact expectation E[|Y - lambda_k| / Y | Y > 0] under Poisson(lambda_k), which is what
  `planner predict` measures for the exact-rate forecaster (its MAPE skips zero actuals).
lambda_k is the integral of the generator's rate over interval k (closed form). Standard library only.
"""
import argparse
import math

DAY_S = 86400.0


def expected_counts(days, requests, amplitude, interval):
    mean_rate = requests / (days * DAY_S)
    n = int(round(days * DAY_S / interval))
    w = 2 * math.pi / DAY_S
    out = []
    for k in range(n):
        t0, t1 = k * interval, (k + 1) * interval
        # integral of mean * (1 + A sin(w t - pi/2)) dt
        integral = (t1 - t0) - amplitude / w * (math.cos(w * t1 - math.pi / 2) - math.cos(w * t0 - math.pi / 2))
        out.append(mean_rate * integral)
    return out


def exact_mape(lam):
    # sum over y >= 1 of P(y) |y - lam| / y, renormalised by P(Y > 0)
    lo, hi = max(1, int(lam - 12 * math.sqrt(lam) - 10)), int(lam + 12 * math.sqrt(lam) + 10)
    total = 0.0
    for y in range(lo, hi + 1):
        logp = -lam + y * math.log(lam) - math.lgamma(y + 1)
        total += math.exp(logp) * abs(y - lam) / y
    return total / (1 - math.exp(-lam))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=float, default=3.0)
    ap.add_argument("--requests", type=int, default=850_000)
    ap.add_argument("--amplitude", type=float, default=0.6)
    ap.add_argument("--interval", type=float, default=60.0)
    a = ap.parse_args()
    lams = expected_counts(a.days, a.requests, a.amplitude, a.interval)
    approx = sum(math.sqrt(2 / (math.pi * l)) for l in lams) / len(lams)
    exact = sum(exact_mape(l) for l in lams) / len(lams)
    print(f"intervals {len(lams)}, mean expected count {sum(lams) / len(lams):.1f}")
    print(f"Poisson floor sqrt(2/(pi*lambda)) averaged: {100 * approx:.3f} %")
    print(f"exact-rate forecaster's expected MAPE:     {100 * exact:.3f} %")


if __name__ == "__main__":
    main()
