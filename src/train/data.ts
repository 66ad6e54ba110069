// Training data: (LR, HR) patch pairs from high-resolution images.
//
// Each epoch, every HR source plane (or stack, for multi-frame models) is crappified whole with
// a seed derived from (seed, epoch, image), so every epoch sees fresh noise while a resumed run
// sees the same noise it would have seen. LR and HR are each percentile-normalised with their
// own percentiles (CSBDeep: source and target separately; pmin 2, pmax 99.8 as its
// PercentileNormalizer, which prediction applies to real LR input). Patches are drawn at random
// positions on the LR grid, skipping background (CSBDeep's no_background_patches: a patch is
// kept where the maximum filter of the target, size patch/2, exceeds threshold * the target's
// 99.9th percentile), and augmented by one of the 8 dihedral transforms, the same for input
// and target. Multi-frame (5 frames): frames t-2..t+2 (reflected at the ends), each crappified
// separately, go in as channels; the target is frame t.
import type { Image, Plane } from "../image/image.js";
import { getPlane, planeCount } from "../image/image.js";
import { percentiles } from "../image/percentile.js";
import { applyPercentileRange } from "../image/normalize.js";
import { maximumFilter } from "../image/filters.js";
import { mirrorIndex } from "../image/boundary.js";
import { cropPlane } from "../image/crop.js";
import { crappify, type RecipeSpec } from "../crappify/crappify.js";
import { Rng } from "../crappify/rng.js";
import { PssrError, invalidArgument } from "../errors.js";
import { DEFAULT_NORMALIZATION, type NormalizationSpec } from "../model/card.js";
import { augmentPlanes, type AugmentSpec } from "./augment.js";

/** One training image: HR planes (1 for 2D; a stack's planes) and optionally real LR planes. */
export interface SourceImage {
  name: string;
  hr: Plane[];
  lr?: Plane[];
}

/** A normalised (LR, HR) pair of planes, LR possibly with several frames. */
export interface PairPlanes {
  /** Frames of the LR input for each target index (length = hr.length). */
  lr: Plane[];
  hr: Plane[];
  /** Eligible LR top-left positions per target index (background filter). */
  eligible: Int32Array[];
}

export interface PatchBatch {
  /** [n, p/s, p/s, frames] LR input, channels last. */
  lr: Float32Array;
  /** [n, p, p, 1] HR target. */
  hr: Float32Array;
  n: number;
  lrSize: number;
  hrSize: number;
  frames: number;
}

/** The planes of an image as SourceImage (stacks keep their planes together). */
export function sourceFromImage(name: string, hr: Image, lr?: Image): SourceImage {
  const n = planeCount(hr);
  const src: SourceImage = { name, hr: Array.from({ length: n }, (_, i) => getPlane(hr, i)) };
  if (lr) {
    if (planeCount(lr) !== n) throw new PssrError("shape-mismatch", `${name}: the LR image has ${planeCount(lr)} planes, the HR image ${n}`);
    src.lr = Array.from({ length: n }, (_, i) => getPlane(lr, i));
  }
  return src;
}

/** Percentile-normalises a plane in place-free fashion; returns the plane and its (low, high). */
export function normalizePlane(p: Plane, norm: NormalizationSpec = DEFAULT_NORMALIZATION): { plane: Plane; low: number; high: number } {
  const [low, high] = percentiles(p.data, [norm.pmin, norm.pmax]);
  return { plane: { data: applyPercentileRange(p.data, low, high), height: p.height, width: p.width }, low, high };
}

/** Background filter: LR top-left positions of patches whose target is not background. */
export function eligiblePositions(hr: Plane, scale: number, hrPatch: number, threshold: number): Int32Array {
  const lrPatch = hrPatch / scale;
  const lrH = Math.floor(hr.height / scale);
  const lrW = Math.floor(hr.width / scale);
  const maxY = lrH - lrPatch;
  const maxX = lrW - lrPatch;
  if (maxY < 0 || maxX < 0) return new Int32Array(0);
  const all: number[] = [];
  if (threshold <= 0) {
    for (let y = 0; y <= maxY; y++) for (let x = 0; x <= maxX; x++) all.push(y * lrW + x);
    return Int32Array.from(all);
  }
  const [p999] = percentiles(hr.data, [99.9]);
  const m = maximumFilter(hr, Math.max(1, Math.floor(hrPatch / 2)));
  const limit = threshold * p999;
  const half = Math.floor(hrPatch / 2);
  for (let y = 0; y <= maxY; y++) {
    for (let x = 0; x <= maxX; x++) {
      const cy = y * scale + half;
      const cx = x * scale + half;
      if (m.data[cy * hr.width + cx] > limit) all.push(y * lrW + x);
    }
  }
  return Int32Array.from(all);
}

