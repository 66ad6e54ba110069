"""Peer timings for bench/crappify.bench.ts: PSSR's crappifiers with scikit-image 0.19 / scipy.

argv: OUT_INPUT_PATH SIZE REPEATS. Builds a SIZE x SIZE uint8 image from the real BPAE
fluorescence sample (stack-max to uint8 as PSSR's tile_from_info, reflect-padded/tiled), writes
it raw to OUT_INPUT_PATH, then prints JSON {"pssr-fluo": ms, "pssr-em": ms} (best of REPEATS).
"""
import json
import os
import sys
import time

import numpy as np
import tifffile
from scipy.ndimage import zoom as npzoom
from skimage import filters
from skimage.transform import rescale
from skimage.util import random_noise

path, size, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
samples = os.path.join(os.path.dirname(__file__), "..", "..", "data-samples")
bpae = tifffile.imread(os.path.join(samples, "fluo", "BPAE_mito.tif")).astype(np.float64)
u8 = (bpae / bpae.max() * 255).astype(np.uint8)
img = np.pad(u8, ((0, max(0, size - u8.shape[0])), (0, max(0, size - u8.shape[1]))), mode="symmetric")[:size, :size]
img = np.ascontiguousarray(img)
img.tofile(path)


def new_crap_AG_SP(x, rng, scale=4):
    xn = np.array(x)
    xorig_max = xn.max()
    xn = xn.astype(np.float32)
    xn /= float(np.iinfo(np.uint8).max)
    lvar = filters.gaussian(xn, sigma=5) + 1e-10
    xn = random_noise(xn, mode="localvar", local_vars=lvar * 0.5, seed=rng)
    xn = random_noise(xn, mode="salt", amount=0.005, seed=rng)
    xn = random_noise(xn, mode="pepper", amount=0.005, seed=rng)
    new_max = xn.max()
    if new_max > 0:
        xn /= new_max
    xn *= xorig_max
    xn = rescale(xn, scale=1 / scale, order=1)
    return xn.astype(np.uint8)


def em_AG_D(x, rng, scale=4):
    lvar = filters.gaussian(x, sigma=3)
    x = random_noise(x, mode="localvar", local_vars=lvar * 0.05, seed=rng)
    x_down = npzoom(x, 1 / scale, order=1)
    return x_down, npzoom(x_down, scale, order=1)


def best(fn):
    fn()
    b = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        b = min(b, time.perf_counter() - t0)
    return b * 1000


rng = np.random.default_rng(0)
emf = img.astype(np.float64) / 255 + 1e-3
print(json.dumps({
    "pssr-fluo": best(lambda: new_crap_AG_SP(img, rng)),
    "pssr-em": best(lambda: em_AG_D(emf, rng)),
}))
