"""Test inputs for the CLI tests, written with tifffile (independent of our writer).

cli_files.py hyperstack PATH            -> ImageJ TZCYX hyperstack (3, 4, 2, 96, 96) float32, every plane different
cli_files.py plane SRC T Z C OUT        -> tifffile's plane [t, z, c] of SRC (a TZCYX file) as a 2D TIFF
cli_files.py channel SRC C OUT          -> tifffile's TYX time-lapse of channel C of SRC (TCYX or TZCYX with Z=1)
cli_files.py tcyx PATH                  -> ImageJ TCYX time-lapse (6, 2, 64, 64) float32 with a moving bar per channel
cli_files.py counts PATH GAIN           -> Poisson photon counts of a smooth 128x128 scene times GAIN (uint16)
cli_files.py multiplicative PATH        -> a ramp with multiplicative (variance ~ mean^2) noise, float32 256x256
"""
import sys

import numpy as np
import tifffile

mode = sys.argv[1]
rng = np.random.default_rng(7)


def scene(h, w, phase=0.0):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    return 50 + 40 * np.sin(x / 5.0 + phase) * np.cos(y / 7.0 - phase) + 20 * np.sin((x + y) / 11.0)


if mode == "hyperstack":
    a = np.empty((3, 4, 2, 96, 96), np.float32)
    for t in range(3):
        for z in range(4):
            for c in range(2):
                a[t, z, c] = scene(96, 96, 0.3 * t + 0.1 * z + 1.7 * c) + rng.normal(0, 3, (96, 96))
    tifffile.imwrite(sys.argv[2], a, imagej=True, metadata={"axes": "TZCYX"})
elif mode == "plane":
    src, t, z, c, out = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    a = tifffile.imread(src)
    tifffile.imwrite(out, np.ascontiguousarray(a[t, z, c]))
elif mode == "tcyx":
    a = np.zeros((6, 2, 64, 64), np.float32)
    for t in range(6):
        a[t, 0, :, 10 + 4 * t] = 100
        a[t, 1, 20 + 3 * t, :] = 50
        a[t] += rng.normal(0, 1, (2, 64, 64))
    tifffile.imwrite(sys.argv[2], a, imagej=True, metadata={"axes": "TCYX"})
elif mode == "channel":
    src, c, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with tifffile.TiffFile(src) as f:
        axes = f.series[0].axes
        a = f.asarray()
    a = a[:, c] if axes == "TCYX" else a[:, 0, c]
    tifffile.imwrite(out, np.ascontiguousarray(a), imagej=True, metadata={"axes": "TYX"})
elif mode == "counts":
    lam = scene(128, 128) + 10
    tifffile.imwrite(sys.argv[2], (rng.poisson(lam) * int(sys.argv[3])).astype(np.uint16))
elif mode == "multiplicative":
    y, x = np.mgrid[0:256, 0:256].astype(np.float64)
    mean = 20 + 4000 * (x / 255.0) ** 2
    tifffile.imwrite(sys.argv[2], (mean * (1 + 0.3 * rng.standard_normal((256, 256)))).astype(np.float32))
else:
    raise SystemExit("unknown mode " + mode)
