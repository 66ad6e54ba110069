"""Reference for image/line-fit.ts: numpy.polyfit degree 1 (np.polyfit weights multiply the
residuals, so a weight w on the squared residual is sqrt(w) there).

stdin: JSON list of {"x": [...], "y": [...], "w": [...] | null}; stdout: JSON list of [slope, intercept],
or with --corrcoef a list of numpy.corrcoef(x, y)[0, 1].
"""
import json
import sys

import numpy as np

out = []
cases = json.load(sys.stdin)
if "--corrcoef" in sys.argv[1:]:
    print(json.dumps([float(np.corrcoef(c["x"], c["y"])[0, 1]) for c in cases]))
    sys.exit(0)
for case in cases:
    x = np.asarray(case["x"], dtype=np.float64)
    y = np.asarray(case["y"], dtype=np.float64)
    w = None if case["w"] is None else np.sqrt(np.asarray(case["w"], dtype=np.float64))
    slope, intercept = np.polyfit(x, y, 1, w=w)
    out.append([float(slope), float(intercept)])
print(json.dumps(out))
