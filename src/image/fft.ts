// The project's one 2D discrete Fourier transform (FFT convolution in image/, FRC in metrics/),
// built on fft.js's radix-4 1D transform (indutny/fft.js, MIT) with one cache of plans.
import FFT from "fft.js";
import { invalidArgument } from "../errors.js";

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

/** Columns transformed together, so that reads of the row-major array stay in cache lines. */
const COLUMN_BLOCK = 8;

/**
 * In-place 2D DFT of an n x n complex array, interleaved (re, im) in C order (row y, column x);
 * n a power of two. Forward: numpy.fft.fft2's sign and scaling (X[k] = Σ x[m] e^(-2πi km/n)).
 * `inverse`: the conjugate transform, unnormalised (the caller divides by n²).
 */
export function fft2d(data: Float64Array, n: number, inverse = false): void {
  if (n < 2 || (n & (n - 1)) !== 0) throw invalidArgument(`FFT size must be a power of two >= 2, got ${n}`);
  if (data.length !== 2 * n * n) throw invalidArgument(`FFT array must hold ${n}x${n} complex values`);
  const f = fftPlan(n);
  // The inverse is conj(F(conj(x))): conjugate on the way in and out.
  const sign = inverse ? -1 : 1;
  const inBuf = new Float64Array(2 * n);
  const outBuf = new Float64Array(2 * n);
  for (let y = 0; y < n; y++) {
    const off = 2 * y * n;
    for (let i = 0; i < 2 * n; i += 2) {
      inBuf[i] = data[off + i];
      inBuf[i + 1] = sign * data[off + i + 1];
    }
    f.transform(outBuf, inBuf);
    for (let i = 0; i < 2 * n; i += 2) {
      data[off + i] = outBuf[i];
      data[off + i + 1] = sign * outBuf[i + 1];
    }
  }
  // Columns, with the same conjugation in and out.
  const block = new Float64Array(2 * n * COLUMN_BLOCK);
  for (let x0 = 0; x0 < n; x0 += COLUMN_BLOCK) {
    const nb = Math.min(COLUMN_BLOCK, n - x0);
    for (let y = 0; y < n; y++) {
      const off = 2 * (y * n + x0);
      for (let j = 0; j < nb; j++) {
        block[j * 2 * n + 2 * y] = data[off + 2 * j];
        block[j * 2 * n + 2 * y + 1] = sign * data[off + 2 * j + 1];
      }
    }
    for (let j = 0; j < nb; j++) {
      const col = block.subarray(j * 2 * n, (j + 1) * 2 * n);
      inBuf.set(col);
      f.transform(outBuf, inBuf);
      col.set(outBuf);
    }
    for (let y = 0; y < n; y++) {
      const off = 2 * (y * n + x0);
      for (let j = 0; j < nb; j++) {
        data[off + 2 * j] = block[j * 2 * n + 2 * y];
        data[off + 2 * j + 1] = sign * block[j * 2 * n + 2 * y + 1];
      }
    }
  }
}
