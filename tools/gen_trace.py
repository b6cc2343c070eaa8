#!/usr/bin/env python3
"""Small deterministic Mooncake-style JSONL traces (timestamp ms, input_length, output_length, hash_ids with
512-token hash blocks) for simulator fidelity tests.

usage: gen_trace.py KIND OUT.jsonl [--seed N] [--n N]
KIND:
  mixed   Poisson arrivals (~4 req/s), log-normal ISL/OSL, ~40 % of requests start with one of 6 shared
          "system prompt" prefixes of 1-4 hash blocks.
  burst   a quiet start, then a burst of most requests within ~1.5 s with long outputs (queueing and, with
          a small --num-gpu-blocks, KV preemption), then a tail.
  prefix  conversations: each turn re-sends the whole previous context (same hash ids) plus new blocks,
          so later turns hit the prefix cache; many conversations interleave (LRU eviction pressure).
Python standard library only; the same seed gives the same bytes.
"""
import argparse
import json
import math
import random

BLOCK = 512


class Ids:
    def __init__(self):
        self.next = 0

    def fresh(self, k):
        out = list(range(self.next, self.next + k))
        self.next += k
        return out


def lognormal_int(rng, median, sigma, lo, hi):
    return max(lo, min(hi, int(round(median * math.exp(rng.gauss(0.0, sigma))))))


def blocks_for(isl):
    return (isl + BLOCK - 1) // BLOCK


def mixed(rng, n):
    ids = Ids()
    systems = [ids.fresh(rng.randint(1, 4)) for _ in range(6)]
    t, rows = 0.0, []
    for _ in range(n):
        t += rng.expovariate(4.0) * 1000.0
        isl = lognormal_int(rng, 3000, 0.8, 40, 24000)
        osl = lognormal_int(rng, 150, 1.0, 1, 1500)
        prefix = systems[rng.randrange(6)] if rng.random() < 0.4 else []
        prefix = prefix[:blocks_for(isl)]
        hids = prefix + ids.fresh(blocks_for(isl) - len(prefix))
        rows.append((t, isl, osl, hids))
    return rows


def burst(rng, n):
    ids = Ids()
    shared = ids.fresh(2)
    rows, t = [], 0.0
    quiet = n // 10
    for _ in range(quiet):
        t += rng.expovariate(2.0) * 1000.0
        rows.append(t)
    start = t + 500.0
    for _ in range(n - 2 * quiet):
        rows.append(start + rng.random() * 1500.0)
    t = start + 1500.0
    for _ in range(quiet):
        t += rng.expovariate(1.0) * 1000.0
        rows.append(t)
    rows.sort()
    out = []
    for ts in rows:
        isl = lognormal_int(rng, 2500, 0.7, 64, 16000)
        osl = lognormal_int(rng, 400, 0.6, 2, 2000)
        prefix = shared[:blocks_for(isl)] if rng.random() < 0.5 else []
        out.append((ts, isl, osl, prefix + ids.fresh(blocks_for(isl) - len(prefix))))
    return out


def prefix(rng, n):
    ids = Ids()
    system = ids.fresh(2)
    convs, rows, t = [], [], 0.0
    while len(rows) < n:
        t += rng.expovariate(3.0) * 1000.0
        if not convs or rng.random() < 0.3:
            convs.append({"ctx": 0, "ids": list(system) if rng.random() < 0.5 else []})
        c = convs[rng.randrange(len(convs))]
        c["ctx"] += lognormal_int(rng, 1200, 0.6, 30, 6000)
        need = blocks_for(c["ctx"]) - len(c["ids"])
        if need > 0:
            c["ids"] += ids.fresh(need)
        osl = lognormal_int(rng, 120, 0.8, 1, 1000)
        rows.append((t, c["ctx"], osl, list(c["ids"][:blocks_for(c["ctx"])])))
        c["ctx"] += osl
        if c["ctx"] > 30000:
            convs.remove(c)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["mixed", "burst", "prefix"])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--n", type=int, default=300)
    a = ap.parse_args()
    rng = random.Random(f"{a.kind}:{a.seed}")
    rows = {"mixed": mixed, "burst": burst, "prefix": prefix}[a.kind](rng, a.n)
    with open(a.out, "w") as f:
        for ts, isl, osl, hids in rows:
            f.write(json.dumps({"timestamp": round(ts, 3), "input_length": isl, "output_length": osl,
                                "hash_ids": hids}) + "\n")


if __name__ == "__main__":
    main()
