// Named crappifier recipes: the PSSR, PSSR2 and CARE degradations with their sources' exact
// parameters, and a `physical` recipe stated in acquisition terms. Each recipe turns one HR
// plane into an LR plane (and, for some, an LR copy upsampled back to HR size), in the input's
// intensity units. `crappify()` (./crappify.ts) handles images, stacks, seeding and records.
import type { DType, Plane } from "../image/image.js";
import { invalidArgument } from "../errors.js";
import type { Rng } from "./rng.js";
import {
  addGaussian,
  addLocalvar,
  addPoisson,
  addPoissonMix,
  addSaltPepper,
  blurPsf,
  clipInPlace,
  detectorNoise,
  downsample,
  gaussianPsf,
  offset,
  planeMax,
  upsample,
  DOWNSAMPLE_CONVENTIONS,
  UPSAMPLE_METHODS,
  type DownsampleConvention,
  type UpsampleMethod,
} from "./operators.js";
import { cropAxisCentered, zoomAxis } from "./axis-zoom.js";
import { roundHalfEven } from "../image/resize.js";
import { gaussianBlur } from "../image/filters.js";
import { DTYPE_RANGE } from "../image/dtype.js";
import { booleanParam, choiceParam, integerParam, numberParam, type ParamSpec, type ParamValue } from "./params.js";

/** What a recipe sees for one sample: drawn parameters and facts about the whole input image. */
export interface RecipeContext {
  params: Record<string, ParamValue>;
  scaleFactor: number;
  rng: Rng;
  /** The input's sample type. */
  dtype: DType;
  /** Largest pixel value over the whole input (all planes). */
  imageMax: number;
  /** HR pixel size in nm when known (from the image or a parameter), else null. */
  pixelSizeNm: number | null;
}

export interface RecipeOutput {
  lr: Plane;
  lrUpsampled?: Plane;
}

export interface Recipe {
  name: string;
  /** One line for --list. */
  summary: string;
  /** Where the recipe comes from (repository, path, function). */
  source: string;
  params: readonly ParamSpec[];
  /** Scale factor used when the caller gives none. */
  defaultScaleFactor: number;
  /** Whether non-integer scale factors are allowed (CARE's axial subsampling). */
  fractionalScale?: boolean;
  /** Checks the scale factor and parameters together; returns an error message or null. */
  check?(scaleFactor: number, params: Record<string, ParamValue>): string | null;
  /** Values drawn once per sample from the parameters (e.g. PSSR2's "spread"), recorded too. */
  derive?(params: Record<string, ParamValue>, rng: Rng): Record<string, ParamValue>;
  /** The sample type of the output for a given input type. */
  outputDtype(input: DType, params: Record<string, ParamValue>): DType;
  /** How floats become integers in the output cast. */
  rounding: "round" | "truncate";
  /** Whether the LR keeps the HR pixel grid (CARE: degraded at full size). */
  keepsSize?: boolean;
  apply(plane: Plane, ctx: RecipeContext): RecipeOutput;
}

const INTEGER_TYPES: readonly DType[] = ["uint8", "int8", "uint16", "int16", "uint32", "int32"];
const isIntegerType = (d: DType): boolean => INTEGER_TYPES.includes(d);
const inputOrFloat = (d: DType): DType => (isIntegerType(d) ? d : "float32");

const INPUT_RANGE = choiceParam(
  "inputRange",
  "auto",
  ["auto", "dtype", "max"],
  "what maps to 1.0 before the noise: 'dtype' = the type's maximum (255 for uint8, as PSSR's tiles), 'max' = the image's maximum (PSSR's stack-max normalisation), 'auto' = dtype for uint8, max otherwise",
);

