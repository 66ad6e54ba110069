// Calibration of the `physical` recipe to one real low-resolution acquisition: estimate its
// Poisson-Gaussian noise curve (variance = gain * (mean - offset) + readNoiseVariance, Foi et
// al., "Practical Poissonian-Gaussian noise modeling and fitting for single-image raw-data",
// IEEE TIP 17:1737, 2008), fit it, and return recipe parameters whose synthetic output has the
// same curve, with both curves for plotting.
//
// Estimator: a per-pixel high-pass residual r = ([1,-2,1] x [1,-2,1]) * image / 6 (blind to
// constant and linear structure; its variance is the pixel noise variance for white noise) is
// binned by a 5x5 local mean; within each bin only the smoothest half of the pixels (lowest
// local gradient) is kept and the variance is estimated robustly as (1.4826 * MAD(r))^2. The
// zero-sum residual kernel makes r uncorrelated with the local mean and with the gradient used
// for selection, so neither the binning nor the selection biases the variance.
import type { DType, Image, Plane } from "../image/image.js";
import { getPlane, planeCount } from "../image/image.js";
import { uniformFilter, gaussianBlur } from "../image/filters.js";
import { blockMean } from "../image/block-mean.js";
import { fitLine } from "../image/line-fit.js";
import { PssrError, invalidArgument } from "../errors.js";
import { crappify, type RecipeSpec } from "./crappify.js";
import type { ParamValue } from "./params.js";
import { detectorNoise, quantize } from "./operators.js";
import { Rng } from "./rng.js";

export interface NoiseCurvePoint {
  /** Mean local intensity of the pixels in the bin (input units). */
  mean: number;
  /** Robust noise variance in the bin (input units squared). */
  variance: number;
  /** Pixels that contributed. */
  count: number;
  /** Index of the intensity bin (into binEdges). */
  bin: number;
}

export interface NoiseCurveOptions {
  /** Number of intensity bins (equal-count quantile bins). Default 10. */
  bins?: number;
  /** Fraction of pixels left out at each end of the intensity range (the sparse, structure-dominated tails). Default 0.02. */
  tailFraction?: number;
  /** Explicit bin edges (ascending); overrides `bins` (used to compare two images bin by bin). */
  binEdges?: readonly number[];
  /** Fraction of the smoothest pixels kept per bin. Default 0.5. */
  keepFraction?: number;
  /** Bins with fewer pixels are dropped. Default 200. */
  minCount?: number;
}

export interface NoiseCurve {
  points: NoiseCurvePoint[];
  binEdges: number[];
}

function assertFinitePlane(p: Plane, what: string): void {
  for (let i = 0; i < p.data.length; i++) {
    if (!Number.isFinite(p.data[i])) throw new PssrError("non-finite-pixels", `${what} has a non-finite pixel at index ${i}`);
  }
}

