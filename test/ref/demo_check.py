"""Recomputes the demo's metrics independently: tifffile reads the restorations the demo wrote
and the bundled high-res originals; PSSR's norm_minmse (BPHO-Salk/PSSR metric_gen.py, CSBDeep
normalisation) and scikit-image 0.19.3 compute PSNR/SSIM/NRMSE.

Usage: demo_check.py OUT_DIR SAMPLES_DIR -> JSON {"<image>/<method>": {"psnr","ssim","nrmse"}}
       demo_check.py --against GT.tif PRED.tif... -> JSON {"<PRED.tif>": {"psnr","ssim","nrmse"}}
"""
import json
import os
import sys

import numpy as np
import tifffile
from skimage.metrics import normalized_root_mse, peak_signal_noise_ratio, structural_similarity


def norm_minmse(gt, x):
    # csbdeep.utils.normalize(gt, 0.1, 99.9), then zero-mean both and least-squares scale x
    lo, hi = np.percentile(gt, [0.1, 99.9])
    gt = (gt - lo) / (hi - lo + 1e-20)
    gt = gt - gt.mean()
    x = x - x.mean()
    scale = np.cov(x.flatten(), gt.flatten())[0, 1] / np.var(x.flatten())
    return gt, scale * x


def scores(gt, pred):
    g, p = norm_minmse(gt.astype(np.float64), pred.astype(np.float64))
    return {
        "psnr": float(peak_signal_noise_ratio(g, p, data_range=1.0)),
        "ssim": float(structural_similarity(g, p, data_range=1.0)),
        "nrmse": float(normalized_root_mse(g, p)),
    }


if sys.argv[1] == "--against":
    gt = tifffile.imread(sys.argv[2]).astype(np.float32)
    print(json.dumps({f: scores(gt, tifffile.imread(f)) for f in sys.argv[3:]}))
    sys.exit(0)

out_dir, samples = sys.argv[1], sys.argv[2]
result = {}
for name in ["microns_mouse_cortex_1", "mouse_liver_1"]:
    hr = tifffile.imread(os.path.join(samples, "em", "emdiffuse_demo", name + ".tif")).astype(np.float32).astype(np.float64)
    # every restoration the demo wrote for this image (NAME_METHOD.tif; NAME_lr.tif is the input)
    methods = sorted(f[len(name) + 1:-4] for f in os.listdir(out_dir) if f.startswith(name + "_") and f.endswith(".tif") and f != name + "_lr.tif")
    for method in methods:
        result[f"{name}/{method}"] = scores(hr, tifffile.imread(os.path.join(out_dir, f"{name}_{method}.tif")))
print(json.dumps(result))
