"""Times the scipy / skimage / numpy / torch peers of bench/image_ops.bench.ts on the same input.

argv: input .bin (raw float32), height, width, repeats[, operation name]. Prints JSON
{name: median CPU seconds}
(process time: less disturbed than wall time when the machine is shared) for the named operation (all of them without a name).
"""
import json
import sys
import time
import warnings

import numpy as np
from scipy import ndimage as ndi

warnings.simplefilter("ignore")


def median_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return float(np.median(times))


def main():
    path, h, w, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    x = np.fromfile(path, dtype=np.float32).reshape(h, w)
    small = np.ascontiguousarray(x[: h // 4, : w // 4])
    k9 = np.ones((9, 9), np.float32) / 81
    k31 = (np.abs(np.sin(np.arange(31 * 31) * 1.3)) / 500).astype(np.float32).reshape(31, 31)
    from skimage.transform import rescale
    try:
        import torch
        import torch.nn.functional as F
        torch.set_num_threads(1)
        ts = torch.from_numpy(small.copy())[None, None]
    except ImportError:
        torch = None
    ops = {
        "gaussianBlur sigma 5": lambda: ndi.gaussian_filter(x, 5, mode="nearest"),
        "gaussianBlur sigma 1": lambda: ndi.gaussian_filter(x, 1, mode="nearest"),
        "uniformFilter 7": lambda: ndi.uniform_filter(x, 7),
        "maximumFilter 7": lambda: ndi.maximum_filter(x, 7, mode="constant"),
        "convolve2d 9x9 box": lambda: ndi.convolve(x, k9, mode="constant"),
        "convolve2d 31x31 non-separable": lambda: ndi.convolve(x, k31, mode="constant"),
        "percentiles 3/99.8": lambda: np.percentile(x, [3, 99.8]),
        "rescale 1/4 (anti-aliased)": lambda: rescale(x, 0.25),
        "zoom x2 order 3 (1/4 crop)": lambda: ndi.zoom(small, 2),
        "upsampleBilinear x4 (1/4 crop, torch 1 thread)": lambda: F.interpolate(ts, scale_factor=4, mode="bilinear", align_corners=False),
        "resize bicubic x4 (1/4 crop, torch 1 thread)": lambda: F.interpolate(ts, scale_factor=4, mode="bicubic", align_corners=False),
    }
    names = sys.argv[5:] or list(ops)
    print(json.dumps({name: median_time(ops[name], repeats) for name in names}))


if __name__ == "__main__":
    main()
