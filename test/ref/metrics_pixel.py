"""Reference pixel metrics: scikit-image 0.19.3 (Debian python3-skimage) for PSNR, NRMSE, SSIM;
MS-SSIM written here in numpy/scipy from Wang, Simoncelli & Bovik (2003) with the conventions
stated in src/metrics/pixel.ts (11x11 Gaussian sigma 1.5 truncate 3.5 'reflect', population
covariance, border crop 5, 2x2 block-mean downsampling dropping odd trailing rows/columns,
negative terms clamped to 0); the CARE/PSSR norm_minmse as in BPHO-Salk/PSSR metric_gen.py.

Usage:
  metrics_pixel.py tiff IN.tif OUT.f32 [PLANE]        -> JSON {"shape": [h, w], "dtype": "..."}
  metrics_pixel.py baseline GT.tif OUT.f32 FACTOR      -> block-mean downsample GT by FACTOR, bilinear
      (scipy.ndimage.zoom order 1) back to GT size (cropped to a multiple of FACTOR); JSON {"shape"};
      OUT ending in .tif is written as a float32 TIFF
  metrics_pixel.py binned IN.tif OUT.tif FACTOR        -> block-mean downsampled float32 TIFF
  metrics_pixel.py describe IN.tif [OUT.f32]          -> JSON {"shape","dtype","min","max"} (tifffile)
  metrics_pixel.py metrics A.f32 B.f32 H W RANGE       -> JSON of skimage metrics of (A=true, B=test)
  metrics_pixel.py evaluate PRED.f32 GT.f32 H W        -> JSON of the PSSR protocol metrics
  metrics_pixel.py bench A.f32 B.f32 H W REPEATS       -> JSON {"ms": best skimage SSIM time}
Raw files: little-endian float32, C order.
"""
import json
import sys
import time
import warnings

import numpy as np
import tifffile
from scipy import ndimage
from skimage.metrics import normalized_root_mse, peak_signal_noise_ratio, structural_similarity

WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]


def load(path, h, w):
    return np.fromfile(path, dtype="<f4").astype(np.float64).reshape(h, w)


def msssim(a, b, data_range, weights=WEIGHTS, sigma=1.5, k1=0.01, k2=0.03):
    c1 = (k1 * data_range) ** 2
    c2 = (k2 * data_range) ** 2
    pad = int(3.5 * sigma + 0.5)
    x, y = a.astype(np.float64), b.astype(np.float64)
    out = 1.0
    for j, wj in enumerate(weights):
        f = lambda im: ndimage.gaussian_filter(im, sigma, mode="reflect", truncate=3.5)
        ux, uy = f(x), f(y)
        vx = f(x * x) - ux * ux
        vy = f(y * y) - uy * uy
        vxy = f(x * y) - ux * uy
        cs_map = (2 * vxy + c2) / (vx + vy + c2)
        l_map = (2 * ux * uy + c1) / (ux ** 2 + uy ** 2 + c1)
        crop = (slice(pad, -pad), slice(pad, -pad))
        cs = max(cs_map[crop].mean(), 0.0)
        if j == len(weights) - 1:
            out *= max(l_map[crop].mean(), 0.0) ** wj * cs ** wj
        else:
            out *= cs ** wj
            h2, w2 = x.shape[0] // 2, x.shape[1] // 2
            x = x[: 2 * h2, : 2 * w2].reshape(h2, 2, w2, 2).mean(axis=(1, 3))
            y = y[: 2 * h2, : 2 * w2].reshape(h2, 2, w2, 2).mean(axis=(1, 3))
    return out


def metrics(a, b, data_range):
    out = {
        "psnr": peak_signal_noise_ratio(a, b, data_range=data_range),
        "ssim": structural_similarity(a, b, data_range=data_range),
        "ssim_gaussian": structural_similarity(a, b, data_range=data_range, gaussian_weights=True, sigma=1.5),
        "ssim_wang": structural_similarity(a, b, data_range=data_range, gaussian_weights=True, sigma=1.5, use_sample_covariance=False),
        "ssim_win11": structural_similarity(a, b, data_range=data_range, win_size=11),
        "nrmse": normalized_root_mse(a, b),
        "nrmse_minmax": normalized_root_mse(a, b, normalization="min-max"),
        "nrmse_mean": normalized_root_mse(a, b, normalization="mean"),
        "msssim": msssim(a, b, data_range) if min(a.shape) >= 176 else None,
    }
    _, smap = structural_similarity(a, b, data_range=data_range, full=True)
    out["ssim_map_sum"] = float(smap.sum())
    return out


