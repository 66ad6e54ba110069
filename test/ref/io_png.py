"""PNG/JPEG references with PIL and numpy.

usage:
  io_png.py contrast PNG SOURCE.npy LOW HIGH  -> JSON {shape, mode, maxDiff, mismatches, lo, hi}
      decodes PNG with PIL and compares it with the auto-contrast of SOURCE computed here:
      lo/hi = numpy.percentile(finite values, [LOW, HIGH]) (linear), y = (x - lo) / (hi - lo) * 255,
      rounded half up, clipped to 0..255; non-finite pixels and a flat image give 0.
  io_png.py make OUTDIR                        -> JSON lines {file, npy, axes, dtype}
      writes PNG (8-bit grey, 16-bit grey, RGB, RGBA) and JPEG (grey, RGB) files with PIL and
      saves what PIL decodes from them, in pssr's layout (channels first).
"""
import json
import os
import sys

import numpy as np
from PIL import Image


def contrast(png, src, low, high):
    x = np.load(src).astype(np.float64)
    got = np.asarray(Image.open(png))
    finite = np.isfinite(x)
    expected = np.zeros(x.shape, np.uint8)
    lo = hi = None
    if finite.any():
        lo, hi = np.percentile(x[finite], [low, high])
        if hi > lo:
            y = (np.where(finite, x, lo) - lo) * (255.0 / (hi - lo))
            expected = np.clip(np.floor(y + 0.5), 0, 255).astype(np.uint8)
            expected[~finite] = 0
    d = np.abs(got.astype(int) - expected.astype(int))
    print(json.dumps({"shape": list(got.shape), "mode": Image.open(png).mode, "maxDiff": int(d.max()),
                      "mismatches": int((d > 0).sum()), "lo": lo, "hi": hi}))


def make(outdir):
    rng = np.random.default_rng(3)
    cases = {
        "gray8.png": (rng.integers(0, 256, (19, 23), dtype=np.uint8), "L"),
        "gray16.png": (rng.integers(0, 65536, (19, 23), dtype=np.uint16), "I;16"),
        "rgb.png": (rng.integers(0, 256, (19, 23, 3), dtype=np.uint8), "RGB"),
        "rgba.png": (rng.integers(0, 256, (19, 23, 4), dtype=np.uint8), "RGBA"),
    }
    yy, xx = np.mgrid[0:48, 0:64]
    smooth = (127 + 100 * np.sin(xx / 7.0) * np.cos(yy / 5.0)).astype(np.uint8)
    cases["gray.jpg"] = (smooth, "L")
    cases["rgb.jpg"] = (np.stack([smooth, smooth[::-1], 255 - smooth], -1), "RGB")
    cases["gray8_1um.png"] = (cases["gray8.png"][0], "L")
    for name, (arr, mode) in cases.items():
        path = os.path.join(outdir, name)
        if name.endswith(".jpg"):
            Image.fromarray(arr, mode).save(path, quality=90)
        elif name == "gray8_1um.png":
            Image.fromarray(arr, mode).save(path, dpi=(25400, 25400))  # pHYs 1e6 px/m: 1 µm pixels
        else:
            Image.fromarray(arr, mode).save(path)
        back = np.asarray(Image.open(path))
        if back.dtype != np.uint8:
            back = back.astype(np.uint16)
        if back.ndim == 3:
            back = np.moveaxis(back, -1, 0)
        npy = path + ".npy"
        np.save(npy, np.ascontiguousarray(back))
        print(json.dumps({"file": path, "npy": npy, "axes": "CYX" if back.ndim == 3 else "YX", "dtype": str(back.dtype),
                          "pixelSizeNm": 1000.0 if name == "gray8_1um.png" else None}))


if __name__ == "__main__":
    if sys.argv[1] == "contrast":
        contrast(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
    else:
        make(sys.argv[2])
