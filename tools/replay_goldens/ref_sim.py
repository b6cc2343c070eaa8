#!/usr/bin/env python3
"""Slow, readable reference model of the Dynamo 1.6.1 mocker replay (aggregated mode), written from the
behaviour description in MOCKER_docs/behaviour.md (next to this file), to check that description against the goldens. Not used by the
product; the C engine is the real implementation.

usage: ref_sim.py TRACE N [--blocks B] [--block-size 64] [--budget 8192] [--seqs 256] [--no-prefix]
                  [--speedup 1] [--golden G.json]
"""
import argparse
import collections
import json
import math

TRACE_BLOCK = 512


def poly_prefill(tokens):
    return 0.0 if tokens <= 0 else 4.209989e-07 * tokens * tokens + 1.518344e-02 * tokens + 1.650142e+01


def poly_decode(active, total):
    u = min(1.0, active / total) if total > 0 else 1.0
    return max(1.0, -25.74 * u * u + 54.01 * u + 5.74)


class Copy:
    __slots__ = ("key", "refs")

    def __init__(self, key):
        self.key, self.refs = key, 1


class Pool:
    def __init__(self, cap):
        self.cap, self.free = cap, cap
        self.by_key = {}                       # key -> [copies], primary first
        self.lru = collections.OrderedDict()   # copy -> None, head evicted first

    def active(self):
        return self.cap - self.free - len(self.lru)

    def hit(self, key):
        cs = self.by_key.get(key)
        return cs[0] if cs else None

    def can_take(self, fresh, pinned_inactive):
        return fresh <= self.free + len(self.lru) - pinned_inactive

    def pin(self, copy):
        if copy.refs == 0:
            del self.lru[copy]
        copy.refs += 1

    def take_fresh(self):
        if self.free > 0:
            self.free -= 1
        else:
            victim, _ = self.lru.popitem(last=False)
            cs = self.by_key[victim.key]
            cs.remove(victim)
            if not cs:
                del self.by_key[victim.key]
        return Copy(None)

    def set_key(self, copy, key):
        copy.key = key
        self.by_key.setdefault(key, []).append(copy)

    def release(self, copy):
        copy.refs -= 1
        if copy.refs == 0:
            if copy.key is None:
                self.free += 1
            else:
                self.lru[copy] = None


