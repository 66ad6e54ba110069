# The BioImage Model Zoo's processing steps computed with numpy from their definitions in the
# spec (model v0.5 *Descr docs): reads {"data": [...], "shape": [C, H, W], "reference": [...],
# "steps": [{"id", "kwargs"}]} on stdin and prints, for each step applied alone to `data`,
# the flattened result.
import json, sys
import numpy as np

req = json.load(sys.stdin)
x0 = np.array(req["data"], np.float64).reshape(req["shape"])
ref = np.array(req["reference"], np.float64).reshape(req["shape"])

def red(kw):
    # Axes of (channel, y, x) to reduce over; keepdims so that stats broadcast per channel.
    axes = kw.get("axes")
    if axes is None or "channel" in axes:
        return (0, 1, 2)
    return (1, 2)

def per_channel(v, default):
    v = default if v is None else v
    return np.array(v, np.float64).reshape(-1, 1, 1) if isinstance(v, list) else v

out = []
for step in req["steps"]:
    kw = step.get("kwargs", {})
    x = x0.copy()
    sid = step["id"]
    if sid == "scale_range":
        src = ref if kw.get("reference_tensor") else x
        lo = np.percentile(src, kw.get("min_percentile", 0), axis=red(kw), keepdims=True)
        hi = np.percentile(src, kw.get("max_percentile", 100), axis=red(kw), keepdims=True)
        y = (x - lo) / (hi - lo + kw.get("eps", 1e-6))
    elif sid == "zero_mean_unit_variance":
        y = (x - x.mean(axis=red(kw), keepdims=True)) / (x.std(axis=red(kw), keepdims=True) + kw.get("eps", 1e-6))
    elif sid == "fixed_zero_mean_unit_variance":
        y = (x - per_channel(kw.get("mean"), 0)) / (per_channel(kw.get("std"), 1) + kw.get("eps", 1e-6))
    elif sid == "scale_linear":
        y = x * per_channel(kw.get("gain"), 1) + per_channel(kw.get("offset"), 0)
    elif sid == "scale_mean_variance":
        a = red(kw)
        y = (x - x.mean(axis=a, keepdims=True)) / (x.std(axis=a, keepdims=True) + kw.get("eps", 1e-6)) * (ref.std(axis=a, keepdims=True) + kw.get("eps", 1e-6)) + ref.mean(axis=a, keepdims=True)
    elif sid == "clip":
        lo = np.percentile(x, kw["min_percentile"], axis=red(kw), keepdims=True) if kw.get("min_percentile") is not None else kw.get("min", -np.inf)
        hi = np.percentile(x, kw["max_percentile"], axis=red(kw), keepdims=True) if kw.get("max_percentile") is not None else kw.get("max", np.inf)
        y = np.clip(x, lo, hi)
    elif sid == "binarize":
        y = (x > per_channel(kw["threshold"], 0)).astype(np.float64)
    elif sid == "sigmoid":
        y = 1 / (1 + np.exp(-x))
    elif sid == "ensure_dtype":
        y = np.clip(np.round(x), 0, 255) if kw["dtype"] == "uint8" else x
    else:
        raise SystemExit(f"unknown step {sid}")
    out.append(y.astype(np.float32).ravel().tolist())
print(json.dumps(out))
