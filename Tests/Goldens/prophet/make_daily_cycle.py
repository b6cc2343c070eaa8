#!/usr/bin/env python3
"""Writes the synthetic four-day Mooncake JSONL trace behind
predict_daily_cycle_600_request_count_prophet_w500.json (a daily cycle with a
second harmonic, a slow upward trend and noise; 600 s intervals).

    python3 make_daily_cycle.py daily_cycle.jsonl
    PYTHON tools/ref_planner.py predict daily_cycle.jsonl 600 prophet \
        --prophet-window-size 500 > predict_daily_cycle_600_request_count_prophet_w500.json

With a 500-point window the history passes two days after 288 steps, which
turns Prophet's daily seasonality on; from 100 points Prophet fits with L-BFGS.
"""
import json, math, random, sys

random.seed(5)
interval_ms = 600_000
with open(sys.argv[1], "w") as out:
    for i in range(4 * 144):
        hour = (i * 600 / 3600.0) % 24
        rate = 40 + 25 * math.sin(2 * math.pi * (hour - 9) / 24) + 8 * math.sin(4 * math.pi * hour / 24) + 0.02 * i
        count = max(1, int(rate + random.gauss(0, 3)))
        for j in range(count):
            ts = i * interval_ms + int((j + 0.5) * interval_ms / count)
            out.write(json.dumps({"timestamp": ts, "input_length": random.randint(500, 3000),
                                  "output_length": random.randint(50, 400), "hash_ids": []}) + "\n")
