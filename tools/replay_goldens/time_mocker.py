#!/usr/bin/env python3
"""Time Dynamo 1.6.1's mocker replay on one trace and configuration; print one JSON line.

usage: time_mocker.py TRACE agg N | TRACE disagg P D  [--engine-json JSON] [--repeat K] [--sla-ttft MS --sla-itl MS]

Output keys: mode, workers, repeat, wall_s (list, Python call time of each run), mocker_wall_ms (list, the
mocker's own summary wall_time_ms: Rust runtime construction + execution), best_wall_s, completed_requests,
mean_ttft_ms, p90_itl_ms (for a sanity check against ours). Used by `planner-bench replay` to time the peer
in the same run. Exit status 2 with one line on stderr when Dynamo is not importable.
"""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("mode", choices=["agg", "disagg"])
    ap.add_argument("counts", type=int, nargs="+")
    ap.add_argument("--engine-json", default="{}")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--sla-ttft", type=float, default=600.0)
    ap.add_argument("--sla-itl", type=float, default=20.0)
    a = ap.parse_args()
    try:
        from dynamo.replay.api import run_trace_replay
    except Exception as e:  # noqa: BLE001 - report any import failure in one line
        print(f"time_mocker: cannot import dynamo.replay ({e.__class__.__name__}: {e})", file=sys.stderr)
        sys.exit(2)
    extra = json.loads(a.engine_json)
    kw = dict(sla_ttft_ms=a.sla_ttft, sla_itl_ms=a.sla_itl)
    if a.mode == "agg":
        kw["num_workers"] = a.counts[0]
        if extra:
            kw["extra_engine_args"] = {"engine": dict(extra)}
    else:
        if len(a.counts) != 2:
            sys.exit("time_mocker: disagg needs P and D")
        kw.update(num_prefill_workers=a.counts[0], num_decode_workers=a.counts[1],
                  prefill_engine_args={"engine": {"worker_type": "prefill",
                                                  "timing_model": {"type": "polynomial"}, **extra}},
                  decode_engine_args={"engine": {"worker_type": "decode",
                                                 "timing_model": {"type": "polynomial"}, **extra}})
    walls, inner, summary = [], [], {}
    for _ in range(max(1, a.repeat)):
        t0 = time.perf_counter()
        rep = run_trace_replay(a.trace, **kw)
        walls.append(round(time.perf_counter() - t0, 4))
        summary = dict(rep.summary)
        inner.append(round(float(summary.get("wall_time_ms", 0.0)), 3))
    print(json.dumps({"mode": a.mode, "workers": a.counts, "trace": a.trace, "repeat": len(walls),
                      "wall_s": walls, "best_wall_s": min(walls), "mocker_wall_ms": inner,
                      "completed_requests": summary.get("completed_requests"),
                      "mean_ttft_ms": summary.get("mean_ttft_ms"), "p90_itl_ms": summary.get("p90_itl_ms")}))


if __name__ == "__main__":
    main()
