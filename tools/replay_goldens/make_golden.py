#!/usr/bin/env python3
"""Run Dynamo 1.6.1's mocker replay (dynamo.replay.api.run_trace_replay, offline mode, default
polynomial timing model, fixed worker counts) on a Mooncake JSONL trace and write a golden JSON.

usage:
  make_golden.py TRACE OUT.json agg N [--per-request] [--engine-json JSON] [--sla-ttft MS --sla-itl MS]
  make_golden.py TRACE OUT.json disagg P D [--per-request] [--engine-json JSON] ...

--engine-json: extra keys merged into the "engine" dict of every worker's engine args (e.g.
'{"num_gpu_blocks": 512}'). Per-request records are reduced to the fields a simulator can match and
stored as {columns, rows} sorted by (arrival_time_ms, input_length, requested_output_length)
(all columns up to 2000 requests, a compact column set above) — the mocker's request uuids are random.
Run with the Dynamo 1.6.1 venv's python (see Tests/Goldens/replay/README.md).
"""
import argparse
import json
import time

from dynamo.replay.api import run_trace_replay

KEEP = ("arrival_time_ms", "first_admit_ms", "first_token_ms", "last_token_ms", "terminal_time_ms",
        "ttft_ms", "ttst_ms", "itl_ms", "e2e_latency_ms", "input_length", "requested_output_length",
        "output_length", "reused_input_tokens", "prefill_worker_idx", "decode_worker_idx",
        "prefill_admit_ms", "source_held_ms", "destination_reserved_ms", "destination_activated_ms",
        "decode_admit_ms", "decode_reused_input_tokens", "readmission_count", "terminal_status")


COMPACT = ("arrival_time_ms", "first_token_ms", "last_token_ms", "input_length", "requested_output_length",
           "output_length", "reused_input_tokens", "prefill_worker_idx", "decode_worker_idx")


def rnd(v):
    return round(v, 4) if isinstance(v, float) else v


def write_golden(path, out):
    """Pretty top level, one compact line per per-request row (keeps goldens small and diffable)."""
    pr = out.pop("per_request", None)
    text = json.dumps(out, indent=1)
    if pr is not None:
        rows = ",\n".join(json.dumps(r, separators=(",", ":")) for r in pr["rows"])
        text = (text[:-2] + ',\n "per_request": {"columns": ' + json.dumps(pr["columns"]) +
                ',\n  "rows": [\n' + rows + ']}\n}')
    json.loads(text)  # self-check
    with open(path, "w") as f:
        f.write(text + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("out")
    ap.add_argument("mode", choices=["agg", "disagg"])
    ap.add_argument("counts", type=int, nargs="+")
    ap.add_argument("--per-request", action="store_true")
    ap.add_argument("--engine-json", default="{}")
    ap.add_argument("--sla-ttft", type=float, default=600.0)
    ap.add_argument("--sla-itl", type=float, default=20.0)
    a = ap.parse_args()
    extra = json.loads(a.engine_json)
    kw = dict(sla_ttft_ms=a.sla_ttft, sla_itl_ms=a.sla_itl, capture_per_request=a.per_request)
    if a.mode == "agg":
        kw["num_workers"] = a.counts[0]
        if extra:
            kw["extra_engine_args"] = {"engine": dict(extra)}
    else:
        kw.update(num_prefill_workers=a.counts[0], num_decode_workers=a.counts[1],
                  prefill_engine_args={"engine": {"worker_type": "prefill",
                                                  "timing_model": {"type": "polynomial"}, **extra}},
                  decode_engine_args={"engine": {"worker_type": "decode",
                                                 "timing_model": {"type": "polynomial"}, **extra}})
    t0 = time.time()
    rep = run_trace_replay(a.trace, **kw)
    wall = time.time() - t0
    summary = json.loads(json.dumps(dict(rep.summary), default=str))
    out = {
        "generator": "tools/replay_goldens/make_golden.py",
        "dynamo_version": "1.6.1 (ai-dynamo, ai-dynamo-runtime wheels; aisimulate-core 0.13.0 inside)",
        "trace": a.trace,
        "mode": a.mode,
        "workers": a.counts,
        "engine_overrides": extra,
        "call": {k: v for k, v in kw.items()},
        "python_wall_s": round(wall, 3),
        "summary": summary,
    }
    if a.per_request and rep.per_request:
        cols = KEEP if len(rep.per_request) <= 2000 else COMPACT
        rows = [[rnd(r.get(k)) for k in cols] for r in rep.per_request]
        rows.sort(key=lambda r: (r[0], r[cols.index("input_length")], r[cols.index("requested_output_length")]))
        out["per_request"] = {"columns": list(cols), "rows": rows}
    write_golden(a.out, out)
    s = summary
    print(f"{a.mode} {a.counts} wall {wall:.2f}s completed {s.get('completed_requests')} "
          f"mean_ttft {s.get('mean_ttft_ms'):.2f} p50 {s.get('median_ttft_ms'):.2f} p90 {s.get('p90_ttft_ms'):.2f} "
          f"mean_itl {s.get('mean_itl_ms'):.3f} p90_itl {s.get('p90_itl_ms'):.3f} out_tokens {s.get('total_output_tokens')}")


if __name__ == "__main__":
    main()
