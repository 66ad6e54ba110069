// Restoration of whole images with a trained model: tiled, blended, bounded in memory.
//
// The LR plane is percentile-normalised as in training (the card's pmin/pmax), reflect-padded
// to a multiple of the model's input multiple, and cut into tiles of `tilePx` LR pixels that
// overlap by `overlapPx`. Each tile's prediction is weighted by a ramp that is 0 over the
// outer part of the overlap band at interior tile edges, rises linearly over a `blendPx`-wide
// cross-fade in the band's middle and is 1 inside, so neighbouring weights sum to 1 and every
// output pixel comes from tiles that saw at least (overlap - blend)/2 LR pixels of context on
// each side: where that exceeds the network's reach the tiled result equals the whole-image
// prediction, and the cross-fade hides any seam.
// Only the output accumulator (float32) is held at HR size (the weight sum is separable).
//
// Stacks are restored plane by plane; a multi-frame (5-frame) model slides over time with the
// frames reflected at the ends (…t1 t0 | t0 t1 …: frame -1 is frame 1), so the output has as
// many frames as the input. The output is mapped back to the input's intensity scale
// (CSBDeep's PercentileNormalizer.after); a Laplace model's scale map is returned beside it.
import type { Tensor4D } from "@tensorflow/tfjs-core";
import type { Image, Plane } from "../image/image.js";
import { getPlane, lengthToNm, planeCount } from "../image/image.js";
import { percentiles } from "../image/percentile.js";
import { applyPercentileRange } from "../image/normalize.js";
import { castPixels } from "../image/dtype.js";
import { resize } from "../image/resize.js";
import { PssrError, invalidArgument } from "../errors.js";
import type { RestorationModel } from "../model/model.js";
import { DEFAULT_NORMALIZATION, type NormalizationSpec } from "../model/card.js";
import { ensembleStd, intervalHalfWidth, laplaceDisagreement, type ScaleCalibration } from "../metrics/uncertainty.js";
import { mirrorIndex } from "../image/boundary.js";

export interface TileOptions {
  /** Tile side in LR pixels (rounded up to the model's input multiple). Default 256. */
  tilePx?: number;
  /** Overlap between neighbouring tiles in LR pixels. Default 64. */
  overlapPx?: number;
  /** Tiles per network call. Default 1. */
  batchSize?: number;
  /** Width of the linear cross-fade in the middle of each overlap, LR pixels. Default 8. */
  blendPx?: number;
  /** Called after each network call with tiles done and total (predictImage: over all planes). */
  onTile?: (done: number, total: number) => void;
}

export interface PredictOptions extends TileOptions {
  normalization?: NormalizationSpec;
  /** The LR pixel size the model expects (nm), from its card; a >25 % mismatch warns. */
  expectedPixelSizeNm?: number | null;
  /** "float32" (default) or "input" (rescaled into the input's integer type). */
  outputDtype?: "float32" | "input";
  onWarning?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
  /**
   * The scale calibration fitted on the model's validation data (its card's
   * calibration.scale); the returned scale map is multiplied by its factor. null: raw scales.
   */
  calibration?: ScaleCalibration | null;
}

export interface Prediction {
  image: Image;
  /**
   * Per-pixel Laplace scale b (probabilistic models) in the output's units, same shape as image;
   * multiplied by the calibration factor when a calibration was given.
   */
  scale?: Image;
  /** The calibration applied to `scale` (for intervals), if any. */
  calibration?: ScaleCalibration;
  warnings: string[];
}

/**
 * The central P-interval of a probabilistic prediction, per pixel, in the output's units:
 * mean +- halfWidth(P) * b, with the calibration's monotone map when there is one.
 */
export function predictionInterval(pred: Prediction, p: number): { lower: Image; upper: Image } {
  if (!pred.scale) throw invalidArgument("an interval needs a probabilistic (Laplace) model");
  const cal = pred.calibration;
  // pred.scale already carries the factor; the half-width is in raw scales.
  const k = intervalHalfWidth(p, cal) / (cal ? cal.factor : 1);
  const mean = pred.image.data;
  const b = pred.scale.data as Float32Array;
  const lower = new Float32Array(b.length);
  const upper = new Float32Array(b.length);
  for (let i = 0; i < b.length; i++) {
    lower[i] = Number(mean[i]) - k * b[i];
    upper[i] = Number(mean[i]) + k * b[i];
  }
  const meta = { ...(pred.scale.meta ?? {}), interval: { level: p, calibrated: Boolean(cal) } };
  return { lower: { ...pred.scale, data: lower, meta }, upper: { ...pred.scale, data: upper, meta } };
}

