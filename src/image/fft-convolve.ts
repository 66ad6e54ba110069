// Linear 2D convolution by FFT, overlap-save over tiles so memory stays bounded whatever the
// image size. Two real tiles ride in one complex transform (real and imaginary parts; the
// kernel is real, so their convolutions come back in the real and imaginary parts).
import { fft2d, nextPowerOfTwo as pow2 } from "./fft.js";

/** FFT tile size for a kernel: a power of two several times the kernel, at least 64. */
export function fftTileSize(kh: number, kw: number): number {
  return Math.max(64, pow2(4 * Math.max(kh, kw)));
}

/**
 * out[y, x] = Σ k[m, n] · padded[y + kh-1 - m, x + kw-1 - n] for y < h, x < w, where `padded`
 * is (h + kh - 1) × (w + kw - 1): the 'valid' part of the full convolution, by overlap-save.
 */
export function fftConvolveValid(padded: Float64Array, h: number, w: number, kernel: ArrayLike<number>, kh: number, kw: number): Float32Array {
  const pw = w + kw - 1;
  const ph = h + kh - 1;
  const t = fftTileSize(kh, kw);
  const by = t - kh + 1; // output rows per tile
  const bx = t - kw + 1;
  const kf = new Float64Array(2 * t * t);
  for (let m = 0; m < kh; m++) for (let n = 0; n < kw; n++) kf[2 * (m * t + n)] = kernel[m * kw + n];
  fft2d(kf, t);
  const out = new Float32Array(h * w);
  const tile = new Float64Array(2 * t * t);
  const scale = 1 / (t * t);
  const origins: [number, number][] = [];
  for (let oy = 0; oy < h; oy += by) for (let ox = 0; ox < w; ox += bx) origins.push([oy, ox]);
  for (let k = 0; k < origins.length; k += 2) {
    tile.fill(0);
    for (let part = 0; part < 2 && k + part < origins.length; part++) {
      const [oy, ox] = origins[k + part];
      const rows = Math.min(t, ph - oy);
      const cols = Math.min(t, pw - ox);
      for (let y = 0; y < rows; y++) {
        const src = (oy + y) * pw + ox;
        const dst = 2 * y * t + part;
        for (let x = 0; x < cols; x++) tile[dst + 2 * x] = padded[src + x];
      }
    }
    fft2d(tile, t);
    for (let i = 0; i < tile.length; i += 2) {
      const re = tile[i];
      const im = tile[i + 1];
      const kr = kf[i];
      const ki = kf[i + 1];
      tile[i] = re * kr - im * ki;
      tile[i + 1] = re * ki + im * kr;
    }
    fft2d(tile, t, true);
    for (let part = 0; part < 2 && k + part < origins.length; part++) {
      const [oy, ox] = origins[k + part];
      const rows = Math.min(by, h - oy);
      const cols = Math.min(bx, w - ox);
      for (let y = 0; y < rows; y++) {
        const src = 2 * ((y + kh - 1) * t + kw - 1) + part;
        const dst = (oy + y) * w + ox;
        for (let x = 0; x < cols; x++) out[dst + x] = tile[src + 2 * x] * scale;
      }
    }
  }
  return out;
}