/** The value that maps to 1.0 for the [0,1] recipes. */
function unitValue(ctx: RecipeContext): number {
  const mode = ctx.params.inputRange as string;
  const useDtype = mode === "dtype" || (mode === "auto" && ctx.dtype === "uint8");
  if (useDtype) {
    const m = DTYPE_RANGE[ctx.dtype]?.[1];
    if (m !== undefined) return m;
  }
  return ctx.imageMax > 0 ? ctx.imageMax : 1;
}

/** PSSR's localvar on the [0,1] image xn = x / unit, restated for x itself. */
function localvarInUnits(p: Record<string, ParamValue>, unit: number): { varianceScale: number; blurSigmaPx: number; epsilon: number } {
  return { varianceScale: (p.localvarScale as number) * unit, blurSigmaPx: p.localvarSigmaPx as number, epsilon: (p.localvarEpsilon as number) * unit };
}

function scaled(plane: Plane, factor: number): Plane {
  const out = new Float32Array(plane.data.length);
  for (let i = 0; i < out.length; i++) out[i] = plane.data[i] * factor;
  return { data: out, height: plane.height, width: plane.width };
}

function downsampleParam(def: DownsampleConvention): ParamSpec {
  return choiceParam("downsample", def, DOWNSAMPLE_CONVENTIONS, "how HR pixels map to LR pixels: area (binning), bilinear-zoom (scipy zoom order 1), antialiased (skimage rescale order 1), nearest (scipy zoom order 0), pil-bilinear (Pillow BILINEAR)");
}

function upsampleParam(def: UpsampleMethod | "none"): ParamSpec {
  return choiceParam("upsample", def, ["none", ...UPSAMPLE_METHODS], "also return the LR upsampled back to HR size with this method (none: don't)");
}

function maybeUpsample(lr: Plane, ctx: RecipeContext): Plane | undefined {
  const m = ctx.params.upsample as string;
  return m === "none" ? undefined : upsample(lr, ctx.scaleFactor, m as UpsampleMethod);
}

function integerScale(scale: number): string | null {
  return Number.isInteger(scale) && scale >= 1 ? null : `scale factor must be an integer >= 1, got ${scale}`;
}

// ---------------------------------------------------------------------------------------------

/** PSSR fluorescence, utils/crappifiers.py::new_crap_AG_SP (BPHO-Salk/PSSR @ 940a93f). */
const pssrFluo: Recipe = {
  name: "pssr-fluo",
  summary: "PSSR fluorescence new_crap_AG_SP: localvar 0.5*(blur5+1e-10), salt+pepper 0.005, max renormalised, rescale 1/s (anti-aliased), cast",
  source: "BPHO-Salk/PSSR utils/crappifiers.py::new_crap_AG_SP (the crap_func of every README command)",
  params: [
    numberParam("localvarScale", 0.5, 0, 100, "local variance = localvarScale * (Gaussian blur of the [0,1] image + localvarEpsilon)"),
    numberParam("localvarSigmaPx", 5, 0, 100, "sigma of the Gaussian blur that sets the local variance", "px"),
    numberParam("localvarEpsilon", 1e-10, 0, 1, "added to the blurred image before scaling (PSSR: 1e-10)"),
    numberParam("saltAmount", 0.005, 0, 1, "fraction of pixels set to 1 (skimage random_noise 'salt')"),
    numberParam("pepperAmount", 0.005, 0, 1, "fraction of pixels set to 0 (skimage random_noise 'pepper')"),
    downsampleParam("antialiased"),
    upsampleParam("none"),
    INPUT_RANGE,
  ],
  defaultScaleFactor: 4,
  check: integerScale,
  outputDtype: inputOrFloat,
  rounding: "truncate",
  apply(plane, ctx) {
    const p = ctx.params;
    const unit = unitValue(ctx);
    const origMax = planeMax(plane);
    // The [0,1] image's steps, written in input units (x = unit * xn): variance unit^2 * k * (blur(xn) + eps)
    // = k * unit * (blur(x) + eps * unit), clip [0, unit], salt = unit (saves two passes).
    let x = addLocalvar(plane, { ...localvarInUnits(p, unit), clip: [0, unit] }, ctx.rng);
    x = addSaltPepper(x, { amount: p.saltAmount as number, saltVsPepper: 1, saltValue: unit }, ctx.rng);
    x = addSaltPepper(x, { amount: p.pepperAmount as number, saltVsPepper: 0 }, ctx.rng);
    const newMax = planeMax(x);
    // PSSR: xn /= xn.max(); xn *= xorig_max (back to the tile's own range, in input units).
    x = scaled(x, (newMax > 0 ? 1 / newMax : 1) * origMax);
    const lr = downsample(x, ctx.scaleFactor, p.downsample as DownsampleConvention);
    return { lr, lrUpsampled: maybeUpsample(lr, ctx) };
  },
};