function reflectPad(p: Plane, h: number, w: number): Plane {
  if (p.height === h && p.width === w) return p;
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const sy = mirrorIndex(y, p.height);
    for (let x = 0; x < w; x++) out[y * w + x] = p.data[sy * p.width + mirrorIndex(x, p.width)];
  }
  return { data: out, height: h, width: w };
}

/** Tile origins along one axis: stride tile - overlap, the last tile flush with the end. */
export function tileStarts(size: number, tile: number, overlap: number): number[] {
  if (size <= tile) return [0];
  const stride = tile - overlap;
  const starts: number[] = [];
  for (let a = 0; ; a += stride) {
    if (a + tile >= size) {
      starts.push(size - tile);
      break;
    }
    starts.push(a);
  }
  return [...new Set(starts)];
}

/**
 * Blending ramp along one axis of a tile: `len` HR px, `band` HR px of overlap at interior
 * edges. The weight is 0 up to the middle of the band less half the blend width, rises
 * linearly over the blend width (at most `blend` HR px), then is 1: neighbours sum to 1.
 */
function ramp(len: number, band: number, blend: number, interiorStart: boolean, interiorEnd: boolean): Float32Array {
  const w = new Float32Array(len).fill(1);
  if (band <= 0) return w;
  const mid = Math.max(1, Math.min(band / 2, blend));
  const q = (band - mid) / 2;
  for (let u = 0; u < len; u++) {
    let v = 1;
    if (interiorStart) v = Math.min(v, Math.max(0, Math.min(1, (u + 0.5 - q) / mid)));
    if (interiorEnd) v = Math.min(v, Math.max(0, Math.min(1, (len - u - 0.5 - q) / mid)));
    w[u] = v;
  }
  return w;
}

/**
 * Restores one normalised LR input (frames as channels, [h, w, frames] interleaved) into HR
 * planes: mean (and Laplace scale for probabilistic models).
 */
export function predictNormalized(model: RestorationModel, input: { data: Float32Array; height: number; width: number; frames: number }, options: TileOptions = {}): { mean: Plane; scale?: Plane } {
  const tf = model.tf;
  const s = model.spec.scale;
  const m = model.inputMultiple;
  const { height: h, width: w, frames } = input;
  const ph = Math.ceil(h / m) * m;
  const pw = Math.ceil(w / m) * m;
  let tile = Math.ceil((options.tilePx ?? 256) / m) * m;
  tile = Math.min(tile, Math.max(ph, pw));
  const tileH = Math.min(tile, ph);
  const tileW = Math.min(tile, pw);
  const overlap = Math.min(options.overlapPx ?? 64, tile - m);
  if (overlap < 0) throw invalidArgument(`tile ${tile} px is too small for this model (multiple ${m})`);
  // Reflect-pad every frame to the multiple.
  const padded = new Float32Array(ph * pw * frames);
  for (let c = 0; c < frames; c++) {
    const plane: Plane = { data: new Float32Array(h * w), height: h, width: w };
    for (let i = 0; i < h * w; i++) plane.data[i] = input.data[i * frames + c];
    const pp = reflectPad(plane, ph, pw);
    for (let i = 0; i < ph * pw; i++) padded[i * frames + c] = pp.data[i];
  }
  const outC = model.outputChannels;
  const H = ph * s;
  const W = pw * s;
  const acc = new Float32Array(H * W * outC);
  const ys = tileStarts(ph, tileH, overlap);
  const xs = tileStarts(pw, tileW, overlap);
  const band = overlap * s;
  const blendHr = (options.blendPx ?? 8) * s;
  // The tiles form a grid and the weights are separable, so the weight sum at (y, x) is
  // (sum of the row ramps at y) * (sum of the column ramps at x): two 1D arrays, not an image.
  const wsumY = new Float32Array(H);
  const wsumX = new Float32Array(W);
  for (const ty of ys) ramp(tileH * s, band, blendHr, ty > 0, ty + tileH < ph).forEach((v, i) => (wsumY[ty * s + i] += v));
  for (const tx of xs) ramp(tileW * s, band, blendHr, tx > 0, tx + tileW < pw).forEach((v, i) => (wsumX[tx * s + i] += v));
  const tiles: [number, number][] = [];
  for (const y of ys) for (const x of xs) tiles.push([y, x]);
  const batch = Math.max(1, options.batchSize ?? 1);
  const buf = new Float32Array(batch * tileH * tileW * frames);
  options.onTile?.(0, tiles.length); // the total is known before the first (slowest) network call
  for (let t0 = 0; t0 < tiles.length; t0 += batch) {
    const nb = Math.min(batch, tiles.length - t0);
    for (let b = 0; b < nb; b++) {
      const [ty, tx] = tiles[t0 + b];
      for (let y = 0; y < tileH; y++) {
        const src = ((ty + y) * pw + tx) * frames;
        buf.set(padded.subarray(src, src + tileW * frames), (b * tileH + y) * tileW * frames);
      }
    }
    const out = tf.tidy(() => model.apply(tf.tensor4d(buf.subarray(0, nb * tileH * tileW * frames), [nb, tileH, tileW, frames])));
    const od = out.dataSync() as Float32Array;
    out.dispose();
    const TH = tileH * s;
    const TW = tileW * s;
    for (let b = 0; b < nb; b++) {
      const [ty, tx] = tiles[t0 + b];
      const ry = ramp(TH, band, blendHr, ty > 0, ty + tileH < ph);
      const rx = ramp(TW, band, blendHr, tx > 0, tx + tileW < pw);
      for (let y = 0; y < TH; y++) {
        const Y = ty * s + y;
        for (let x = 0; x < TW; x++) {
          const wgt = ry[y] * rx[x];
          if (wgt === 0) continue;
          const X = tx * s + x;
          const o = Y * W + X;
          const src = ((b * TH + y) * TW + x) * outC;
          for (let c = 0; c < outC; c++) acc[o * outC + c] += wgt * od[src + c];
        }
      }
    }
    options.onTile?.(t0 + nb, tiles.length);
  }
  const oh = h * s;
  const ow = w * s;
  const nOut = model.spec.outChannels;
  // Single-channel output of the padded size: normalise in place (no second HR buffer).
  const inPlace = outC === 1 && oh === H && ow === W;
  const mean = inPlace ? acc : new Float32Array(oh * ow);
  const scale = model.spec.probabilistic ? new Float32Array(oh * ow) : undefined;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const o = y * W + x;
      const ww = wsumY[y] * wsumX[x];
      mean[y * ow + x] = acc[o * outC] / ww;
      if (scale) scale[y * ow + x] = acc[o * outC + nOut] / ww;
    }
  }
  return { mean: { data: mean, height: oh, width: ow }, scale: scale ? { data: scale, height: oh, width: ow } : undefined };
}

