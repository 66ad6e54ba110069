// Degradation operators: pure functions of (plane, parameters[, rng]) that return a new plane.
// Noise is added in the plane's own units; the recipes decide the intensity domain ([0,1],
// 0-255 grey levels, photon counts...). Every loop runs over typed arrays with no per-pixel
// allocation. The skimage/scipy function each one mirrors is named in its doc line.
import type { Plane } from "../image/image.js";
import type { BoundaryMode } from "../image/boundary.js";
import { gaussianBlur, convolve2d } from "../image/filters.js";
import { zoom, resize, upsampleBilinear, roundHalfEven } from "../image/resize.js";
import { blockMean } from "../image/block-mean.js";
import { invalidArgument } from "../errors.js";
import type { Rng } from "./rng.js";
import { pilBilinearResize } from "./pil-resize.js";
import { antialiasedDownsample } from "./antialiased-downsample.js";

function emptyLike(plane: Plane): Plane {
  return { data: new Float32Array(plane.data.length), height: plane.height, width: plane.width };
}

function requireFinite(name: string, value: number, min = -Infinity, max = Infinity): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(`${name} must be a finite number in [${min}, ${max}], got ${value}`);
  }
}

/** Clamps in place to [lo, hi] (either bound may be ±Infinity). */
export function clipInPlace(plane: Plane, lo: number, hi: number): Plane {
  const d = plane.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    d[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return plane;
}

/**
 * Poisson (shot) noise: out = Poisson(max(x, 0) * photonScale) / photonScale.
 * `photonScale` is the number of photons per unit of x (PSSR 2019: 12 on the [0,1] image;
 * CARE: 1 on raw counts). As numpy.random.poisson; the sampler is exact at every mean.
 */
export function addPoisson(plane: Plane, options: { photonScale: number }, rng: Rng): Plane {
  const { photonScale } = options;
  requireFinite("photonScale", photonScale, Number.MIN_VALUE);
  const out = emptyLike(plane);
  const src = plane.data;
  const dst = out.data;
  const inv = 1 / photonScale;
  for (let i = 0; i < src.length; i++) {
    const lam = src[i] > 0 ? src[i] * photonScale : 0;
    dst[i] = rng.poisson(lam) * inv;
  }
  return out;
}

/**
 * PSSR2's Poisson crappifier (pssr/crappifiers.py, v2.4): out = (1 - intensity) * x +
 * intensity * Poisson(max(x, 0)) + gain, the values of x (0-255 grey levels) taken as counts.
 */
export function addPoissonMix(plane: Plane, options: { intensity: number; gain?: number }, rng: Rng): Plane {
  const { intensity } = options;
  const gain = options.gain ?? 0;
  requireFinite("intensity", intensity);
  requireFinite("gain", gain);
  const out = emptyLike(plane);
  const src = plane.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) {
    const x = src[i];
    dst[i] = (1 - intensity) * x + intensity * rng.poisson(x > 0 ? x : 0) + gain;
  }
  return out;
}

/**
 * Additive white Gaussian noise N(mean, sigma^2) (skimage random_noise mode='gaussian' with
 * var = sigma^2, but without its clipping; pass `clip` to clip).
 */
export function addGaussian(plane: Plane, options: { sigma: number; mean?: number; clip?: [number, number] | null }, rng: Rng): Plane {
  const { sigma } = options;
  const mean = options.mean ?? 0;
  requireFinite("sigma", sigma, 0);
  requireFinite("mean", mean);
  const out = emptyLike(plane);
  const src = plane.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) dst[i] = src[i] + mean + sigma * rng.normal();
  if (options.clip) clipInPlace(out, options.clip[0], options.clip[1]);
  return out;
}

/**
 * Signal-dependent Gaussian noise, PSSR's "AG": out = x + N(0, v) with the local variance
 * v = varianceScale * (gaussianBlur(x, blurSigmaPx) + epsilon), as skimage
 * random_noise(mode='localvar', local_vars=v) after filters.gaussian (truncate 4, mode
 * 'nearest'). skimage clips the result to [0, 1] (clip=True, the default PSSR used): `clip`
 * defaults to [0, 1]; pass null to keep the tails. Non-positive variances (skimage raises on
 * them) add no noise.
 */
