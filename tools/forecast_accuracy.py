#!/usr/bin/env python3
"""MAPE of every load predictor on every series of the bundled traces (issue 13's forecast targets).

usage: forecast_accuracy.py [--planner .build/release/planner] [--interval 60] [--diurnal /tmp/diurnal.jsonl]
                            [--predictors constant,kalman,arima,prophet,seasonal,auto]

Runs `planner predict` once per (trace, field, predictor) and prints one table per trace: MAPE in
percent, the best of Dynamo's four, and auto's ratio to it. With --diurnal (a trace made by
tools/gen_diurnal_trace.py with its defaults) also request_count on it against the Poisson floor of
tools/poisson_floor.py. Only the standard library.
"""
import argparse
import os
import re
import subprocess
import sys

DYNAMO = ["constant", "kalman", "arima", "prophet"]
TRACES = ["data/traces/mooncake_conversation.jsonl", "Tests/Fixtures/traces/azure_conv_2023.jsonl"]
FIELDS = ["request_count", "avg_isl", "avg_osl"]


def mape(planner, trace, field, predictor, interval):
    out = subprocess.run([planner, "predict", "--dataset", trace, "--adjustment-interval", str(interval),
                          "--field", field, "--load-predictor", predictor],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"MAPE\s+([0-9.eE+-]+) %", out)
    t = re.search(r"time\s+(.*) per step", out)
    return float(m.group(1)), t.group(1) if t else "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--planner", default=".build/release/planner")
    ap.add_argument("--interval", type=int, default=60)
    ap.add_argument("--diurnal")
    ap.add_argument("--predictors", default=",".join(DYNAMO + ["seasonal", "auto"]))
    a = ap.parse_args()
    predictors = a.predictors.split(",")
    for trace in TRACES:
        print(f"\n{trace}, {a.interval} s intervals: MAPE %")
        print("field".ljust(14) + "".join(p.rjust(10) for p in predictors) + "  best Dynamo  auto/best")
        for field in FIELDS:
            row = {p: mape(a.planner, trace, field, p, a.interval)[0] for p in predictors}
            best = min(row[p] for p in DYNAMO if p in row)
            ratio = row["auto"] / best if "auto" in row and best > 0 else float("nan")
            print(field.ljust(14) + "".join(f"{row[p]:10.3f}" for p in predictors) + f"  {best:11.3f}  {ratio:9.3f}")
    if a.diurnal:
        here = os.path.dirname(os.path.abspath(__file__))
        floor = subprocess.run([sys.executable, os.path.join(here, "poisson_floor.py"), "--interval", str(a.interval)],
                               capture_output=True, text=True, check=True).stdout
        approx = float(re.search(r"averaged: ([0-9.]+) %", floor).group(1))
        print(f"\n{a.diurnal}, request_count, {a.interval} s: Poisson floor {approx:.3f} % (target auto <= {1.1 * approx:.3f} %)")
        for p in predictors:
            m, t = mape(a.planner, a.diurnal, "request_count", p, a.interval)
            print(f"  {p:10s} {m:8.3f} %  {m / approx:5.2f}x floor  ({t} per step)")


if __name__ == "__main__":
    main()
