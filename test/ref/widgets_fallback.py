"""The static PNG of a widget's display bundle against numpy: each panel reduced by block means
(powers of two until <= 384 px), percentile-normalised 0.35/99.65 (numpy 'linear'), clipped,
side by side with 8 px white gaps, scaled to 0..255; the PNG decoded with Pillow.
usage: widgets_fallback.py PNG SPEC_JSON  (SPEC: [{"path": raw float32 file, "height", "width"}])
prints {"shape": [h, w], "max_abs_diff": levels}"""
import json
import sys

import numpy as np
from PIL import Image

png, spec = sys.argv[1], json.loads(sys.argv[2])
panels = []
for s in spec:
    a = np.fromfile(s["path"], dtype=np.float32).reshape(s["height"], s["width"]).astype(np.float64)
    f = 1
    while max(a.shape) / f > 384:
        f *= 2
    if f > 1:
        h, w = -(-a.shape[0] // f), -(-a.shape[1] // f)
        pad = np.full((h * f, w * f), np.nan)
        pad[: a.shape[0], : a.shape[1]] = a
        a = np.nanmean(pad.reshape(h, f, w, f), axis=(1, 3))
    a = a.astype(np.float32).astype(np.float64)
    lo, hi = np.percentile(a, [0.35, 99.65])
    panels.append(np.clip((a - lo) / (hi - lo), 0, 1) if hi > lo else np.zeros_like(a))
H = max(p.shape[0] for p in panels)
W = sum(p.shape[1] for p in panels) + 8 * (len(panels) - 1)
out = np.ones((H, W))
x = 0
for p in panels:
    out[: p.shape[0], x : x + p.shape[1]] = p
    x += p.shape[1] + 8
out[-1, -1] = 0
expected = np.floor(out * 255 + 0.5)
got = np.asarray(Image.open(png).convert("L")).astype(np.float64)
print(json.dumps({"shape": list(got.shape), "max_abs_diff": float(np.abs(got - expected).max()) if got.shape == expected.shape else None}))