function median(values: Float32Array | Float64Array): number {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/** Measures the noise variance as a function of local mean intensity (see the file comment). */
export function estimateNoiseCurve(plane: Plane, options: NoiseCurveOptions = {}): NoiseCurve {
  const { height: h, width: w, data } = plane;
  if (h < 16 || w < 16) throw invalidArgument(`noise estimation needs an image of at least 16x16 pixels, got ${h}x${w}`);
  assertFinitePlane(plane, "the image");
  const keep = options.keepFraction ?? 0.5;
  const minCount = options.minCount ?? 200;
  if (!(keep > 0 && keep <= 1)) throw invalidArgument(`keepFraction must be in (0, 1], got ${keep}`);
  const mean5 = uniformFilter(plane, 5, { mode: "reflect" }).data;
  // Interior pixels only (3 px border): residual support 3x3, gradient support 5x7.
  const border = 3;
  const nIn = (h - 2 * border) * (w - 2 * border);
  const res = new Float32Array(nIn);
  const loc = new Float32Array(nIn);
  const grad = new Float32Array(nIn);
  let k = 0;
  for (let y = border; y < h - border; y++) {
    for (let x = border; x < w - border; x++) {
      const i = y * w + x;
      const a = data[i - w - 1] - 2 * data[i - w] + data[i - w + 1];
      const b = data[i - 1] - 2 * data[i] + data[i + 1];
      const c = data[i + w - 1] - 2 * data[i + w] + data[i + w + 1];
      res[k] = (a - 2 * b + c) / 6;
      loc[k] = mean5[i];
      // Slope and curvature of the 5x5 mean at step 1: their supports miss the residual's
      // 3 columns (rows), so they are uncorrelated with it.
      const gx = mean5[i + 1] - mean5[i - 1];
      const gy = mean5[i + w] - mean5[i - w];
      const cxx = mean5[i + 1] + mean5[i - 1] - 2 * mean5[i];
      const cyy = mean5[i + w] + mean5[i - w] - 2 * mean5[i];
      grad[k] = gx * gx + gy * gy + 4 * (cxx * cxx + cyy * cyy);
      k++;
    }
  }
  let edges: number[];
  if (options.binEdges) {
    edges = [...options.binEdges];
    for (let i = 1; i < edges.length; i++) if (!(edges[i] > edges[i - 1])) throw invalidArgument("binEdges must be strictly ascending");
  } else {
    const bins = options.bins ?? 10;
    const tail = options.tailFraction ?? 0.02;
    if (!(tail >= 0 && tail < 0.5)) throw invalidArgument(`tailFraction must be in [0, 0.5), got ${tail}`);
    if (!Number.isInteger(bins) || bins < 1) throw invalidArgument(`bins must be a positive integer, got ${bins}`);
    const sorted = Float32Array.from(loc).sort();
    edges = [];
    for (let j = 0; j <= bins; j++) edges.push(sorted[Math.min(nIn - 1, Math.round((tail + (j / bins) * (1 - 2 * tail)) * (nIn - 1)))]);
    if (tail === 0) edges[bins] = edges[bins] + Math.max(1e-6, Math.abs(edges[bins]) * 1e-6);
    edges = edges.filter((e, j) => j === 0 || e > edges[j - 1]);
  }
  const nb = edges.length - 1;
  // Group pixel indices by bin.
  const binOf = new Int32Array(nIn);
  const counts = new Int32Array(nb);
  for (let i = 0; i < nIn; i++) {
    const v = loc[i];
    let lo = 0;
    let hi = nb;
    if (v < edges[0] || v >= edges[nb]) {
      binOf[i] = -1;
      continue;
    }
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (v >= edges[mid]) lo = mid;
      else hi = mid;
    }
    binOf[i] = lo;
    counts[lo]++;
  }
  const starts = new Int32Array(nb + 1);
  for (let j = 0; j < nb; j++) starts[j + 1] = starts[j] + counts[j];
  const order = new Int32Array(starts[nb]);
  const fill = starts.slice(0, nb);
  for (let i = 0; i < nIn; i++) if (binOf[i] >= 0) order[fill[binOf[i]]++] = i;

  const points: NoiseCurvePoint[] = [];
  for (let j = 0; j < nb; j++) {
    const n = counts[j];
    if (n === 0) continue;
    const idx = order.subarray(starts[j], starts[j + 1]);
    const g = new Float64Array(n);
    for (let t = 0; t < n; t++) g[t] = grad[idx[t]];
    const sortedG = Float64Array.from(g).sort();
    const gMax = sortedG[Math.min(n - 1, Math.max(0, Math.ceil(keep * n) - 1))];
    const r: number[] = [];
    let msum = 0;
    for (let t = 0; t < n; t++) {
      if (g[t] <= gMax) {
        r.push(res[idx[t]]);
        msum += loc[idx[t]];
      }
    }
    if (r.length < minCount) continue;
    points.push({ mean: msum / r.length, variance: clippedVariance(Float64Array.from(r)), count: r.length, bin: j });
  }
  return { points, binEdges: edges };
}

// Variance of a standard normal truncated to |z| < 3 (to undo the clipping bias).
const TRUNCATED_VARIANCE_3SIGMA = 1 - (2 * 3 * Math.exp(-4.5)) / Math.sqrt(2 * Math.PI) / 0.9973002039367398;

/**
 * Robust variance: start from the MAD, then three rounds of 3-sigma clipping around the median,
 * the clipped second moment divided by the truncated-normal factor. Unlike the MAD alone it
 * stays continuous on photon-quantised data (few distinct residual values).
 */
