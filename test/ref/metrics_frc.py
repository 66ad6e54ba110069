"""Reference FRC written with numpy.fft and scipy.signal.windows.tukey, from the definition in
src/metrics/frc.ts (mean subtraction, separable Tukey window, top-left zero padding to a
power-of-two square N, ring k = Fourier pixels whose distance from DC rounds to k, k <= N/2).

Usage:
  metrics_frc.py curve A.f32 B.f32 H W ALPHA         -> JSON {"frc": [...], "count": [...], "n": N}
  metrics_frc.py lowpass OUTDIR SIZE CUTOFF NOISE SEED -> writes a.f32, b.f32: one white-noise
      signal ideally low-pass filtered in Fourier space (keep |f| <= CUTOFF cycles/px), plus
      independent Gaussian noise of std NOISE in each copy.
  metrics_frc.py bench A.f32 B.f32 H W REPEATS       -> JSON {"ms": best time of the FRC curve}
Raw files are little-endian float32, C order.
"""
import json
import os
import sys
import time

import numpy as np
from scipy.signal.windows import tukey


def load(path, h, w):
    return np.fromfile(path, dtype="<f4").astype(np.float64).reshape(h, w)


def frc_curve(a, b, alpha):
    h, w = a.shape
    n = 2
    while n < max(h, w):
        n *= 2
    win = np.outer(tukey(h, alpha), tukey(w, alpha)) if alpha > 0 else np.ones((h, w))
    pa = np.zeros((n, n))
    pb = np.zeros((n, n))
    pa[:h, :w] = (a - a.mean()) * win
    pb[:h, :w] = (b - b.mean()) * win
    fa = np.fft.fft2(pa)
    fb = np.fft.fft2(pb)
    k = np.fft.fftfreq(n) * n
    ring = np.rint(np.hypot(k[:, None], k[None, :])).astype(np.int64).ravel()
    keep = ring <= n // 2
    ring = ring[keep]
    num = np.bincount(ring, (fa * np.conj(fb)).real.ravel()[keep], minlength=n // 2 + 1)
    a1 = np.bincount(ring, (np.abs(fa) ** 2).ravel()[keep], minlength=n // 2 + 1)
    a2 = np.bincount(ring, (np.abs(fb) ** 2).ravel()[keep], minlength=n // 2 + 1)
    count = np.bincount(ring, minlength=n // 2 + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = num / np.sqrt(a1 * a2)
    c[0] = 1.0
    c = np.clip(np.nan_to_num(c), -1, 1)
    return c, count, n


def main():
    cmd = sys.argv[1]
    if cmd == "curve":
        a_path, b_path, h, w, alpha = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
        c, count, n = frc_curve(load(a_path, h, w), load(b_path, h, w), alpha)
        print(json.dumps({"frc": c.tolist(), "count": count.tolist(), "n": n}))
    elif cmd == "lowpass":
        out, size, cutoff, noise, seed = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
        rng = np.random.default_rng(seed)
        s = rng.standard_normal((size, size))
        f = np.fft.fftfreq(size)
        mask = np.hypot(f[:, None], f[None, :]) <= cutoff
        s = np.fft.ifft2(np.fft.fft2(s) * mask).real
        s /= s.std()
        a = s + noise * rng.standard_normal((size, size))
        b = s + noise * rng.standard_normal((size, size))
        a.astype("<f4").tofile(os.path.join(out, "a.f32"))
        b.astype("<f4").tofile(os.path.join(out, "b.f32"))
    elif cmd == "bench":
        a_path, b_path, h, w, reps = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        a, b = load(a_path, h, w), load(b_path, h, w)
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            frc_curve(a, b, 0.25)
            best = min(best, time.perf_counter() - t0)
        print(json.dumps({"ms": best * 1000}))
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
