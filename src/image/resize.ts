// Resampling with explicit conventions. Every method here is a separable set of taps
// (output index -> input indices and weights) applied along Y then X in float64, so each one
// reproduces a named reference: scipy.ndimage.zoom, skimage.transform.rescale (0.19) or
// torch.nn.functional.interpolate (1.13).

import { PssrError } from "../errors.js";
import { type BoundaryMode, boundaryIndex, checkBoundaryMode } from "./boundary.js";
import { gaussianBlur } from "./filters.js";
import type { Plane } from "./image.js";
import { cubicBSplineWeights, splineCoefficients } from "./spline.js";

export type ResizeMethod = "nearest" | "bilinear" | "bicubic" | "area";

export interface ResizeOptions {
  method: ResizeMethod;
  /**
   * Pixel-grid convention. false (default): pixels are areas, centres at i + 0.5, as PyTorch
   * `align_corners=False`. true: the corner pixels' centres map onto each other, as PyTorch
   * `align_corners=True` and scipy.ndimage.zoom (grid_mode=False). Ignored by "area".
   */
  alignCorners?: boolean;
}

/**
 * Resizes a plane to outHeight × outWidth.
 * - "nearest": alignCorners false = torch `interpolate(mode="nearest")` (source floor(i·in/out));
 *   true = `scipy.ndimage.zoom(order=0)` (source round-half-up of i·(in-1)/(out-1)).
 * - "bilinear": false = torch `mode="bilinear", align_corners=False` (half-pixel centres, source
 *   clamped at 0, edge repeated); true = `scipy.ndimage.zoom(order=1)` (grid_mode=False, mode
 *   "constant"): the sampling of torch align_corners=True (which rounds the scale to float32),
 *   except that where double rounding puts the last sample a hair beyond the edge
 *   ((out-1)·((in-1)/(out-1)) > in-1, e.g. 256 -> 768) scipy returns 0 for that last row or
 *   column; we follow scipy.
 * - "bicubic": torch `mode="bicubic"` (Keys kernel a = -0.75, edge pixels repeated), with either
 *   align_corners.
 * - "area": torch `mode="area"` (= adaptive_avg_pool2d: output i averages input
 *   [floor(i·in/out), ceil((i+1)·in/out))), which for an integer factor is the block mean, i.e.
 *   pixel binning as a coarser point scan would record.
 */
export function resize(plane: Plane, outHeight: number, outWidth: number, opts: ResizeOptions): Plane {
  checkPlane(plane, "resize");
  checkSize(outHeight, outWidth);
  const align = opts.alignCorners ?? false;
  const { height: h, width: w } = plane;
  let ty: Taps;
  let tx: Taps;
  switch (opts.method) {
    case "nearest":
      ty = align ? scipyZoomTaps(h, outHeight, 0) : torchNearestTaps(h, outHeight);
      tx = align ? scipyZoomTaps(w, outWidth, 0) : torchNearestTaps(w, outWidth);
      break;
    case "bilinear":
      ty = align ? scipyZoomTaps(h, outHeight, 1) : torchLinearTaps(h, outHeight, false);
      tx = align ? scipyZoomTaps(w, outWidth, 1) : torchLinearTaps(w, outWidth, false);
      break;
    case "bicubic":
      ty = torchCubicTaps(h, outHeight, align);
      tx = torchCubicTaps(w, outWidth, align);
      break;
    case "area":
      ty = areaTaps(h, outHeight);
      tx = areaTaps(w, outWidth);
      break;
    default:
      throw new PssrError("unknown-name", `unknown resize method "${String((opts as { method: unknown }).method)}"; valid: nearest, bilinear, bicubic, area`);
  }
  return { data: applyTaps(plane.data, h, w, ty, tx, 0), height: outHeight, width: outWidth };
}

/**
 * `scipy.ndimage.zoom(plane, factor, order)` with scipy 1.10's defaults: mode "constant"
 * (cval 0), grid_mode=False (output i samples input i·(in-1)/(out-1)), spline prefilter for
 * order 3. Output size round(in·factor) (Python's round: halves to even). Default order 3.
 */
