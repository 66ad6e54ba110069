// One cache of fft.js plans (indutny/fft.js, MIT, radix-4) shared by every 2D transform of the
// project (FFT convolution in image/, FRC in metrics/), and the power-of-two sizing they need.
import FFT from "fft.js";

const plans = new Map<number, FFT>();

/** The fft.js transform of size `n` (a power of two >= 2), created once per size. */
export function fftPlan(n: number): FFT {
  let p = plans.get(n);
  if (!p) {
    p = new FFT(n);
    plans.set(n, p);
  }
  return p;
}

/** Smallest power of two >= n (and >= 2, the smallest size fft.js accepts). */
export function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}
