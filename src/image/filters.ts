// Linear and rank filters on float32 planes, each matching its scipy.ndimage namesake:
// separable where the filter is, accumulating in float64 along a line and storing float32
// between axes (axis 0 first), as scipy does for float32 input.

import { PssrError } from "../errors.js";
import { type BoundaryMode, boundaryIndex, checkBoundaryMode, extendLine } from "./boundary.js";
import { fftConvolveValid, fftTileSize } from "./fft-convolve.js";
import type { Plane } from "./image.js";

export type { BoundaryMode } from "./boundary.js";
export { BOUNDARY_MODES, boundaryIndex } from "./boundary.js";

export interface GaussianOptions {
  /** Kernel half-width in standard deviations: radius = int(truncate·sigma + 0.5) (default 4, scipy's). */
  truncate?: number;
  /** Edge handling (default "nearest", scipy.ndimage.gaussian_filter's default is "reflect"). */
  mode?: BoundaryMode;
  /** Value beyond the edge for mode "constant" (default 0). */
  cval?: number;
}

/**
 * Gaussian blur, exactly as `scipy.ndimage.gaussian_filter(plane, sigma, truncate=4, mode=...)`:
 * a separable correlation with the sampled, sum-normalised kernel exp(-x²/2σ²) on
 * x = -r..r, r = int(truncate·σ + 0.5), along Y (axis 0) first, then X. `sigmaPx` is one σ for both axes or
 * [σY, σX]; an axis with σ = 0 is left alone. Default edges "nearest" (pssr-lab's choice,
 * no invented dark border at the edges; pass mode "reflect" for scipy's own default).
 */
export function gaussianBlur(plane: Plane, sigmaPx: number | readonly [number, number], opts: GaussianOptions = {}): Plane {
  checkPlane(plane, "gaussianBlur");
  const [sy, sx] = typeof sigmaPx === "number" ? [sigmaPx, sigmaPx] : sigmaPx;
  const truncate = opts.truncate ?? 4;
  const mode = checkBoundaryMode(opts.mode ?? "nearest");
  const cval = opts.cval ?? 0;
  for (const s of [sy, sx]) {
    if (!(s >= 0) || !Number.isFinite(s)) throw new PssrError("invalid-argument", `Gaussian sigma must be a finite number >= 0 px, got ${s}`);
  }
  if (!(truncate > 0)) throw new PssrError("invalid-argument", `truncate must be > 0, got ${truncate}`);
  let data = plane.data;
  const { height: h, width: w } = plane;
  // scipy skips axes whose sigma is ~0.
  if (sy > 1e-15) data = correlateAlongY(data, h, w, gaussianKernel(sy, truncate), mode, cval);
  if (sx > 1e-15) data = correlateAlongX(data, h, w, gaussianKernel(sx, truncate), mode, cval);
  return { data: data === plane.data ? Float32Array.from(data) : data, height: h, width: w };
}

/**
 * The 1D Gaussian weights scipy uses: exp(-0.5·x²/σ²) for x = -r..r, r = int(truncate·σ + 0.5),
 * divided by their sum.
 */
