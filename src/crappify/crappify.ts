// The crappifier's single entry point, in the scikit-image manner:
//   crappify(image, "pssr-fluo", {scaleFactor: 4, seed: 1}) -> {lr, lrUpsampled?, recipe, drawn, seed, rngState}
// Images with leading axes (stacks, time-lapses, channels) are degraded plane by plane, each
// plane with its own noise draw from one continuing stream; recipe parameters given as ranges
// are drawn once per call (one training sample) and recorded.
import type { Image, PixelArray, Plane } from "../image/image.js";
import { allocatePixels, castInto } from "../image/dtype.js";
import { assertValidImage, getPlane, lengthToNm, numel, planeCount } from "../image/image.js";
import { PssrError, invalidArgument, unknownName } from "../errors.js";
import { Rng, toRng, type RngState } from "./rng.js";
import { drawParams, validateParams, type ParamInput, type ParamValue } from "./params.js";
import { findRecipe, RECIPE_NAMES, type Recipe, type RecipeContext } from "./recipes.js";

/** A named recipe with parameter overrides (values or [lo, hi] ranges). */
export interface RecipeSpec {
  name: string;
  params?: Record<string, ParamInput>;
}

export interface CrappifyOptions {
  /** HR-to-LR pixel size ratio; defaults to the recipe's (4, or 1 for care-denoise). */
  scaleFactor?: number;
  /** Seed (integer 0..2^53-1), an Rng to continue, or a saved RngState. Default: a fresh random seed, recorded. */
  seed?: number | Rng | RngState;
  /** Parameter overrides: a value or a [lo, hi] range drawn per call. */
  params?: Record<string, ParamInput>;
  /** Called after each plane of a stack (the CLI's progress, a notebook widget). */
  onPlane?: (done: number, total: number) => void;
}

/** The provenance written into the output's metadata (img.meta.crappify). */
export interface CrappifyRecord {
  recipe: string;
  scaleFactor: number;
  /** Every parameter as used (defaults filled in, ranges drawn, derived draws added). */
  drawn: Record<string, ParamValue>;
  /** The parameters as the caller gave them (ranges kept). */
  requested: Record<string, ParamInput>;
  seed: number | null;
  /** Generator state before anything was drawn: `Rng.fromState(rngState)` replays this call. */
  rngState: RngState;
  /** Generator state after the call (to continue the stream). */
  rngStateAfter: RngState;
}

export interface CrappifyResult extends CrappifyRecord {
  lr: Image;
  lrUpsampled?: Image;
}

function asImage(input: Plane | Image): Image {
  if ((input as Image).shape !== undefined) return input as Image;
  const p = input as Plane;
  if (!(p.data instanceof Float32Array) || p.data.length !== p.height * p.width) {
    throw invalidArgument("crappify expects an Image or a Plane {data: Float32Array, height, width} whose data length is height*width");
  }
  return { data: p.data, shape: [p.height, p.width], axes: "YX", pixelSize: null, dtype: "float32" };
}

function resolveRecipe(recipe: string | RecipeSpec | Recipe): { recipe: Recipe; params: Record<string, ParamInput> } {
  if (typeof recipe === "string") {
    const r = findRecipe(recipe);
    if (!r) throw unknownName("recipe", recipe, RECIPE_NAMES);
    return { recipe: r, params: {} };
  }
  if ("apply" in recipe && typeof recipe.apply === "function") return { recipe, params: {} };
  const spec = recipe as RecipeSpec;
  const r = findRecipe(spec.name);
  if (!r) throw unknownName("recipe", String(spec.name), RECIPE_NAMES);
  return { recipe: r, params: { ...(spec.params ?? {}) } };
}

function checkFinite(img: Image): number {
  const d = img.data;
  let max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isFinite(v)) {
      throw new PssrError("non-finite-pixels", `the image has a non-finite pixel (${v}) at flat index ${i}; crappify needs finite values`);
    }
    if (v > max) max = v;
  }
  return max;
}

/**
 * Degrades a high-resolution image into a realistic low-resolution one with a named recipe
 * (see `listRecipes()`; PSSR: Fang et al., Nature Methods 18:406, 2021; CARE: Weigert et al.,
 * Nature Methods 15:1090, 2018).
 *
 * @param input  an Image (any leading axes: each YX plane gets its own noise) or one Plane.
 * @param recipe a recipe name, {name, params}, or a custom Recipe object.
 * @returns lr (LR image, pixel size times the scale factor when known), lrUpsampled (when the
 *   recipe's `upsample` is not "none"), and the record: recipe, scaleFactor, drawn parameters,
 *   seed and RNG state (also stored in lr.meta.crappify).
 */