export function clippedVariance(r: Float64Array): number {
  const med = median(r);
  const dev = new Float64Array(r.length);
  for (let t = 0; t < r.length; t++) dev[t] = Math.abs(r[t] - med);
  let sigma = 1.482602218505602 * median(dev);
  if (!(sigma > 0)) {
    let s2 = 0;
    for (let t = 0; t < r.length; t++) s2 += dev[t] * dev[t];
    return s2 / r.length;
  }
  for (let iter = 0; iter < 3; iter++) {
    const limit = 3 * sigma;
    let s2 = 0;
    let n = 0;
    for (let t = 0; t < r.length; t++) {
      if (dev[t] < limit) {
        s2 += dev[t] * dev[t];
        n++;
      }
    }
    sigma = Math.sqrt(s2 / n / TRUNCATED_VARIANCE_3SIGMA);
  }
  return sigma * sigma;
}

export interface PoissonGaussianFit {
  /** |slope| of variance vs mean: the detector gain in input units per photon. */
  gain: number;
  /** True when the variance falls with the mean (inverted contrast: offset - gain * photons). */
  inverted: boolean;
  /** Black level: the mean at which the shot-noise term vanishes. */
  offset: number;
  /** Variance of the signal-independent (read) noise. */
  readNoiseVariance: number;
  /** The fitted line variance = slope * mean + intercept. */
  slope: number;
  intercept: number;
  /** Root mean square of (fit - measured) / measured over the bins. */
  residual: number;
  /** Largest |fit - measured| / measured over the bins. */
  maxRelativeError: number;
}

/**
 * Weighted least-squares fit of variance = a * mean + b (weights count / variance^2, the inverse
 * variance of a variance estimate, iterated on the fitted values). `offset` fixes the black
 * level when known; otherwise it is 0 unless the intercept is negative, in which case the read
 * noise is taken as 0 and the offset as -b/a (the pedestal of Foi et al.).
 */
export function fitPoissonGaussian(points: readonly NoiseCurvePoint[], options: { offset?: number } = {}): PoissonGaussianFit {
  if (points.length < 2) throw invalidArgument(`the noise curve has ${points.length} usable intensity bins; need at least 2 (image too flat or too small)`);
  let wts = points.map((p) => p.count / Math.max(p.variance, 1e-30) ** 2);
  let a = 0;
  let b = 0;
  const means = points.map((p) => p.mean);
  const variances = points.map((p) => p.variance);
  for (let iter = 0; iter < 5; iter++) {
    // Means without spread give slope 0 and the weighted mean variance as intercept.
    ({ slope: a, intercept: b } = fitLine(means, variances, wts));
    wts = points.map((p) => p.count / Math.max(a * p.mean + b, p.variance * 0.1, 1e-30) ** 2);
  }
  let sq = 0;
  let maxRel = 0;
  for (const p of points) {
    const rel = (a * p.mean + b - p.variance) / p.variance;
    sq += rel * rel;
    maxRel = Math.max(maxRel, Math.abs(rel));
  }
  // variance = a * mean + b = |a| * sign * (mean - offset) + readVar, sign = sign(a).
  const inverted = a < 0;
  let offset: number;
  let readVar: number;
  if (options.offset !== undefined) {
    offset = options.offset;
    readVar = Math.max(0, b + a * offset);
  } else if (a > 0 && b >= 0) {
    offset = 0;
    readVar = b;
  } else if (a !== 0) {
    // The pedestal: the mean where the shot noise vanishes (for inverted contrast, the white level).
    offset = -b / a;
    readVar = 0;
  } else {
    offset = 0;
    readVar = Math.max(0, b);
  }
  return { gain: Math.abs(a), inverted, offset, readNoiseVariance: readVar, slope: a, intercept: b, residual: Math.sqrt(sq / points.length), maxRelativeError: maxRel };
}

export interface CalibrateOptions {
  /** Known black level of the real LR (default: from the fit, see fitPoissonGaussian). */
  offset?: number;
  /** Seed of the synthetic check. Default 0. */
  seed?: number;
  /** Synthetic realisations averaged into the synthetic curve (its expected value). Default 4. */
  syntheticRepeats?: number;
  /** Noise-curve estimator options. */
  curve?: NoiseCurveOptions;
}