/** PSSR electron microscopy, utils/crappifiers.py::em_AG_D_sameas_preprint. */
const pssrEm: Recipe = {
  name: "pssr-em",
  summary: "PSSR EM em_AG_D_sameas_preprint: localvar 0.05*blur3 on [0,1], zoom 1/s (bilinear, no anti-aliasing), plus the x s zoom back",
  source: "BPHO-Salk/PSSR utils/crappifiers.py::em_AG_D_sameas_preprint",
  params: [
    numberParam("localvarScale", 0.05, 0, 100, "local variance = localvarScale * (Gaussian blur of the [0,1] image + localvarEpsilon)"),
    numberParam("localvarSigmaPx", 3, 0, 100, "sigma of the Gaussian blur that sets the local variance", "px"),
    numberParam("localvarEpsilon", 0, 0, 1, "added to the blurred image (PSSR: none; skimage then rejects zero variance, we add no noise there)"),
    downsampleParam("bilinear-zoom"),
    upsampleParam("bilinear-zoom"),
    INPUT_RANGE,
  ],
  defaultScaleFactor: 4,
  check: integerScale,
  outputDtype: () => "float32",
  rounding: "round",
  apply(plane, ctx) {
    const p = ctx.params;
    const unit = unitValue(ctx);
    const x = addLocalvar(plane, { ...localvarInUnits(p, unit), clip: [0, unit] }, ctx.rng);
    const lr = downsample(x, ctx.scaleFactor, p.downsample as DownsampleConvention);
    return { lr, lrUpsampled: maybeUpsample(lr, ctx) };
  },
};

/** PSSR 2019 default (tile_from_info.py @ d3ec36e::default_crap). */
const pssr2019: Recipe = {
  name: "pssr-2019",
  summary: "PSSR 2019 default_crap: max-normalise, rescale 1/s first, Poisson (scale 12), Gaussian sigma 1e-4, renormalise, nearest x s back",
  source: "BPHO-Salk/PSSR tile_from_info.py @ d3ec36e::default_crap(pscale=12, gscale=0.0001, upsample=True)",
  params: [
    numberParam("photonScale", 12, 1e-6, 1e9, "Poisson(x * photonScale) / photonScale on the max-normalised LR"),
    numberParam("gaussianSigma", 1e-4, 0, 10, "std of the additive Gaussian noise on the [0,1] LR"),
    downsampleParam("antialiased"),
    upsampleParam("nearest"),
  ],
  defaultScaleFactor: 4,
  check: integerScale,
  outputDtype: inputOrFloat,
  rounding: "truncate",
  apply(plane, ctx) {
    const p = ctx.params;
    const origMax = planeMax(plane);
    let x = scaled(plane, origMax > 0 ? 1 / origMax : 1);
    x = downsample(x, ctx.scaleFactor, p.downsample as DownsampleConvention);
    x = addPoisson(x, { photonScale: p.photonScale as number }, ctx.rng);
    x = addGaussian(x, { sigma: p.gaussianSigma as number }, ctx.rng);
    clipInPlace(x, 0, Infinity);
    const m = planeMax(x);
    const lr = scaled(x, (m > 0 ? 1 / m : 1) * origMax);
    return { lr, lrUpsampled: maybeUpsample(lr, ctx) };
  },
};

