import os, sys
# tools/make_profiles.py of this repository
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools"))
import make_profiles as mp
base = dict(mp.SPECS["h200_llama8b_tp1"])
extra = {
    "tiny6_llama8b": dict(base, np_=6, nc=2, nk=3, seed=11),
    "dense200_llama8b": dict(base, np_=200, nc=20, nk=10, seed=12),
}
for name, s in extra.items():
    print(name, mp.write(sys.argv[1], name, s))
