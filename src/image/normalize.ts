// Intensity normalisations: CSBDeep percentile normalisation, min-max, and the CARE/PSSR
// least-squares ("min MSE") scaling used before PSNR/SSIM evaluation.

import { PssrError } from "../errors.js";
import { percentiles } from "./percentile.js";
import { fitLine } from "./line-fit.js";

export interface PercentileNormalizeOptions {
  /** Low percentile mapped to 0 (default 3, CSBDeep's default). */
  pmin?: number;
  /** High percentile mapped to 1 (default 99.8, CSBDeep's default). */
  pmax?: number;
  /** Clip the result to [0, 1] (default false). */
  clip?: boolean;
  /** Added to the denominator so a flat image does not divide by zero (default 1e-20). */
  eps?: number;
}

/**
 * Percentile normalisation as CSBDeep's `csbdeep.utils.normalize(x, pmin, pmax, clip, eps)`:
 * `(x - P_pmin) / (P_pmax - P_pmin + eps)`, percentiles as numpy's default ('linear').
 * Returns the normalised copy and the two percentile values used.
 *
 * Weigert et al., "Content-aware image restoration", Nature Methods 15 (2018).
 */
export function normalizePercentile(
  data: Float32Array,
  opts: PercentileNormalizeOptions = {},
): { data: Float32Array; low: number; high: number } {
  const pmin = opts.pmin ?? 3;
  const pmax = opts.pmax ?? 99.8;
  const eps = opts.eps ?? 1e-20;
  if (!(pmin >= 0 && pmax <= 100 && pmin < pmax)) {
    throw new PssrError("invalid-argument", `percentiles must satisfy 0 <= pmin < pmax <= 100, got pmin=${pmin}, pmax=${pmax}`);
  }
  const [low, high] = percentiles(data, [pmin, pmax]);
  const out = applyPercentileRange(data, low, high, eps);
  if (opts.clip) clipInPlace(out, 0, 1);
  return { data: out, low, high };
}

/**
 * Applies a percentile normalisation whose percentiles are known: `(x - low) / (high - low + eps)`
 * (as a product with the reciprocal) into `out`, a new array unless given (it may be `data` itself).
 * Training, prediction and chunked prediction share it, so a model sees inputs scaled alike.
 */
export function applyPercentileRange(data: ArrayLike<number>, low: number, high: number, eps = 1e-20, out = new Float32Array(data.length)): Float32Array {
  const scale = 1 / (high - low + eps);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] - low) * scale;
  return out;
}

/**
 * Min-max normalisation to [0, 1]: `(x - min) / (max - min)`. A constant image maps to zeros.
 * NaN is a PssrError.
 */
export function normalizeMinMax(
  data: Float32Array,
  opts: { clip?: boolean } = {},
): { data: Float32Array; min: number; max: number } {
  if (data.length === 0) throw new PssrError("empty-image", "cannot normalise an empty image");
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) throw new PssrError("non-finite-pixels", `cannot normalise: value ${i} is NaN`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  const scale = range > 0 ? 1 / range : 0;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i] - min) * scale;
  if (opts.clip) clipInPlace(out, 0, 1);
  return { data: out, min, max };
}

/**
 * The CARE/PSSR evaluation normalisation (BPHO-Salk/PSSR `metric_gen.py::norm_minmse`):
 * 1. `gt` is percentile-normalised with pmin 0.1, pmax 99.9, no clipping (CSBDeep `normalize`);
 * 2. both images are shifted to zero mean;
 * 3. `pred` is multiplied by `cov(pred, gt) / var(pred)`, the least-squares scale.
 *
 * As in metric_gen.py the covariance is numpy's `np.cov` (ddof 1) and the variance `np.var`
 * (ddof 0), so the scale is n/(n-1) times the exact least-squares one (negligible for images;
 * kept for parity with the published numbers). Any affine change of `pred` leaves the result
 * unchanged. Returns new arrays: `{pred, gt}` (both zero-mean), ready for PSNR/SSIM with
 * data range 1. A constant `pred` comes back as zeros (numpy would give NaN).
 */
export function normalizeMinMse(pred: Float32Array, gt: Float32Array): { pred: Float32Array; gt: Float32Array } {
  const n = gt.length;
  if (pred.length !== n) {
    throw new PssrError("shape-mismatch", `prediction has ${pred.length} pixels but ground truth has ${n}`);
  }
  if (n < 2) throw new PssrError("empty-image", "normalizeMinMse needs at least 2 pixels");
  const gtNorm = normalizePercentile(gt, { pmin: 0.1, pmax: 99.9, clip: false }).data;
  const meanGt = mean(gtNorm);
  let meanPred = 0;
  for (let i = 0; i < n; i++) {
    const v = pred[i];
    if (v !== v) throw new PssrError("non-finite-pixels", `prediction value ${i} is NaN`);
    meanPred += v;
  }
  meanPred /= n;
  const gtOut = new Float32Array(n);
  const predOut = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    gtOut[i] = gtNorm[i] - meanGt;
    predOut[i] = pred[i] - meanPred;
  }
  // Moments of the float32 zero-mean copies, as numpy sees them (re-centred: np.cov subtracts
  // the residual mean again, np.var too).
  const { sxx, sxy } = fitLine(predOut, gtOut);
  const cov = sxy / (n - 1);
  const variance = sxx / n;
  const scale = variance > 0 ? cov / variance : 0;
  for (let i = 0; i < n; i++) predOut[i] = predOut[i] * scale;
  return { pred: predOut, gt: gtOut };
}

function mean(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function clipInPlace(a: Float32Array, lo: number, hi: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    a[i] = v < lo ? lo : v > hi ? hi : v;
  }
}
