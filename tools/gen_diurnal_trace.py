#!/usr/bin/env python3
"""Multi-day Mooncake-style JSONL trace with a diurnal request rate, for `planner replay` speed tests.

usage: gen_diurnal_trace.py OUT.jsonl [--days 3] [--requests 850000] [--amplitude 0.6] [--seed 7]

- Arrivals: inhomogeneous Poisson process (thinning), rate(t) = mean * (1 + amplitude * sin(2 pi (t/day - 1/4))),
  lowest at midnight, highest at noon; mean = requests / (days * 86400 s), so the expected count is --requests.
- ISL / OSL resemble data/traces/mooncake_conversation.jsonl (median ISL ~6.9k, mean ~12k, heavy tail to
  ~126k; OSL median ~350, 10 % short answers, max 2000).
- hash_ids (512-token blocks): every prompt starts with the shared block 0 (system prompt); ~45 % of
  requests continue a recent conversation and re-send its whole context (same hash ids) plus new blocks,
  the rest start a new conversation. Fresh blocks get new ids.
- timestamps in integer milliseconds from 0. Written streaming: memory is bounded by the pool of open
  conversations (at most 4000), not the trace length. Same arguments -> same bytes (Python's random).
Writes to OUT (use /tmp: the file is ~250 MB and must not be committed).
"""
import argparse
import json
import math
import random
import sys
import time

BLOCK = 512
DAY_S = 86400.0
MAX_ISL = 126_000


def sample_isl(rng):
    return max(891, min(MAX_ISL, int(6900 * math.exp(rng.gauss(0.0, 1.1)))))


def sample_osl(rng):
    if rng.random() < 0.1:
        return rng.randint(1, 60)
    return max(1, min(2000, int(rng.gauss(380.0, 170.0))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--days", type=float, default=3.0)
    ap.add_argument("--requests", type=int, default=850_000)
    ap.add_argument("--amplitude", type=float, default=0.6)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if not (0.0 <= a.amplitude < 1.0) or a.days <= 0 or a.requests <= 0:
        sys.exit("gen_diurnal_trace: need 0 <= amplitude < 1, days > 0, requests > 0")
    rng = random.Random(a.seed)
    horizon = a.days * DAY_S
    mean_rate = a.requests / horizon
    peak = mean_rate * (1.0 + a.amplitude)
    next_id = 1
    convs = []          # each: [context_tokens, hash_ids]
    t = 0.0
    n = 0
    started = time.time()
    with open(a.out, "w") as f:
        while True:
            t += rng.expovariate(peak)
            if t >= horizon:
                break
            rate = mean_rate * (1.0 + a.amplitude * math.sin(2.0 * math.pi * (t / DAY_S - 0.25)))
            if rng.random() * peak > rate:
                continue
            if convs and rng.random() < 0.45:
                c = convs[rng.randrange(len(convs))]
                isl = c[0] + rng.randint(30, 3000)
            else:
                c = [0, [0]]
                isl = sample_isl(rng)
                convs.append(c)
                if len(convs) > 4000:
                    convs.pop(0)
            isl = min(isl, MAX_ISL)
            need = (isl + BLOCK - 1) // BLOCK
            ids = c[1]
            if len(ids) < need:
                grow = need - len(ids)
                ids.extend(range(next_id, next_id + grow))
                next_id += grow
            osl = sample_osl(rng)
            f.write('{"timestamp": %d, "input_length": %d, "output_length": %d, "hash_ids": %s}\n'
                    % (int(t * 1000.0), isl, osl, json.dumps(ids[:need], separators=(", ", ":"))))
            n += 1
            c[0] = isl + osl
            if c[0] >= MAX_ISL - 3000:
                convs.remove(c)
    print(json.dumps({"requests": n, "days": a.days, "mean_rate_rps": round(mean_rate, 4),
                      "generation_s": round(time.time() - started, 2), "out": a.out}))


if __name__ == "__main__":
    main()
