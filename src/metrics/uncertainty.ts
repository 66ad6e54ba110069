// Reliability measures of a restoration: CARE's ensemble disagreement (a generalised
// Jensen-Shannon divergence of Laplace members), Laplace intervals and their calibration on
// held-out data, and how well a map ranks the real error (Spearman on block means, AUC of
// flagging the worst blocks).
//
// Laplace convention (CARE's head, scipy.stats.laplace): density exp(-|x - mu| / b) / (2b),
// b the "scale" (mean absolute deviation; standard deviation b*sqrt(2)). The central
// P-interval is mu +- b * (-ln(1 - P)).
//
// None of these numbers is a guarantee: they say where the networks are unsure or disagree,
// not that a confident pixel is right, and never license intensity quantification.
import type { Plane } from "../image/image.js";
import { invalidArgument } from "../errors.js";
import { pearson } from "./errormap.js";
import { blockMean } from "../image/block-mean.js";

const LN2 = Math.LN2;

// 8-point Gauss-Legendre nodes/weights on [-1, 1] (the integrand is smooth between the grid
// points: the mixture density's only kinks are at the members' means, which are grid points).
const GL_X = [-0.9602898564975363, -0.7966664774136267, -0.525532409916329, -0.1834346424956498, 0.1834346424956498, 0.525532409916329, 0.7966664774136267, 0.9602898564975363];
const GL_W = [0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.362683783378362, 0.362683783378362, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763];
// Grid offsets around each member's mean, in units of its scale: dense near the peak,
// geometric in the tails, up to 45 b (where the remaining tail mass is e^-45). Measured against
// scipy quad: under 1e-9 bits (the test asks 1e-3).
const OFFSETS = [0, 1, 3, 8, 20, 45];

/** Reusable buffers for one disagreement computation with K members. */
export class JsdWorkspace {
  readonly points: Float64Array;
  constructor(readonly k: number) {
    this.points = new Float64Array(k * (2 * OFFSETS.length - 1));
  }
}

/**
 * Generalised Jensen-Shannon divergence, in bits, of K Laplace distributions (mu[k], b[k]):
 * the mean over members of KL(member k || uniform mixture of the members), computed as
 * H(mixture) - mean_k H(member k) with H(Laplace b) = 1 + ln(2b) nats and H(mixture) by
 * Gauss-Legendre quadrature on a grid built from every member's mean and scale.
 * 0 for identical members; log2(K) for members that do not overlap.
 */
export function laplaceJsdBits(mu: ArrayLike<number>, b: ArrayLike<number>, ws: JsdWorkspace = new JsdWorkspace(mu.length)): number {
  const K = mu.length;
  if (K < 2) return 0;
  let same = true;
  let meanEntropy = 0;
  for (let k = 0; k < K; k++) {
    if (!(b[k] > 0) || !Number.isFinite(mu[k])) throw invalidArgument(`laplace disagreement: member ${k} has mean ${mu[k]} and scale ${b[k]}; the scale must be > 0 and the mean finite`);
    meanEntropy += 1 + Math.log(2 * b[k]);
    if (mu[k] !== mu[0] || b[k] !== b[0]) same = false;
  }
  if (same) return 0;
  meanEntropy /= K;
  const pts = ws.points;
  let n = 0;
  for (let k = 0; k < K; k++) {
    pts[n++] = mu[k];
    for (let j = 1; j < OFFSETS.length; j++) {
      pts[n++] = mu[k] - OFFSETS[j] * b[k];
      pts[n++] = mu[k] + OFFSETS[j] * b[k];
    }
  }
  const sorted = pts.subarray(0, n).sort();
  let h = 0;
  for (let i = 0; i + 1 < n; i++) {
    const a = sorted[i];
    const c = sorted[i + 1];
    const half = (c - a) / 2;
    if (!(half > 0)) continue;
    const mid = (a + c) / 2;
    let seg = 0;
    for (let q = 0; q < 8; q++) {
      const x = mid + half * GL_X[q];
      let m = 0;
      for (let k = 0; k < K; k++) m += Math.exp(-Math.abs(x - mu[k]) / b[k]) / (2 * b[k]);
      m /= K;
      if (m > 0) seg -= GL_W[q] * m * Math.log(m);
    }
    h += seg * half;
  }
  // Quadrature error is far below 1e-6 bits; clamp the sign of the last digits.
  return Math.max(0, (h - meanEntropy) / LN2);
}

/**
 * Per-pixel disagreement of K Laplace members (each a plane of means and one of scales, all
 * the same size and in the same units): laplaceJsdBits at every pixel.
 */