export function gaussianKernel(sigmaPx: number, truncate = 4): Float64Array {
  const r = Math.trunc(truncate * sigmaPx + 0.5);
  const k = new Float64Array(2 * r + 1);
  const c = -0.5 / (sigmaPx * sigmaPx);
  let sum = 0;
  for (let x = -r; x <= r; x++) {
    const v = Math.exp(c * x * x);
    k[x + r] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * Mean over a sizePx × sizePx box, as `scipy.ndimage.uniform_filter(plane, size, mode)`:
 * running sums along each axis (O(1) per pixel whatever the size). For an even size the box
 * covers [i - size/2, i + size/2 - 1] (scipy's origin 0). Default edges "reflect" (scipy's).
 */
export function uniformFilter(
  plane: Plane,
  sizePx: number | readonly [number, number],
  opts: { mode?: BoundaryMode; cval?: number } = {},
): Plane {
  checkPlane(plane, "uniformFilter");
  const [sy, sx] = sizes(sizePx, "uniformFilter");
  const mode = checkBoundaryMode(opts.mode ?? "reflect");
  const cval = opts.cval ?? 0;
  const { height: h, width: w } = plane;
  let data = plane.data;
  if (sy > 1) data = uniformAlongY(data, h, w, sy, mode, cval);
  if (sx > 1) data = uniformAlongX(data, h, w, sx, mode, cval);
  return { data: data === plane.data ? Float32Array.from(data) : data, height: h, width: w };
}

/**
 * Maximum over a box, as `scipy.ndimage.maximum_filter(plane, size, mode, cval)` (separable,
 * van Herk/Gil-Werman: about three comparisons per pixel per axis whatever the size). For an
 * even size the box covers [i - size/2, i + size/2 - 1]. Default edges "constant" with cval 0
 * (scipy's cval; note that with a non-positive image a cval of -Infinity is what "ignore the
 * outside" means).
 */
export function maximumFilter(
  plane: Plane,
  sizePx: number | readonly [number, number],
  opts: { mode?: BoundaryMode; cval?: number } = {},
): Plane {
  checkPlane(plane, "maximumFilter");
  const [sy, sx] = sizes(sizePx, "maximumFilter");
  const mode = checkBoundaryMode(opts.mode ?? "constant");
  const cval = opts.cval ?? 0;
  const { height: h, width: w } = plane;
  let data: Float32Array = plane.data;
  if (sy > 1) data = maxAlongY(data, h, w, sy, mode, cval);
  if (sx > 1) data = maxAlongX(data, h, w, sx, mode, cval);
  return { data: data === plane.data ? Float32Array.from(data) : data, height: h, width: w };
}

/**
 * 2D convolution with `kernel`, as `scipy.ndimage.convolve(plane, kernel, mode, cval)`: a true
 * convolution (kernel flipped) with the kernel's centre at (floor(kh/2), floor(kw/2)), output
 * the size of the input. Default edges "constant" with cval 0.
 *
 * Cost: an odd-sized kernel that is an outer product (a Gaussian PSF, a box) is applied as two
 * 1D passes, kh + kw per pixel. Other kernels are summed directly in float64 (kh·kw per pixel)
 * or, when a cost estimate says it is cheaper (from about 9×9 on large planes), by overlap-save
 * FFT in float64 tiles (an order of magnitude faster than the direct sum for a 31×31 kernel;
 * bench/image_ops has the figures). All paths agree with scipy to ~1e-7. One NaN in the input spoils a whole FFT tile
 * (scipy's direct sum keeps it local).
 */
export function convolve2d(plane: Plane, kernel: Plane, opts: { mode?: BoundaryMode; cval?: number } = {}): Plane {
  checkPlane(plane, "convolve2d");
  checkPlane(kernel, "convolve2d kernel");
  const mode = checkBoundaryMode(opts.mode ?? "constant");
  const cval = opts.cval ?? 0;
  const { height: h, width: w } = plane;
  const kh = kernel.height;
  const kw = kernel.width;
  const sep = kh % 2 === 1 && kw % 2 === 1 && (mode !== "constant" || cval === 0) ? separate(kernel) : null;
  if (sep) {
    // Convolution = correlation with the reversed 1D kernels (odd lengths: same centre).
    const data = correlateAlongX(correlateAlongY(plane.data, h, w, sep.ky.reverse(), mode, cval), h, w, sep.kx.reverse(), mode, cval);
    return { data, height: h, width: w };
  }
  const cy = kh >> 1;
  const cx = kw >> 1;
  // out[y, x] = Σ k[m, n] · in[y + cy - m, x + cx - n]; pad so every read is in the padded plane.
  const top = kh - 1 - cy;
  const left = kw - 1 - cx;
  const pw = w + kw - 1;
  const ph = h + kh - 1;
  const padded = new Float64Array(pw * ph);
  const line = new Float64Array(pw);
  for (let py = 0; py < ph; py++) {
    const y = boundaryIndex(py - top, h, mode);
    if (y < 0) padded.fill(cval, py * pw, (py + 1) * pw);
    else {
      extendLine(plane.data, y * w, 1, w, left, kw - 1 - left, mode, cval, line);
      padded.set(line, py * pw);
    }
  }
  if (useFft(h, w, kh, kw)) {
    // Convolution of padded with k: the FFT path computes exactly this 'valid' sum.
    return { data: fftConvolveValid(padded, h, w, kernel.data, kh, kw), height: h, width: w };
  }
  const out = new Float32Array(h * w);
  const acc = new Float64Array(w);
  const kd = kernel.data;
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let m = 0; m < kh; m++) {
      const rowBase = (y + cy - m + top) * pw + cx + left;
      let n = 0;
      // Four kernel columns per sweep over the row.
      for (; n + 3 < kw; n += 4) {
        const k0 = kd[m * kw + n];
        const k1 = kd[m * kw + n + 1];
        const k2 = kd[m * kw + n + 2];
        const k3 = kd[m * kw + n + 3];
        const b = rowBase - n;
        for (let x = 0; x < w; x++) acc[x] += k0 * padded[b + x] + k1 * padded[b + x - 1] + k2 * padded[b + x - 2] + k3 * padded[b + x - 3];
      }
      for (; n < kw; n++) {
        const k = kd[m * kw + n];
        if (k === 0) continue;
        const b = rowBase - n;
        for (let x = 0; x < w; x++) acc[x] += k * padded[b + x];
      }
    }
    for (let x = 0; x < w; x++) out[y * w + x] = acc[x];
  }
  return { data: out, height: h, width: w };
}