/** PSSR2 (ucsdmanorlab/PSSR2 v2.4.0 pssr/crappifiers.py + data.py::_gen_pair). */
const pssr2: Recipe = {
  name: "pssr2",
  summary: "PSSR2: Pillow bilinear 1/s, then Poisson(intensity, gain), AdditiveGaussian, SaltPepper, Blur in 0-255 space with clipping; 'spread' redraws each intensity per sample",
  source: "ucsdmanorlab/PSSR2 v2.4.0 pssr/crappifiers.py (Poisson, AdditiveGaussian, SaltPepper, Blur, MultiCrappifier) and pssr/data.py::_gen_pair",
  params: [
    numberParam("poissonIntensity", 1, 0, 100, "mix (1-i)*x + i*Poisson(x): 1 = plain shot noise on 0-255 counts, 0 = off, >1 amplifies"),
    numberParam("poissonGain", 0, -255, 255, "added after the Poisson step"),
    numberParam("poissonSpread", 0, 0, 100, "std of a per-sample normal draw of poissonIntensity (clipped at 0); 0 = fixed"),
    numberParam("gaussianSigma", 0, 0, 255, "std of additive Gaussian noise in grey levels (PSSR2 class default 13; 0 = off)"),
    numberParam("gaussianGain", 0, -255, 255, "mean of the additive Gaussian noise"),
    numberParam("gaussianSpread", 0, 0, 255, "std of a per-sample draw of gaussianSigma"),
    numberParam("saltPepperPercent", 0, 0, 100, "percent of pixels replaced by salt or pepper, 50:50 (PSSR2 class default 0.5; 0 = off)"),
    numberParam("saltPepperGain", 0, -255, 255, "added before the salt and pepper step"),
    numberParam("saltPepperSpread", 0, 0, 1, "std of a per-sample draw of the replaced FRACTION (PSSR2 applies it to the fraction, not the percent)"),
    numberParam("blurSigma", 0, 0, 100, "sigma of a Gaussian blur step, px (PSSR2 Blur default 2; 0 = off)", "px"),
    numberParam("blurSpread", 0, 0, 100, "std of a per-sample draw of blurSigma"),
    numberParam("blurGain", 0, -255, 255, "added after the blur step"),
    booleanParam("clipBetween", true, "clip to [0, 255] after each step (MultiCrappifier clip=True)"),
    downsampleParam("pil-bilinear"),
    upsampleParam("none"),
    INPUT_RANGE,
  ],
  defaultScaleFactor: 4,
  check: integerScale,
  derive(p, rng) {
    const draw = (mean: number, spread: number): number => (spread > 0 ? Math.max(mean + spread * rng.normal(), 0) : mean);
    return {
      poissonIntensityDrawn: draw(p.poissonIntensity as number, p.poissonSpread as number),
      gaussianSigmaDrawn: draw(p.gaussianSigma as number, p.gaussianSpread as number),
      saltPepperFractionDrawn: Math.min(1, draw((p.saltPepperPercent as number) / 100, p.saltPepperSpread as number)),
      blurSigmaDrawn: draw(p.blurSigma as number, p.blurSpread as number),
    };
  },
  outputDtype: inputOrFloat,
  rounding: "round",
  apply(plane, ctx) {
    const p = ctx.params;
    const unit = unitValue(ctx);
    const clip = (x: Plane): Plane => (p.clipBetween ? clipInPlace(x, 0, 255) : x);
    let x = scaled(plane, 255 / unit);
    x = downsample(x, ctx.scaleFactor, p.downsample as DownsampleConvention);
    const pi = p.poissonIntensityDrawn as number;
    if (pi > 0 || (p.poissonGain as number) !== 0) x = clip(addPoissonMix(x, { intensity: pi, gain: p.poissonGain as number }, ctx.rng));
    const gs = p.gaussianSigmaDrawn as number;
    if (gs > 0 || (p.gaussianGain as number) !== 0) x = clip(addGaussian(x, { sigma: gs, mean: p.gaussianGain as number }, ctx.rng));
    const sp = p.saltPepperFractionDrawn as number;
    if (sp > 0) {
      // skimage random_noise(clip(x + gain, 0, 255)/255, 's&p') * 255.
      const g = p.saltPepperGain as number;
      const shifted = clipInPlace(offset(x, g), 0, 255);
      x = clip(addSaltPepper(shifted, { amount: sp, saltVsPepper: 0.5, saltValue: 255, pepperValue: 0 }, ctx.rng));
    }
    const bs = p.blurSigmaDrawn as number;
    if (bs > 0 || (p.blurGain as number) !== 0) x = clip(offset(bs > 0 ? gaussianBlur(x, bs, { mode: "nearest" }) : x, p.blurGain as number));
    // data.py: clip(round(lr), 0, 255); then back to the input's units.
    for (let i = 0; i < x.data.length; i++) x.data[i] = Math.min(255, Math.max(0, roundHalfEven(x.data[i])));
    const lr = scaled(x, unit / 255);
    return { lr, lrUpsampled: maybeUpsample(lr, ctx) };
  },
};