export function laplaceDisagreement(means: Float32Array[], scales: Float32Array[]): Float32Array {
  const K = means.length;
  if (K < 2) throw invalidArgument(`a disagreement needs at least 2 members, got ${K}`);
  if (scales.length !== K) throw invalidArgument(`${K} mean maps but ${scales.length} scale maps`);
  const n = means[0].length;
  for (const a of [...means, ...scales]) if (a.length !== n) throw invalidArgument("member maps differ in size");
  const out = new Float32Array(n);
  const mu = new Float64Array(K);
  const b = new Float64Array(K);
  const ws = new JsdWorkspace(K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      mu[k] = means[k][i];
      b[k] = scales[k][i];
    }
    out[i] = laplaceJsdBits(mu, b, ws);
  }
  return out;
}

/** Per-pixel population standard deviation of the members' means (the cheap disagreement map). */
export function ensembleStd(means: Float32Array[]): Float32Array {
  const K = means.length;
  const n = means[0].length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += means[k][i];
    const mu = s / K;
    let v = 0;
    for (let k = 0; k < K; k++) v += (means[k][i] - mu) ** 2;
    out[i] = Math.sqrt(v / K);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Intervals and calibration

/** Half-width of the central P-interval of a Laplace with scale 1: -ln(1 - P). */
export function laplaceQuantileFactor(p: number): number {
  if (!(p > 0 && p < 1)) throw invalidArgument(`an interval level must be between 0 and 1 (exclusive), got ${p}`);
  return -Math.log(1 - p);
}

/**
 * Recalibration of a Laplace scale, fitted on held-out (validation) pixels.
 * - "factor": one multiplier c on the scale (the Laplace maximum-likelihood fit, c = mean |r| / b).
 * - "quantile": a monotone map from level P to the half-width in predicted scales, the empirical
 *   quantiles of |r| / b at `levels` (interpolated between them); exact on the fitting data for
 *   every listed level whatever the residuals' shape. `factor` is still given (for scale maps).
 */
export interface ScaleCalibration {
  method: "factor" | "quantile";
  factor: number;
  /** Interval levels (ascending) and the |r|/b quantile at each ("quantile" only). */
  levels?: number[];
  halfWidths?: number[];
  /** Pixels the fit used, and where they came from. */
  pixels: number;
  source?: string;
}

export const CALIBRATION_LEVELS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.925, 0.95, 0.975, 0.99];

/**
 * Fits a calibration from held-out truth, predicted means and predicted scales (same units).
 * Non-finite values are a PssrError; fewer than 100 pixels is refused (too few for quantiles).
 */
export function fitScaleCalibration(truth: ArrayLike<number>, mean: ArrayLike<number>, scale: ArrayLike<number>, method: "factor" | "quantile" = "quantile", source?: string): ScaleCalibration {
  const n = truth.length;
  if (mean.length !== n || scale.length !== n) throw invalidArgument("calibration: truth, mean and scale differ in length");
  if (n < 100) throw invalidArgument(`calibration needs at least 100 held-out pixels, got ${n}`);
  const z = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const r = Math.abs(truth[i] - mean[i]) / scale[i];
    if (!Number.isFinite(r)) throw invalidArgument(`calibration: pixel ${i} gives a non-finite normalised residual (scale ${scale[i]})`);
    z[i] = r;
    sum += r;
  }
  const factor = sum / n;
  if (method === "factor") return { method, factor, pixels: n, ...(source ? { source } : {}) };
  z.sort();
  const halfWidths = CALIBRATION_LEVELS.map((p) => {
    // numpy 'linear' quantile of the sorted normalised residuals.
    const pos = (n - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return z[lo] + (z[hi] - z[lo]) * (pos - lo);
  });
  // Quantiles of a sorted sample are non-decreasing: the map is monotone in P by construction.
  return { method, factor, levels: [...CALIBRATION_LEVELS], halfWidths, pixels: n, ...(source ? { source } : {}) };
}

/**
 * Half-width of the central P-interval in units of the predicted scale, after calibration:
 * c * (-ln(1 - P)) for "factor" (or no calibration: c = 1); for "quantile", interpolated
 * between the fitted levels linearly in -ln(1 - P), and beyond them the end level's ratio.
 */