export interface CalibrationResult {
  /** The physical recipe with the fitted parameters: pass it to crappify(). */
  recipe: RecipeSpec & { name: "physical"; params: Record<string, ParamValue> };
  /** HR/LR size ratio when an HR image was given. */
  scaleFactor: number | null;
  fit: PoissonGaussianFit;
  /** The fit's relative RMS residual (same as fit.residual). */
  residual: number;
  /** Measured noise curve of the real LR. */
  realCurve: NoiseCurvePoint[];
  /** The same estimator on the fitted recipe's synthetic output (same bin edges, mean of syntheticRepeats realisations). */
  syntheticCurve: NoiseCurvePoint[];
  /** Largest |synthetic - real| / real variance over the bins both curves have. */
  curveMismatch: number;
}

function firstPlane(input: Plane | Image, what: string): { plane: Plane; dtype: DType } {
  if ((input as Image).shape !== undefined) {
    const img = input as Image;
    if (planeCount(img) < 1) throw invalidArgument(`${what} is empty`);
    return { plane: getPlane(img, 0), dtype: img.dtype };
  }
  return { plane: input as Plane, dtype: "float32" };
}

function bitDepthOf(dtype: DType): number {
  return dtype === "uint8" ? 8 : dtype === "uint16" ? 16 : 0;
}

/** Step 1: the physical recipe's detector parameters from the fitted noise curve (no intensity mapping yet). */
function detectorParams(fit: PoissonGaussianFit, gainAdu: number, bitDepth: number): Record<string, ParamValue> {
  return {
    gainAduPerPhoton: gainAdu,
    offsetAdu: fit.offset,
    readNoiseAdu: Math.sqrt(fit.readNoiseVariance),
    invertedContrast: fit.inverted,
    bitDepth,
    doseFactor: 1,
    backgroundPhotons: 0,
    downsample: "area",
    inputRange: "max",
  };
}

/** The HR/LR size ratio, which must be one integer on both axes. */
function integerScale(hrPlane: Plane, lr: Plane): number {
  const sy = hrPlane.height / lr.height;
  const sx = hrPlane.width / lr.width;
  if (!Number.isInteger(sy) || sy !== sx || sy < 1) {
    throw new PssrError("shape-mismatch", `HR ${hrPlane.height}x${hrPlane.width} is not an integer multiple of LR ${lr.height}x${lr.width}`);
  }
  return sy;
}

/** LR ~ alpha * u + beta by least squares, u = blockMean(HR / max(HR)) on LR's grid. */
function fitIntensityMap(hrPlane: Plane, lr: Plane, scale: number): { alpha: number; beta: number } {
  let hrMax = 0;
  for (let i = 0; i < hrPlane.data.length; i++) hrMax = Math.max(hrMax, hrPlane.data[i]);
  const hb = blockMean(hrPlane, scale).data;
  const u = Float64Array.from(hb, (v) => v / (hrMax || 1));
  const { slope: alpha, intercept: beta } = fitLine(u, lr.data);
  return { alpha, beta };
}

/** Step 2 with HR: photons and background from the intensity map; the synthetic LR is the recipe applied to HR. */
function synthesizerFromHr(hrPlane: Plane, lr: Plane, fit: PoissonGaussianFit, gainAdu: number, params: Record<string, ParamValue>): { scale: number; synthesize: (seed: number) => Plane } {
  const scale = integerScale(hrPlane, lr);
  const { alpha, beta } = fitIntensityMap(hrPlane, lr, scale);
  // Non-inverted: mean = offset + g*(photons*x + bg); inverted: offset - g*(photons*(1-x) + bg).
  params.hrPhotonsAtMax = Math.max(1e-6, Math.abs(alpha) / gainAdu);
  params.backgroundPhotons = Math.max(0, fit.inverted ? (fit.offset - Math.abs(alpha) - beta) / gainAdu : (beta - fit.offset) / gainAdu);
  return { scale, synthesize: (sd) => planeOf(crappify(hrPlane, { name: "physical", params }, { scaleFactor: scale, seed: sd }).lr) };
}

/**
 * Step 2 without HR: a smoothed copy of the real LR stands in for the clean mean signal; the
 * fitted detector turns it into photons and back with noise (the physical recipe's last stage).
 */
