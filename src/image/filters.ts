// Linear and rank filters on float32 planes, each matching its scipy.ndimage namesake:
// separable where the filter is, accumulating in float64 along a line and storing float32
// between axes (axis 0 first), as scipy does for float32 input.

import { PssrError } from "../errors.js";
import { type BoundaryMode, boundaryIndex, checkBoundaryMode, extendLine } from "./boundary.js";
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
 * x = -r..r, r = int(truncate·σ + 0.5), rows (Y) first. `sigmaPx` is one σ for both axes or
 * [σY, σX]; an axis with σ = 0 is left alone. Default edges "nearest" (pssr-lab's choice,
 * stated in the foundation issue; pass mode "reflect" for scipy's own default).
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
  if (sy > 1e-15) data = correlateRows(data, h, w, gaussianKernel(sy, truncate), mode, cval);
  if (sx > 1e-15) data = correlateColumns(data, h, w, gaussianKernel(sx, truncate), mode, cval);
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
  if (sy > 1) data = uniformRows(data, h, w, sy, mode, cval);
  if (sx > 1) data = uniformColumns(data, h, w, sx, mode, cval);
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
  if (sy > 1) {
    const t = transpose(data, h, w);
    data = transpose(maxColumns(t, w, h, sy, mode, cval), w, h);
  }
  if (sx > 1) data = maxColumns(data, h, w, sx, mode, cval);
  return { data: data === plane.data ? Float32Array.from(data) : data, height: h, width: w };
}

/**
 * 2D convolution with `kernel`, as `scipy.ndimage.convolve(plane, kernel, mode, cval)`: a true
 * convolution (kernel flipped) with the kernel's centre at (floor(kh/2), floor(kw/2)), output
 * the size of the input. Direct summation in float64: cost kh·kw per pixel, so about 1 s for a
 * 2048² plane with a 15×15 kernel and proportionally more for bigger kernels (a separable kernel
 * is far cheaper through `gaussianBlur`-style 1D passes). Default edges "constant" with cval 0.
 */
export function convolve2d(plane: Plane, kernel: Plane, opts: { mode?: BoundaryMode; cval?: number } = {}): Plane {
  checkPlane(plane, "convolve2d");
  checkPlane(kernel, "convolve2d kernel");
  const mode = checkBoundaryMode(opts.mode ?? "constant");
  const cval = opts.cval ?? 0;
  const { height: h, width: w } = plane;
  const kh = kernel.height;
  const kw = kernel.width;
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
  const out = new Float32Array(h * w);
  const acc = new Float64Array(w);
  const kd = kernel.data;
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let m = 0; m < kh; m++) {
      const rowBase = (y + cy - m + top) * pw + cx + left;
      for (let n = 0; n < kw; n++) {
        const k = kd[m * kw + n];
        if (k === 0) continue;
        const base = rowBase - n;
        for (let x = 0; x < w; x++) acc[x] += k * padded[base + x];
      }
    }
    for (let x = 0; x < w; x++) out[y * w + x] = acc[x];
  }
  return { data: out, height: h, width: w };
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

/** Correlation along Y (axis 0) with an odd-length kernel centred at its middle. */
function correlateRows(src: Float32Array, h: number, w: number, k: Float64Array, mode: BoundaryMode, cval: number): Float32Array {
  const r = (k.length - 1) >> 1;
  const out = new Float32Array(h * w);
  const acc = new Float64Array(w);
  const symmetric = isSymmetric(k);
  for (let y = 0; y < h; y++) {
    const c = k[r];
    const base = y * w;
    for (let x = 0; x < w; x++) acc[x] = c * src[base + x];
    if (symmetric) {
      for (let j = 1; j <= r; j++) {
        const a = boundaryIndex(y - j, h, mode);
        const b = boundaryIndex(y + j, h, mode);
        const kj = k[r + j];
        if (a >= 0 && b >= 0) {
          const ba = a * w;
          const bb = b * w;
          for (let x = 0; x < w; x++) acc[x] += kj * (src[ba + x] + src[bb + x]);
        } else {
          addRow(acc, src, a, w, kj, cval);
          addRow(acc, src, b, w, kj, cval);
        }
      }
    } else {
      for (let j = -r; j <= r; j++) {
        if (j === 0) continue;
        addRow(acc, src, boundaryIndex(y + j, h, mode), w, k[r + j], cval);
      }
    }
    for (let x = 0; x < w; x++) out[base + x] = acc[x];
  }
  return out;
}

function addRow(acc: Float64Array, src: Float32Array, row: number, w: number, k: number, cval: number): void {
  if (row < 0) {
    const v = k * cval;
    for (let x = 0; x < w; x++) acc[x] += v;
  } else {
    const b = row * w;
    for (let x = 0; x < w; x++) acc[x] += k * src[b + x];
  }
}

/** Correlation along X (axis 1) with an odd-length kernel centred at its middle. */
function correlateColumns(src: Float32Array, h: number, w: number, k: Float64Array, mode: BoundaryMode, cval: number): Float32Array {
  const r = (k.length - 1) >> 1;
  const out = new Float32Array(h * w);
  const line = new Float64Array(w + 2 * r);
  const symmetric = isSymmetric(k);
  for (let y = 0; y < h; y++) {
    extendLine(src, y * w, 1, w, r, r, mode, cval, line);
    const base = y * w;
    if (symmetric) {
      const c = k[r];
      for (let x = 0; x < w; x++) {
        const m = x + r;
        let s = c * line[m];
        for (let j = 1; j <= r; j++) s += k[r + j] * (line[m - j] + line[m + j]);
        out[base + x] = s;
      }
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
function uniformRows(src: Float32Array, h: number, w: number, size: number, mode: BoundaryMode, cval: number): Float32Array {
  const size1 = size >> 1;
  const size2 = size - size1 - 1;
  const out = new Float32Array(h * w);
  const acc = new Float64Array(w);
  for (let j = -size1; j <= size2; j++) addRow(acc, src, boundaryIndex(j, h, mode), w, 1, cval);
  for (let x = 0; x < w; x++) {
    acc[x] /= size;
    out[x] = acc[x];
  }
  for (let y = 1; y < h; y++) {
    const add = boundaryIndex(y + size2, h, mode);
    const sub = boundaryIndex(y - 1 - size1, h, mode);
    const ba = add * w;
    const bs = sub * w;
    const base = y * w;
    for (let x = 0; x < w; x++) {
      const va = add < 0 ? cval : src[ba + x];
      const vs = sub < 0 ? cval : src[bs + x];
      acc[x] += (va - vs) / size;
      out[base + x] = acc[x];
    }
  }
  return out;
}

/** scipy's running mean along X (NI_UniformFilter1D arithmetic). */
function uniformColumns(src: Float32Array, h: number, w: number, size: number, mode: BoundaryMode, cval: number): Float32Array {
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

/** Sliding maximum along X over [x - size1, x + size2] (van Herk/Gil-Werman). */
function maxColumns(src: Float32Array, h: number, w: number, size: number, mode: BoundaryMode, cval: number): Float32Array {
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

/** Blocked transpose of an h×w float32 array into a new w×h one. */
export function transpose(src: Float32Array, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  const B = 32;
  for (let y0 = 0; y0 < h; y0 += B) {
    const y1 = Math.min(y0 + B, h);
    for (let x0 = 0; x0 < w; x0 += B) {
      const x1 = Math.min(x0 + B, w);
      for (let y = y0; y < y1; y++) {
        const row = y * w;
        for (let x = x0; x < x1; x++) out[x * h + y] = src[row + x];
      }
    }
  }
  return out;
}