/** CARE anisotropic_distortions (CSBDeep csbdeep/data/transform.py) on one 2D plane. */
function careApply(plane: Plane, ctx: RecipeContext, axial: boolean): RecipeOutput {
  const p = ctx.params;
  let x: Plane = { data: Float32Array.from(plane.data), height: plane.height, width: plane.width };
  const axis = (p.subsampleAxis as "X" | "Y") ?? "X";
  const sAlong = p.psfSigmaAlongPx as number;
  const sOther = p.psfSigmaOtherPx as number;
  if (sAlong > 0 || sOther > 0) {
    const psf = axis === "X" ? gaussianPsf(sOther, sAlong) : gaussianPsf(sAlong, sOther);
    x = blurPsf(x, psf, { mode: "constant" });
  }
  if (p.poisson) {
    // np.random.poisson(np.maximum(0, x).astype(int)): counts truncated to integers first.
    const k = p.photonsPerUnit as number;
    const counts = new Float32Array(x.data.length);
    for (let i = 0; i < counts.length; i++) counts[i] = Math.trunc(Math.max(0, x.data[i] * k));
    const noisy = addPoisson({ data: counts, height: x.height, width: x.width }, { photonScale: 1 }, ctx.rng);
    x = scaled(noisy, 1 / k);
  }
  const gs = p.gaussSigma as number;
  if (gs > 0) x = clipInPlace(addGaussian(x, { sigma: gs }, ctx.rng), 0, Infinity);
  if (!axial || ctx.scaleFactor === 1) return { lr: x };
  // Subsample along the axis with nearest zoom, then zoom back linearly (CARE _scale_down_up),
  // after a centred crop to a length divisible by the factor.
  const n = axis === "X" ? x.width : x.height;
  const f = ctx.scaleFactor;
  const nCrop = Math.round(Math.floor(n / f) * f);
  const cropped = cropAxisCentered(x, axis, nCrop);
  const m = roundHalfEven(nCrop / f);
  const down = zoomAxis(cropped, axis, m, 0);
  const back = zoomAxis(down, axis, nCrop, 1);
  return { lr: back };
}

