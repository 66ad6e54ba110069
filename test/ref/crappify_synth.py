"""Real images as raw float32 for the calibration tests, and Poisson-Gaussian images synthesised
with numpy's generator from a noise-free stand-in (a real fluorescence image smoothed, sigma 2).

Usage: crappify_synth.py OUTDIR JSON_CASES
JSON_CASES: [{"name", "gain", "read", "offset", "photons", "background", "seed"}]
Writes OUTDIR/<name>.bin (float32) per case, OUTDIR/sem_<i>.bin for the noisy SEM patches and
prints {"shape": [h, w], "sem": [paths], "sem_shape": [256, 256], "em": path of a 256x256 EM section}.
"""
import glob
import json
import os
import sys

import numpy as np
import tifffile
from scipy.ndimage import gaussian_filter

outdir, cases = sys.argv[1], json.loads(sys.argv[2])
samples = os.path.join(os.path.dirname(__file__), "..", "..", "data-samples")
bpae = tifffile.imread(os.path.join(samples, "fluo", "BPAE_mito.tif")).astype(np.float64)
clean = gaussian_filter(bpae, 2, mode="nearest")
clean = (clean - clean.min()) / (clean.max() - clean.min())
for c in cases:
    rng = np.random.default_rng(c["seed"])
    lam = c["photons"] * clean + c["background"]
    img = c["offset"] + c["gain"] * rng.poisson(lam) + rng.normal(0, c["read"], lam.shape)
    img.astype(np.float32).tofile(os.path.join(outdir, c["name"] + ".bin"))
sem = []
for i, f in enumerate(sorted(glob.glob(os.path.join(samples, "em", "emdiffuse_noisy_sem", "*.tif")))):
    a = tifffile.imread(f)
    assert a.shape == (256, 256) and a.dtype == np.uint16
    p = os.path.join(outdir, "sem_%d.bin" % i)
    a.astype(np.float32).tofile(p)
    sem.append(p)
em = tifffile.imread(os.path.join(samples, "em", "emdiffuse_demo", "mouse_liver_0.tif"))
em_path = os.path.join(outdir, "em_section.bin")
em.astype(np.float32).tofile(em_path)
bpae_path = os.path.join(outdir, "bpae.bin")
bpae.astype(np.float32).tofile(bpae_path)
print(json.dumps({"shape": list(clean.shape), "sem": sem, "sem_shape": [256, 256], "em": em_path, "bpae": bpae_path}))
