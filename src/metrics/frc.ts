// Fourier ring correlation (FRC): the resolution at which two independent images of the same
// field stop agreeing (Saxton & Baumeister 1982; van Heel 1987; Nieuwenhuizen et al., Nat Methods
// 2013). Conventions follow NanoJ-Core/GDSC-SMLM's FRC where they exist (Tukey window alpha 0.25,
// padding to a power-of-two square, threshold formulas), with rings binned by rounding the radius.
import type { Plane } from "../image/image.js";
import { invalidArgument, PssrError } from "../errors.js";
import { forEachPairSpectrum } from "./fft.js";
import { nextPowerOfTwo } from "../image/fft.js";
import { assertFinite, assertNotConstant, assertSameShape, isConstant } from "./validate.js";

export type FrcThreshold = "1/7" | "half-bit" | "one-bit" | "3sigma";
export const FRC_THRESHOLDS: readonly FrcThreshold[] = ["1/7", "half-bit", "one-bit", "3sigma"];

export interface FrcOptions {
  /** Threshold criterion; default "1/7" (fixed 0.1429). */
  threshold?: FrcThreshold;
  /** Tukey window taper fraction (scipy.signal.windows.tukey alpha); 0 = no window. Default 0.25. */
  tukeyAlpha?: number;
  /** Pixel size in nm, to report the resolution in nm too. */
  pixelSizeNm?: number | null;
}

/** Where the curve stands against the threshold: crossed it, or never crossed it. */
export type FrcStatus = "crossed" | "above-threshold" | "below-threshold";

export interface FrcResult {
  /** [frequency in cycles/px (0 .. 0.5), FRC] per ring; ring k is at k / fftSize. */
  curve: [number, number][];
  /** [frequency, threshold] per ring. */
  thresholdCurve: [number, number][];
  /** Pixels per ring (the n in the half-bit / 3-sigma formulas). */
  ringPixels: number[];
  threshold: FrcThreshold;
  /** First downward crossing of the threshold, linearly interpolated, in cycles/px; null if none. */
  crossingFrequency: number | null;
  /** 1 / crossingFrequency, in pixels; null when the curve never crosses. */
  resolutionPx: number | null;
  /** resolutionPx x pixelSizeNm, when the pixel size is known. */
  resolutionNm: number | null;
  status: FrcStatus;
  /** Size of the square power-of-two FFT the images were padded to. */
  fftSize: number;
  /** "two-image" for frc(); singleImageFrc labels its own results. */
  kind: "two-image" | "single-image-checkerboard" | "single-image-binomial";
}

/**
 * Symmetric Tukey (tapered cosine) window of length n, as scipy.signal.windows.tukey(n, alpha):
 * a cosine ramp over alpha*(n-1)/2 samples at each end, 1 in the middle.
 */
export function tukeyWindow(n: number, alpha = 0.25): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (alpha <= 0 || n < 2) return w;
  if (alpha >= 1) alpha = 1;
  const width = Math.floor((alpha * (n - 1)) / 2);
  for (let i = 0; i <= width; i++) {
    const v = 0.5 * (1 + Math.cos(Math.PI * (-1 + (2 * i) / alpha / (n - 1))));
    w[i] = v;
    w[n - 1 - i] = v;
  }
  return w;
}

/** Threshold value for a ring with `nPixels` pixels (ring 0 is 1 by convention). */
export function frcThresholdValue(threshold: FrcThreshold, nPixels: number, ring: number): number {
  if (threshold === "1/7") return 1 / 7;
  if (ring === 0) return 1;
  const n = Math.max(nPixels, 1);
  const sq = Math.sqrt(n);
  switch (threshold) {
    case "half-bit": // van Heel & Schatz 2005, SNR = (2^0.5 - 1) / 2
      return (0.2071 + 1.9102 / sq) / (1.2071 + 0.9102 / sq);
    case "one-bit": // SNR = 1/2
      return (0.5 + 2.4142 / sq) / (1.5 + 1.4142 / sq);
    case "3sigma": // three standard deviations of pure-noise FRC, n/2 independent pixels
      return 3 / Math.sqrt(n / 2);
    default:
      throw invalidArgument(`unknown FRC threshold "${String(threshold)}"; valid: ${FRC_THRESHOLDS.join(", ")}`);
  }
}