/** Whole-image prediction without tiling (reference for tests; memory grows with the image). */
export function predictWhole(model: RestorationModel, input: { data: Float32Array; height: number; width: number; frames: number }): Plane {
  const big = Math.max(input.height, input.width) + model.inputMultiple;
  return predictNormalized(model, input, { tilePx: big, overlapPx: 0 }).mean;
}

/**
 * Restores an LR image (2D, stack, or time-lapse for 5-frame models) with `model`.
 * Returns an HR Image (float32 unless outputDtype "input"), with provenance in meta.
 */
export function predictImage(model: RestorationModel, img: Image, options: PredictOptions = {}): Prediction {
  const norm = options.normalization ?? DEFAULT_NORMALIZATION;
  const s = model.spec.scale;
  const frames = model.spec.inChannels;
  const warnings: string[] = [];
  const warn = (msg: string) => {
    warnings.push(msg);
    options.onWarning?.(msg);
  };
  if (options.expectedPixelSizeNm && img.pixelSize) {
    const got = lengthToNm(img.pixelSize);
    const ratio = got / options.expectedPixelSizeNm;
    if (ratio > 1.25 || ratio < 0.8) {
      warn(`the input's pixel size (${got.toPrecision(3)} nm) differs from the ${options.expectedPixelSizeNm.toPrecision(3)} nm the model was trained for by more than 25%; results may be poor`);
    }
  }
  const n = planeCount(img);
  if (n === 0) throw new PssrError("empty-image", "the image has no planes");
  const h = img.shape[img.shape.length - 2];
  const w = img.shape[img.shape.length - 1];
  // Normalise with percentiles of the whole input (all planes), as CSBDeep does per image.
  const all = img.data instanceof Float32Array ? img.data : Float32Array.from(img.data as ArrayLike<number>);
  const [low, high] = percentiles(all, [norm.pmin, norm.pmax]);
  const planesN: Float32Array[] = [];
  for (let i = 0; i < n; i++) planesN.push(applyPercentileRange(getPlane(img, i).data, low, high));
  const outMean = n === 1 ? null : new Float32Array(n * h * s * w * s);
  let single: Float32Array | null = null;
  const outScale = model.spec.probabilistic ? new Float32Array(n * h * s * w * s) : undefined;
  for (let i = 0; i < n; i++) {
    const input = new Float32Array(h * w * frames);
    for (let c = 0; c < frames; c++) {
      const src = planesN[frames === 1 ? i : mirrorIndex(i + c - (frames >> 1), n)];
      for (let j = 0; j < h * w; j++) input[j * frames + c] = src[j];
    }
    // Every plane has the same tile grid, so tiles done over the whole stack are exact.
    const onTile = options.onTile && ((d: number, t: number) => options.onTile!(i * t + d, n * t));
    const r = predictNormalized(model, { data: input, height: h, width: w, frames }, { ...options, onTile });
    // Back to the input's intensity scale (mean: affine; scale: multiplicative).
    const off = i * r.mean.data.length;
    if (outMean) for (let j = 0; j < r.mean.data.length; j++) outMean[off + j] = r.mean.data[j] * (high - low) + low;
    else {
      single = r.mean.data; // one plane: map back in place
      for (let j = 0; j < single.length; j++) single[j] = single[j] * (high - low) + low;
    }
    // The scale is a length on the intensity axis: it maps back by (high - low) alone.
    const scaleToOutput = (high - low) * (options.calibration?.factor ?? 1);
    if (outScale && r.scale) for (let j = 0; j < r.scale.data.length; j++) outScale[off + j] = r.scale.data[j] * scaleToOutput;
    options.onProgress?.(i + 1, n);
  }
  const shape = [...img.shape.slice(0, -2), h * s, w * s];
  const calibration = restoredCalibration(img, s);
  const meta = { ...(img.meta ?? {}), restoration: { arch: model.spec.arch, preset: model.spec.preset, scale: s, normalization: { ...norm, low, high } } };
  let image: Image = { data: (outMean ?? single)!, shape, axes: img.axes, ...calibration, dtype: "float32", meta };
  if (options.outputDtype === "input") image = toInputDtype(image, img.dtype);
  const result: Prediction = { image, warnings };
  if (outScale) {
    const cal = options.calibration ?? undefined;
    result.scale = { data: outScale, shape, axes: img.axes, ...calibration, dtype: "float32", meta: { ...meta, map: "laplace-scale", calibrated: Boolean(cal) } };
    if (cal) result.calibration = cal;
  }
  return result;
}

