"""Reference of the appearance augmentation (src/train/augment.ts) with numpy and scikit-image.

stdin: JSON {dir, shape: [H, W], draws: [{contrast, gamma, offset, invert, scaleFactor}]}.
Reads <dir>/x.bin (float32 H*W); for each draw k: skimage rescale (order 1, mirror, anti-aliased
when shrinking, clipped) by scaleFactor when it is not 1, then the 0.1/99.9 percentiles
(numpy linear), then clip(((clip((x-lo)/(hi-lo),0,1))**gamma - 0.5)*contrast + 0.5 + offset, 0, 1),
inverted when asked, mapped back onto [lo, hi]. Writes <dir>/y<k>.bin and prints
[{shape, range: hi - lo}] as JSON.
"""
import json
import os
import sys

import numpy as np
from skimage.transform import rescale

spec = json.load(sys.stdin)
h, w = spec["shape"]
x0 = np.fromfile(os.path.join(spec["dir"], "x.bin"), dtype="<f4").reshape(h, w).astype(np.float64)
shapes = []
for k, d in enumerate(spec["draws"]):
    x = x0
    if d["scaleFactor"] != 1:
        x = rescale(x, d["scaleFactor"], order=1, mode="reflect", anti_aliasing=d["scaleFactor"] < 1)
    lo, hi = np.percentile(x, [0.1, 99.9])
    xn = np.clip((x - lo) / ((hi - lo) or 1), 0, 1)
    y = np.clip((xn ** d["gamma"] - 0.5) * d["contrast"] + 0.5 + d["offset"], 0, 1)
    if d["invert"]:
        y = 1 - y
    # back in the source's units (its 0.1/99.9 percentile range), where the recipes' noise is defined
    y = lo + y * (hi - lo)
    y.astype("<f4").tofile(os.path.join(spec["dir"], f"y{k}.bin"))
    shapes.append({"shape": list(y.shape), "range": float(hi - lo)})
print(json.dumps(shapes))