export function crappify(input: Plane | Image, recipe: string | RecipeSpec | Recipe, options: CrappifyOptions = {}): CrappifyResult {
  const img = asImage(input);
  try {
    assertValidImage(img);
  } catch (e) {
    throw invalidArgument(`crappify: ${(e as Error).message}`);
  }
  const { recipe: r, params: specParams } = resolveRecipe(recipe);
  const requested: Record<string, ParamInput> = { ...specParams, ...(options.params ?? {}) };
  validateParams(r.name, r.params, requested);
  const scaleFactor = options.scaleFactor ?? r.defaultScaleFactor;
  checkScaleFactor(r, scaleFactor, img);
  const imageMax = checkFinite(img);

  const { rng, seed } = toRng(options.seed);
  const rngState = rng.getState();
  const drawn = drawParams(r.params, requested, rng);
  if (r.name === "physical" && (drawn.lrPixelSizeNm as number) > 0) {
    return crappifyAtPixelSizeRatio(img, r, requested, drawn, options, { rng, seed, rngState });
  }
  if (!r.fractionalScale && !Number.isInteger(scaleFactor)) throw invalidArgument(`${r.name}: scale factor must be an integer, got ${scaleFactor}`);
  const problem = r.check?.(scaleFactor, drawn);
  if (problem) throw invalidArgument(`${r.name}: ${problem}`);
  Object.assign(drawn, r.derive?.(drawn, rng) ?? {});

  const pixelSizeNm =
    typeof drawn.hrPixelSizeNm === "number" && drawn.hrPixelSizeNm > 0 ? drawn.hrPixelSizeNm : img.pixelSize ? lengthToNm(img.pixelSize) : null;
  const degraded = degradePlanes(img, r, { params: drawn, scaleFactor, rng, dtype: img.dtype, imageMax, pixelSizeNm }, options.onPlane);
  const record: CrappifyRecord = {
    recipe: r.name,
    scaleFactor,
    drawn,
    requested,
    seed,
    rngState,
    rngStateAfter: rng.getState(),
  };
  return assembleResult(img, r, record, degraded);
}

function checkScaleFactor(r: Recipe, scaleFactor: number, img: Image): void {
  if (typeof scaleFactor !== "number" || !Number.isFinite(scaleFactor) || scaleFactor < 1) {
    throw invalidArgument(`${r.name}: scale factor must be a number >= 1, got ${scaleFactor}`);
  }
  const h = img.shape[img.shape.length - 2];
  const w = img.shape[img.shape.length - 1];
  if (h < scaleFactor || w < scaleFactor || (!r.keepsSize && (Math.round(h / scaleFactor) < 1 || Math.round(w / scaleFactor) < 1))) {
    throw invalidArgument(`${r.name}: image ${h}x${w} is smaller than the scale factor ${scaleFactor}`);
  }
}

/**
 * The physical recipe given an LR pixel size: the scale is the LR/HR pixel-size ratio, and the
 * call is replayed from the same generator state with that scale (the record keeps what was asked).
 */
function crappifyAtPixelSizeRatio(
  img: Image,
  r: Recipe,
  requested: Record<string, ParamInput>,
  drawn: Record<string, ParamValue>,
  options: CrappifyOptions,
  stream: { rng: Rng; seed: number | null; rngState: RngState },
): CrappifyResult {
  const { rng, seed, rngState } = stream;
  const hrNm = (drawn.hrPixelSizeNm as number) > 0 ? (drawn.hrPixelSizeNm as number) : img.pixelSize ? lengthToNm(img.pixelSize) : 0;
  if (!(hrNm > 0)) throw invalidArgument("physical: lrPixelSizeNm needs the HR pixel size; the image has none, set hrPixelSizeNm");
  const ratio = (drawn.lrPixelSizeNm as number) / hrNm;
  if (Math.abs(ratio - Math.round(ratio)) > 1e-6 * ratio || Math.round(ratio) < 1) {
    throw invalidArgument(`physical: LR/HR pixel size ratio ${ratio} is not a positive integer`);
  }
  if (options.scaleFactor !== undefined && options.scaleFactor !== Math.round(ratio)) {
    throw invalidArgument(`physical: scale ${options.scaleFactor} contradicts lrPixelSizeNm/hrPixelSizeNm = ${Math.round(ratio)}`);
  }
  const again = crappify(img, r.name, { params: { ...requested, lrPixelSizeNm: 0 }, scaleFactor: Math.round(ratio), seed: Rng.fromState(rngState) });
  again.requested = requested;
  again.drawn.lrPixelSizeNm = drawn.lrPixelSizeNm;
  again.seed = seed;
  const rec = again.lr.meta!.crappify as CrappifyRecord;
  Object.assign(rec, { requested, seed, drawn: again.drawn });
  rng.setStateFrom(again.rngStateAfter);
  return again;
}