function checkThreshold(t: unknown): FrcThreshold {
  if (!FRC_THRESHOLDS.includes(t as FrcThreshold)) {
    throw invalidArgument(`unknown FRC threshold "${String(t)}"; valid: ${FRC_THRESHOLDS.join(", ")}`);
  }
  return t as FrcThreshold;
}

/** Mean-subtracted, Tukey-windowed copy of a plane, zero-padded (top-left) to n x n. */
function taperAndPad(p: Plane, n: number, alpha: number): Float64Array {
  const { height: h, width: w, data } = p;
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i];
  mean /= data.length;
  const wy = tukeyWindow(h, alpha);
  const wx = tukeyWindow(w, alpha);
  const out = new Float64Array(n * n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[y * n + x] = (data[y * w + x] - mean) * wy[y] * wx[x];
  }
  return out;
}

/** Raw ring sums of the cross spectrum and the two power spectra. */
export interface RingSums {
  num: Float64Array;
  a1: Float64Array;
  a2: Float64Array;
  count: Float64Array;
  fftSize: number;
}

/**
 * Ring sums for two same-shaped planes: both mean-subtracted, Tukey-windowed, padded to an
 * n x n power-of-two square; a Fourier pixel at integer offsets (ky, kx) from DC belongs to
 * ring round(sqrt(kx^2 + ky^2)); rings 0 .. n/2 (corners beyond Nyquist are left out).
 */
export function frcRingSums(a: Plane, b: Plane, tukeyAlpha = 0.25): RingSums {
  const n = nextPowerOfTwo(Math.max(a.height, a.width));
  const ta = taperAndPad(a, n, tukeyAlpha);
  const tb = taperAndPad(b, n, tukeyAlpha);
  const nr = n / 2 + 1;
  const num = new Float64Array(nr);
  const a1 = new Float64Array(nr);
  const a2 = new Float64Array(nr);
  const count = new Float64Array(nr);
  // Precompute ring of each frequency row/column offset pair lazily per row.
  const ringOf = new Int32Array(n);
  let rowSq = 0;
  let lastRow = -1;
  forEachPairSpectrum(ta, tb, n, (i, ar, ai, br, bi) => {
    const ky = (i / n) | 0;
    if (ky !== lastRow) {
      lastRow = ky;
      const dy = ky <= n / 2 ? ky : ky - n;
      rowSq = dy * dy;
      for (let kx = 0; kx < n; kx++) {
        const dx = kx <= n / 2 ? kx : kx - n;
        const r = Math.round(Math.sqrt(rowSq + dx * dx));
        ringOf[kx] = r < nr ? r : -1;
      }
    }
    const r = ringOf[i - ky * n];
    if (r < 0) return;
    num[r] += ar * br + ai * bi;
    a1[r] += ar * ar + ai * ai;
    a2[r] += br * br + bi * bi;
    count[r] += 1;
  });
  return { num, a1, a2, count, fftSize: n };
}

/** First downward crossing of curve below threshold after the curve has been at or above it. */
export function findCrossing(freq: number[], frcValues: number[], thr: number[]): { f: number | null; status: FrcStatus } {
  let seenAbove = false;
  for (let k = 1; k < frcValues.length; k++) {
    const d = frcValues[k] - thr[k];
    if (d >= 0) {
      seenAbove = true;
      continue;
    }
    if (!seenAbove) continue;
    const dPrev = frcValues[k - 1] - thr[k - 1];
    const t = dPrev / (dPrev - d);
    return { f: freq[k - 1] + t * (freq[k] - freq[k - 1]), status: "crossed" };
  }
  return { f: null, status: seenAbove ? "above-threshold" : "below-threshold" };
}