export function intervalHalfWidth(p: number, cal?: ScaleCalibration | null): number {
  const base = laplaceQuantileFactor(p);
  if (!cal) return base;
  if (cal.method === "factor" || !cal.levels || !cal.halfWidths) return cal.factor * base;
  const L = cal.levels;
  const Hw = cal.halfWidths;
  const t = (q: number) => -Math.log(1 - q);
  if (p <= L[0]) return (Hw[0] / t(L[0])) * base;
  const last = L.length - 1;
  if (p >= L[last]) return (Hw[last] / t(L[last])) * base;
  let i = 0;
  while (L[i + 1] < p) i++;
  const f = (base - t(L[i])) / (t(L[i + 1]) - t(L[i]));
  return Hw[i] + f * (Hw[i + 1] - Hw[i]);
}

/** Lower and upper bounds of the central P-interval, per pixel. */
export function laplaceInterval(mean: ArrayLike<number>, scale: ArrayLike<number>, p: number, cal?: ScaleCalibration | null): { lower: Float32Array; upper: Float32Array } {
  const k = intervalHalfWidth(p, cal);
  const lower = new Float32Array(mean.length);
  const upper = new Float32Array(mean.length);
  for (let i = 0; i < mean.length; i++) {
    lower[i] = mean[i] - k * scale[i];
    upper[i] = mean[i] + k * scale[i];
  }
  return { lower, upper };
}

/** Fraction of pixels whose truth lies inside [lower, upper]. */
export function coverage(truth: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  let inside = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] >= lower[i] && truth[i] <= upper[i]) inside++;
  return inside / truth.length;
}

/** Observed coverage at each nominal level: the points of a reliability diagram. */
export function reliabilityDiagram(truth: ArrayLike<number>, mean: ArrayLike<number>, scale: ArrayLike<number>, levels: readonly number[], cal?: ScaleCalibration | null): { nominal: number; observed: number }[] {
  return levels.map((p) => {
    const { lower, upper } = laplaceInterval(mean, scale, p, cal);
    return { nominal: p, observed: coverage(truth, lower, upper) };
  });
}

// ---------------------------------------------------------------------------------------------
// Does a map point at the errors?

/** Ranks 1..n with ties given their average rank (as scipy.stats.rankdata). */
export function rankData(v: ArrayLike<number>): Float64Array {
  const n = v.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && v[idx[j + 1]] === v[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) r[idx[t]] = avg;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation (ties averaged, as scipy.stats.spearmanr). NaN when one side is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw invalidArgument(`spearman: ${a.length} values against ${b.length}`);
  if (a.length < 3) throw invalidArgument("spearman needs at least 3 values");
  return pearson(rankData(a), rankData(b), NaN);
}

/**
 * Area under the ROC curve of `score` for flagging the items whose `error` is among the worst
 * `fraction` (the ceil(fraction * n) largest errors, ties at the cut included); ties in score
 * count one half (the Mann-Whitney U statistic over n_pos * n_neg).
 */
export function aucWorstFraction(score: ArrayLike<number>, error: ArrayLike<number>, fraction = 0.1): number {
  const n = score.length;
  if (error.length !== n) throw invalidArgument(`auc: ${n} scores against ${error.length} errors`);
  if (!(fraction > 0 && fraction < 1)) throw invalidArgument(`auc: the flagged fraction must be in (0, 1), got ${fraction}`);
  const sortedErr = Float64Array.from(error).sort();
  const cut = sortedErr[n - Math.ceil(fraction * n)];
  const ranks = rankData(score);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (error[i] >= cut) {
      nPos++;
      rankSum += ranks[i];
    }
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export interface ErrorRanking {
  spearman: number;
  auc: number;
  blocks: number;
}

/**
 * How well a per-pixel map ranks the real absolute error |prediction - truth|: both reduced to
 * `blockPx` block means, then the Spearman correlation and the AUC of flagging the worst
 * `fraction` of blocks.
 */
export function errorRanking(map: Plane, prediction: Plane, truth: Plane, options: { blockPx?: number; fraction?: number } = {}): ErrorRanking {
  if (map.height !== truth.height || map.width !== truth.width || prediction.height !== truth.height || prediction.width !== truth.width) {
    throw invalidArgument(`map ${map.height}x${map.width}, prediction ${prediction.height}x${prediction.width} and truth ${truth.height}x${truth.width} must be the same size`);
  }
  const m = options.blockPx ?? 8;
  const err = new Float32Array(truth.data.length);
  for (let i = 0; i < err.length; i++) err[i] = Math.abs(prediction.data[i] - truth.data[i]);
  const eb = blockMean({ data: err, height: truth.height, width: truth.width }, m);
  const mb = blockMean(map, m);
  return { spearman: spearman(mb.data, eb.data), auc: aucWorstFraction(mb.data, eb.data, options.fraction ?? 0.1), blocks: eb.data.length };
}
