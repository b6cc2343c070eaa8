"""Compares the JSON that run.sh wrote under OUT/<kernel>/ against OUT/unset/:
for each file and kernel, the number of values that differ and the largest
relative difference (timing fields ignored). Usage: python3 compare.py [OUT]"""
import json, os, sys

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/blas-kernels"
kernels = ["Haswell", "SkylakeX", "Prescott"]

def walk(a, b, path, diffs):
    if isinstance(a, dict):
        for k in a:
            if "second" not in k:
                walk(a[k], b.get(k) if isinstance(b, dict) else None, f"{path}.{k}", diffs)
    elif isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            diffs.append((path, float("inf"), a, b)); return
        for i, (u, v) in enumerate(zip(a, b)):
            walk(u, v, f"{path}[{i}]", diffs)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if a != b:
            diffs.append((path, abs(a - b) / max(abs(a), abs(b)), a, b))
    elif a != b:
        diffs.append((path, float("inf"), a, b))

differing = 0
for name in sorted(os.listdir(f"{out}/unset")):
    base = json.load(open(f"{out}/unset/{name}"))
    for kernel in kernels:
        diffs = []
        walk(base, json.load(open(f"{out}/{kernel}/{name}")), "", diffs)
        if diffs:
            differing += 1
            worst = max(diffs, key=lambda d: d[1])
            print(f"{name:42s} {kernel:9s} {len(diffs):5d} values differ, largest relative {worst[1]:.2e} at {worst[0]}")
print("all outputs identical across kernels" if differing == 0 else f"{differing} file/kernel pairs differ")
