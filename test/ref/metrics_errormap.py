"""Synthetic NanoJ-SQUIRREL cases with a known answer, made with scipy (independent of our code).

Usage: metrics_errormap.py make OUTDIR SR_SIZE MAG SIGMA_SR_PX ALPHA BETA NOISE SEED
  writes sr.f32 (SR_SIZE^2: random blobs on a textured background) and ref.f32
  ((SR_SIZE/MAG)^2 = ALPHA * blockmean_MAG(gaussian_filter(sr, SIGMA, mode='nearest')) + BETA
  + NOISE * N(0, 1)). Little-endian float32, C order.
"""
import os
import sys

import numpy as np
from scipy import ndimage


def main():
    out, n, m, sigma, alpha, beta, noise, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8]), int(sys.argv[9])
    rng = np.random.default_rng(seed)
    sr = ndimage.gaussian_filter(rng.standard_normal((n, n)), 1.0) * 0.3
    yy, xx = np.mgrid[0:n, 0:n]
    for _ in range(n // 4):
        cy, cx = rng.uniform(0, n, 2)
        s = rng.uniform(1.0, 3.0)
        sr += rng.uniform(0.5, 2.0) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
    blurred = ndimage.gaussian_filter(sr, sigma, mode="nearest") if sigma > 0 else sr
    h = n // m
    ref = alpha * blurred.reshape(h, m, h, m).mean(axis=(1, 3)) + beta + noise * rng.standard_normal((h, h))
    sr.astype("<f4").tofile(os.path.join(out, "sr.f32"))
    ref.astype("<f4").tofile(os.path.join(out, "ref.f32"))


if __name__ == "__main__":
    main()