/** Overridable for tests and benchmarks: "auto" picks by the cost estimate below. */
export const convolveStrategy: { path: "auto" | "direct" | "fft" } = { path: "auto" };

/**
 * Direct summation costs ~h·w·kh·kw multiply-adds; overlap-save FFT ~ (tiles/2)·4t²·log2(t)
 * butterflies for t×t tiles. The weights were measured on this code (node 20, one core).
 */
function useFft(h: number, w: number, kh: number, kw: number): boolean {
  if (convolveStrategy.path !== "auto") return convolveStrategy.path === "fft";
  if (kh * kw < 64) return false;
  const t = fftTileSize(kh, kw);
  const tiles = Math.ceil(h / (t - kh + 1)) * Math.ceil(w / (t - kw + 1));
  const fftCost = Math.ceil(tiles / 2) * 4 * t * t * Math.log2(t) * FFT_WEIGHT;
  return fftCost < h * w * kh * kw;
}
const FFT_WEIGHT = 3;

/** k = ky ⊗ kx when the kernel is an outer product (to 1e-7 of its largest entry), else null. */
function separate(kernel: Plane): { ky: Float64Array; kx: Float64Array } | null {
  const { height: kh, width: kw, data } = kernel;
  if (kh === 1 || kw === 1) return null;
  let m0 = 0;
  let n0 = 0;
  let big = 0;
  for (let m = 0; m < kh; m++) {
    for (let n = 0; n < kw; n++) {
      const v = Math.abs(data[m * kw + n]);
      if (v > big) {
        big = v;
        m0 = m;
        n0 = n;
      }
    }
  }
  if (!(big > 0) || !Number.isFinite(big)) return null;
  const ky = new Float64Array(kh);
  const kx = new Float64Array(kw);
  const pivot = data[m0 * kw + n0];
  for (let m = 0; m < kh; m++) ky[m] = data[m * kw + n0];
  for (let n = 0; n < kw; n++) kx[n] = data[m0 * kw + n] / pivot;
  const tol = 1e-7 * big;
  for (let m = 0; m < kh; m++) {
    for (let n = 0; n < kw; n++) if (Math.abs(data[m * kw + n] - ky[m] * kx[n]) > tol) return null;
  }
  return { ky, kx };
}

// ---------------------------------------------------------------------------------------------

function checkPlane(p: Plane, what: string): void {
  if (!p || !(p.data instanceof Float32Array)) throw new PssrError("invalid-argument", `${what}: expected a plane with Float32Array data`);
  if (!Number.isInteger(p.height) || !Number.isInteger(p.width) || p.height <= 0 || p.width <= 0) {
    throw new PssrError("empty-image", `${what}: plane is empty or has an invalid size ${p.height}x${p.width}`);
  }
  if (p.data.length !== p.height * p.width) {
    throw new PssrError("shape-mismatch", `${what}: plane ${p.height}x${p.width} needs ${p.height * p.width} values but has ${p.data.length}`);
  }
}