export function addLocalvar(
  plane: Plane,
  options: { varianceScale: number; blurSigmaPx: number; epsilon?: number; clip?: [number, number] | null },
  rng: Rng,
): Plane {
  const { varianceScale, blurSigmaPx } = options;
  const epsilon = options.epsilon ?? 0;
  requireFinite("varianceScale", varianceScale, 0);
  requireFinite("blurSigmaPx", blurSigmaPx, 0);
  requireFinite("epsilon", epsilon, 0);
  const blurred = blurSigmaPx > 0 ? gaussianBlur(plane, blurSigmaPx, { truncate: 4, mode: "nearest" }) : plane;
  const out = emptyLike(plane);
  const src = plane.data;
  const b = blurred.data;
  const dst = out.data;
  const clip = options.clip === undefined ? ([0, 1] as [number, number]) : options.clip;
  const lo = clip ? clip[0] : -Infinity;
  const hi = clip ? clip[1] : Infinity;
  for (let i = 0; i < src.length; i++) {
    const v = varianceScale * (b[i] + epsilon);
    const x = v > 0 ? src[i] + Math.sqrt(v) * rng.normal() : src[i];
    dst[i] = x < lo ? lo : x > hi ? hi : x;
  }
  return out;
}

/**
 * Salt and pepper: each pixel is replaced with probability `amount`; a replaced pixel becomes
 * `saltValue` with probability `saltVsPepper`, else `pepperValue` (skimage random_noise 's&p';
 * mode 'salt' is saltVsPepper = 1, 'pepper' is 0; values 1 and 0 on a [0,1] image).
 */
export function addSaltPepper(
  plane: Plane,
  options: { amount: number; saltVsPepper?: number; saltValue?: number; pepperValue?: number },
  rng: Rng,
): Plane {
  const { amount } = options;
  const q = options.saltVsPepper ?? 0.5;
  const saltValue = options.saltValue ?? 1;
  const pepperValue = options.pepperValue ?? 0;
  requireFinite("amount", amount, 0, 1);
  requireFinite("saltVsPepper", q, 0, 1);
  const out = { data: Float32Array.from(plane.data), height: plane.height, width: plane.width };
  if (amount === 0) return out;
  const dst = out.data;
  const n = dst.length;
  const pick = (i: number): void => {
    const salt = q >= 1 ? true : q <= 0 ? false : rng.uniform() < q;
    dst[i] = salt ? saltValue : pepperValue;
  };
  if (amount >= 1) {
    for (let i = 0; i < n; i++) pick(i);
    return out;
  }
  // A Bernoulli(amount) process visited by geometric gaps between hits: the same distribution
  // as one uniform per pixel, with ~amount * n draws instead of n.
  const logKeep = Math.log1p(-amount);
  for (let i = Math.floor(Math.log(rng.uniformOpen()) / logKeep); i < n; i += 1 + Math.floor(Math.log(rng.uniformOpen()) / logKeep)) pick(i);
  return out;
}

/**
 * A photon-counting detector (the Poisson-Gaussian model of Foi et al. 2008): from a plane of
 * expected photon counts per pixel, out = offset + sign * gain * Poisson(photons) + N(0, readNoise^2),
 * where sign is -1 for inverted contrast (displayed EM images: many electrons = dark). Its noise
 * curve is variance = gain * sign * (mean - offset) + readNoise^2.
 */
export function detectorNoise(
  photons: Plane,
  options: { gainAduPerPhoton: number; offsetAdu?: number; readNoiseAdu?: number; inverted?: boolean },
  rng: Rng,
): Plane {
  const g = options.gainAduPerPhoton;
  const off = options.offsetAdu ?? 0;
  const read = options.readNoiseAdu ?? 0;
  requireFinite("gainAduPerPhoton", g, 0);
  requireFinite("offsetAdu", off);
  requireFinite("readNoiseAdu", read, 0);
  const sg = options.inverted ? -g : g;
  const out = emptyLike(photons);
  const src = photons.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) {
    const lam = src[i] > 0 ? src[i] : 0;
    dst[i] = off + sg * rng.poisson(lam) + (read > 0 ? read * rng.normal() : 0);
  }
  return out;
}

/**
 * Blur with a point spread function given as an image (normalised to sum 1; must be >= 0), as
 * CARE's anisotropic_distortions (scipy.signal.fftconvolve mode='same', i.e. zero outside:
 * mode 'constant'). `mode` picks another boundary.
 */
