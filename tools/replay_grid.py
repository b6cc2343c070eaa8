#!/usr/bin/env python3
"""Search `auto`'s settings for points that dominate Dynamo's four predictors in `planner replay`.

usage: replay_grid.py --dataset TRACE --reference DIR [--planner .build/release/planner] [--jobs 2]
                      [--out-dir /tmp/replay_grid] --axis FLAG=V1,V2,... [--axis ...] [--switch FLAG ...]
                      [-- EXTRA REPLAY FLAGS]      (FLAG without its dashes: --axis forecast-quantile=mean,0.5,0.9)

--reference is a replay_compare.py --out-dir of the same trace and EXTRA flags: its dynamo_*.json are the points to
beat. Every combination of the --axis values is one `planner replay --load-predictor auto` run (an axis value
'-' leaves the flag out; --switch hold-scale-down tries --hold-scale-down and --no-hold-scale-down). Prints each
point, then per Dynamo predictor the points with higher attainment at equal or fewer GPU-hours (exact values),
or the best one at its GPU-hours.
Standard library only.
"""
import concurrent.futures
import glob
import itertools
import json
import os
import sys

from replay_compare import parse, run


def axis_flags(spec):
    name, _, values = spec.partition("=")
    flag = "--" + name.lstrip("-")
    out = []
    for v in values.split(","):
        if v == "-":
            out.append([])
        else:
            out.append([flag, v])
    return out


def main():
    def arguments(ap):
        ap.add_argument("--reference", required=True)
        ap.add_argument("--axis", action="append", default=[])
        ap.add_argument("--switch", action="append", default=[])
    a, extra = parse(sys.argv[1:], "/tmp/replay_grid", arguments)
    dynamo = {os.path.basename(f)[7:-5]: json.load(open(f))["summary"]
              for f in sorted(glob.glob(os.path.join(a.reference, "dynamo_*.json")))}
    if not dynamo:
        sys.exit(f"replay_grid: no dynamo_*.json in {a.reference} (run replay_compare.py --out-dir there first)")
    axes = [axis_flags(s) for s in a.axis] + [[["--" + f], ["--no-" + f]] for f in a.switch]
    points = [sum(c, []) for c in itertools.product(*axes)]

    def one(i_flags):
        i, flags = i_flags
        s = run(a.planner, a.dataset, a.interval, "auto", flags, extra, os.path.join(a.out_dir, f"p{i}.json"))
        s["_name"] = " ".join(flags) or "auto (defaults)"
        return s
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        rows = list(pool.map(one, enumerate(points)))
    for r in rows:
        print(f"{100 * r['sla_attainment']:7.3f} % {r['gpu_hours']:10.4f} GPU-h {int(r['scaling_events']):5d} events"
              f"{'  PARTIAL' if r.get('partial') else ''}  {r['_name']}")
    rows = [r for r in rows if not r.get("partial")]
    fmt = lambda r: f"{100 * r['sla_attainment']:.3f} % at {r['gpu_hours']:.4f} GPU-h: {r['_name']}"
    print(f"{len(points)} points ({len(points) - len(rows)} partial, left out); against {a.reference}:")
    for name, d in dynamo.items():
        dom = sorted((r for r in rows if r["sla_attainment"] > d["sla_attainment"] and r["gpu_hours"] <= d["gpu_hours"]),
                     key=lambda r: (-r["sla_attainment"], r["gpu_hours"]))
        head = f"  dynamo {name} ({100 * d['sla_attainment']:.3f} % at {d['gpu_hours']:.4f} GPU-h)"
        if dom:
            print(f"{head}: {len(dom)} dominating, best {fmt(dom[0])}")
        else:
            near = max((r for r in rows if r["gpu_hours"] <= d["gpu_hours"]), key=lambda r: r["sla_attainment"], default=None)
            print(f"{head}: none dominates" + (f"; best at <= its GPU-h {fmt(near)}" if near else ""))


if __name__ == "__main__":
    main()
