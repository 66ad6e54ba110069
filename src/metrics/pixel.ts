// Pixel-wise fidelity metrics: PSNR, NRMSE, SSIM (scikit-image 0.19.3 semantics), MS-SSIM
// (Wang, Simoncelli & Bovik 2003) and the CARE/PSSR evaluation protocol that combines them.
//
// Argument order, for every metric of src/metrics: (prediction, groundTruth), the restored image
// first. scikit-image puts the true image first; we keep the order of `evaluate`, `pssr evaluate
// PRED GT` and the teaching notebooks, so that no call site reads differently from another.
import type { Plane } from "../image/image.js";
import { gaussianBlur, uniformFilter } from "../image/filters.js";
import { normalizeMinMse } from "../image/normalize.js";
import { blockMean } from "../image/block-mean.js";
import { invalidArgument, PssrError } from "../errors.js";
import { assertFinite, assertNonEmpty, assertSameShape } from "./validate.js";

function checkPair(gt: Plane, pred: Plane, nameA: string, nameB: string): void {
  assertNonEmpty(gt, nameA);
  assertNonEmpty(pred, nameB);
  assertSameShape(gt, pred, nameA, nameB);
  assertFinite(gt, nameA);
  assertFinite(pred, nameB);
}

function checkDataRange(dataRange: number | undefined, fn: string): number {
  if (dataRange === undefined || dataRange === null) {
    throw invalidArgument(
      `${fn}: dataRange is required for float images (the distance between the smallest and largest possible value, e.g. 255 for 8-bit data, 1 after normalisation)`,
    );
  }
  if (!Number.isFinite(dataRange) || dataRange <= 0) throw invalidArgument(`${fn}: dataRange must be a positive number, got ${dataRange}`);
  return dataRange;
}

/** Mean squared error between two same-shaped planes (float64 accumulation; symmetric). */
export function mse(a: Plane, b: Plane): number {
  checkPair(a, b, "first image", "second image");
  let s = 0;
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    s += d * d;
  }
  return s / x.length;
}

/**
 * Peak signal-to-noise ratio in dB, as skimage.metrics.peak_signal_noise_ratio(gt, pred,
 * data_range) (note skimage's order: truth first): 10 log10(dataRange^2 / MSE). `dataRange` is
 * required (pixels are float). Identical images give +Infinity (MSE 0), as in scikit-image.
 */
export function psnr(pred: Plane, gt: Plane, options: { dataRange?: number } = {}): number {
  checkPair(gt, pred, "ground truth", "prediction");
  const range = checkDataRange(options.dataRange, "psnr");
  const e = mse(pred, gt);
  if (e === 0) return Infinity;
  return 10 * Math.log10((range * range) / e);
}

export type NrmseNormalization = "euclidean" | "min-max" | "mean";

/**
 * Normalised root mean squared error, as skimage.metrics.normalized_root_mse(gt, pred,
 * normalization) (skimage: truth first; here the prediction is): sqrt(MSE) divided by sqrt(mean(gt^2)) ("euclidean", default), by
 * max(gt) - min(gt) ("min-max") or by mean(gt) ("mean"). A zero denominator (an all-zero or
 * constant ground truth) is a PssrError rather than Infinity/NaN.
 */
export function nrmse(pred: Plane, gt: Plane, options: { normalization?: NrmseNormalization } = {}): number {
  checkPair(gt, pred, "ground truth", "prediction");
  const norm = options.normalization ?? "euclidean";
  const g = gt.data;
  let denom: number;
  if (norm === "euclidean") {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    denom = Math.sqrt(s / g.length);
  } else if (norm === "min-max") {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < g.length; i++) {
      if (g[i] < lo) lo = g[i];
      if (g[i] > hi) hi = g[i];
    }
    denom = hi - lo;
  } else if (norm === "mean") {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i];
    denom = s / g.length;
  } else {
    throw invalidArgument(`unknown NRMSE normalization "${String(norm)}"; valid: euclidean, min-max, mean`);
  }
  if (denom === 0) {
    throw new PssrError("invalid-argument", `nrmse: the ground truth's ${norm} normaliser is 0 (an all-zero or constant image), so NRMSE is undefined`);
  }
  return Math.sqrt(mse(pred, gt)) / denom;
}