export function blurPsf(plane: Plane, psf: Plane, options: { mode?: BoundaryMode } = {}): Plane {
  let sum = 0;
  for (let i = 0; i < psf.data.length; i++) {
    const v = psf.data[i];
    if (!Number.isFinite(v) || v < 0) throw invalidArgument("the PSF has negative or non-finite values");
    sum += v;
  }
  if (!(sum > 0)) throw invalidArgument("the PSF sums to zero");
  const kernel: Plane = { data: new Float32Array(psf.data.length), height: psf.height, width: psf.width };
  for (let i = 0; i < psf.data.length; i++) kernel.data[i] = psf.data[i] / sum;
  return convolve2d(plane, kernel, { mode: options.mode ?? "constant" });
}

/** A sampled, normalised 2D Gaussian PSF image (sigma in pixels per axis), size 2*ceil(4 sigma)+1. */
export function gaussianPsf(sigmaYPx: number, sigmaXPx: number): Plane {
  requireFinite("psf sigma Y", sigmaYPx, 0);
  requireFinite("psf sigma X", sigmaXPx, 0);
  const ry = Math.ceil(4 * sigmaYPx);
  const rx = Math.ceil(4 * sigmaXPx);
  const h = 2 * ry + 1;
  const w = 2 * rx + 1;
  const data = new Float32Array(h * w);
  let sum = 0;
  for (let y = -ry; y <= ry; y++) {
    const gy = sigmaYPx > 0 ? Math.exp((-0.5 * y * y) / (sigmaYPx * sigmaYPx)) : y === 0 ? 1 : 0;
    for (let x = -rx; x <= rx; x++) {
      const gx = sigmaXPx > 0 ? Math.exp((-0.5 * x * x) / (sigmaXPx * sigmaXPx)) : x === 0 ? 1 : 0;
      const v = gy * gx;
      data[(y + ry) * w + (x + rx)] = v;
      sum += v;
    }
  }
  for (let i = 0; i < data.length; i++) data[i] /= sum;
  return { data, height: h, width: w };
}

/**
 * How a downsampling by an integer factor maps HR pixels to LR pixels:
 * - "area": mean over factor x factor blocks (pixel binning: a point-scanning acquisition with
 *   coarser pixels integrates over each of them);
 * - "bilinear-zoom": scipy.ndimage.zoom(order=1), corner-aligned, no anti-aliasing (PSSR npzoom);
 * - "antialiased": skimage.transform.rescale(order=1): Gaussian prefilter sigma (factor-1)/2,
 *   mode 'reflect', half-pixel bilinear sampling, clipped to the input range (PSSR new_crap);
 * - "nearest": scipy.ndimage.zoom(order=0) (PSSR's 2019 synth pipeline, CARE's subsampling);
 * - "pil-bilinear": Pillow's Image.resize(BILINEAR), an anti-aliased triangle filter (PSSR2).
 */
export type DownsampleConvention = "area" | "bilinear-zoom" | "antialiased" | "nearest" | "pil-bilinear";
export const DOWNSAMPLE_CONVENTIONS: readonly DownsampleConvention[] = ["area", "bilinear-zoom", "antialiased", "nearest", "pil-bilinear"];

export function downsample(plane: Plane, factor: number, convention: DownsampleConvention): Plane {
  if (!Number.isInteger(factor) || factor < 1) throw invalidArgument(`downsampling factor must be an integer >= 1, got ${factor}`);
  if (plane.height < factor || plane.width < factor) {
    throw invalidArgument(`image ${plane.height}x${plane.width} is smaller than the scale factor ${factor}`);
  }
  if (factor === 1) return { data: Float32Array.from(plane.data), height: plane.height, width: plane.width };
  switch (convention) {
    case "area":
      return blockMean(plane, factor);
    case "bilinear-zoom":
      return zoom(plane, 1 / factor, { order: 1 });
    case "antialiased":
      // = rescale(plane, 1 / factor, {order: 1, antiAliasing: true, mode: "mirror"}), blurred only where sampled.
      return antialiasedDownsample(plane, factor);
    case "nearest":
      return zoom(plane, 1 / factor, { order: 0 });
    case "pil-bilinear":
      return pilBilinearResize(plane, Math.max(1, Math.round(plane.height / factor)), Math.max(1, Math.round(plane.width / factor)));
    default:
      throw invalidArgument(`unknown downsampling convention "${String(convention)}"; valid: ${DOWNSAMPLE_CONVENTIONS.join(", ")}`);
  }
}