export function zoom(plane: Plane, factor: number, opts: { order?: 0 | 1 | 3 } = {}): Plane {
  checkPlane(plane, "zoom");
  checkFactor(factor, "zoom");
  const order = opts.order ?? 3;
  checkOrder(order);
  const { height: h, width: w } = plane;
  const oh = roundHalfEven(h * factor);
  const ow = roundHalfEven(w * factor);
  checkSize(oh, ow);
  const src = order === 3 ? splineCoefficients(plane.data, h, w, "mirror") : plane.data;
  return { data: applyTaps(src, h, w, scipyZoomTaps(h, oh, order), scipyZoomTaps(w, ow, order), 0), height: oh, width: ow };
}

export interface RescaleOptions {
  /** Spline order: 0 nearest, 1 linear (default), 3 cubic. */
  order?: 0 | 1 | 3;
  /** Gaussian pre-filter when downscaling (default: true when any axis shrinks). */
  antiAliasing?: boolean;
  /**
   * Edge handling in scipy.ndimage names (default "mirror", which is skimage's default mode
   * "reflect" in numpy.pad names; skimage "symmetric" = "reflect", "edge" = "nearest").
   */
  mode?: BoundaryMode;
  /** Value beyond the edge for mode "constant" (default 0). */
  cval?: number;
  /** Clip the result to the input's value range (default true, as skimage). */
  clip?: boolean;
}

/**
 * `skimage.transform.rescale(plane, factor, order, mode, anti_aliasing)` as in scikit-image
 * 0.19.3 with float input (preserve_range is then irrelevant):
 * - output size max(1, round(in·factor)) (numpy round: halves to even);
 * - when downscaling, a Gaussian pre-filter with σ = max(0, (in/out - 1)/2) per axis, applied
 *   with the same edge mode (scipy.ndimage.gaussian_filter, truncate 4);
 * - pixel-area geometry (scipy.ndimage.zoom grid_mode=True): output i samples input
 *   (i + 0.5)·in/out - 0.5; skimage's "constant"/"wrap" become scipy's "grid-constant"/"grid-wrap";
 * - the result clipped to the input's [min, max].
 */