def norm_minmse(gt, x):
    # csbdeep.utils.normalize(gt, 0.1, 99.9, clip=False) in float32, then PSSR's norm_minmse
    mi, ma = np.percentile(gt, [0.1, 99.9])
    gt = ((gt.astype(np.float32) - np.float32(mi)) / (np.float32(ma) - np.float32(mi) + np.float32(1e-20))).astype(np.float32)
    x = x.astype(np.float32) - np.mean(x)
    gt = gt - np.mean(gt)
    scale = np.cov(x.flatten(), gt.flatten())[0, 1] / np.var(x.flatten())
    return gt, scale * x


def main():
    cmd = sys.argv[1]
    if cmd == "tiff":
        arr = tifffile.imread(sys.argv[2])
        dtype = str(arr.dtype)
        if arr.ndim > 2:
            arr = arr.reshape(-1, arr.shape[-2], arr.shape[-1])[int(sys.argv[4]) if len(sys.argv) > 4 else 0]
        arr.astype("<f4").tofile(sys.argv[3])
        print(json.dumps({"shape": list(arr.shape), "dtype": dtype}))
    elif cmd == "baseline":
        gt = tifffile.imread(sys.argv[2]).astype(np.float64)
        k = int(sys.argv[4])
        h, w = (gt.shape[0] // k) * k, (gt.shape[1] // k) * k
        gt = gt[:h, :w]
        lr = gt.reshape(h // k, k, w // k, k).mean(axis=(1, 3))
        up = ndimage.zoom(lr, (h / lr.shape[0], w / lr.shape[1]), order=1)
        if sys.argv[3].endswith(".tif"):
            tifffile.imwrite(sys.argv[3], up.astype(np.float32))
        else:
            up.astype("<f4").tofile(sys.argv[3])
        print(json.dumps({"shape": [h, w]}))
    elif cmd == "binned":
        # block-mean downsample by FACTOR, written as a float32 TIFF
        gt = tifffile.imread(sys.argv[2]).astype(np.float64)
        k = int(sys.argv[4])
        h, w = gt.shape[0] // k, gt.shape[1] // k
        tifffile.imwrite(sys.argv[3], gt[: h * k, : w * k].reshape(h, k, w, k).mean(axis=(1, 3)).astype(np.float32))
        print(json.dumps({"shape": [h, w]}))
    elif cmd == "describe":
        arr = tifffile.imread(sys.argv[2])
        out = {"shape": list(arr.shape), "dtype": str(arr.dtype), "min": float(arr.min()), "max": float(arr.max())}
        if len(sys.argv) > 3:  # also dump as raw float32
            arr.astype("<f4").tofile(sys.argv[3])
        print(json.dumps(out))
    elif cmd == "metrics":
        h, w, rng = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
        a, b = load(sys.argv[2], h, w), load(sys.argv[3], h, w)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            print(json.dumps(metrics(a, b, rng)))
    elif cmd == "evaluate":
        h, w = int(sys.argv[4]), int(sys.argv[5])
        pred, gt = load(sys.argv[2], h, w), load(sys.argv[3], h, w)
        g, p = norm_minmse(gt, pred)
        g, p = g.astype(np.float64), p.astype(np.float64)
        print(json.dumps({
            "psnr": peak_signal_noise_ratio(g, p, data_range=1.0),
            "ssim": structural_similarity(g, p, data_range=1.0),
            "nrmse": normalized_root_mse(g, p),
            "msssim": msssim(g, p, 1.0) if min(h, w) >= 176 else None,
        }))
    elif cmd == "bench":
        h, w, reps = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        a, b = load(sys.argv[2], h, w), load(sys.argv[3], h, w)
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            structural_similarity(a, b, data_range=1.0)
            best = min(best, time.perf_counter() - t0)
        print(json.dumps({"ms": best * 1000}))
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