/** The calibration of an image upsampled `s` times in Y and X: pixel sizes divided, Z and T kept. */
function restoredCalibration(img: Image, s: number): Pick<Image, "pixelSize" | "pixelSizeY" | "zSpacing" | "frameIntervalS"> {
  const div = (len: Image["pixelSize"] | undefined) => (len ? { value: len.value / s, unit: len.unit } : null);
  return { pixelSize: div(img.pixelSize), pixelSizeY: div(img.pixelSizeY), zSpacing: img.zSpacing ?? null, frameIntervalS: img.frameIntervalS ?? null };
}

function toInputDtype(img: Image, dtype: Image["dtype"]): Image {
  // Only the 8- and 16-bit types: a 32-bit integer output stays float32 (as it always has).
  if (!["uint8", "uint16", "int16", "int8"].includes(dtype)) return img;
  return { ...img, data: castPixels(img.data, dtype), dtype };
}

export const BASELINE_METHODS = ["nearest", "bilinear", "bicubic"] as const;
export type Baseline = (typeof BASELINE_METHODS)[number];

/** Upsamples every plane by `scale` with a classic interpolation (the baselines of the paper). */
export function predictBaseline(img: Image, scale: number, method: Baseline): Image {
  if (!(BASELINE_METHODS as readonly string[]).includes(method)) throw invalidArgument(`unknown baseline "${method}"; valid: ${BASELINE_METHODS.join(", ")}`);
  const n = planeCount(img);
  const h = img.shape[img.shape.length - 2];
  const w = img.shape[img.shape.length - 1];
  const out = new Float32Array(n * h * scale * w * scale);
  for (let i = 0; i < n; i++) {
    const r = resize(getPlane(img, i), h * scale, w * scale, { method, alignCorners: false });
    out.set(r.data, i * r.data.length);
  }
  return {
    data: out,
    shape: [...img.shape.slice(0, -2), h * scale, w * scale],
    axes: img.axes,
    ...restoredCalibration(img, scale),
    dtype: "float32",
    meta: { ...(img.meta ?? {}), restoration: { baseline: method, scale } },
  };
}

export type { Tensor4D };

