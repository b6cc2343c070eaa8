"""Thin-plate golden: scipy RBFInterpolator(kernel="thin_plate_spline") on the
profile's (kv, context) mapped to the unit square, evaluated on the decode grid
(xi = linspace(0, 1, RES), yi = linspace(0, max ctx, RES)), floored at 0.
Usage: make_tps_golden.py PROFILE_DIR RES > tps_NAME_resRES.json"""
import json, sys
import numpy as np
from scipy.interpolate import RBFInterpolator

d, res = sys.argv[1], int(sys.argv[2])
j = json.load(open(d + "/decode_raw_data.json"))
x, y = np.array(j["x_kv_usage"]), np.array(j["y_context_length"], float)
unit = lambda a, b: np.c_[(a - x.min()) / (x.max() - x.min()), (b - y.min()) / (y.max() - y.min())]
X, Y = np.meshgrid(np.linspace(0, 1, res), np.linspace(0, y.max(), res))
out = {}
for key, z in (("itl_grid", j["z_itl"]), ("thpt_grid", j["z_thpt_per_gpu"])):
    g = RBFInterpolator(unit(x, y), z, kernel="thin_plate_spline")(unit(X.ravel(), Y.ravel())).reshape(res, res)
    out[key] = np.maximum(g, 0).tolist()
json.dump(out, sys.stdout)
