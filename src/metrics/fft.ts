// The spectra of two real images from one complex 2D transform (image/fft.ts), as the FRC needs them.
import { fft2d } from "../image/fft.js";

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
  const z = new Float64Array(2 * n * n);
  for (let i = 0; i < n * n; i++) {
    z[2 * i] = a[i];
    z[2 * i + 1] = b[i];
  }
  fft2d(z, n);
  for (let ky = 0; ky < n; ky++) {
    const my = (n - ky) & (n - 1);
    for (let kx = 0; kx < n; kx++) {
      const mx = (n - kx) & (n - 1);
      const i = ky * n + kx;
      const j = my * n + mx;
      const zr = z[2 * i];
      const zi = z[2 * i + 1];
      const wr = z[2 * j];
      const wi = -z[2 * j + 1]; // conj Z[-k]
      visit(i, 0.5 * (zr + wr), 0.5 * (zi + wi), 0.5 * (zi - wi), -0.5 * (zr - wr));
    }
  }
}