const careParams = (axial: boolean): ParamSpec[] => [
  numberParam("psfSigmaAlongPx", axial ? 2 : 0, 0, 100, "Gaussian PSF sigma along the subsampled axis (CARE's isotropic example: sigma_z - sigma_x = 2 px)", "px"),
  numberParam("psfSigmaOtherPx", 0, 0, 100, "Gaussian PSF sigma along the other axis", "px"),
  booleanParam("poisson", !axial, "apply Poisson noise to max(0, x) truncated to integer counts (CARE poisson_noise)"),
  numberParam("photonsPerUnit", 1, 1e-6, 1e9, "counts per unit of the input before the Poisson step (CARE: 1, raw counts)"),
  numberParam("gaussSigma", 0, 0, 1e9, "std of additive Gaussian noise in input units, result clipped at 0 (CARE gauss_sigma)"),
  choiceParam("subsampleAxis", "X", ["X", "Y"], "the axis subsampled and zoomed back (CARE subsample_axis; only used by care-axial)"),
];

const careAxial: Recipe = {
  name: "care-axial",
  summary: "CARE anisotropic_distortions: PSF blur, Poisson, Gaussian, subsample one axis by s (nearest), zoom back (linear); output keeps the HR grid",
  source: "CSBDeep/CSBDeep csbdeep/data/transform.py::anisotropic_distortions",
  params: careParams(true),
  defaultScaleFactor: 4,
  fractionalScale: true,
  check: (s) => (Number.isFinite(s) && s >= 1 ? null : `care-axial subsample factor must be >= 1, got ${s}`),
  outputDtype: () => "float32",
  rounding: "round",
  keepsSize: true,
  apply: (plane, ctx) => careApply(plane, ctx, true),
};

const careDenoise: Recipe = {
  name: "care-denoise",
  summary: "CARE denoising setting: optional PSF blur, Poisson on counts, Gaussian; scale 1",
  source: "CSBDeep/CSBDeep csbdeep/data/transform.py::anisotropic_distortions with subsample=1",
  params: careParams(false).filter((s) => s.name !== "subsampleAxis"),
  defaultScaleFactor: 1,
  check: (s) => (s === 1 ? null : `care-denoise works at scale 1 (no downsampling), got scale ${s}`),
  outputDtype: () => "float32",
  rounding: "round",
  keepsSize: true,
  apply: (plane, ctx) => careApply(plane, ctx, false),
};

