// NanoJ-SQUIRREL error map (Culley et al., Nat Methods 15:263, 2018): how well a restoration,
// blurred back to the reference's resolution and intensity scale, reproduces the reference.
// Follows the CPU ("UNIQORN") variant: a bounded 1D search over the resolution-scaling sigma
// with alpha, beta solved in closed form for each trial sigma.
import type { Plane } from "../image/image.js";
import { gaussianBlur } from "../image/filters.js";
import { blockMean } from "../image/block-mean.js";
import { fitLine } from "../image/line-fit.js";
import { invalidArgument, PssrError } from "../errors.js";
import { minimizeBounded } from "./minimize.js";
import { assertFinite, assertNonEmpty, assertNotConstant } from "./validate.js";

export interface ErrorMapOptions {
  /** [min, max] of the Gaussian sigma searched, in restored-image pixels. Default [0, 5 x magnification]. */
  sigmaRangePx?: readonly [number, number];
  /** Fix sigma instead of searching (restored-image pixels). */
  sigmaPx?: number;
  /** Absolute tolerance of the sigma search in restored pixels (default 1e-3). */
  sigmaTolPx?: number;
}

export interface ErrorMapResult {
  /** |reference - (alpha * D(G_sigma * restored) + beta)| on the reference grid. */
  map: Plane;
  /** alpha * D(G_sigma * restored) + beta: the restoration seen at the reference's resolution. */
  resolutionScaled: Plane;
  /** Resolution-scaled error: RMSE between the reference and resolutionScaled. */
  rse: number;
  /** Resolution-scaled Pearson correlation between the reference and resolutionScaled. */
  rsp: number;
  /** Gaussian sigma of the resolution-scaling function, in restored-image pixels. */
  sigmaPx: number;
  /** The same sigma in reference pixels (sigmaPx / magnification). */
  sigmaReferencePx: number;
  alpha: number;
  beta: number;
  /** Restored pixels per reference pixel along each axis. */
  magnification: number;
  /** True when the best sigma sits at the top of the search range (NanoJ's "overblur" warning). */
  atUpperBound: boolean;
}

/** Closed-form least squares reference ~ alpha * x + beta. */
function fitAffine(ref: Float32Array, x: Float32Array): { alpha: number; beta: number; rmse: number } {
  const n = ref.length;
  const { slope: alpha, intercept: beta } = fitLine(x, ref);
  let se = 0;
  for (let i = 0; i < n; i++) {
    const d = ref[i] - (alpha * x[i] + beta);
    se += d * d;
  }
  return { alpha, beta, rmse: Math.sqrt(se / n) };
}

/** Pearson correlation of two equal-length arrays; `whenConstant` when either has no variance. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>, whenConstant = 0): number {
  const { sxx, sxy, syy } = fitLine(a, b);
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : whenConstant;
}

/**
 * NanoJ-SQUIRREL error map of a restoration (first argument, as every metric takes it) against a
 * reference of the same field (e.g. the real high-resolution acquisition or a widefield image);
 * the restoration is on the reference's grid or an integer factor m finer in both axes.
 *
 * For a trial sigma (restored pixels) the restoration is blurred with a Gaussian (scipy-style
 * sampled kernel, truncate 4, "nearest" edges) and downsampled to the reference grid by m x m
 * block means (D); alpha and beta then follow in closed form from least squares
 * reference ~ alpha * D(G_sigma * restored) + beta (the Gaussian has unit sum, so this equals
 * blurring alpha * restored + beta). Sigma minimises the RMSE by Brent's bounded search on
 * `sigmaRangePx` (default [0, 5 m], as UNIQORN without "smart boundary").
 *
 * Returns the error map |reference - resolutionScaled| on the reference grid (NanoJ shows it on
 * the restored grid against a bicubic-upscaled reference; on the reference grid nothing is
 * interpolated), RSE (RMSE) and RSP (Pearson correlation).
 */
export function errorMap(restored: Plane, reference: Plane, options: ErrorMapOptions = {}): ErrorMapResult {
  assertNonEmpty(reference, "reference");
  assertNonEmpty(restored, "restored image");
  assertFinite(reference, "reference");
  assertFinite(restored, "restored image");
  assertNotConstant(reference, "the reference", "the error map's intensity fit");
  assertNotConstant(restored, "the restored image", "the error map's intensity fit");
  const my = restored.height / reference.height;
  const mx = restored.width / reference.width;
  if (!Number.isInteger(my) || my !== mx || my < 1) {
    throw new PssrError(
      "shape-mismatch",
      `the restored image (${restored.height}x${restored.width}) must be the reference (${reference.height}x${reference.width}) magnified by the same whole factor in both axes`,
    );
  }
  const m = my;
  const [lo, hi] = options.sigmaRangePx ?? [0, 5 * m];
  if (!(lo >= 0) || !(hi >= lo) || !Number.isFinite(hi)) throw invalidArgument(`sigmaRangePx must be [min, max] with 0 <= min <= max, got [${lo}, ${hi}]`);

  const scaledAt = (sigma: number): Float32Array => {
    const blurred = sigma > 1e-6 ? gaussianBlur(restored, sigma, { mode: "nearest" }) : restored;
    return blockMean(blurred, m).data;
  };
  let sigma: number;
  if (options.sigmaPx !== undefined) {
    if (!(options.sigmaPx >= 0)) throw invalidArgument(`sigmaPx must be >= 0, got ${options.sigmaPx}`);
    sigma = options.sigmaPx;
  } else {
    const res = minimizeBounded((s) => fitAffine(reference.data, scaledAt(s)).rmse, lo, hi, { xtol: options.sigmaTolPx ?? 1e-3 });
    sigma = res.x;
  }
  const x = scaledAt(sigma);
  const { alpha, beta, rmse } = fitAffine(reference.data, x);
  const scaled = new Float32Array(x.length);
  const map = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    scaled[i] = alpha * x[i] + beta;
    map[i] = Math.abs(reference.data[i] - scaled[i]);
  }
  const range = hi - lo;
  return {
    map: { data: map, height: reference.height, width: reference.width },
    resolutionScaled: { data: scaled, height: reference.height, width: reference.width },
    rse: rmse,
    rsp: pearson(reference.data, scaled),
    sigmaPx: sigma,
    sigmaReferencePx: sigma / m,
    alpha,
    beta,
    magnification: m,
    atUpperBound: options.sigmaPx === undefined && range > 0 && hi - sigma < 1e-3 * Math.max(1, range),
  };
}
