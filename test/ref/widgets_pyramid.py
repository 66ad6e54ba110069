"""Reference for the widgets' pyramid levels: block means of a float32 plane with numpy,
partial edge blocks averaged over the pixels they hold (NaN padding + nanmean).

usage: widgets_pyramid.py IN.bin H W FACTOR R0 R1 C0 C1 OUT.bin
"""
import sys

import numpy as np

src, h, w, f, r0, r1, c0, c1, out = sys.argv[1], *map(int, sys.argv[2:9]), sys.argv[9]
a = np.fromfile(src, dtype="<f4").reshape(h, w)[r0:r1, c0:c1].astype(np.float64)
H = -(-a.shape[0] // f) * f
W = -(-a.shape[1] // f) * f
p = np.full((H, W), np.nan)
p[: a.shape[0], : a.shape[1]] = a
m = np.nanmean(p.reshape(H // f, f, W // f, f), axis=(1, 3))
m.astype("<f4").tofile(out)