export interface PairOptions {
  recipe?: string | RecipeSpec;
  scale: number;
  frames: number;
  hrPatch: number;
  seed: number;
  /** CSBDeep's no_background_patches threshold (0 keeps every patch). Default 0.4. */
  backgroundThreshold?: number;
  normalization?: NormalizationSpec;
  /** Appearance augmentation of the HR before crappifying (training epochs only; see augment.ts). */
  appearance?: AugmentSpec;
}

/** Derives a per-(epoch, image) seed from the run's seed. */
export function derivedSeed(seed: number, epoch: number, image: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (epoch + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  h = Math.imul(h ^ (image + 0x27d4eb2f), 0x165667b1) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Builds the normalised (LR, HR) planes of one source for one epoch: crappified with
 * derivedSeed(seed, epoch, index) unless the source has real LR planes.
 */
export function makePair(src: SourceImage, index: number, epoch: number, opts: PairOptions): PairPlanes {
  // --- appearance augmentation (augment.ts): training epochs of crappified sources only;
  // validation (epoch < 0) and real LR pairs stay as they are. A jittered size smaller than the
  // patch keeps the original size.
  if (opts.appearance && epoch >= 0 && !src.lr) {
    const aug = augmentPlanes(src.hr, opts.appearance, derivedSeed(opts.seed ^ 0x5eed, epoch, index));
    const fits = Math.min(aug.planes[0].height, aug.planes[0].width) >= opts.hrPatch + opts.scale;
    src = { name: src.name, hr: fits ? aug.planes : augmentPlanes(src.hr, { ...opts.appearance, scaleJitter: 1 }, derivedSeed(opts.seed ^ 0x5eed, epoch, index)).planes };
  }
  // --- end of appearance augmentation
  const s = opts.scale;
  const norm = opts.normalization ?? DEFAULT_NORMALIZATION;
  const hrH = Math.floor(src.hr[0].height / s) * s;
  const hrW = Math.floor(src.hr[0].width / s) * s;
  if (hrH < opts.hrPatch || hrW < opts.hrPatch) {
    throw invalidArgument(`${src.name}: the patch (${opts.hrPatch} px) is larger than the image (${src.hr[0].height}x${src.hr[0].width})`);
  }
  const hr = src.hr.map((p) => cropPlane(p, [0, hrH], [0, hrW]));
  let lrRaw: Plane[];
  if (src.lr) {
    lrRaw = src.lr.map((p, i) => {
      if (p.height !== hrH / s || p.width !== hrW / s) {
        throw new PssrError(
          "shape-mismatch",
          `${src.name}: LR plane ${i} is ${p.height}x${p.width}; for scale ${s} and HR ${src.hr[i].height}x${src.hr[i].width} it must be ${hrH / s}x${hrW / s}`,
        );
      }
      return p;
    });
  } else {
    if (!opts.recipe) throw invalidArgument("a crappifier recipe is needed when no LR images are given");
    const stack: Image = {
      data: concatPlanes(hr),
      shape: hr.length > 1 ? [hr.length, hrH, hrW] : [hrH, hrW],
      axes: hr.length > 1 ? "ZYX" : "YX",
      pixelSize: null,
      dtype: "float32",
    };
    const out = crappify(stack, opts.recipe, { scaleFactor: s, seed: derivedSeed(opts.seed, epoch, index) });
    lrRaw = Array.from({ length: hr.length }, (_, i) => {
      const p = getPlane(out.lr, i);
      return p.height === hrH / s && p.width === hrW / s ? p : cropPlane(p, [0, hrH / s], [0, hrW / s]);
    });
  }
  const threshold = opts.backgroundThreshold ?? 0.4;
  const hrN = hr.map((p) => normalizePlane(p, norm).plane);
  const lrN = lrRaw.map((p) => normalizePlane(p, norm).plane);
  const eligible = hr.map((p) => {
    let e = eligiblePositions(p, s, opts.hrPatch, threshold);
    if (e.length === 0) e = eligiblePositions(p, s, opts.hrPatch, 0);
    return e;
  });
  return { lr: lrN, hr: hrN, eligible };
}

function concatPlanes(ps: Plane[]): Float32Array {
  const n = ps[0].data.length;
  const out = new Float32Array(n * ps.length);
  ps.forEach((p, i) => out.set(p.data, i * n));
  return out;
}

/** Dihedral transform k (0..7) of (y, x) in a square of side n: returns the source index. */
function dihedralSource(k: number, y: number, x: number, n: number): number {
  let yy = y;
  let xx = x;
  if (k & 4) [yy, xx] = [xx, yy]; // transpose
  if (k & 1) yy = n - 1 - yy; // flip vertically
  if (k & 2) xx = n - 1 - xx; // flip horizontally
  return yy * n + xx;
}

/**
 * Draws `n` patch pairs from `pairs` with `rng`: a random image, target plane and eligible
 * position each, then a random dihedral transform (when `augment`).
 */
export function drawBatch(pairs: PairPlanes[], n: number, opts: { scale: number; frames: number; hrPatch: number; augment: boolean }, rng: Rng): PatchBatch {
  const s = opts.scale;
  const P = opts.hrPatch;
  const p = P / s;
  const f = opts.frames;
  const lr = new Float32Array(n * p * p * f);
  const hr = new Float32Array(n * P * P);
  const lrTmp = new Float32Array(p * p);
  const hrTmp = new Float32Array(P * P);
  for (let b = 0; b < n; b++) {
    const pair = pairs[Math.floor(rng.uniform() * pairs.length)];
    const t = Math.floor(rng.uniform() * pair.hr.length);
    const el = pair.eligible[t];
    const pos = el[Math.floor(rng.uniform() * el.length)];
    const lrW = pair.lr[0].width;
    const y0 = Math.floor(pos / lrW);
    const x0 = pos % lrW;
    const k = opts.augment ? Math.floor(rng.uniform() * 8) : 0;
    const target = pair.hr[t];
    for (let y = 0; y < P; y++) hrTmp.set(target.data.subarray((y0 * s + y) * target.width + x0 * s, (y0 * s + y) * target.width + x0 * s + P), y * P);
    for (let y = 0; y < P; y++) for (let x = 0; x < P; x++) hr[b * P * P + y * P + x] = hrTmp[dihedralSource(k, y, x, P)];
    for (let c = 0; c < f; c++) {
      const frame = pair.lr[f === 1 ? t : mirrorIndex(t + c - (f >> 1), pair.lr.length)];
      for (let y = 0; y < p; y++) lrTmp.set(frame.data.subarray((y0 + y) * frame.width + x0, (y0 + y) * frame.width + x0 + p), y * p);
      for (let y = 0; y < p; y++) for (let x = 0; x < p; x++) lr[((b * p + y) * p + x) * f + c] = lrTmp[dihedralSource(k, y, x, p)];
    }
  }
  return { lr, hr, n, lrSize: p, hrSize: P, frames: f };
}

/** Splits sources into training and validation by image (never by patch of one image). */
export function splitByImage<T>(items: T[], validationFraction: number, rng: Rng): { train: T[]; validation: T[] } {
  if (items.length < 2) {
    throw invalidArgument(`a validation split needs at least 2 images (files, or planes of one stack), got ${items.length}`);
  }
  const order = items.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nVal = Math.min(items.length - 1, Math.max(1, Math.round(items.length * validationFraction)));
  return { validation: order.slice(0, nVal).map((i) => items[i]), train: order.slice(nVal).map((i) => items[i]) };
}

/** Where a one-image split cut: along which axis, and the HR ranges [start, end) of each part. */
export interface RegionSplit {
  axis: "y" | "x";
  train: [number, number];
  validation: [number, number];
}

function cropRange(p: Plane, axis: "y" | "x", start: number, end: number): Plane {
  return axis === "y" ? cropPlane(p, [start, end], [0, p.width]) : cropPlane(p, [0, p.height], [start, end]);
}

/**
 * CSBDeep's validation_split for a single image (or pair): the last `fraction` of the image
 * along its longer axis is held out for validation, at least one patch long, cut at a
 * multiple of `multiple` HR pixels (scale x the model's input multiple). The two parts are
 * separate images from here on (each crappified on its own, patches drawn inside each), so no
 * training patch, nor the noise or blur around it, touches a validation pixel.
 */
export function splitRegions(src: SourceImage, fraction: number, hrPatch: number, multiple: number, scale: number): { train: SourceImage; validation: SourceImage; split: RegionSplit } {
  if (!(fraction > 0 && fraction < 1)) throw invalidArgument(`the validation fraction must be in (0, 1), got ${fraction}`);
  const { height, width } = src.hr[0];
  const axis: "y" | "x" = height >= width ? "y" : "x";
  const len = Math.floor((axis === "y" ? height : width) / scale) * scale;
  const step = Math.max(multiple, scale);
  const valLen = Math.ceil(Math.max(hrPatch, len * fraction) / step) * step;
  const cut = len - valLen;
  if (cut < hrPatch) {
    throw invalidArgument(
      `${src.name}: one image of ${height}x${width} px is too small to hold out a validation region of ${valLen} px and keep a ${hrPatch} px training patch; give more images, a smaller --patch or a smaller validation fraction`,
    );
  }
  const part = (start: number, end: number, tag: string): SourceImage => ({
    name: `${src.name}[${tag} ${axis} ${start}-${end}]`,
    hr: src.hr.map((p) => cropRange(p, axis, start, end)),
    ...(src.lr ? { lr: src.lr.map((p) => cropRange(p, axis, start / scale, end / scale)) } : {}),
  });
  return { train: part(0, cut, "train"), validation: part(cut, len, "validation"), split: { axis, train: [0, cut], validation: [cut, len] } };
}