/** Builds the curve and crossing from ring sums. */
export function frcFromRingSums(
  sums: RingSums,
  threshold: FrcThreshold,
  pixelSizeNm: number | null,
  kind: FrcResult["kind"] = "two-image",
): FrcResult {
  const { num, a1, a2, count, fftSize: n } = sums;
  const freq: number[] = [];
  const values: number[] = [];
  const thr: number[] = [];
  for (let k = 0; k < num.length; k++) {
    freq.push(k / n);
    const den = Math.sqrt(a1[k] * a2[k]);
    // Ring 0 holds only DC, which the mean subtraction removed: 1 by convention (NanoJ).
    let v = k === 0 ? 1 : den > 0 ? num[k] / den : 0;
    v = Math.max(-1, Math.min(1, v));
    values.push(v);
    thr.push(frcThresholdValue(threshold, count[k], k));
  }
  const { f, status } = findCrossing(freq, values, thr);
  const resolutionPx = f !== null && f > 0 ? 1 / f : null;
  return {
    curve: freq.map((q, k) => [q, values[k]]),
    thresholdCurve: freq.map((q, k) => [q, thr[k]]),
    ringPixels: Array.from(count),
    threshold,
    crossingFrequency: f,
    resolutionPx,
    resolutionNm: resolutionPx !== null && pixelSizeNm ? resolutionPx * pixelSizeNm : null,
    status,
    fftSize: n,
    kind,
  };
}

function checkPixelSize(p: number | null | undefined): number | null {
  if (p === undefined || p === null) return null;
  if (!Number.isFinite(p) || p <= 0) throw invalidArgument(`pixelSizeNm must be a positive number, got ${p}`);
  return p;
}

function checkAlpha(alpha: number): number {
  if (!Number.isFinite(alpha) || alpha < 0 || alpha > 1) throw invalidArgument(`tukeyAlpha must be in 0..1, got ${alpha}`);
  return alpha;
}

/**
 * Fourier ring correlation of two images of the same field with independent noise.
 *
 * FRC(r) = Re sum_ring F1 F2* / sqrt(sum_ring |F1|^2 sum_ring |F2|^2), after subtracting each
 * image's mean, applying a separable Tukey window (alpha 0.25, NanoJ/GDSC) and zero-padding to
 * a power-of-two square of side N. Ring k holds the Fourier pixels whose distance from DC rounds
 * to k and sits at k/N cycles/px. Thresholds: fixed 1/7; half-bit and one-bit (van Heel & Schatz
 * 2005) and 3-sigma (3/sqrt(n/2)) with n the pixel count of the ring. The resolution is
 * 1/f at the first downward crossing, linearly interpolated between rings; null (with `status`)
 * when the curve stays above (resolution at or beyond Nyquist) or never rises above it.
 */
export function frc(a: Plane, b: Plane, options: FrcOptions = {}): FrcResult {
  assertSameShape(a, b, "first image", "second image");
  assertFinite(a, "first image");
  assertFinite(b, "second image");
  if (a.height < 8 || a.width < 8) throw invalidArgument(`FRC needs images of at least 8x8 pixels, got ${a.height}x${a.width}`);
  assertNotConstant(a, "first image", "the FRC");
  assertNotConstant(b, "second image", "the FRC");
  const threshold = checkThreshold(options.threshold ?? "1/7");
  const alpha = checkAlpha(options.tukeyAlpha ?? 0.25);
  const px = checkPixelSize(options.pixelSizeNm);
  return frcFromRingSums(frcRingSums(a, b, alpha), threshold, px);
}

export interface SingleImageFrcOptions extends FrcOptions {
  /** "checkerboard" (Koho et al. 2019) or "binomial" (photon-count splitting). Default "checkerboard". */
  method?: "checkerboard" | "binomial";
  /** Seed of the binomial split (recorded in the result). Default 0. */
  seed?: number;
}

export interface SingleImageFrcResult extends FrcResult {
  /** Always true: the two "images" come from one acquisition, see `kind`. */
  singleImage: true;
  /** Checkerboard: the empirical correction factor the resolution was divided by. */
  correction: number | null;
  seed: number | null;
}

function subsample(p: Plane, y0: number, x0: number, h: number, w: number): Plane {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = p.data[(2 * y + y0) * p.width + 2 * x + x0];
  return { data: out, height: h, width: w };
}

/** Koho et al. 2019 empirical correction (miplib constants), f in units of the split image's Nyquist. */
export function checkerboardCorrection(fNyquist: number): number {
  return 0.95988146 * Math.exp(13.90441896 * (fNyquist - 0.97979108)) + 0.55146136;
}

