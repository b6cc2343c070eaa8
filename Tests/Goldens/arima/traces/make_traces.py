"""Synthetic Mooncake-JSONL traces whose 60 s request counts (and mean ISL)
have a trend, level shifts, a long idle stretch and a cycle — the shapes the
ARIMA goldens beside this folder were made from (ref_planner.py predict)."""
import json, math, numpy as np

def write(name, counts, isl_fn, seed):
    rng = np.random.default_rng(seed)
    with open(f"{name}.jsonl", "w") as f:
        for k, c in enumerate(counts):
            for t in np.sort(rng.uniform(0, 60000, size=int(c))):
                isl = max(1, int(rng.normal(isl_fn(k), 0.1 * isl_fn(k))))
                f.write(json.dumps({"timestamp": int(k * 60000 + t), "input_length": isl,
                                    "output_length": int(rng.integers(50, 400))}) + "\n")

rng = np.random.default_rng(7)
n = 70
write("trend", np.maximum(0, np.round(8 + 0.6 * np.arange(n) + rng.normal(0, 3, n))), lambda k: 1000 + 15 * k, 1)
shift = np.r_[np.full(25, 20), np.full(25, 55), np.full(20, 12)] + rng.normal(0, 3, n)
write("level_shift", np.maximum(0, np.round(shift)), lambda k: 2000 if k < 30 else 3500, 2)
idle = np.r_[rng.poisson(15, 20), np.zeros(25), rng.poisson(25, 25)]
idle[0] = max(idle[0], 1)
write("idle_stretch", idle, lambda k: 800, 3)
cyc = 30 + 15 * np.sin(2 * math.pi * np.arange(n) / 12) + rng.normal(0, 2, n)
write("cycle", np.maximum(0, np.round(cyc)), lambda k: 1500 + 500 * math.sin(2 * math.pi * k / 12), 4)
