"""Reference for image/line-fit.ts: numpy.polyfit degree 1 (np.polyfit weights multiply the
residuals, so a weight w on the squared residual is sqrt(w) there).

stdin: JSON list of {"x": [...], "y": [...], "w": [...] | null}; stdout: JSON list of [slope, intercept].
"""
import json
import sys

import numpy as np

out = []
for case in json.load(sys.stdin):
    x = np.asarray(case["x"], dtype=np.float64)
    y = np.asarray(case["y"], dtype=np.float64)
    w = None if case["w"] is None else np.sqrt(np.asarray(case["w"], dtype=np.float64))
    slope, intercept = np.polyfit(x, y, 1, w=w)
    out.append([float(slope), float(intercept)])
print(json.dumps(out))
