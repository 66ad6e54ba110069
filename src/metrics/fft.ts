// Two-dimensional discrete Fourier transform of square power-of-two arrays, built on the
// fft.js radix-4 1D transform (indutny/fft.js, MIT). Only what the FRC needs: forward complex
// transforms, no normalisation (numpy.fft.fft2 convention: X[k] = sum x[n] exp(-2 pi i k n / N)).
import { invalidArgument } from "../errors.js";
import { fftPlan as plan, nextPowerOfTwo } from "../image/fft-plan.js";

export { nextPowerOfTwo };

/**
 * In-place forward 2D DFT of an n x n complex array given as separate real and imaginary
 * planes in C order (row y, column x). `n` must be a power of two. Same sign and scaling as
 * numpy.fft.fft2.
 */
export function fft2Square(re: Float64Array, im: Float64Array, n: number): void {
  if (n < 2 || (n & (n - 1)) !== 0) throw invalidArgument(`FFT size must be a power of two >= 2, got ${n}`);
  if (re.length !== n * n || im.length !== n * n) throw invalidArgument(`FFT arrays must hold ${n}x${n} values`);
  const f = plan(n);
  const inBuf = new Float64Array(2 * n);
  const outBuf = new Float64Array(2 * n);
  // Rows.
  for (let y = 0; y < n; y++) {
    const off = y * n;
    for (let x = 0; x < n; x++) {
      inBuf[2 * x] = re[off + x];
      inBuf[2 * x + 1] = im[off + x];
    }
    f.transform(outBuf, inBuf);
    for (let x = 0; x < n; x++) {
      re[off + x] = outBuf[2 * x];
      im[off + x] = outBuf[2 * x + 1];
    }
  }
  // Columns, a block of columns at a time so that reads stay in cache lines.
  const B = 8;
  const block = new Float64Array(2 * n * B);
  for (let x0 = 0; x0 < n; x0 += B) {
    const nb = Math.min(B, n - x0);
    for (let y = 0; y < n; y++) {
      const off = y * n + x0;
      for (let j = 0; j < nb; j++) {
        block[j * 2 * n + 2 * y] = re[off + j];
        block[j * 2 * n + 2 * y + 1] = im[off + j];
      }
    }
    for (let j = 0; j < nb; j++) {
      const col = block.subarray(j * 2 * n, (j + 1) * 2 * n);
      inBuf.set(col);
      f.transform(outBuf, inBuf);
      col.set(outBuf);
    }
    for (let y = 0; y < n; y++) {
      const off = y * n + x0;
      for (let j = 0; j < nb; j++) {
        re[off + j] = block[j * 2 * n + 2 * y];
        im[off + j] = block[j * 2 * n + 2 * y + 1];
      }
    }
  }
}

/**
 * Spectra of two real n x n images from one complex transform (z = a + i b):
 * A[k] = (Z[k] + conj Z[-k]) / 2, B[k] = (Z[k] - conj Z[-k]) / 2i. Calls `visit(index, aRe,
 * aIm, bRe, bIm)` for every frequency (index = ky * n + kx, unshifted numpy order).
 */
export function forEachPairSpectrum(
  a: Float64Array,
  b: Float64Array,
  n: number,
  visit: (index: number, aRe: number, aIm: number, bRe: number, bIm: number) => void,
): void {
  const re = Float64Array.from(a);
  const im = Float64Array.from(b);
  fft2Square(re, im, n);
  for (let ky = 0; ky < n; ky++) {
    const my = (n - ky) & (n - 1);
    for (let kx = 0; kx < n; kx++) {
      const mx = (n - kx) & (n - 1);
      const i = ky * n + kx;
      const j = my * n + mx;
      const zr = re[i];
      const zi = im[i];
      const wr = re[j];
      const wi = -im[j]; // conj Z[-k]
      visit(i, 0.5 * (zr + wr), 0.5 * (zi + wi), 0.5 * (zi - wi), -0.5 * (zr - wr));
    }
  }
}