interface DegradedPlanes {
  lr: PixelArray;
  lrHeight: number;
  lrWidth: number;
  upsampled: PixelArray | null;
  upHeight: number;
  upWidth: number;
  dtype: Image["dtype"];
}

/** Runs the recipe on every YX plane (one continuing noise stream) into arrays of the recipe's output type. */
function degradePlanes(img: Image, r: Recipe, ctx: RecipeContext, onPlane: CrappifyOptions["onPlane"]): DegradedPlanes {
  const n = planeCount(img);
  const dtype = r.outputDtype(img.dtype, ctx.params);
  let out: DegradedPlanes | null = null;
  onPlane?.(0, n);
  for (let k = 0; k < n; k++) {
    const planeOut = r.apply(getPlane(img, k), ctx);
    if (!out) {
      const up = planeOut.lrUpsampled;
      out = {
        lr: allocatePixels(dtype, n * planeOut.lr.height * planeOut.lr.width),
        lrHeight: planeOut.lr.height,
        lrWidth: planeOut.lr.width,
        upsampled: up ? allocatePixels(dtype, n * up.height * up.width) : null,
        upHeight: up ? up.height : 0,
        upWidth: up ? up.width : 0,
        dtype,
      };
    }
    castInto(out.lr, k * out.lrHeight * out.lrWidth, planeOut.lr.data, dtype, r.rounding);
    if (out.upsampled && planeOut.lrUpsampled) castInto(out.upsampled, k * out.upHeight * out.upWidth, planeOut.lrUpsampled.data, dtype, r.rounding);
    onPlane?.(k + 1, n);
  }
  return out!;
}

/** The LR (and upsampled) Images with the leading axes, calibration of their grids and provenance. */
function assembleResult(img: Image, r: Recipe, record: CrappifyRecord, d: DegradedPlanes): CrappifyResult {
  const { drawn } = record;
  const h = img.shape[img.shape.length - 2];
  const w = img.shape[img.shape.length - 1];
  const leadShape = img.shape.slice(0, -2);
  const leadAxes = img.axes.slice(0, -2);
  const meta = { ...(img.meta ?? {}), crappify: record };
  // LR pixels cover h/lrH x w/lrW HR pixels (CARE-style recipes keep the HR grid, maybe cropped).
  const lrScaleY = r.keepsSize ? 1 : h / d.lrHeight;
  const lrScaleX = r.keepsSize ? 1 : w / d.lrWidth;
  const scaleLength = (len: Image["pixelSize"] | undefined, s: number) => (len ? { value: len.value * s, unit: len.unit } : null);
  // The HR pixel size the recipe worked with: hrPixelSizeNm when given (it overrides the file's), else the image's.
  const stated = typeof drawn.hrPixelSizeNm === "number" && drawn.hrPixelSizeNm > 0;
  const hrPixel: Image["pixelSize"] = stated ? { value: drawn.hrPixelSizeNm as number, unit: "nm" } : img.pixelSize ?? null;
  const hrPixelY: Image["pixelSize"] = stated ? null : img.pixelSizeY ?? null;
  const lr: Image = {
    data: d.lr,
    shape: [...leadShape, d.lrHeight, d.lrWidth],
    axes: leadAxes + "YX",
    pixelSize: scaleLength(hrPixel, lrScaleX),
    pixelSizeY: hrPixelY ? scaleLength(hrPixelY, lrScaleY) : lrScaleY !== lrScaleX && hrPixel ? scaleLength(hrPixel, lrScaleY) : null,
    zSpacing: img.zSpacing ?? null,
    frameIntervalS: img.frameIntervalS ?? null,
    dtype: d.dtype,
    meta,
  };
  if (numel(lr.shape) !== lr.data.length) throw new Error("internal: LR size mismatch");
  const result: CrappifyResult = { ...record, lr };
  if (d.upsampled) {
    result.lrUpsampled = {
      data: d.upsampled,
      shape: [...leadShape, d.upHeight, d.upWidth],
      axes: leadAxes + "YX",
      pixelSize: hrPixel,
      pixelSizeY: hrPixelY,
      zSpacing: img.zSpacing ?? null,
      frameIntervalS: img.frameIntervalS ?? null,
      dtype: d.dtype,
      meta: { ...meta, crappify: { ...record, upsampled: drawn.upsample } },
    };
  }
  return result;
}