export const DISAGREEMENT_MEASURES = ["std", "jsd"] as const;
export type DisagreementMeasure = (typeof DISAGREEMENT_MEASURES)[number];

export interface EnsemblePrediction {
  /** Per-pixel mean of the members' predictions (the mean of their mixture). */
  mean: Image;
  /** Per-pixel disagreement: the measure asked for ("std" or "jsd"). */
  disagreement: Image;
  measure: DisagreementMeasure;
  /** Per-pixel standard deviation of the members' means (always computed: it is cheap). */
  std: Image;
  /** Per-pixel mean of the members' (calibrated) Laplace scales, when every member has one. */
  scale?: Image;
  warnings: string[];
}

export interface EnsembleMemberOptions extends Partial<PredictOptions> {
  /**
   * For members without a Laplace head, the "jsd" measure treats the member as a Laplace of
   * this constant scale (normalised units: the mean absolute residual on its validation data,
   * from its card), mapped to output units like a scale map.
   */
  residualScale?: number | null;
}

/**
 * Restores `img` with every model of an ensemble (same scale and frames) and returns the
 * per-pixel mean and disagreement. "std": the members' standard deviation (cheap, any
 * members). "jsd": CARE's measure, the mean over members of KL(member || mixture) in bits,
 * with each member a Laplace (its predicted, calibrated scale; a member without a Laplace head
 * gets its validation residual scale as a constant scale).
 */
export function predictEnsemble(
  models: RestorationModel[],
  img: Image,
  options: PredictOptions & { measure?: DisagreementMeasure } = {},
  /** Per-member overrides, index for index (each member's own normalisation from its card). */
  memberOptions: EnsembleMemberOptions[] = [],
): EnsemblePrediction {
  if (models.length < 2) throw invalidArgument(`an ensemble needs at least 2 models, got ${models.length}`);
  const measure = options.measure ?? "std";
  if (!(DISAGREEMENT_MEASURES as readonly string[]).includes(measure)) throw invalidArgument(`unknown disagreement measure "${measure}"; valid: ${DISAGREEMENT_MEASURES.join(", ")}`);
  const { scale, inChannels } = models[0].spec;
  for (const m of models) {
    if (m.spec.scale !== scale || m.spec.inChannels !== inChannels) throw invalidArgument("ensemble members must share scale and frame count");
  }
  const means: Float32Array[] = [];
  const scales: Float32Array[] = [];
  let allScales = true;
  let first: Prediction | null = null;
  for (const [i, m] of models.entries()) {
    const mo = memberOptions[i] ?? {};
    const onTile = options.onTile && ((d: number, t: number) => options.onTile!(i * t + d, models.length * t));
    const p = predictImage(m, img, { ...options, ...mo, outputDtype: "float32", onTile });
    const d = p.image.data as Float32Array;
    means.push(d);
    if (p.scale) scales.push(p.scale.data as Float32Array);
    else {
      allScales = false;
      if (measure === "jsd") {
        const r = mo.residualScale;
        if (!(typeof r === "number" && r > 0)) {
          throw invalidArgument(`ensemble member ${i + 1} has no Laplace head and its card records no validation residual scale, so "jsd" cannot treat it as a Laplace; use --measure std or retrain it`);
        }
        const norm = (p.image.meta?.restoration as { normalization?: { low: number; high: number } } | undefined)?.normalization;
        const b = r * (norm ? norm.high - norm.low : 1);
        scales.push(new Float32Array(d.length).fill(b));
      }
    }
    first ??= p;
  }
  const n = models.length;
  const len = means[0].length;
  const mean = new Float32Array(len);
  for (const d of means) for (let i = 0; i < len; i++) mean[i] += d[i] / n;
  const sd = ensembleStd(means);
  const base = first!.image;
  const withMap = (data: Float32Array, map: string): Image => ({ ...base, data, meta: { ...(base.meta ?? {}), ensemble: n, map } });
  const result: EnsemblePrediction = {
    mean: { ...base, data: mean, meta: { ...(base.meta ?? {}), ensemble: n } },
    disagreement: measure === "jsd" ? withMap(laplaceDisagreement(means, scales), "jsd-bits") : withMap(sd, "std"),
    measure,
    std: withMap(sd, "std"),
    warnings: first!.warnings,
  };
  if (allScales) {
    const ms = new Float32Array(len);
    for (const d of scales) for (let i = 0; i < len; i++) ms[i] += d[i] / n;
    result.scale = withMap(ms, "mean-laplace-scale");
  }
  return result;
}
