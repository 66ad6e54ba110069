// The one image type every room of pssr-lab passes around.
//
// Pixels live in a flat typed array in C order (last axis fastest). `axes` names each
// dimension with one letter of T, C, Z, Y, X (always ending in "YX"), so a time-lapse is
// "TYX" with shape [t, h, w]. Calibration is optional and never invented: a pixel size that
// the file did not state is `null`, not 1.

export type Axis = "T" | "C" | "Z" | "Y" | "X";

/** The sample types a file can hold; the Image remembers its source's. */
export type DType =
  | "uint8"
  | "int8"
  | "uint16"
  | "int16"
  | "uint32"
  | "int32"
  | "float16"
  | "float32"
  | "float64";

export type PixelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** A physical length, e.g. {value: 8, unit: "nm"}. */
export interface Length {
  value: number;
  unit: LengthUnit;
}

export type LengthUnit = "pm" | "nm" | "µm" | "mm" | "cm" | "m";

const NM_PER_UNIT: Record<LengthUnit, number> = {
  pm: 1e-3,
  nm: 1,
  "µm": 1e3,
  mm: 1e6,
  cm: 1e7,
  m: 1e9,
};

export interface Image<A extends PixelArray = PixelArray> {
  data: A;
  /** Size of each axis, same order as `axes`. */
  shape: number[];
  /** One letter per dimension, e.g. "YX", "TYX", "CYX", "TZCYX" (always ends in "YX"). */
  axes: string;
  /** Pixel size along X (and Y, unless `pixelSizeY` says otherwise); null when unknown. */
  pixelSize: Length | null;
  /** Pixel size along Y when it differs from X. */
  pixelSizeY?: Length | null;
  /** Spacing between Z slices, when known. */
  zSpacing?: Length | null;
  /** Time between frames in seconds, when known. */
  frameIntervalS?: number | null;
  /** When rows are time points (a kymograph): seconds per row; pixelSizeY is then null. */
  rowIntervalS?: number | null;
  /** The sample type of the source (file or computation) the pixels came from. */
  dtype: DType;
  /** Free-form provenance: recipe, seed, source file... (serialised into written files). */
  meta?: Record<string, unknown>;
}

/** One 2D plane of float pixels: the unit the crappifier and the metrics work on. */
export interface Plane {
  data: Float32Array;
  height: number;
  width: number;
}

/** Converts a length to nanometres. */
export function lengthToNm(length: Length): number {
  return length.value * NM_PER_UNIT[length.unit];
}

/** Parses unit spellings found in TIFF/ImageJ/OME metadata ("micron", "um", "\\u00B5m"...). */
export function parseLengthUnit(text: string): LengthUnit | null {
  const t = text.trim().replace(/\\u00B5/gi, "µ").replace(/μ/g, "µ").toLowerCase();
  switch (t) {
    case "pm":
    case "picometer":
    case "picometre":
      return "pm";
    case "nm":
    case "nanometer":
    case "nanometre":
      return "nm";
    case "µm":
    case "um":
    case "micron":
    case "microns":
    case "micrometer":
    case "micrometre":
      return "µm";
    case "mm":
    case "millimeter":
    case "millimetre":
      return "mm";
    case "cm":
    case "centimeter":
    case "centimetre":
      return "cm";
    case "m":
    case "meter":
    case "metre":
      return "m";
    default:
      return null;
  }
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function height(img: Image): number {
  return img.shape[img.shape.length - 2];
}

export function width(img: Image): number {
  return img.shape[img.shape.length - 1];
}

/** Number of YX planes in the image (product of all leading axes). */
export function planeCount(img: Image): number {
  return numel(img.shape.slice(0, -2));
}

/** Copies plane `index` (in C order over the leading axes) as float32. */
export function getPlane(img: Image, index = 0): Plane {
  const h = height(img);
  const w = width(img);
  const n = planeCount(img);
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`plane index ${index} is outside 0..${n - 1}`);
  }
  const out = new Float32Array(h * w);
  const src = img.data;
  const off = index * h * w;
  for (let i = 0; i < h * w; i++) out[i] = src[off + i];
  return { data: out, height: h, width: w };
}

/** Every YX plane as float32 copies. */
export function planes(img: Image): Plane[] {
  const out: Plane[] = [];
  for (let i = 0; i < planeCount(img); i++) out.push(getPlane(img, i));
  return out;
}

/**
 * Builds an image from same-sized planes. `leadingShape`/`leadingAxes` describe how the planes
 * stack (default: one plane -> "YX", several -> "ZYX" unless given).
 */
export function imageFromPlanes(
  list: readonly Plane[],
  like: Partial<Omit<Image, "data" | "shape">> & { leadingShape?: number[]; leadingAxes?: string } = {},
): Image<Float32Array> {
  if (list.length === 0) throw new RangeError("imageFromPlanes needs at least one plane");
  const { height: h, width: w } = list[0];
  for (const p of list) {
    if (p.height !== h || p.width !== w) {
      throw new RangeError(`planes differ in size: ${p.height}x${p.width} vs ${h}x${w}`);
    }
  }
  const data = new Float32Array(list.length * h * w);
  list.forEach((p, i) => data.set(p.data, i * h * w));
  const leadingShape = like.leadingShape ?? (list.length === 1 ? [] : [list.length]);
  const leadingAxes = like.leadingAxes ?? (list.length === 1 ? "" : "Z");
  if (numel(leadingShape) !== list.length || leadingAxes.length !== leadingShape.length) {
    throw new RangeError(`leading shape ${JSON.stringify(leadingShape)} / axes "${leadingAxes}" do not fit ${list.length} planes`);
  }
  return {
    data,
    shape: [...leadingShape, h, w],
    axes: leadingAxes + "YX",
    pixelSize: like.pixelSize ?? null,
    pixelSizeY: like.pixelSizeY ?? null,
    zSpacing: like.zSpacing ?? null,
    frameIntervalS: like.frameIntervalS ?? null,
    ...(like.rowIntervalS ? { rowIntervalS: like.rowIntervalS } : {}),
    dtype: like.dtype ?? "float32",
    meta: like.meta,
  };
}

/** A float32 plane of the given size, filled with `value`. */
export function createPlane(heightPx: number, widthPx: number, value = 0): Plane {
  const data = new Float32Array(heightPx * widthPx);
  if (value !== 0) data.fill(value);
  return { data, height: heightPx, width: widthPx };
}

/** The image's pixels as float32 (a copy when the source is another type). */
export function toFloat32(img: Image): Image<Float32Array> {
  const data = img.data instanceof Float32Array ? img.data : Float32Array.from(img.data);
  return { ...img, data, shape: [...img.shape] };
}

/** Checks that shape, axes and data agree; throws a RangeError saying what is wrong. */
export function assertValidImage(img: Image): void {
  if (img.axes.length !== img.shape.length) {
    throw new RangeError(`axes "${img.axes}" has ${img.axes.length} letters but shape has ${img.shape.length} dimensions`);
  }
  if (!img.axes.endsWith("YX")) throw new RangeError(`axes "${img.axes}" must end in "YX"`);
  if (!/^[TCZYX]+$/.test(img.axes) || new Set(img.axes).size !== img.axes.length) {
    throw new RangeError(`axes "${img.axes}" must be distinct letters of T, C, Z, Y, X`);
  }
  if (img.shape.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new RangeError(`shape ${JSON.stringify(img.shape)} has an empty or invalid dimension`);
  }
  if (numel(img.shape) !== img.data.length) {
    throw new RangeError(`shape ${JSON.stringify(img.shape)} needs ${numel(img.shape)} pixels but data has ${img.data.length}`);
  }
}
