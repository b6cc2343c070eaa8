#!/usr/bin/env python3
"""How close can any way of choosing among or averaging the forecasters get to the best of Dynamo's four,
in hindsight, on each short series of the bundled traces? (issue 13's "no worse than the best of Dynamo's
four on each series", docs/planning.md "Forecast accuracy").

usage: forecast_selection_study.py [--planner .build/release/planner] [--interval 60] [--out-dir /tmp/fss]
                                   [--holdout 30,90,120,180]

Runs `planner predict --output-json` once per (trace, field, forecaster) for Dynamo's four, auto's
candidates (seasonal, ARIMA with order re-selection, Kalman, constant) and auto itself, adds one forecaster
computed here (simple exponential smoothing whose weight is chosen each step from a grid by the past
one-step absolute error: an adaptively fitted local level), then replays offline, on the same one-step
forecasts, every policy of three families and prints, per policy, MAPE / best-of-Dynamo's-four on each of
the six series and the worst of the six:
- selection: each step the candidate with the lowest loss over a window (auto's rule), for several
  candidate sets, windows and under-forecast weights, with and without a hysteresis margin;
- fixed combinations: the mean or the median of every subset of the forecasters;
- each forecaster alone.
A fourth family tunes the smoothing's weight choice itself (judged on squared or absolute relative error,
constant until a start point, a penalty against leaving the constant forecaster): that is, fitting the
policy to these series. `--holdout` checks every policy that does well at --interval on the same traces
cut at other intervals (series it was not chosen on), to tell a rule that generalises from one tuned to
the six series. MAPE is computed as `planner predict` does (over the intervals whose actual is not zero; the first
forecast is 0 for every forecaster). Standard library only.
"""
import argparse
import itertools
import json
import os
import statistics
import subprocess

DYNAMO = ["constant", "kalman", "arima", "prophet"]
AUTO_CANDIDATES = ["seasonal", "arima_reselect", "kalman", "constant"]
TRACES = ["data/traces/mooncake_conversation.jsonl", "Tests/Fixtures/traces/azure_conv_2023.jsonl"]
FIELDS = ["request_count", "avg_isl", "avg_osl"]
FLAGS = {"arima_reselect": ["--load-predictor", "arima", "--arima-reselect"]}
SES_GRID = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0]


def mape(actual, forecast):
    errors = [abs(a - f) / abs(a) for a, f in zip(actual, forecast) if a != 0]
    return 100 * sum(errors) / len(errors)


def predict(planner, trace, field, name, interval, out_dir):
    path = os.path.join(out_dir, f"{os.path.basename(trace)}.{field}.{name}.json")
    flags = FLAGS.get(name, ["--load-predictor", name])
    subprocess.run([planner, "predict", "--dataset", trace, "--adjustment-interval", str(interval), "--field", field,
                    "--output-json", path] + flags, check=True, capture_output=True)
    with open(path) as f:
        d = json.load(f)
    return d["series"], d["predictions"]


def adaptive_ses(series):
    """One-step forecasts of exponential smoothing; each step uses the grid weight with the lowest past error."""
    level = {a: None for a in SES_GRID}
    error = {a: 0.0 for a in SES_GRID}
    out = []
    for y in series:
        if level[SES_GRID[0]] is None:
            out.append(0.0)
        else:
            out.append(level[min(SES_GRID, key=lambda a: (error[a], -a))])
        for a in SES_GRID:
            if level[a] is None:
                level[a] = y
            else:
                error[a] += abs(y - level[a])
                level[a] = a * y + (1 - a) * level[a]
    return out


def tuned_ses(series, loss, prior, start):
    """Exponential smoothing whose weight is chosen each step by the mean past squared ("sq") or absolute
    ("abs") relative one-step error, plus `prior` for any weight but 1 (the constant forecaster, used alone
    for the first `start` steps)."""
    levels = {a: None for a in SES_GRID}
    errors = {a: 0.0 for a in SES_GRID}
    seen = 0
    out = []
    for k, y in enumerate(series):
        if levels[1.0] is None:
            out.append(0.0)
        elif k < start or seen == 0:
            out.append(levels[1.0])
        else:
            out.append(levels[min(SES_GRID, key=lambda a: (errors[a] / seen + (prior if a != 1.0 else 0), -a))])
        if levels[1.0] is not None and y != 0:
            for a in SES_GRID:
                e = abs(y - levels[a]) / abs(y)
                errors[a] += e * e if loss == "sq" else e
            seen += 1
        for a in SES_GRID:
            levels[a] = y if levels[a] is None else a * y + (1 - a) * levels[a]
    return out


def select(series, candidates, window, under, margin):
    """auto's rule: the lowest asymmetric loss over the last `window` steps; with a margin, the first
    candidate (the default) is left only for one whose loss is lower by that fraction."""
    losses = [[] for _ in candidates]
    out = []
    for k, y in enumerate(series):
        totals = [sum(l[-window:]) for l in losses]
        best = min(range(len(candidates)), key=lambda i: (totals[i], i))
        if margin > 0 and totals[best] >= (1 - margin) * totals[0]:
            best = 0
        out.append(candidates[best][k])
        for i, c in enumerate(candidates):
            f = c[k]
            losses[i].append(under * (y - f) if y > f else f - y)
    return out