/** mulberry32: small, fast, seedable 32-bit generator (the binomial split's; the tests' seeded inputs too). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Single-image FRC, for when only one acquisition exists. Clearly not a two-image FRC: the
 * result carries `singleImage: true` and `kind`.
 *
 * - "checkerboard" (Koho et al., Nat Commun 10:3103, 2019; miplib): the image is split into its
 *   (even row, even col) / (odd row, odd col) sub-images and the reverse diagonal pair; the two
 *   FRC curves are averaged; the crossing f_n (in units of the sub-image Nyquist) gives
 *   resolution 2/f_n px, divided by the empirical correction a*exp(c*(f_n - b)) + d with miplib's
 *   (a, b, c, d) = (0.95988, 0.97979, 13.9044, 0.55146). The curve is reported on the sub-image
 *   frequency axis converted to cycles per original pixel.
 * - "binomial" (Rieger & Stallinga, 1FRC): for photon-counting data (non-negative integers),
 *   every count n is split into k ~ Binomial(n, 1/2) and n - k, which are independent Poisson
 *   images of the same field on the same grid; seeded.
 */
export function singleImageFrc(img: Plane, options: SingleImageFrcOptions = {}): SingleImageFrcResult {
  assertFinite(img, "image");
  const method = options.method ?? "checkerboard";
  const threshold = checkThreshold(options.threshold ?? "1/7");
  const alpha = checkAlpha(options.tukeyAlpha ?? 0.25);
  const px = checkPixelSize(options.pixelSizeNm);
  assertNotConstant(img, "image", "the single-image FRC");
  if (method === "checkerboard") {
    const h = Math.floor(img.height / 2);
    const w = Math.floor(img.width / 2);
    if (h < 8 || w < 8) throw invalidArgument(`checkerboard FRC needs an image of at least 16x16 pixels, got ${img.height}x${img.width}`);
    const s1 = frcRingSums(subsample(img, 0, 0, h, w), subsample(img, 1, 1, h, w), alpha);
    const s2 = frcRingSums(subsample(img, 0, 1, h, w), subsample(img, 1, 0, h, w), alpha);
    const r1 = frcFromRingSums(s1, threshold, null);
    const r2 = frcFromRingSums(s2, threshold, null);
    const n = s1.fftSize;
    // Average the two curves on the sub-image grid, then express frequencies per original pixel.
    const freqSub = r1.curve.map(([f]) => f);
    const values = r1.curve.map(([, v], k) => 0.5 * (v + r2.curve[k][1]));
    const thr = r1.thresholdCurve.map(([, t]) => t);
    const { f, status } = findCrossing(freqSub, values, thr);
    let resolutionPx: number | null = null;
    let correction: number | null = null;
    if (f !== null && f > 0) {
      const fNyq = f / 0.5;
      correction = checkerboardCorrection(fNyq);
      resolutionPx = 2 / fNyq / correction;
    }
    return {
      curve: freqSub.map((q, k) => [q / 2, values[k]]),
      thresholdCurve: freqSub.map((q, k) => [q / 2, thr[k]]),
      ringPixels: r1.ringPixels,
      threshold,
      crossingFrequency: resolutionPx !== null ? 1 / resolutionPx : null,
      resolutionPx,
      resolutionNm: resolutionPx !== null && px ? resolutionPx * px : null,
      status,
      fftSize: n,
      kind: "single-image-checkerboard",
      singleImage: true,
      correction,
      seed: null,
    };
  }
  if (method === "binomial") {
    const seed = options.seed ?? 0;
    const { data, height, width } = img;
    const s1 = new Float32Array(data.length);
    const s2 = new Float32Array(data.length);
    const rand = mulberry32(seed);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < 0 || !Number.isInteger(v)) {
        throw new PssrError("invalid-argument", `binomial FRC needs non-negative integer counts; pixel ${i} is ${v} (use method "checkerboard")`);
      }
      let k = 0;
      let left = v;
      while (left >= 32) {
        k += popcount32(rand());
        left -= 32;
      }
      if (left > 0) k += popcount32(rand() & (0xffffffff >>> (32 - left)));
      s1[i] = k;
      s2[i] = v - k;
    }
    const r = frc({ data: s1, height, width }, { data: s2, height, width }, { threshold, tukeyAlpha: alpha, pixelSizeNm: px });
    return { ...r, kind: "single-image-binomial", singleImage: true, correction: null, seed };
  }
  throw invalidArgument(`unknown single-image FRC method "${String(method)}"; valid: checkerboard, binomial`);
}

