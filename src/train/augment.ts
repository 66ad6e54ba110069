// Appearance augmentation of the HR source before it is crappified, so a model meets more
// contrasts, tone curves and pixel sizes than its few training datasets have (what transfers
// to other labs' EM must come from the training: docs/GENERALISATION.md). Everything is drawn once per
// (source, epoch) and applied to every plane of that source alike, and the LR is made from the
// augmented HR afterwards, so the (LR, HR) pair stays aligned by construction.
//
// Intensity (on the HR rescaled to [0, 1] by its own 0.1/99.9 percentiles, then clipped):
//   y = clip(((x ^ gamma) - 0.5) * contrast + 0.5 + offset, 0, 1), inverted (1 - y) with
//   probability `invertProbability`; gamma is drawn log-uniformly, contrast and offset uniformly;
//   then mapped back onto [low, high], so the recipe meets the source's own units (its noise
//   may be absolute: CARE's Poisson counts, a dtype's range).
// Scale jitter: the HR is resampled by a factor drawn log-uniformly in [1/j, j] (scikit-image's
//   rescale, order 1, anti-aliased when shrinking), i.e. the nominal pixel size times 1/factor.
// Noise ranges per sample are the recipe's business: give a recipe parameter as [lo, hi] and
// crappify draws it per call (PSSR2's per-sample noise), e.g. EM_NOISE_RANGES.
import type { Plane } from "../image/image.js";
import { percentiles } from "../image/percentile.js";
import { rescale } from "../image/resize.js";
import { Rng } from "../crappify/rng.js";
import type { RecipeSpec } from "../crappify/crappify.js";
import { invalidArgument } from "../errors.js";

export interface AugmentSpec {
  /** Contrast factor range around mid-grey (1 = unchanged). */
  contrast?: [number, number];
  /** Gamma range, drawn log-uniformly (1 = unchanged). */
  gamma?: [number, number];
  /** Additive offset range, in units of the image's [0, 1] range. */
  offset?: [number, number];
  /** Probability of inverting the contrast (bright membranes become dark). */
  invertProbability?: number;
  /** Scale jitter j >= 1: the HR is resampled by a factor in [1/j, j] (log-uniform). */
  scaleJitter?: number;
}

/** The appearance augmentation of the bundled EM model (scripts/train-pretrained.mjs, bench/generalisation.ts). */
export const EM_AUGMENT: Required<AugmentSpec> = { contrast: [0.6, 1.4], gamma: [0.6, 1.6], offset: [-0.15, 0.15], invertProbability: 0.2, scaleJitter: 1.25 };

/** The appearance augmentation of the bundled fluorescence model: milder, and no inversion (fluorescence is never dark-on-bright). */
export const FLUO_AUGMENT: Required<AugmentSpec> = { contrast: [0.7, 1.3], gamma: [0.7, 1.4], offset: [-0.1, 0.1], invertProbability: 0, scaleJitter: 1.2 };

/** The named appearance augmentations (`pssr train --appearance NAME`). */
export const APPEARANCE_PRESETS = { em: EM_AUGMENT, fluo: FLUO_AUGMENT } as const;

/** pssr-em with its noise drawn per sample around the paper's 0.05 / 3 px (PSSR2-style ranges). */
export const EM_NOISE_RANGES: RecipeSpec = { name: "pssr-em", params: { localvarScale: [0.02, 0.12], localvarSigmaPx: [2, 4] } };

/** What was drawn for one (source, epoch). */
export interface AugmentDraw {
  contrast: number;
  gamma: number;
  offset: number;
  invert: boolean;
  scaleFactor: number;
}

function checkRange(name: string, r: [number, number] | undefined, lo: number): void {
  if (r === undefined) return;
  if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || r[0] > r[1] || r[0] < lo) {
    throw invalidArgument(`augmentation ${name} must be a range [lo, hi] with ${lo} <= lo <= hi, got ${JSON.stringify(r)}`);
  }
}

/** Checks a spec; throws one clear line on a bad value. */
export function checkAugmentSpec(spec: AugmentSpec): AugmentSpec {
  checkRange("contrast", spec.contrast, 0);
  checkRange("gamma", spec.gamma, 1e-3);
  checkRange("offset", spec.offset, -1);
  const p = spec.invertProbability;
  if (p !== undefined && !(p >= 0 && p <= 1)) throw invalidArgument(`augmentation invertProbability must be in [0, 1], got ${p}`);
  const j = spec.scaleJitter;
  if (j !== undefined && !(Number.isFinite(j) && j >= 1 && j <= 4)) throw invalidArgument(`augmentation scaleJitter must be in [1, 4], got ${j}`);
  return spec;
}

const uniformIn = (rng: Rng, [lo, hi]: [number, number]) => lo + (hi - lo) * rng.uniform();
const logUniformIn = (rng: Rng, [lo, hi]: [number, number]) => Math.exp(uniformIn(rng, [Math.log(lo), Math.log(hi)]));

/** Draws one set of augmentation parameters (identity for whatever the spec leaves out). */
export function drawAugment(spec: AugmentSpec, rng: Rng): AugmentDraw {
  const j = spec.scaleJitter ?? 1;
  return {
    contrast: spec.contrast ? uniformIn(rng, spec.contrast) : 1,
    gamma: spec.gamma ? logUniformIn(rng, spec.gamma) : 1,
    offset: spec.offset ? uniformIn(rng, spec.offset) : 0,
    invert: rng.uniform() < (spec.invertProbability ?? 0),
    scaleFactor: j > 1 ? logUniformIn(rng, [1 / j, j]) : 1,
  };
}

/**
 * The intensity transform of `draw` on one plane, after rescaling it to [0, 1] by `range`
 * (low, high) — the same range for all planes of a source, so a stack keeps its relative levels —
 * and back onto [low, high].
 */
export function intensityAugment(plane: Plane, draw: AugmentDraw, range: [number, number]): Plane {
  const [low, high] = range;
  const inv = 1 / (high - low || 1);
  const out = new Float32Array(plane.data.length);
  for (let i = 0; i < out.length; i++) {
    const x = Math.min(1, Math.max(0, (plane.data[i] - low) * inv));
    let y = (Math.pow(x, draw.gamma) - 0.5) * draw.contrast + 0.5 + draw.offset;
    y = Math.min(1, Math.max(0, y));
    out[i] = low + (draw.invert ? 1 - y : y) * (high - low);
  }
  return { data: out, height: plane.height, width: plane.width };
}

/**
 * Applies `spec` to a source's HR planes with a generator seeded by `seed`: scale jitter first
 * (so the tone curve acts on the pixels the model will see), then the intensity transform.
 * The result is in the source's units, within its 0.1/99.9 percentile range. Returns the planes
 * and what was drawn (for the record).
 */
export function augmentPlanes(planes: Plane[], spec: AugmentSpec, seed: number): { planes: Plane[]; draw: AugmentDraw } {
  const rng = Rng.fromSeed(seed);
  const draw = drawAugment(spec, rng);
  const resized = draw.scaleFactor === 1 ? planes : planes.map((p) => rescale(p, draw.scaleFactor, { order: 1 }));
  // One range for the whole source, from its first plane (cheap; stacks share their levels).
  const [low, high] = percentiles(resized[0].data, [0.1, 99.9]);
  return { planes: resized.map((p) => intensityAugment(p, draw, [low, high])), draw };
}