def study(planner, interval, out_dir):
    """Every policy's MAPE / best of Dynamo's four on the six series cut at `interval` seconds."""
    os.makedirs(out_dir, exist_ok=True)
    names = DYNAMO + ["seasonal", "arima_reselect", "auto"]
    series, preds, best = {}, {}, {}
    for trace in TRACES:
        for field in FIELDS:
            key = (os.path.basename(trace).split("_")[0], field)
            for name in names:
                series[key], preds[key + (name,)] = predict(planner, trace, field, name, interval, out_dir)
            preds[key + ("ses",)] = adaptive_ses(series[key])
            best[key] = min(mape(series[key], preds[key + (d,)]) for d in DYNAMO)
    keys = list(series)

    def ratios(make):
        return [mape(series[k], make(k)) / best[k] for k in keys]

    rows = []
    for name in names + ["ses"]:
        rows.append(("alone", name, ratios(lambda k, n=name: preds[k + (n,)])))
    pool = ["constant", "kalman", "arima_reselect", "prophet", "seasonal", "ses"]
    for r in range(2, len(pool) + 1):
        for subset in itertools.combinations(pool, r):
            for how, fn in (("mean", statistics.fmean), ("median", statistics.median)):
                rows.append((f"{how} of", "+".join(subset), ratios(
                    lambda k, s=subset, fn=fn: [fn(v) for v in zip(*(preds[k + (n,)] for n in s))])))
    sets = {"auto's four": AUTO_CANDIDATES, "auto's four + ses": AUTO_CANDIDATES + ["ses"],
            "auto's four + prophet": AUTO_CANDIDATES + ["prophet"],
            "auto's four + ses + prophet": AUTO_CANDIDATES + ["ses", "prophet"]}
    for label, names_ in sets.items():
        for window, under, margin in itertools.product((10, 30, 1000), (1.0, 2.0), (0.0, 0.1)):
            rows.append(("select", f"{label}, window {window}, under x{under:g}, margin {margin:g}", ratios(
                lambda k, s=names_, w=window, u=under, m=margin: select(series[k], [preds[k + (n,)] for n in s],
                                                                        w, u, m))))
    for loss, prior, start in itertools.product(("sq", "abs"), (0.0, 0.001, 0.002, 0.005), (0, 5, 10)):
        rows.append(("tuned ses", f"{loss} relative error, prior {prior:g}, start {start}", ratios(
            lambda k, lo=loss, p=prior, st=start: tuned_ses(series[k], lo, p, st))))
    return keys, best, rows


def line(r, label):
    return f"{max(r):6.3f}  " + " ".join(f"{x:5.3f}" for x in r) + f"  {label}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--planner", default=".build/release/planner")
    ap.add_argument("--interval", type=int, default=60)
    ap.add_argument("--out-dir", default="/tmp/forecast_selection_study")
    ap.add_argument("--holdout", default="", help="other intervals (s, comma-separated) to check the best policies on")
    a = ap.parse_args()
    keys, best, rows = study(a.planner, a.interval, os.path.join(a.out_dir, str(a.interval)))
    print(f"MAPE / best of Dynamo's four ({a.interval} s intervals); series: " +
          ", ".join(f"{t} {f}" for t, f in keys))
    print("best of Dynamo's four, MAPE %: " + " ".join(f"{best[k]:.3f}" for k in keys))
    rows.sort(key=lambda r: max(r[2]))
    print(f"{'worst':>6}  {'six series':<41}  policy")
    for family, label, r in rows[:25]:
        print(line(r, f"{family} {label}"))
    for family, label, r in rows:
        if family == "alone" and label == "auto":
            print(line(r, "auto as built (planner predict)"))
    reached = [r for r in rows if max(r[2]) <= 1.0]
    print(f"policies at or below the best of Dynamo's four on all six series: {len(reached)} of {len(rows)}")
    if not a.holdout:
        return
    intervals = [int(x) for x in a.holdout.split(",")]
    top = [(f, l) for f, l, _ in rows[:10]] + [("alone", "auto"), ("alone", "ses")]
    found = {iv: {(f, l): r for f, l, r in study(a.planner, iv, os.path.join(a.out_dir, str(iv)))[2]}
             for iv in intervals}
    print(f"\nheld out: the ten best policies at {a.interval} s, worst of the six series at each interval")
    print(f"{a.interval:>6}  " + " ".join(f"{iv:>6}" for iv in intervals) + "  worst held out  policy")
    for f, l in top:
        here = max(dict(((ff, ll), r) for ff, ll, r in rows)[(f, l)])
        there = [max(found[iv][(f, l)]) for iv in intervals]
        print(f"{here:6.3f}  " + " ".join(f"{x:6.3f}" for x in there) + f"  {max(there):14.3f}  {f} {l}")
    for iv in intervals:
        n = sum(1 for r in found[iv].values() if max(r) <= 1.0)
        print(f"{iv} s: policies at or below the best of Dynamo's four on all six series: {n} of {len(found[iv])}")


if __name__ == "__main__":
    main()