export interface SsimOptions {
  /** Distance between the smallest and largest possible value. Required. */
  dataRange?: number;
  /** Side of the window; default 7, or 2*int(3.5*sigma + 0.5) + 1 (11) with Gaussian weights. */
  winSize?: number;
  /** Gaussian-weighted window (sigma 1.5, truncate 3.5) instead of the uniform box. Default false. */
  gaussianWeights?: boolean;
  sigma?: number;
  K1?: number;
  K2?: number;
  /** Normalise (co)variances by NP/(NP - 1), NP = winSize^2 (skimage default true). */
  useSampleCovariance?: boolean;
}

export interface SsimMaps {
  /** Mean SSIM over the map with (winSize-1)/2 pixels cropped at every border. */
  mssim: number;
  /** Full-size SSIM map (uncropped, like skimage's `full=True` S). */
  map: Plane;
  /** Mean of the contrast-structure term (2 sxy + C2)/(sx^2 + sy^2 + C2) over the cropped map. */
  meanCs: number;
  /** Mean of the luminance term (2 ux uy + C1)/(ux^2 + uy^2 + C1) over the cropped map. */
  meanLuminance: number;
  winSize: number;
}

/** Everything ssim() computes; used by ssim(), msssim() and the widgets (full map). */
export function ssimMaps(a: Plane, b: Plane, options: SsimOptions = {}): SsimMaps {
  checkPair(a, b, "first image", "second image");
  const range = checkDataRange(options.dataRange, "ssim");
  const K1 = options.K1 ?? 0.01;
  const K2 = options.K2 ?? 0.03;
  const sigma = options.sigma ?? 1.5;
  const gaussian = options.gaussianWeights ?? false;
  if (!(K1 >= 0) || !(K2 >= 0)) throw invalidArgument(`ssim: K1 and K2 must be >= 0, got ${K1}, ${K2}`);
  if (!(sigma > 0)) throw invalidArgument(`ssim: sigma must be > 0, got ${sigma}`);
  const truncate = 3.5;
  const winSize = options.winSize ?? (gaussian ? 2 * Math.trunc(truncate * sigma + 0.5) + 1 : 7);
  if (!Number.isInteger(winSize) || winSize < 1 || winSize % 2 !== 1) throw invalidArgument(`ssim: winSize must be an odd integer, got ${winSize}`);
  if (a.height < winSize || a.width < winSize) {
    throw invalidArgument(`ssim: the ${winSize}x${winSize} window exceeds the ${a.height}x${a.width} image; pass a smaller odd winSize`);
  }
  const NP = winSize * winSize;
  const covNorm = (options.useSampleCovariance ?? true) ? NP / (NP - 1) : 1;
  const C1 = (K1 * range) ** 2;
  const C2 = (K2 * range) ** 2;
  const n = a.data.length;
  const { height: h, width: w } = a;

  // Filters are linear with weights summing to 1, so filtering mean-centred copies and adding
  // the means back changes nothing mathematically but keeps float32 variances accurate.
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a.data[i];
    mb += b.data[i];
  }
  ma /= n;
  mb /= n;
  const xa = new Float32Array(n);
  const xb = new Float32Array(n);
  const xaa = new Float32Array(n);
  const xbb = new Float32Array(n);
  const xab = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = a.data[i] - ma;
    const v = b.data[i] - mb;
    xa[i] = u;
    xb[i] = v;
    xaa[i] = u * u;
    xbb[i] = v * v;
    xab[i] = u * v;
  }
  const filt = (d: Float32Array): Float32Array => {
    const p: Plane = { data: d, height: h, width: w };
    return gaussian ? gaussianBlur(p, sigma, { truncate, mode: "reflect" }).data : uniformFilter(p, winSize, { mode: "reflect" }).data;
  };
  const ux = filt(xa);
  const uy = filt(xb);
  const uxx = filt(xaa);
  const uyy = filt(xbb);
  const uxy = filt(xab);

  const map = new Float32Array(n);
  const pad = (winSize - 1) >> 1;
  let sum = 0;
  let sumCs = 0;
  let sumL = 0;
  for (let y = 0; y < h; y++) {
    const inY = y >= pad && y < h - pad;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const cx = ux[i];
      const cy = uy[i];
      const vx = covNorm * (uxx[i] - cx * cx);
      const vy = covNorm * (uyy[i] - cy * cy);
      const vxy = covNorm * (uxy[i] - cx * cy);
      const mx = cx + ma;
      const my = cy + mb;
      const A1 = 2 * mx * my + C1;
      const A2 = 2 * vxy + C2;
      const B1 = mx * mx + my * my + C1;
      const B2 = vx + vy + C2;
      const s = (A1 * A2) / (B1 * B2);
      map[i] = s;
      if (inY && x >= pad && x < w - pad) {
        sum += s;
        sumCs += A2 / B2;
        sumL += A1 / B1;
      }
    }
  }
  const count = (h - 2 * pad) * (w - 2 * pad);
  const mssim = sum / count;
  if (!Number.isFinite(mssim)) {
    throw new PssrError(
      "invalid-argument",
      "ssim is undefined here: with K1 = 0 or K2 = 0 a constant region divides 0 by 0; use positive K1, K2",
    );
  }
  return { mssim, map: { data: map, height: h, width: w }, meanCs: sumCs / count, meanLuminance: sumL / count, winSize };
}