export interface FrcMapOptions extends FrcOptions {
  /** Side of the square blocks in pixels (default 64). */
  blockPx?: number;
}

export interface FrcMapResult {
  /** One value per block (rows x cols): resolution in px, NaN where the curve never crossed. */
  blocks: Plane;
  /** Full-size map: every pixel holds its block's resolution in px (NaN where none). */
  map: Plane;
  blockPx: number;
  rows: number;
  cols: number;
  /** Statistics over blocks that crossed (px; nm when the pixel size is known). */
  meanPx: number | null;
  stdPx: number | null;
  minPx: number | null;
  maxPx: number | null;
  pixelSizeNm: number | null;
  threshold: FrcThreshold;
}

/**
 * Block-wise FRC resolution map in the manner of NanoJ-SQUIRREL's FRC map: the two images are
 * cut into non-overlapping blockPx x blockPx blocks (the remainder at the right and bottom edges
 * is left out) and the FRC resolution of each block pair is reported (default 1/7, unsmoothed).
 */
export function frcMap(a: Plane, b: Plane, options: FrcMapOptions = {}): FrcMapResult {
  assertSameShape(a, b, "first image", "second image");
  assertFinite(a, "first image");
  assertFinite(b, "second image");
  const blockPx = options.blockPx ?? 64;
  if (!Number.isInteger(blockPx) || blockPx < 16) throw invalidArgument(`blockPx must be an integer >= 16, got ${blockPx}`);
  const rows = Math.floor(a.height / blockPx);
  const cols = Math.floor(a.width / blockPx);
  if (rows < 1 || cols < 1) throw invalidArgument(`blockPx ${blockPx} is larger than the image (${a.height}x${a.width})`);
  const threshold = checkThreshold(options.threshold ?? "1/7");
  const px = checkPixelSize(options.pixelSizeNm);
  const blocks = new Float32Array(rows * cols);
  const map = new Float32Array(a.height * a.width).fill(NaN);
  const crop = (p: Plane, y0: number, x0: number): Plane => {
    const out = new Float32Array(blockPx * blockPx);
    for (let y = 0; y < blockPx; y++) out.set(p.data.subarray((y0 + y) * p.width + x0, (y0 + y) * p.width + x0 + blockPx), y * blockPx);
    return { data: out, height: blockPx, width: blockPx };
  };
  const ok: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const ca = crop(a, r * blockPx, c * blockPx);
      const cb = crop(b, r * blockPx, c * blockPx);
      // A flat block (e.g. empty background or padding) has no FRC: NaN, like a non-crossing block.
      const v = isConstant(ca) || isConstant(cb) ? NaN : (frc(ca, cb, { ...options, threshold, pixelSizeNm: null }).resolutionPx ?? NaN);
      blocks[r * cols + c] = v;
      if (Number.isFinite(v)) ok.push(v);
      for (let y = 0; y < blockPx; y++) map.fill(v, (r * blockPx + y) * a.width + c * blockPx, (r * blockPx + y) * a.width + (c + 1) * blockPx);
    }
  }
  const mean = ok.length ? ok.reduce((s, v) => s + v, 0) / ok.length : null;
  const std = mean !== null ? Math.sqrt(ok.reduce((s, v) => s + (v - mean) ** 2, 0) / ok.length) : null;
  return {
    blocks: { data: blocks, height: rows, width: cols },
    map: { data: map, height: a.height, width: a.width },
    blockPx,
    rows,
    cols,
    meanPx: mean,
    stdPx: std,
    minPx: ok.length ? Math.min(...ok) : null,
    maxPx: ok.length ? Math.max(...ok) : null,
    pixelSizeNm: px,
    threshold,
  };
}
