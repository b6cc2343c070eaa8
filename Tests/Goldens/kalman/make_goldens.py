#!/usr/bin/env python3
"""Regenerates the Kalman goldens of this folder from the reference planner.

    PYTHON Tests/Goldens/kalman/make_goldens.py   (from the repository root)

Writes small synthetic Mooncake-style traces to a temporary directory, runs
`tools/ref_planner.py predict TRACE 60 kalman [flags]` (filterpy 2.0)
on each, and stores {"trace", "field", "flags", "config", "series",
"predictions"} per case. `config` holds the flags as KalmanPredictor reads them.
Tests read these files; they never run Python.
"""
import json, math, os, random, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
REF = os.path.join(ROOT, "tools", "ref_planner.py")
OUT = os.path.dirname(os.path.abspath(__file__))
INTERVAL = 60

def trace(counts, isl=lambda k: 1000, osl=lambda k: 200, seed=1):
    """One row per request; interval k holds counts[k] requests. The first
    interval must be non-empty so that extraction starts at k = 0."""
    rnd = random.Random(seed); rows = []
    for k, c in enumerate(counts):
        for j in range(c):
            ts = (k * INTERVAL + (j + 0.5) * INTERVAL / (c + 1)) * 1000
            rows.append({"timestamp": ts, "input_length": max(1, int(isl(k) * (0.8 + 0.4 * rnd.random()))),
                         "output_length": max(1, int(osl(k) * (0.8 + 0.4 * rnd.random())))})
    return rows

def traces():
    rnd = random.Random(7)
    trend = [max(1, int(5 + 2.5 * k + rnd.gauss(0, 4))) for k in range(80)]
    shift = [max(1, int((50 if k < 40 else 300 if k < 80 else 20) + rnd.gauss(0, 5))) for k in range(110)]
    # Traffic, a long idle stretch (kept: zeros after traffic count), a short burst,
    # another idle stretch, then recovery.
    idle = ([int(80 + rnd.gauss(0, 6)) for _ in range(15)] + [0] * 30 + [int(40 + rnd.gauss(0, 4)) for _ in range(3)]
            + [0] * 25 + [int(60 + rnd.gauss(0, 6)) for _ in range(12)])
    # A fast decline to silence: the raw filter's level goes below zero.
    fall = [max(0, int(400 - 45 * k)) for k in range(12)] + [0] * 10 + [3, 1, 0, 0, 2]
    spiky = [int(20 + (400 if k % 13 == 0 else 0) + rnd.gauss(0, 3)) for k in range(60)]
    # Long enough (600 points) for the covariance to reach its fixed point
    # under several noise settings, with a daily-like cycle and noise.
    cycle = [max(1, int(60 + 40 * math.sin(k / 30) + rnd.gauss(0, 8))) for k in range(600)]
    return {
        "cycle": trace(cycle),
        "trend": trace(trend, isl=lambda k: 800 + 40 * k),
        "shift": trace(shift, isl=lambda k: 2000 if k < 60 else 120000),
        "idle": trace(idle),
        "fall": trace(fall, osl=lambda k: 50),
        "spiky": trace(spiky),
    }

CASES = [
    # trace, field, reference flags
    ("cycle", "request_count", []),
    ("cycle", "request_count", ["--log1p", "--kalman-q-trend", "3"]),
    ("cycle", "request_count", ["--kalman-r", "0.01", "--kalman-q-level", "0.2", "--kalman-q-trend", "0.05"]),
    ("trend", "request_count", []),
    ("trend", "request_count", ["--log1p"]),
    ("trend", "avg_isl", ["--kalman-min-points", "1"]),
    ("shift", "request_count", []),
    ("shift", "request_count", ["--kalman-r", "0.5", "--kalman-q-level", "5", "--kalman-q-trend", "0.001"]),
    ("shift", "avg_isl", ["--log1p", "--kalman-min-points", "12"]),
    ("idle", "request_count", []),
    ("idle", "request_count", ["--log1p"]),
    ("idle", "avg_osl", ["--kalman-r", "0", "--kalman-q-level", "0", "--kalman-q-trend", "0"]),
    ("fall", "request_count", []),
    ("fall", "request_count", ["--kalman-min-points", "2", "--kalman-q-trend", "3"]),
    ("fall", "request_count", ["--log1p", "--kalman-min-points", "1"]),
    ("spiky", "request_count", ["--kalman-r", "1000", "--kalman-q-level", "0.01", "--kalman-min-points", "8"]),
]

def config(flags):
    c = {"log1p": False, "q_level": 1.0, "q_trend": 0.1, "r": 10.0, "min_points": 5}
    names = {"--kalman-q-level": "q_level", "--kalman-q-trend": "q_trend", "--kalman-r": "r", "--kalman-min-points": "min_points"}
    i = 0
    while i < len(flags):
        if flags[i] == "--log1p": c["log1p"] = True; i += 1; continue
        key = names[flags[i]]; c[key] = int(flags[i + 1]) if key == "min_points" else float(flags[i + 1]); i += 2
    return c

def main():
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, rows in traces().items():
            paths[name] = os.path.join(tmp, name + ".jsonl")
            with open(paths[name], "w") as f:
                for r in rows: f.write(json.dumps(r) + "\n")
        for name, field, flags in CASES:
            out = subprocess.run([sys.executable, REF, "predict", paths[name], str(INTERVAL), "kalman", "--field", field] + flags,
                                 check=True, capture_output=True, text=True).stdout
            res = json.loads(out)
            tag = "_".join([name, field] + [f.lstrip("-").replace("kalman-", "") for f in flags])
            doc = {"trace": name, "field": field, "flags": flags, "config": config(flags),
                   "series": res["series"], "predictions": res["predictions"]}
            with open(os.path.join(OUT, f"kalman_{tag}.json"), "w") as f: json.dump(doc, f)
            print(tag, len(res["series"]), "min prediction", min(res["predictions"]))

if __name__ == "__main__":
    main()