/** A recipe in acquisition terms: optics, pixel size, dose, detector. */
const physical: Recipe = {
  name: "physical",
  summary: "acquisition model: PSF blur (nm), coarser pixels (area binning), photon dose, Poisson shot noise, detector gain, offset, read noise, bit depth",
  source: "pssr-lab (Poisson-Gaussian detector model, Foi et al. 2008; calibrate() fits it to a real LR image)",
  params: [
    numberParam("psfSigmaNm", 0, 0, 1e6, "Gaussian PSF sigma in nm (needs the HR pixel size: from the image or hrPixelSizeNm)", "nm"),
    numberParam("psfSigmaPx", 0, 0, 1000, "Gaussian PSF sigma in HR pixels (used when psfSigmaNm is 0)", "px"),
    numberParam("hrPixelSizeNm", 0, 0, 1e9, "HR pixel size in nm; 0 = take it from the image", "nm"),
    numberParam("lrPixelSizeNm", 0, 0, 1e9, "LR pixel size in nm; when set, the scale factor is lrPixelSizeNm / HR pixel size (must be an integer)", "nm"),
    numberParam("hrPhotonsAtMax", 100, 1e-6, 1e12, "photons (or electrons) per HR pixel at the intensity that maps to 1.0, in the HR acquisition", "photons"),
    numberParam("doseFactor", 1, 1e-9, 1e6, "LR dose per LR pixel relative to the HR dose per HR pixel: 1 = same dwell and power per pixel (1/s^2 of the dose per area), 0.2 = 5x less laser power"),
    numberParam("backgroundPhotons", 0, 0, 1e12, "uniform background photons per LR pixel (dark counts, stray light)", "photons"),
    numberParam("gainAduPerPhoton", 1, 1e-9, 1e9, "detector gain: output units per detected photon", "ADU/photon"),
    numberParam("offsetAdu", 0, -1e9, 1e9, "detector offset (black level)", "ADU"),
    numberParam("readNoiseAdu", 0, 0, 1e9, "std of the Gaussian read noise", "ADU"),
    booleanParam("invertedContrast", false, "the detector signal falls as the image brightens (displayed EM: out = offset - gain * photons, photons from 1 - x)"),
    integerParam("bitDepth", 16, 0, 16, "quantise to this many bits with clipping (uint8 up to 8, uint16 up to 16); 0 = keep float"),
    downsampleParam("area"),
    upsampleParam("none"),
    INPUT_RANGE,
  ],
  defaultScaleFactor: 4,
  check: integerScale,
  outputDtype: (_d, p) => ((p.bitDepth as number) === 0 ? "float32" : (p.bitDepth as number) <= 8 ? "uint8" : "uint16"),
  rounding: "round",
  apply(plane, ctx) {
    const p = ctx.params;
    const unit = unitValue(ctx);
    let x = scaled(plane, 1 / unit);
    let sigmaPx = p.psfSigmaPx as number;
    if ((p.psfSigmaNm as number) > 0) {
      if (!ctx.pixelSizeNm) throw invalidArgument("physical: psfSigmaNm needs the HR pixel size; the image has none, set hrPixelSizeNm");
      sigmaPx = (p.psfSigmaNm as number) / ctx.pixelSizeNm;
    }
    if (sigmaPx > 0) x = gaussianBlur(x, sigmaPx, { mode: "nearest" });
    x = downsample(x, ctx.scaleFactor, p.downsample as DownsampleConvention);
    const photons = (p.hrPhotonsAtMax as number) * (p.doseFactor as number);
    const bg = p.backgroundPhotons as number;
    const inverted = p.invertedContrast as boolean;
    const d = x.data;
    // Expected photons per LR pixel; inverted contrast counts the complement (1 - x).
    for (let i = 0; i < d.length; i++) d[i] = Math.max(0, inverted ? 1 - d[i] : d[i]) * photons + bg;
    x = detectorNoise(x, { gainAduPerPhoton: p.gainAduPerPhoton as number, offsetAdu: p.offsetAdu as number, readNoiseAdu: p.readNoiseAdu as number, inverted }, ctx.rng);
    const bits = p.bitDepth as number;
    if (bits > 0) {
      const max = 2 ** bits - 1;
      const q = x.data;
      for (let i = 0; i < q.length; i++) q[i] = Math.min(max, Math.max(0, roundHalfEven(q[i])));
    }
    return { lr: x, lrUpsampled: maybeUpsample(x, ctx) };
  },
};

const RECIPES: readonly Recipe[] = [pssrFluo, pssrEm, pssr2019, pssr2, careAxial, careDenoise, physical];

/** Every named recipe, in --list order. */
export function listRecipes(): readonly Recipe[] {
  return RECIPES;
}

export const RECIPE_NAMES: readonly string[] = RECIPES.map((r) => r.name);

/** The recipe called `name`, or undefined. */
export function findRecipe(name: string): Recipe | undefined {
  return RECIPES.find((r) => r.name === name);
}

/** A plain-text table of recipes with their parameters, defaults and ranges (for --list). */
export function describeRecipes(recipes: readonly Recipe[] = RECIPES): string {
  const lines: string[] = [];
  for (const r of recipes) {
    lines.push(`${r.name}  (default scale ${r.defaultScaleFactor})`);
    lines.push(`  ${r.summary}`);
    lines.push(`  source: ${r.source}`);
    for (const s of r.params) {
      const range = s.kind === "choice" ? `one of ${s.choices!.join("|")}` : s.kind === "boolean" ? "true|false" : `[${s.min}, ${s.max}]`;
      lines.push(`    ${s.name.padEnd(20)} default ${String(s.default).padEnd(12)} ${range}${s.unit ? ` ${s.unit}` : ""}  ${s.doc}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}