function sizes(sizePx: number | readonly [number, number], what: string): [number, number] {
  const s: [number, number] = typeof sizePx === "number" ? [sizePx, sizePx] : [sizePx[0], sizePx[1]];
  for (const v of s) {
    if (!Number.isInteger(v) || v < 1) throw new PssrError("invalid-argument", `${what}: size must be an integer >= 1 px, got ${v}`);
  }
  return s;
}

/** Columns per strip in the Y passes: keeps the 2r+1 rows a strip reads in cache. */
const STRIP = 2048;

/** Correlation along Y (axis 0) with an odd-length kernel centred at its middle. */
function correlateAlongY(src: Float32Array, h: number, w: number, k: Float64Array, mode: BoundaryMode, cval: number): Float32Array {
  const r = (k.length - 1) >> 1;
  const out = new Float32Array(h * w);
  const acc = new Float64Array(Math.min(w, STRIP));
  const symmetric = isSymmetric(k);
  const below = new Int32Array(r + 1);
  const above = new Int32Array(r + 1);
  for (let x0 = 0; x0 < w; x0 += STRIP) {
    const n = Math.min(STRIP, w - x0);
    for (let y = 0; y < h; y++) {
      const c = k[r];
      const base = y * w + x0;
      for (let x = 0; x < n; x++) acc[x] = c * src[base + x];
      if (symmetric) {
        for (let j = 1; j <= r; j++) {
          below[j] = boundaryIndex(y - j, h, mode);
          above[j] = boundaryIndex(y + j, h, mode);
        }
        let j = 1;
        // Several taps per sweep over the strip cut the accumulator traffic.
        for (; j + 3 <= r; j += 4) {
          if (below[j + 3] < 0 || above[j + 3] < 0) break;
          const k1 = k[r + j];
          const k2 = k[r + j + 1];
          const k3 = k[r + j + 2];
          const k4 = k[r + j + 3];
          const p1 = below[j] * w + x0;
          const q1 = above[j] * w + x0;
          const p2 = below[j + 1] * w + x0;
          const q2 = above[j + 1] * w + x0;
          const p3 = below[j + 2] * w + x0;
          const q3 = above[j + 2] * w + x0;
          const p4 = below[j + 3] * w + x0;
          const q4 = above[j + 3] * w + x0;
          for (let x = 0; x < n; x++) {
            acc[x] += k1 * (src[p1 + x] + src[q1 + x]) + k2 * (src[p2 + x] + src[q2 + x]) + k3 * (src[p3 + x] + src[q3 + x]) + k4 * (src[p4 + x] + src[q4 + x]);
          }
        }
        for (; j + 1 <= r; j += 2) {
          const a1 = below[j];
          const b1 = above[j];
          const a2 = below[j + 1];
          const b2 = above[j + 1];
          if (a1 < 0 || b1 < 0 || a2 < 0 || b2 < 0) break;
          const k1 = k[r + j];
          const k2 = k[r + j + 1];
          const p1 = a1 * w + x0;
          const q1 = b1 * w + x0;
          const p2 = a2 * w + x0;
          const q2 = b2 * w + x0;
          for (let x = 0; x < n; x++) acc[x] += k1 * (src[p1 + x] + src[q1 + x]) + k2 * (src[p2 + x] + src[q2 + x]);
        }
        for (; j <= r; j++) {
          const a = below[j];
          const b = above[j];
          const kj = k[r + j];
          if (a >= 0 && b >= 0) {
            const ba = a * w + x0;
            const bb = b * w + x0;
            for (let x = 0; x < n; x++) acc[x] += kj * (src[ba + x] + src[bb + x]);
          } else {
            addRow(acc, n, src, a < 0 ? -1 : a * w + x0, kj, cval);
            addRow(acc, n, src, b < 0 ? -1 : b * w + x0, kj, cval);
          }
        }
      } else {
        for (let j = -r; j <= r; j++) {
          if (j === 0) continue;
          const a = boundaryIndex(y + j, h, mode);
          addRow(acc, n, src, a < 0 ? -1 : a * w + x0, k[r + j], cval);
        }
      }
      for (let x = 0; x < n; x++) out[base + x] = acc[x];
    }
  }
  return out;
}