/**
 * Mean structural similarity, exactly as skimage.metrics.structural_similarity (0.19.3) on 2D
 * images: local means, variances and covariance from a 7x7 uniform filter (scipy
 * uniform_filter, mode "reflect"), or with `gaussianWeights` a Gaussian of sigma 1.5 truncated
 * at 3.5 sigma (11x11, mode "reflect"); sample covariance (NP/(NP-1)) by default; C1 = (K1 L)^2,
 * C2 = (K2 L)^2 with L = dataRange (required); the SSIM map is averaged after cropping
 * (winSize-1)/2 pixels at each border. Constant images are fine (C1, C2 > 0 keep it defined).
 * Wang et al. 2004 = {gaussianWeights: true, useSampleCovariance: false}.
 */
export function ssim(a: Plane, b: Plane, options: SsimOptions & { full: true }): { mssim: number; map: Plane };
export function ssim(a: Plane, b: Plane, options?: SsimOptions & { full?: false }): number;
export function ssim(a: Plane, b: Plane, options: SsimOptions & { full?: boolean } = {}): number | { mssim: number; map: Plane } {
  const r = ssimMaps(a, b, options);
  return options.full ? { mssim: r.mssim, map: r.map } : r.mssim;
}

/** Wang, Simoncelli & Bovik (2003) exponents for 5 scales. */
export const MSSSIM_WEIGHTS: readonly number[] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

export interface MsssimOptions {
  dataRange?: number;
  /** Per-scale exponents; the number of scales is their count. Default Wang 2003's five. */
  weights?: readonly number[];
  K1?: number;
  K2?: number;
  sigma?: number;
}

/**
 * Multi-scale SSIM (Wang, Simoncelli & Bovik, Asilomar 2003):
 * MS-SSIM = l_M^w_M * prod_{j=1..M} cs_j^w_j, where cs_j is the mean contrast-structure term at
 * scale j and l_M the mean luminance term at the coarsest scale M = weights.length.
 *
 * Conventions (the paper leaves them open): each scale's terms come from ssimMaps with an 11x11
 * Gaussian window (sigma 1.5, truncate 3.5, mode "reflect"), population covariance (as Wang
 * 2004) and the border cropped by 5 px; between scales the images are low-pass filtered and
 * downsampled by 2 with a 2x2 block mean, dropping an odd trailing row/column (as
 * tf.image.ssim_multiscale). Negative mean cs / l values are clamped to 0 before the power (as
 * pytorch_msssim) so the result is never NaN. The smaller side must be at least
 * 11 * 2^(M-1) px (176 for the default five scales).
 */