/**
 * Upsampling back to HR size for models that take an upsampled input:
 * - "bilinear-zoom" / "nearest-zoom": scipy.ndimage.zoom order 1 / 0, corner-aligned (PSSR em x_up);
 * - "bilinear": half-pixel bilinear (torch interpolate, align_corners=False: PSSR's model input);
 * - "bicubic": half-pixel bicubic;
 * - "nearest": pixel replication (skimage rescale order 0, PSSR 2019 default_crap upsample).
 * `outHeight`/`outWidth` default to factor times the input size.
 */
export type UpsampleMethod = "bilinear-zoom" | "nearest-zoom" | "bilinear" | "bicubic" | "nearest";
export const UPSAMPLE_METHODS: readonly UpsampleMethod[] = ["bilinear-zoom", "nearest-zoom", "bilinear", "bicubic", "nearest"];

export function upsample(plane: Plane, factor: number, method: UpsampleMethod): Plane {
  if (!Number.isInteger(factor) || factor < 1) throw invalidArgument(`upsampling factor must be an integer >= 1, got ${factor}`);
  if (factor === 1) return { data: Float32Array.from(plane.data), height: plane.height, width: plane.width };
  switch (method) {
    case "bilinear-zoom":
      return zoom(plane, factor, { order: 1 });
    case "nearest-zoom":
      return zoom(plane, factor, { order: 0 });
    case "bilinear":
      return upsampleBilinear(plane, factor);
    case "bicubic":
      return resize(plane, plane.height * factor, plane.width * factor, { method: "bicubic", alignCorners: false });
    case "nearest":
      return replicate(plane, factor);
    default:
      throw invalidArgument(`unknown upsampling method "${String(method)}"; valid: ${UPSAMPLE_METHODS.join(", ")}`);
  }
}

/** Pixel replication by an integer factor (each LR pixel becomes a factor x factor block). */
export function replicate(plane: Plane, factor: number): Plane {
  const h = plane.height * factor;
  const w = plane.width * factor;
  const out = new Float32Array(h * w);
  const src = plane.data;
  for (let y = 0; y < h; y++) {
    const row = ((y / factor) | 0) * plane.width;
    const o = y * w;
    for (let x = 0; x < w; x++) out[o + x] = src[row + ((x / factor) | 0)];
  }
  return { data: out, height: h, width: w };
}

/** out = x + value. */
export function offset(plane: Plane, value: number): Plane {
  requireFinite("offset", value);
  const out = emptyLike(plane);
  for (let i = 0; i < out.data.length; i++) out.data[i] = plane.data[i] + value;
  return out;
}

/** out = x * factor (detector gain, or a change of units). */
export function gain(plane: Plane, factor: number): Plane {
  requireFinite("gain", factor);
  const out = emptyLike(plane);
  for (let i = 0; i < out.data.length; i++) out.data[i] = plane.data[i] * factor;
  return out;
}

/**
 * Quantisation to an unsigned integer of `bitDepth` bits: rounds half to even (numpy rint) or
 * truncates toward zero (numpy astype, as PSSR's casts), then clips to [0, 2^bitDepth - 1]
 * (`clip` false leaves out-of-range values, only rounding them).
 */
export function quantize(plane: Plane, options: { bitDepth: number; clip?: boolean; rounding?: "round" | "truncate" }): Plane {
  const { bitDepth } = options;
  if (!Number.isInteger(bitDepth) || bitDepth < 1 || bitDepth > 32) throw invalidArgument(`bitDepth must be an integer in 1..32, got ${bitDepth}`);
  const clip = options.clip ?? true;
  const truncate = options.rounding === "truncate";
  const max = 2 ** bitDepth - 1;
  const out = emptyLike(plane);
  const src = plane.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) {
    let v = truncate ? Math.trunc(src[i]) : roundHalfEven(src[i]);
    if (clip) v = v < 0 ? 0 : v > max ? max : v;
    dst[i] = v;
  }
  return out;
}

/** Largest value of a plane (NaN-free input assumed). */
export function planeMax(plane: Plane): number {
  let m = -Infinity;
  const d = plane.data;
  for (let i = 0; i < d.length; i++) if (d[i] > m) m = d[i];
  return m;
}

/** Smallest value of a plane. */
export function planeMin(plane: Plane): number {
  let m = Infinity;
  const d = plane.data;
  for (let i = 0; i < d.length; i++) if (d[i] < m) m = d[i];
  return m;
}