/** acc[0..n) += k · src[start ..] (start -1: the constant cval). */
function addRow(acc: Float64Array, n: number, src: Float32Array, start: number, k: number, cval: number): void {
  if (start < 0) {
    const v = k * cval;
    for (let x = 0; x < n; x++) acc[x] += v;
  } else {
    for (let x = 0; x < n; x++) acc[x] += k * src[start + x];
  }
}

/** Correlation along X (axis 1) with an odd-length kernel centred at its middle. */
function correlateAlongX(src: Float32Array, h: number, w: number, k: Float64Array, mode: BoundaryMode, cval: number): Float32Array {
  const r = (k.length - 1) >> 1;
  const out = new Float32Array(h * w);
  const line = new Float64Array(w + 2 * r);
  const acc = new Float64Array(w);
  const symmetric = isSymmetric(k);
  for (let y = 0; y < h; y++) {
    extendLine(src, y * w, 1, w, r, r, mode, cval, line);
    const base = y * w;
    if (symmetric) {
      // Tap-major sweeps over the whole line (4 taps per sweep), as in the Y pass.
      const c = k[r];
      for (let x = 0; x < w; x++) acc[x] = c * line[x + r];
      let j = 1;
      for (; j + 3 <= r; j += 4) {
        const k1 = k[r + j];
        const k2 = k[r + j + 1];
        const k3 = k[r + j + 2];
        const k4 = k[r + j + 3];
        const m = r;
        for (let x = 0; x < w; x++) {
          const i = x + m;
          acc[x] +=
            k1 * (line[i - j] + line[i + j]) +
            k2 * (line[i - j - 1] + line[i + j + 1]) +
            k3 * (line[i - j - 2] + line[i + j + 2]) +
            k4 * (line[i - j - 3] + line[i + j + 3]);
        }
      }
      for (; j <= r; j++) {
        const kj = k[r + j];
        for (let x = 0; x < w; x++) acc[x] += kj * (line[x + r - j] + line[x + r + j]);
      }
      for (let x = 0; x < w; x++) out[base + x] = acc[x];
    } else {
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let j = 0; j < k.length; j++) s += k[j] * line[x + j];
        out[base + x] = s;
      }
    }
  }
  return out;
}

function isSymmetric(k: Float64Array): boolean {
  for (let i = 0, j = k.length - 1; i < j; i++, j--) if (k[i] !== k[j]) return false;
  return true;
}

/** scipy's running mean along Y: window [y - size1, y + size2], size1 = floor(size/2). */
function uniformAlongY(src: Float32Array, h: number, w: number, size: number, mode: BoundaryMode, cval: number): Float32Array {
  const size1 = size >> 1;
  const size2 = size - size1 - 1;
  const out = new Float32Array(h * w);
  const acc = new Float64Array(Math.min(w, STRIP));
  for (let x0 = 0; x0 < w; x0 += STRIP) {
    const n = Math.min(STRIP, w - x0);
    acc.fill(0);
    for (let j = -size1; j <= size2; j++) {
      const a = boundaryIndex(j, h, mode);
      addRow(acc, n, src, a < 0 ? -1 : a * w + x0, 1, cval);
    }
    for (let x = 0; x < n; x++) {
      acc[x] /= size;
      out[x0 + x] = acc[x];
    }
    for (let y = 1; y < h; y++) {
      const add = boundaryIndex(y + size2, h, mode);
      const sub = boundaryIndex(y - 1 - size1, h, mode);
      const base = y * w + x0;
      if (add >= 0 && sub >= 0) {
        const ba = add * w + x0;
        const bs = sub * w + x0;
        for (let x = 0; x < n; x++) {
          acc[x] += (src[ba + x] - src[bs + x]) / size;
          out[base + x] = acc[x];
        }
      } else {
        for (let x = 0; x < n; x++) {
          const va = add < 0 ? cval : src[add * w + x0 + x];
          const vs = sub < 0 ? cval : src[sub * w + x0 + x];
          acc[x] += (va - vs) / size;
          out[base + x] = acc[x];
        }
      }
    }
  }
  return out;
}