export function rescale(plane: Plane, factor: number, opts: RescaleOptions = {}): Plane {
  checkPlane(plane, "rescale");
  checkFactor(factor, "rescale");
  const order = opts.order ?? 1;
  checkOrder(order);
  const mode = checkBoundaryMode(opts.mode ?? "mirror");
  const cval = opts.cval ?? 0;
  const clip = opts.clip ?? true;
  const { height: h, width: w } = plane;
  const oh = Math.max(1, roundHalfEven(factor * h));
  const ow = Math.max(1, roundHalfEven(factor * w));
  const antiAliasing = opts.antiAliasing ?? (oh < h || ow < w);
  let min = Infinity;
  let max = -Infinity;
  if (clip) {
    for (let i = 0; i < plane.data.length; i++) {
      const v = plane.data[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  let src: Float32Array = plane.data;
  if (antiAliasing) {
    const sy = Math.max(0, (h / oh - 1) / 2);
    const sx = Math.max(0, (w / ow - 1) / 2);
    src = gaussianBlur(plane, [sy, sx], { mode, cval }).data;
  }
  let coeffs: ArrayLike<number> = src;
  let ch = h;
  let cw = w;
  let pad = 0;
  if (order === 3) {
    // scipy pads by 12 samples for the modes its spline prefilter has no exact boundary for.
    if (mode === "nearest" || mode === "constant") {
      pad = 12;
      ch = h + 2 * pad;
      cw = w + 2 * pad;
      coeffs = padPlane(src, h, w, pad, mode, cval);
    }
    coeffs = splineCoefficients(coeffs, ch, cw, mode === "reflect" || mode === "nearest" ? "reflect" : mode === "wrap" ? "wrap" : "mirror");
  }
  const ty = gridTaps(h, oh, order, mode, pad);
  const tx = gridTaps(w, ow, order, mode, pad);
  const out = applyTaps(coeffs, ch, cw, ty, tx, cval);
  if (clip) {
    if (mode === "constant" && !(min <= cval && cval <= max)) {
      let omin = Infinity;
      let omax = -Infinity;
      for (let i = 0; i < out.length; i++) {
        if (out[i] < omin) omin = out[i];
        if (out[i] > omax) omax = out[i];
      }
      if (omin <= cval && cval <= omax) {
        min = Math.min(min, Math.fround(cval));
        max = Math.max(max, Math.fround(cval));
      }
    }
    for (let i = 0; i < out.length; i++) {
      const v = out[i];
      out[i] = v < min ? min : v > max ? max : v;
    }
  }
  return { data: out, height: oh, width: ow };
}

/**
 * The PSSR model's pre-upsampling: torch `F.interpolate(x, scale_factor=factor, mode="bilinear",
 * align_corners=False)`. Output size floor(in·factor); source coordinate (i + 0.5)/factor - 0.5
 * (torch uses 1/scale_factor, not in/out, when given a scale factor).
 */
export function upsampleBilinear(plane: Plane, factor: number): Plane {
  checkPlane(plane, "upsampleBilinear");
  checkFactor(factor, "upsampleBilinear");
  const { height: h, width: w } = plane;
  const oh = Math.floor(h * factor);
  const ow = Math.floor(w * factor);
  checkSize(oh, ow);
  const ratio = 1 / factor;
  return {
    data: applyTaps(plane.data, h, w, torchLinearTaps(h, oh, false, ratio), torchLinearTaps(w, ow, false, ratio), 0),
    height: oh,
    width: ow,
  };
}

// ---------------------------------------------------------------------------------------------
// Taps: for output index i, input indices index[offsets[i] .. offsets[i+1]) with weights;
// index -1 reads cval.

interface Taps {
  offsets: Int32Array;
  index: Int32Array;
  weight: Float64Array;
}

class TapsBuilder {
  private readonly offsets: Int32Array;
  private index: number[] = [];
  private weight: number[] = [];
  private i = 0;
  constructor(n: number) {
    this.offsets = new Int32Array(n + 1);
  }
  push(index: number, weight: number): void {
    this.index.push(index);
    this.weight.push(weight);
  }
  next(): void {
    this.offsets[++this.i] = this.index.length;
  }
  build(): Taps {
    return { offsets: this.offsets, index: Int32Array.from(this.index), weight: Float64Array.from(this.weight) };
  }
}

const f32 = Math.fround;

/**
 * torch linear source indices (upsample_bilinear2d): the scale is float32, the source coordinate
 * is formed in double from it and its fraction rounded to float32 (checked against torch 1.13:
 * rounding the coordinate to float32 first is off by up to 1e-5 when downscaling).
 */
function torchLinearTaps(inN: number, outN: number, alignCorners: boolean, ratio?: number): Taps {
  const t = new TapsBuilder(outN);
  const scale = alignCorners ? (outN > 1 ? f32((inN - 1) / (outN - 1)) : 0) : f32(ratio ?? inN / outN);
  for (let i = 0; i < outN; i++) {
    if (inN === outN) {
      t.push(i, 1);
    } else {
      let src = alignCorners ? scale * i : scale * (i + 0.5) - 0.5;
      if (src < 0) src = 0;
      const i0 = Math.min(Math.floor(src), inN - 1);
      const l1 = Math.min(Math.max(f32(src - i0), 0), 1);
      const i1 = i0 + (i0 < inN - 1 ? 1 : 0);
      t.push(i0, f32(1 - l1));
      t.push(i1, l1);
    }
    t.next();
  }
  return t.build();
}

/** torch 'nearest' (upsample_nearest2d): floor(i·scale) with float scale = in/out. */
function torchNearestTaps(inN: number, outN: number): Taps {
  const t = new TapsBuilder(outN);
  const scale = f32(inN / outN);
  for (let i = 0; i < outN; i++) {
    let j: number;
    if (outN === inN) j = i;
    else if (outN === 2 * inN) j = i >> 1;
    else j = Math.min(Math.floor(f32(f32(i) * scale)), inN - 1);
    t.push(j, 1);
    t.next();
  }
  return t.build();
}

const CUBIC_A = -0.75;

function cubicConv1(x: number): number {
  return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
}

function cubicConv2(x: number): number {
  return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
}

/** torch bicubic (upsample_bicubic2d): Keys a = -0.75, taps clamped to the edge. */
function torchCubicTaps(inN: number, outN: number, alignCorners: boolean): Taps {
  const t = new TapsBuilder(outN);
  const scale = alignCorners ? (outN > 1 ? f32((inN - 1) / (outN - 1)) : 0) : f32(inN / outN);
  for (let i = 0; i < outN; i++) {
    const src = alignCorners ? scale * i : scale * (i + 0.5) - 0.5;
    const i0 = Math.min(Math.floor(src), inN - 1);
    const x = Math.min(Math.max(f32(src - i0), 0), 1);
    const w = [cubicConv2(x + 1), cubicConv1(x), cubicConv1(1 - x), cubicConv2(2 - x)];
    for (let k = 0; k < 4; k++) t.push(Math.min(Math.max(i0 - 1 + k, 0), inN - 1), w[k]);
    t.next();
  }
  return t.build();
}

/** torch adaptive_avg_pool / interpolate(mode="area"). */
function areaTaps(inN: number, outN: number): Taps {
  const t = new TapsBuilder(outN);
  for (let i = 0; i < outN; i++) {
    const start = Math.floor(f32(f32(i * inN) / outN));
    const end = Math.ceil(f32(f32((i + 1) * inN) / outN));
    const wgt = 1 / (end - start);
    for (let j = start; j < end; j++) t.push(j, wgt);
    t.next();
  }
  return t.build();
}

/**
 * scipy.ndimage.zoom taps with grid_mode=False and mode "constant": coordinate
 * i·(in-1)/(out-1); a coordinate outside [0, in-1] reads cval; spline taps beyond the edge
 * are mirrored (scipy's rule for this mode).
 */
function scipyZoomTaps(inN: number, outN: number, order: 0 | 1 | 3): Taps {
  const t = new TapsBuilder(outN);
  const zoomRatio = outN > 1 ? (inN - 1) / (outN - 1) : 1;
  const wts = new Float64Array(4);
  for (let i = 0; i < outN; i++) {
    const c = i * zoomRatio;
    if (c < 0 || c > inN - 1) t.push(-1, 1);
    else pushSplineTaps(t, c, inN, order, "mirror", 0, wts);
    t.next();
  }
  return t.build();
}

/**
 * scipy.ndimage.zoom taps with grid_mode=True (as skimage's resize uses): coordinate
 * (i + 0.5)·in/out - 0.5 in the unpadded input; `pad` shifts into a padded coefficient array.
 */
function gridTaps(inN: number, outN: number, order: 0 | 1 | 3, mode: BoundaryMode, pad: number): Taps {
  const t = new TapsBuilder(outN);
  const ratio = inN / outN;
  const wts = new Float64Array(4);
  for (let i = 0; i < outN; i++) {
    const c = (i + 0.5) * ratio - 0.5;
    pushSplineTaps(t, c + pad, inN + 2 * pad, order, mode, 0, wts);
    t.next();
  }
  return t.build();
}

function pushSplineTaps(t: TapsBuilder, c: number, n: number, order: 0 | 1 | 3, mode: BoundaryMode, _cval: number, wts: Float64Array): void {
  if (order === 0) {
    t.push(boundaryIndex(Math.floor(c + 0.5), n, mode), 1);
  } else if (order === 1) {
    const i0 = Math.floor(c);
    const frac = c - i0;
    t.push(boundaryIndex(i0, n, mode), 1 - frac);
    t.push(boundaryIndex(i0 + 1, n, mode), frac);
  } else {
    const i0 = Math.floor(c);
    cubicBSplineWeights(c - i0, wts);
    for (let k = 0; k < 4; k++) t.push(boundaryIndex(i0 - 1 + k, n, mode), wts[k]);
  }
}

/**
 * out = Σ over Y taps then X taps, float64 accumulation, float32 result. One output row at a
 * time: its Y-interpolated input row stays in cache for the X pass.
 */
function applyTaps(src: ArrayLike<number>, h: number, w: number, ty: Taps, tx: Taps, cval: number): Float32Array {
  const oh = ty.offsets.length - 1;
  const ow = tx.offsets.length - 1;
  // The row carries one extra column holding cval, so X taps that read "outside" (-1) index it.
  const tmp = new Float64Array(w + 1);
  const out = new Float32Array(oh * ow);
  const xo = tx.offsets;
  const xi = tx.index.map((j) => (j < 0 ? w : j));
  const xw = tx.weight;
  const taps = xo[1] - xo[0];
  let fixed = true;
  for (let i = 1; i <= ow; i++) if (xo[i] - xo[i - 1] !== taps) fixed = false;
  for (let oy = 0; oy < oh; oy++) {
    tmp.fill(0);
    for (let k = ty.offsets[oy]; k < ty.offsets[oy + 1]; k++) {
      const wt = ty.weight[k];
      const row = ty.index[k];
      if (wt === 0) continue;
      if (row < 0) {
        const v = wt * cval;
        for (let x = 0; x < w; x++) tmp[x] += v;
      } else {
        const rb = row * w;
        for (let x = 0; x < w; x++) tmp[x] += wt * src[rb + x];
      }
    }
    tmp[w] = cval;
    const ob = oy * ow;
    if (fixed && taps === 1) {
      for (let ox = 0; ox < ow; ox++) out[ob + ox] = xw[ox] * tmp[xi[ox]];
    } else if (fixed && taps === 2) {
      for (let ox = 0, k = 0; ox < ow; ox++, k += 2) out[ob + ox] = xw[k] * tmp[xi[k]] + xw[k + 1] * tmp[xi[k + 1]];
    } else if (fixed && taps === 4) {
      for (let ox = 0, k = 0; ox < ow; ox++, k += 4) {
        out[ob + ox] = xw[k] * tmp[xi[k]] + xw[k + 1] * tmp[xi[k + 1]] + xw[k + 2] * tmp[xi[k + 2]] + xw[k + 3] * tmp[xi[k + 3]];
      }
    } else {
      for (let ox = 0; ox < ow; ox++) {
        let s = 0;
        for (let k = xo[ox]; k < xo[ox + 1]; k++) s += xw[k] * tmp[xi[k]];
        out[ob + ox] = s;
      }
    }
  }
  return out;
}

function padPlane(src: Float32Array, h: number, w: number, pad: number, mode: BoundaryMode, cval: number): Float64Array {
  const pw = w + 2 * pad;
  const ph = h + 2 * pad;
  const out = new Float64Array(pw * ph);
  for (let y = 0; y < ph; y++) {
    const sy = boundaryIndex(y - pad, h, mode);
    for (let x = 0; x < pw; x++) {
      const sx = boundaryIndex(x - pad, w, mode);
      out[y * pw + x] = sy < 0 || sx < 0 ? cval : src[sy * w + sx];
    }
  }
  return out;
}

/** Python's round() / numpy.round: nearest integer, halves to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function checkPlane(p: Plane, what: string): void {
  if (!p || !(p.data instanceof Float32Array)) throw new PssrError("invalid-argument", `${what}: expected a plane with Float32Array data`);
  if (!Number.isInteger(p.height) || !Number.isInteger(p.width) || p.height <= 0 || p.width <= 0 || p.data.length !== p.height * p.width) {
    throw new PssrError("empty-image", `${what}: plane is empty or its data does not match ${p.height}x${p.width}`);
  }
}

function checkSize(oh: number, ow: number): void {
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1) {
    throw new PssrError("invalid-argument", `output size must be positive integers, got ${oh}x${ow}`);
  }
}

function checkFactor(f: number, what: string): void {
  if (!(f > 0) || !Number.isFinite(f)) throw new PssrError("invalid-argument", `${what}: factor must be a finite number > 0, got ${f}`);
}

function checkOrder(order: number): void {
  if (order !== 0 && order !== 1 && order !== 3) throw new PssrError("invalid-argument", `spline order must be 0, 1 or 3, got ${order}`);
}