export function msssim(a: Plane, b: Plane, options: MsssimOptions = {}): number {
  checkPair(a, b, "first image", "second image");
  const range = checkDataRange(options.dataRange, "msssim");
  const weights = options.weights ?? MSSSIM_WEIGHTS;
  if (weights.length < 1 || weights.some((x) => !Number.isFinite(x) || x < 0)) throw invalidArgument("msssim: weights must be non-negative numbers");
  const sigma = options.sigma ?? 1.5;
  const win = 2 * Math.trunc(3.5 * sigma + 0.5) + 1;
  const minSide = win * 2 ** (weights.length - 1);
  if (Math.min(a.height, a.width) < minSide) {
    throw invalidArgument(`msssim: with ${weights.length} scales the image must be at least ${minSide}x${minSide} px, got ${a.height}x${a.width}`);
  }
  let x = a;
  let y = b;
  let result = 1;
  for (let j = 0; j < weights.length; j++) {
    const m = ssimMaps(x, y, { dataRange: range, gaussianWeights: true, sigma, useSampleCovariance: false, K1: options.K1, K2: options.K2 });
    const cs = Math.max(m.meanCs, 0);
    if (j === weights.length - 1) {
      result *= Math.max(m.meanLuminance, 0) ** weights[j] * cs ** weights[j];
    } else {
      result *= cs ** weights[j];
      x = blockMean(x, 2); // a trailing odd row/column is dropped (TF avg_pool "VALID")
      y = blockMean(y, 2);
    }
  }
  return result;
}

export interface EvaluateOptions {
  /** Skip normalizeMinMse and use `dataRange` on the raw values. Default false. */
  raw?: boolean;
  /** Data range for raw evaluation (required when raw); ignored otherwise (1 after normalisation). */
  dataRange?: number;
}

export interface EvaluateResult {
  psnr: number;
  ssim: number;
  nrmse: number;
  /** null when the image is smaller than MS-SSIM's minimum (176 px for 5 scales). */
  msssim: number | null;
  /** "normMinMse" (CARE/PSSR protocol) or "raw". */
  normalization: "normMinMse" | "raw";
  dataRange: number;
}

/**
 * The CARE/PSSR evaluation protocol (BPHO-Salk/PSSR metric_gen.py): ground truth percentile-
 * normalised (0.1 / 99.9), both images zero-meaned, prediction scaled by least squares onto the
 * ground truth (normalizeMinMse), then PSNR, SSIM (skimage defaults), NRMSE (euclidean) and
 * MS-SSIM with data range 1. With `raw`, the same metrics on the raw values with `dataRange`.
 */
export function evaluate(pred: Plane, gt: Plane, options: EvaluateOptions = {}): EvaluateResult {
  checkPair(gt, pred, "ground truth", "prediction");
  let p = pred;
  let g = gt;
  let range: number;
  if (options.raw) {
    range = checkDataRange(options.dataRange, "evaluate (raw)");
  } else {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < gt.data.length; i++) {
      if (gt.data[i] < lo) lo = gt.data[i];
      if (gt.data[i] > hi) hi = gt.data[i];
    }
    if (lo === hi) {
      throw new PssrError("invalid-argument", `the ground truth is constant (${lo}); the normMinMse evaluation is undefined (use raw evaluation with a dataRange)`);
    }
    const nm = normalizeMinMse(pred.data, gt.data);
    p = { data: nm.pred, height: pred.height, width: pred.width };
    g = { data: nm.gt, height: gt.height, width: gt.width };
    range = 1;
  }
  let ms: number | null = null;
  if (Math.min(g.height, g.width) >= 11 * 16) ms = msssim(p, g, { dataRange: range });
  return {
    psnr: psnr(p, g, { dataRange: range }),
    ssim: ssim(p, g, { dataRange: range }),
    nrmse: nrmse(p, g),
    msssim: ms,
    normalization: options.raw ? "raw" : "normMinMse",
    dataRange: range,
  };
}