function synthesizerFromLr(lr: Plane, fit: PoissonGaussianFit, gainAdu: number, bitDepth: number, params: Record<string, ParamValue>): (seed: number) => Plane {
  const proxy = gaussianBlur(lr, 1.5, { mode: "nearest" });
  const sign = fit.inverted ? -1 : 1;
  let pMax = 0;
  for (let i = 0; i < proxy.data.length; i++) {
    const photons = Math.max(0, (sign * (proxy.data[i] - fit.offset)) / gainAdu);
    proxy.data[i] = photons;
    if (photons > pMax) pMax = photons;
  }
  params.hrPhotonsAtMax = Math.max(1e-6, pMax);
  return (sd) => {
    const noisy = detectorNoise(proxy, { gainAduPerPhoton: gainAdu, offsetAdu: fit.offset, readNoiseAdu: Math.sqrt(fit.readNoiseVariance), inverted: fit.inverted }, Rng.fromSeed(sd));
    return bitDepth > 0 ? quantize(noisy, { bitDepth, clip: true }) : noisy;
  };
}

/** Step 3: the synthetic curve on the real curve's bins, the per-bin mean over `repeats` realisations (its expected value). */
function syntheticCurve(synthesize: (seed: number) => Plane, seed: number, repeats: number, binEdges: number[], curve: NoiseCurveOptions | undefined): NoiseCurvePoint[] {
  const sums = new Map<number, NoiseCurvePoint & { n: number }>();
  for (let k = 0; k < repeats; k++) {
    for (const q of estimateNoiseCurve(synthesize(seed + k), { ...curve, binEdges }).points) {
      const acc = sums.get(q.bin);
      if (acc) {
        acc.mean += q.mean;
        acc.variance += q.variance;
        acc.count += q.count;
        acc.n++;
      } else sums.set(q.bin, { ...q, n: 1 });
    }
  }
  return [...sums.values()]
    .filter((q) => q.n === repeats)
    .sort((a, b) => a.bin - b.bin)
    .map((q) => ({ mean: q.mean / q.n, variance: q.variance / q.n, count: q.count, bin: q.bin }));
}

/** Step 4: the largest relative variance difference over the bins both curves have. */
function curveMismatch(real: readonly NoiseCurvePoint[], synthetic: readonly NoiseCurvePoint[]): number {
  let mismatch = 0;
  for (const p of real) {
    const q = synthetic.find((s) => s.bin === p.bin);
    if (q) mismatch = Math.max(mismatch, Math.abs(q.variance - p.variance) / p.variance);
  }
  return mismatch;
}

/**
 * Fits the `physical` recipe's detector model to one real LR image (its first plane) and checks
 * it: synthesises an LR with the fitted recipe (from `hr` when given, else from a smoothed copy
 * of the real LR) and measures its noise curve with the same estimator and bin edges.
 */
export function calibrate(realLR: Plane | Image, hr?: Plane | Image, options: CalibrateOptions = {}): CalibrationResult {
  const { plane: lr, dtype } = firstPlane(realLR, "the LR image");
  assertFinitePlane(lr, "the LR image");
  const repeats = options.syntheticRepeats ?? 4;
  const real = estimateNoiseCurve(lr, options.curve);
  const fit = fitPoissonGaussian(real.points, { offset: options.offset });
  // A flat curve (no shot noise) still needs a positive gain: make the shot term negligible.
  const gainAdu = fit.gain > 0 ? fit.gain : Math.max(1e-12, fit.readNoiseVariance * 1e-9);
  const bitDepth = bitDepthOf(dtype);
  const params = detectorParams(fit, gainAdu, bitDepth);
  if (!Number.isInteger(repeats) || repeats < 1) throw invalidArgument(`syntheticRepeats must be a positive integer, got ${repeats}`);
  let scaleFactor: number | null = null;
  let synthesize: (seed: number) => Plane;
  if (hr) {
    const { plane: hrPlane } = firstPlane(hr, "the HR image");
    assertFinitePlane(hrPlane, "the HR image");
    ({ scale: scaleFactor, synthesize } = synthesizerFromHr(hrPlane, lr, fit, gainAdu, params));
  } else {
    synthesize = synthesizerFromLr(lr, fit, gainAdu, bitDepth, params);
  }
  const synthetic = syntheticCurve(synthesize, options.seed ?? 0, repeats, real.binEdges, options.curve);
  return {
    recipe: { name: "physical", params },
    scaleFactor,
    fit,
    residual: fit.residual,
    realCurve: real.points,
    syntheticCurve: synthetic,
    curveMismatch: curveMismatch(real.points, synthetic),
  };
}

function planeOf(img: Image): Plane {
  return getPlane(img, 0);
}