class Req:
    def __init__(self, idx, arrival, isl, osl, hids, bs, prefix):
        self.idx, self.arrival, self.isl, self.osl = idx, arrival, isl, osl
        self.gen = 0
        self.computed = 0
        self.blocks = []            # copies owned, in block order
        self.allocated = 0          # tokens covered by allocation
        self.keys = []              # prompt full-block keys
        self.admitted = False
        self.reused = 0
        self.preemptions = 0
        self.tokens = []
        if prefix:
            prev = None
            for k in range(isl // bs):
                a, b = hids[(k * bs) // TRACE_BLOCK], hids[(k * bs + bs - 1) // TRACE_BLOCK]
                prev = hash((prev, a, b))
                self.keys.append(prev)

    def length(self):
        return self.isl + self.gen

    def key(self, k, bs):
        if k < len(self.keys):
            return self.keys[k]
        return ("gen", self.idx, k)


class Worker:
    def __init__(self, a):
        self.a = a
        self.pool = Pool(a.blocks)
        self.waiting = collections.deque()
        self.running = []
        self.busy_until = None

    def release_all(self, r):
        for c in reversed(r.blocks):
            self.pool.release(c)
        r.blocks, r.allocated = [], 0

    def lookup(self, r):
        bs = self.a.block_size
        if self.a.no_prefix:
            return 0, 0
        n = act = 0
        for k in range(r.length() // bs):
            c = self.pool.hit(r.key(k, bs))
            if c is None:
                break
            n += 1
            act += c.refs > 0
        cached = min(n * bs, r.length())
        cap = ((r.length() - 1) // bs) * bs
        cached = min(cached, cap)
        return cached, min(act * bs, cached)

    def allocate(self, r, target, reuse_blocks):
        bs = self.a.block_size
        have = len(r.blocks)
        want = math.ceil(target / bs)
        if want <= have:
            r.allocated = max(r.allocated, target)
            return True
        reuse = max(0, reuse_blocks - have)
        hits = [self.pool.hit(r.key(k, bs)) for k in range(have, have + reuse)]
        pinned_inactive = len({id(c) for c in hits if c.refs == 0})
        fresh = want - have - reuse
        if not self.pool.can_take(fresh, pinned_inactive):
            return False
        for c in hits:
            self.pool.pin(c)
            r.blocks.append(c)
        for _ in range(fresh):
            r.blocks.append(self.pool.take_fresh())
        r.allocated = target
        return True

    def finalize(self, r, before, after):
        bs = self.a.block_size
        if self.a.no_prefix:
            return
        for k in range(before // bs, min(after // bs, len(r.blocks))):
            c = r.blocks[k]
            if c.key is None:
                self.pool.set_key(c, r.key(k, bs))

    def preempt(self):
        if not self.running:
            return None
        v = self.running.pop()
        self.release_all(v)
        v.computed = 0
        v.preemptions += 1
        self.waiting.appendleft(v)
        return v

    def schedule(self, r, st, cached):
        bs = self.a.block_size
        before = r.computed + (cached if r.computed == 0 else 0)
        prompt_before = min(before, r.isl)
        remaining = r.length() - before
        take = min(remaining, st["budget"])
        if take == 0 and remaining > 0:
            return "blocked", 0
        target = before + take
        actual = target
        while True:
            if self.allocate(r, target, (cached // bs) if r.computed == 0 else 0):
                break
            v = self.preempt()
            if v is None:
                actual = before
                break
            st["preempted"] = True
            if v in st["sched"]:
                tok, ptok, pbefore = st["sched"].pop(v)
                st["budget"] += tok
                if ptok > 0:
                    st["n"] -= 1
                    st["isl"] -= pbefore + ptok
                    st["pre"] -= pbefore
            if v is r:
                return "self", 0
        used = actual - before
        if used == 0 and actual < r.length():
            return "blocked", 0
        r.computed = actual
        self.finalize(r, before, actual)
        ptok = min(actual, r.isl) - prompt_before
        st["sched"][r] = (used, ptok, prompt_before)
        if ptok > 0:
            st["n"] += 1
            st["isl"] += prompt_before + ptok
            st["pre"] += prompt_before
        st["budget"] -= used
        return "ok", used

    def run_pass(self, now):
        a = self.a
        st = {"budget": a.budget, "preempted": False, "sched": {}, "n": 0, "isl": 0, "pre": 0}
        i = 0
        while i < len(self.running) and st["budget"] > 0:
            r = self.running[i]
            out, _ = self.schedule(r, st, 0)
            if out == "blocked":
                break
            if out == "self":
                continue
            i += 1
        while not st["preempted"] and len(self.running) < a.seqs and self.waiting:
            r = self.waiting[0]
            cached, act = self.lookup(r)
            needed = math.ceil(r.length() / a.block_size) - act // a.block_size
            if needed > a.blocks - self.pool.active():
                break
            self.waiting.popleft()
            out, used = self.schedule(r, st, cached)
            if out != "ok":
                self.waiting.appendleft(r)
                break
            self.running.append(r)
            if not r.admitted:
                r.admitted, r.reused = True, cached
            if used == 0 and st["budget"] == 0:
                break
        prefill = 0.0
        if st["n"] > 0:
            new = max(0, st["isl"] // st["n"] - st["pre"] // st["n"])
            prefill = poly_prefill(st["n"] * new) / a.speedup
        ready = [r for r in self.running if r.computed >= r.length() and r.gen < r.osl]
        # only requests that were already decoding (no prompt token this pass) make up the decode term
        old = [r for r in ready if st["sched"].get(r, (0, 0, 0))[1] == 0]
        decode = 0.0
        if old:
            total = sum(r.length() for r in old)
            decode = poly_decode(total, a.blocks * a.block_size) / a.speedup
        end = now + prefill + decode
        for r in ready:
            r.gen += 1
            r.tokens.append(end)
            if r.gen >= r.osl:
                self.running.remove(r)
                self.release_all(r)
        return end, bool(st["sched"]) or bool(ready)


def simulate(a, rows):
    reqs = []
    t0 = min(r["timestamp"] for r in rows)
    for i, r in enumerate(rows):
        reqs.append(Req(i, float(r["timestamp"]) - t0, r["input_length"], r["output_length"], r["hash_ids"],
                        a.block_size, not a.no_prefix))
    workers = [Worker(a) for _ in range(a.n)]
    nxt = 0
    rr = 0
    now = 0.0
    while True:
        busy = [w.busy_until for w in workers if w.busy_until is not None]
        cands = busy + ([reqs[nxt].arrival] if nxt < len(reqs) else [])
        if not cands:
            break
        now = min(cands)
        for w in workers:
            if w.busy_until is not None and w.busy_until <= now:
                w.busy_until = None
        while nxt < len(reqs) and reqs[nxt].arrival <= now:
            workers[rr % a.n].waiting.append(reqs[nxt])
            rr += 1
            nxt += 1
        for w in workers:
            if w.busy_until is None and (w.running or w.waiting):
                end, progressed = w.run_pass(now)
                if progressed:
                    w.busy_until = end
    return reqs


def summarize(reqs):
    ttft = sorted(r.tokens[0] - r.arrival for r in reqs if r.tokens)
    gaps = sorted(b - a for r in reqs for a, b in zip(r.tokens, r.tokens[1:]))
    pct = lambda v, p: v[round((len(v) - 1) * p / 100)]
    return {"completed_requests": sum(1 for r in reqs if r.gen >= r.osl),
            "total_output_tokens": sum(len(r.tokens) for r in reqs),
            "mean_ttft_ms": sum(ttft) / len(ttft), "median_ttft_ms": pct(ttft, 50), "p90_ttft_ms": pct(ttft, 90),
            "mean_itl_ms": sum(gaps) / len(gaps), "median_itl_ms": pct(gaps, 50), "p90_itl_ms": pct(gaps, 90),
            "prefix_cache_reused_ratio": sum(r.reused for r in reqs) / sum(r.isl for r in reqs),
            "preemptions": sum(r.preemptions for r in reqs)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("n", type=int)
    ap.add_argument("--blocks", type=int, default=16384)
    ap.add_argument("--block-size", type=int, default=64)
    ap.add_argument("--budget", type=int, default=8192)
    ap.add_argument("--seqs", type=int, default=256)
    ap.add_argument("--speedup", type=float, default=1.0)
    ap.add_argument("--no-prefix", action="store_true")
    ap.add_argument("--golden")
    a = ap.parse_args()
    rows = [json.loads(l) for l in open(a.trace) if l.strip()]
    s = summarize(simulate(a, rows))
    g = json.load(open(a.golden))["summary"] if a.golden else {}
    for k, v in s.items():
        ref = g.get(k)
        rel = "" if not ref else f"  golden {ref:.4f}  diff {100 * (v - ref) / ref:+.2f}%"
        print(f"{k:28s} {v:14.4f}{rel}")


if __name__ == "__main__":
    main()