/** scipy's running mean along X (NI_UniformFilter1D arithmetic). */
function uniformAlongX(src: Float32Array, h: number, w: number, size: number, mode: BoundaryMode, cval: number): Float32Array {
  const size1 = size >> 1;
  const size2 = size - size1 - 1;
  const out = new Float32Array(h * w);
  const line = new Float64Array(w + size - 1);
  for (let y = 0; y < h; y++) {
    extendLine(src, y * w, 1, w, size1, size2, mode, cval, line);
    let s = 0;
    for (let j = 0; j < size; j++) s += line[j];
    s /= size;
    const base = y * w;
    out[base] = s;
    for (let x = 1; x < w; x++) {
      s += (line[x + size - 1] - line[x - 1]) / size;
      out[base + x] = s;
    }
  }
  return out;
}

/**
 * Sliding maximum along Y over [y - size1, y + size2]: van Herk/Gil-Werman over whole rows
 * (prefix and suffix maxima of each block of `size` extended rows), so every step is a
 * row-long vector operation.
 */
function maxAlongY(src: Float32Array, h: number, w: number, size: number, mode: BoundaryMode, cval: number): Float32Array {
  const size1 = size >> 1;
  const n = h + size - 1; // extended rows
  const g = new Float32Array(n * w);
  const hh = new Float32Array(n * w);
  const cvalRow = new Float32Array(w).fill(cval);
  const row = (e: number): [Float32Array, number] => {
    const j = boundaryIndex(e - size1, h, mode);
    return j < 0 ? [cvalRow, 0] : [src, j * w];
  };
  for (let start = 0; start < n; start += size) {
    const end = Math.min(start + size, n);
    for (let e = start; e < end; e++) {
      const [a, off] = row(e);
      const o = e * w;
      if (e === start) for (let x = 0; x < w; x++) g[o + x] = a[off + x];
      else {
        const p = o - w;
        for (let x = 0; x < w; x++) {
          const v = a[off + x];
          const m = g[p + x];
          g[o + x] = v > m ? v : m;
        }
      }
    }
    for (let e = end - 1; e >= start; e--) {
      const [a, off] = row(e);
      const o = e * w;
      if (e === end - 1) for (let x = 0; x < w; x++) hh[o + x] = a[off + x];
      else {
        const p = o + w;
        for (let x = 0; x < w; x++) {
          const v = a[off + x];
          const m = hh[p + x];
          hh[o + x] = v > m ? v : m;
        }
      }
    }
  }
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const a = y * w;
    const b = (y + size - 1) * w;
    const o = y * w;
    for (let x = 0; x < w; x++) {
      const u = hh[a + x];
      const v = g[b + x];
      out[o + x] = u > v ? u : v;
    }
  }
  return out;
}

/** Sliding maximum along X over [x - size1, x + size2] (van Herk/Gil-Werman). */
function maxAlongX(src: Float32Array, h: number, w: number, size: number, mode: BoundaryMode, cval: number): Float32Array {
  const size1 = size >> 1;
  const size2 = size - size1 - 1;
  const n = w + size - 1;
  const line = new Float64Array(n);
  const g = new Float64Array(n);
  const hh = new Float64Array(n);
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    extendLine(src, y * w, 1, w, size1, size2, mode, cval, line);
    for (let start = 0; start < n; start += size) {
      const end = Math.min(start + size, n);
      let m = -Infinity;
      for (let i = start; i < end; i++) {
        const v = line[i];
        if (v > m || v !== v) m = v;
        g[i] = m;
      }
      m = -Infinity;
      for (let i = end - 1; i >= start; i--) {
        const v = line[i];
        if (v > m || v !== v) m = v;
        hh[i] = m;
      }
    }
    const base = y * w;
    for (let x = 0; x < w; x++) {
      const a = hh[x];
      const b = g[x + size - 1];
      out[base + x] = a > b ? a : b;
    }
  }
  return out;
}
