// Writing images: ImageJ-compatible TIFF stacks/hyperstacks (so Fiji opens them calibrated and
// tifffile reads back the same values and calibration) and 8-bit auto-contrast PNG previews.
//
// The TIFF encoder is pssr's own, a small little-endian baseline writer: geotiff's writer is
// built for GeoTIFF rasters (one page, geo keys) and has no multi-page or ImageJ support.
// Layout, as ImageJ itself writes it: header, IFD 0 (with the ImageJ description), all pixel
// planes back to back, then the IFDs of the other pages. Uncompressed, one strip per plane.
//
// ImageJ convention for calibration: the description says `unit=micron` and XResolution /
// YResolution hold pixels per micron with ResolutionUnit NONE; `spacing=` is the Z step in the
// same unit and `finterval=` the frame interval in seconds. Planes are stored in ImageJ's
// hyperstack order T, Z, C (C fastest); an image in another axis order is transposed.
// `img.meta` (recipe, seed, provenance) is stored as JSON in private tag 65000 and comes back
// as `meta` from readImage.
import { endianness } from "node:os";
import * as zlib from "node:zlib";
import sharp from "sharp";
import { getPlane, lengthToNm, numel, type Image, type Plane } from "../image/image.js";
import { PssrError, invalidArgument } from "../errors.js";
import { atomicWriteFile } from "./atomic.js";
import { DTYPE_RANGE } from "../image/dtype.js";
import { percentiles } from "../image/percentile.js";
import { PSSR_META_TAG } from "./read.js";

export type TiffDType = "uint8" | "uint16" | "float32";

export interface WriteTiffOptions {
  /** Sample type in the file. Default: the image's dtype when it is one of these, else float32. */
  dtype?: TiffDType;
}

const IMAGEJ_ORDER = "TZC";

/** Writes `img` as an ImageJ hyperstack TIFF at `path` (atomically: complete or absent). */
export async function writeTiff(path: string, img: Image, options: WriteTiffOptions = {}): Promise<void> {
  const bytes = encodeTiff(img, options, path);
  await atomicWriteFile(path, bytes);
}

function checkImage(img: Image, what: string): void {
  if (img.axes.length !== img.shape.length || !img.axes.endsWith("YX") || !/^[TCZ]*YX$/.test(img.axes) || new Set(img.axes).size !== img.axes.length) {
    throw invalidArgument(`${what}: axes "${img.axes}" must be distinct letters of T, Z, C followed by YX, one per dimension of shape ${JSON.stringify(img.shape)}`);
  }
  if (img.shape.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new PssrError("empty-image", `${what}: shape ${JSON.stringify(img.shape)} has an empty dimension`);
  }
  if (numel(img.shape) !== img.data.length) {
    throw invalidArgument(`${what}: shape ${JSON.stringify(img.shape)} needs ${numel(img.shape)} pixels but data has ${img.data.length}`);
  }
}

/** Numerator/denominator (uint32) closest to `v` among denominators 10^k. */
function toRational(v: number): [number, number] {
  if (Number.isInteger(v) && v < 2 ** 32) return [v, 1];
  let best: [number, number] = [Math.max(1, Math.round(v)), 1];
  for (let den = 10; den <= 1e9; den *= 10) {
    const n = Math.round(v * den);
    if (n >= 2 ** 32) break;
    if (n > 0) best = [n, den];
  }
  return best;
}

function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12)));
}

interface Entry {
  tag: number;
  type: number; // 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL
  values: number[] | Uint8Array;
}

/** The planes in ImageJ's hyperstack order T, Z, C (C fastest) and where each one is in `img`. */
interface ImagejOrder {
  t: number;
  z: number;
  c: number;
  images: number;
  /** Index of ImageJ plane k among the source's planes. */
  sourcePlane: (k: number) => number;
}

/** The grid of the written planes: pixel sizes in µm and the kymograph's seconds per row. */
interface TiffCalibration {
  pixelUm: number | null;
  pixelUmY: number | null;
  rowS: number | null;
}

/** Encodes `img` as TIFF bytes (see the module comment for the layout and conventions). */
export function encodeTiff(img: Image, options: WriteTiffOptions = {}, what = "image"): Uint8Array {
  if (endianness() !== "LE") throw new Error("writeTiff assumes a little-endian host");
  checkImage(img, what);
  const dtype = tiffDtype(img, options, what);
  const order = imagejOrder(img);
  const { pixels, lo, hi } = convertSamples(img, dtype, order, what);
  const calibration = tiffCalibration(img, what);
  const description = imagejDescription(img, order, calibration, lo, hi);
  const metaJson = metaAsJson(img, what);
  const pageEntries = pageEntriesFor(img, dtype, calibration, description, metaJson);
  return layoutTiff(pixels, order.images, pageEntries, what);
}

function tiffDtype(img: Image, options: WriteTiffOptions, what: string): TiffDType {
  const dtype: TiffDType = options.dtype ?? (img.dtype === "uint8" || img.dtype === "uint16" || img.dtype === "float32" ? img.dtype : "float32");
  if (dtype !== "uint8" && dtype !== "uint16" && dtype !== "float32") {
    throw invalidArgument(`${what}: dtype must be uint8, uint16 or float32, got "${String(dtype)}"`);
  }
  return dtype;
}

function imagejOrder(img: Image): ImagejOrder {
  const leading = img.axes.slice(0, -2);
  const size = (l: string) => (leading.includes(l) ? img.shape[leading.indexOf(l)] : 1);
  const [t, z, c] = [...IMAGEJ_ORDER].map(size);
  const srcStride: Record<string, number> = {};
  let s = 1;
  for (let i = leading.length - 1; i >= 0; i--) {
    srcStride[leading[i]] = s;
    s *= img.shape[i];
  }
  const sourcePlane = (k: number): number => {
    const ci = k % c;
    const zi = Math.floor(k / c) % z;
    const ti = Math.floor(k / (c * z));
    return ti * (srcStride.T ?? 0) + zi * (srcStride.Z ?? 0) + ci * (srcStride.C ?? 0);
  };
  return { t, z, c, images: t * z * c, sourcePlane };
}

/** The samples in ImageJ order and file type, refusing what the type cannot hold rather than wrapping silently. */
function convertSamples(img: Image, dtype: TiffDType, order: ImagejOrder, what: string): { pixels: Uint8Array | Uint16Array | Float32Array; lo: number; hi: number } {
  const planeSize = img.shape[img.shape.length - 2] * img.shape[img.shape.length - 1];
  const n = order.images * planeSize;
  const pixels = dtype === "uint8" ? new Uint8Array(n) : dtype === "uint16" ? new Uint16Array(n) : new Float32Array(n);
  const maxValue = DTYPE_RANGE[dtype]?.[1] ?? Infinity;
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < order.images; k++) {
    const src = order.sourcePlane(k) * planeSize;
    const dst = k * planeSize;
    for (let i = 0; i < planeSize; i++) {
      const v = img.data[src + i];
      if (dtype === "float32") {
        pixels[dst + i] = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        continue;
      }
      if (!Number.isFinite(v)) {
        throw new PssrError("non-finite-pixels", `${what}: pixel ${src + i} is ${v}, which ${dtype} cannot hold; write float32 instead`);
      }
      const r = Math.round(v);
      if (r < 0 || r > maxValue) {
        throw invalidArgument(`${what}: value ${v} does not fit ${dtype} (0..${maxValue}); rescale the image or write float32`);
      }
      pixels[dst + i] = r;
      if (r < lo) lo = r;
      if (r > hi) hi = r;
    }
  }
  return { pixels, lo, hi };
}

function tiffCalibration(img: Image, what: string): TiffCalibration {
  const pixelUm = img.pixelSize ? lengthToNm(img.pixelSize) / 1000 : null;
  // Rows that are time points (a kymograph): ImageJ's yunit= names Y's unit, YResolution is rows per second.
  const rowS = img.rowIntervalS ?? null;
  if (rowS !== null && !(rowS > 0 && Number.isFinite(rowS))) throw invalidArgument(`${what}: rowIntervalS must be a positive number of seconds`);
  const pixelUmY = rowS !== null ? null : img.pixelSizeY ? lengthToNm(img.pixelSizeY) / 1000 : pixelUm;
  if (pixelUm !== null) {
    if (!(pixelUm > 0) || !Number.isFinite(pixelUm) || (rowS === null && (!(pixelUmY! > 0) || !Number.isFinite(pixelUmY!)))) {
      throw invalidArgument(`${what}: pixel size must be a positive finite length`);
    }
  }
  return { pixelUm, pixelUmY, rowS };
}

function imagejDescription(img: Image, order: ImagejOrder, cal: TiffCalibration, lo: number, hi: number): string {
  const { t, z, c, images } = order;
  const lines = ["ImageJ=1.11a", `images=${images}`];
  if (c > 1) lines.push(`channels=${c}`);
  if (z > 1) lines.push(`slices=${z}`);
  if (t > 1) lines.push(`frames=${t}`);
  if (c > 1 || t > 1) lines.push("hyperstack=true");
  if (c > 1) lines.push("mode=grayscale");
  if (cal.pixelUm !== null) {
    lines.push("unit=micron");
    if (img.zSpacing) lines.push(`spacing=${formatNumber(lengthToNm(img.zSpacing) / 1000)}`);
  } else if (cal.rowS !== null) {
    lines.push("unit=pixel");
  }
  if (cal.rowS !== null) lines.push("yunit=sec");
  if (img.frameIntervalS && img.frameIntervalS > 0) lines.push(`finterval=${formatNumber(img.frameIntervalS)}`);
  lines.push("loop=false");
  if (Number.isFinite(lo) && Number.isFinite(hi)) lines.push(`min=${formatNumber(lo)}`, `max=${formatNumber(hi)}`);
  return lines.join("\n") + "\n";
}

function metaAsJson(img: Image, what: string): string | null {
  if (!img.meta || Object.keys(img.meta).length === 0) return null;
  try {
    return asciiJson(img.meta);
  } catch (e) {
    throw invalidArgument(`${what}: meta cannot be stored as JSON (${(e as Error).message})`);
  }
}

function asciiZ(text: string): Uint8Array {
  const b = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 0x7f;
  return b;
}

/** The tags of page k, whose one strip starts at `stripOffset` (description and meta on page 0 only). */
type PageEntries = (k: number, stripOffset: number) => Entry[];

function pageEntriesFor(img: Image, dtype: TiffDType, cal: TiffCalibration, description: string, metaJson: string | null): PageEntries {
  const height = img.shape[img.shape.length - 2];
  const width = img.shape[img.shape.length - 1];
  const bytesPer = dtype === "uint8" ? 1 : dtype === "uint16" ? 2 : 4;
  const xRes = cal.pixelUm !== null ? toRational(1 / cal.pixelUm) : ([1, 1] as [number, number]);
  const yRes = cal.rowS !== null ? toRational(1 / cal.rowS) : cal.pixelUmY !== null ? toRational(1 / cal.pixelUmY) : ([1, 1] as [number, number]);
  return (k, stripOffset) => {
    const e: Entry[] = [
      { tag: 254, type: 4, values: [0] },
      { tag: 256, type: 4, values: [width] },
      { tag: 257, type: 4, values: [height] },
      { tag: 258, type: 3, values: [bytesPer * 8] },
      { tag: 259, type: 3, values: [1] },
      { tag: 262, type: 3, values: [1] },
    ];
    if (k === 0) e.push({ tag: 270, type: 2, values: asciiZ(description) });
    e.push(
      { tag: 273, type: 4, values: [stripOffset] },
      { tag: 277, type: 3, values: [1] },
      { tag: 278, type: 4, values: [height] },
      { tag: 279, type: 4, values: [height * width * bytesPer] },
      { tag: 282, type: 5, values: xRes },
      { tag: 283, type: 5, values: yRes },
      { tag: 296, type: 3, values: [1] },
      { tag: 339, type: 3, values: [dtype === "float32" ? 3 : 1] },
    );
    if (k === 0 && metaJson !== null) e.push({ tag: PSSR_META_TAG, type: 2, values: asciiZ(metaJson) });
    return e;
  };
}

const TYPE_SIZE: Record<number, number> = { 2: 1, 3: 2, 4: 4, 5: 8 };

/** Bytes an entry's values take outside the IFD (values of 4 bytes or less sit in the entry). */
function extraBytes(e: Entry): number {
  const n = e.type === 5 ? e.values.length / 2 : e.values.length;
  const b = n * TYPE_SIZE[e.type];
  return b > 4 ? b + (b & 1) : 0;
}

function ifdSize(entries: Entry[]): number {
  return 2 + 12 * entries.length + 4 + entries.reduce((a, e) => a + extraBytes(e), 0);
}

/** Header, IFD 0, the planes back to back, then the other pages' IFDs (ImageJ's own layout). */
function layoutTiff(pixels: Uint8Array | Uint16Array | Float32Array, images: number, pageEntries: PageEntries, what: string): Uint8Array {
  const planeBytes = pixels.byteLength / images;
  const pixelStart = 8 + ifdSize(pageEntries(0, 0));
  const otherIfdSize = images > 1 ? ifdSize(pageEntries(1, 0)) : 0;
  const total = pixelStart + images * planeBytes + (images - 1) * otherIfdSize;
  if (total >= 2 ** 32) {
    throw invalidArgument(`${what}: ${total} bytes is too large for a classic TIFF (4 GiB); write fewer planes per file`);
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  const ifdAt = (k: number) => (k === 0 ? 8 : pixelStart + images * planeBytes + (k - 1) * otherIfdSize);
  for (let k = 0; k < images; k++) {
    writeIfd(out, view, ifdAt(k), pageEntries(k, pixelStart + k * planeBytes), k + 1 < images ? ifdAt(k + 1) : 0);
  }
  out.set(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), pixelStart);
  return out;
}

function writeIfd(out: Uint8Array, view: DataView, at: number, entries: Entry[], next: number): void {
  view.setUint16(at, entries.length, true);
  let extra = at + 2 + 12 * entries.length + 4;
  entries.forEach((e, i) => {
    const p = at + 2 + 12 * i;
    const count = e.type === 5 ? e.values.length / 2 : e.values.length;
    view.setUint16(p, e.tag, true);
    view.setUint16(p + 2, e.type, true);
    view.setUint32(p + 4, count, true);
    const big = count * TYPE_SIZE[e.type] > 4;
    const dst = big ? extra : p + 8;
    if (big) view.setUint32(p + 8, extra, true);
    if (e.type === 2) out.set(e.values as Uint8Array, dst);
    else {
      (e.values as number[]).forEach((v, j) => {
        if (e.type === 3) view.setUint16(dst + 2 * j, v, true);
        else view.setUint32(dst + 4 * j, v, true);
      });
    }
    if (big) extra += extraBytes(e);
  });
  view.setUint32(at + 2 + 12 * entries.length, next, true);
}

// ---------------------------------------------------------------- PNG previews

export interface PngOptions {
  /** Percentile mapped to black (numpy's linear interpolation). Default 0.35. */
  lowPercentile?: number;
  /** Percentile mapped to white. Default 99.65. */
  highPercentile?: number;
}

export interface WritePngOptions extends PngOptions {
  /** Which YX plane of an Image to write (C order over the leading axes). Default 0. */
  plane?: number;
}

/**
 * Maps a plane to 8 bits with auto-contrast: the low/high percentiles of its finite values
 * (default 0.35 / 99.65, like Fiji's "Auto" saturating 0.35 % at each end) become 0 and 255,
 * values between are scaled linearly and rounded half up, values outside are clipped. A flat
 * plane (high <= low) and non-finite pixels map to 0.
 */
export function autoContrast8(plane: Plane, options: PngOptions = {}): Uint8Array {
  const low = options.lowPercentile ?? 0.35;
  const high = options.highPercentile ?? 99.65;
  if (!(low >= 0 && low < high && high <= 100)) {
    throw invalidArgument(`percentiles must satisfy 0 <= low < high <= 100, got ${low} and ${high}`);
  }
  const n = plane.height * plane.width;
  if (!(n > 0) || plane.data.length !== n) {
    throw invalidArgument(`plane of ${plane.height}x${plane.width} has ${plane.data.length} values`);
  }
  let finite = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(plane.data[i])) finite++;
  const values = new Float64Array(finite);
  for (let i = 0, j = 0; i < n; i++) if (Number.isFinite(plane.data[i])) values[j++] = plane.data[i];
  const out = new Uint8Array(n);
  if (finite === 0) return out;
  const [lo, hi] = percentiles(values, [low, high]);
  if (!(hi > lo)) return out;
  const scale = 255 / (hi - lo);
  for (let i = 0; i < n; i++) {
    const v = plane.data[i];
    if (!Number.isFinite(v)) continue;
    const y = (v - lo) * scale;
    out[i] = y <= 0 ? 0 : y >= 255 ? 255 : Math.floor(y + 0.5);
  }
  return out;
}

/**
 * An 8-bit greyscale PNG (no filtering, zlib level 6) of `gray`, row by row, synchronously: for
 * display bundles that must be complete when a cell's reply goes out (encodePng is async, via sharp).
 */
export function grayPng(gray: Uint8Array, width: number, height: number): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(gray.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: greyscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

/** An 8-bit greyscale PNG of `plane` with auto-contrast (see autoContrast8). */
export async function encodePng(plane: Plane, options: PngOptions = {}): Promise<Buffer> {
  const gray = autoContrast8(plane, options);
  return sharp(gray, { raw: { width: plane.width, height: plane.height, channels: 1 } }).toColourspace("b-w").png().toBuffer();
}

/** Writes an auto-contrast 8-bit PNG preview of a plane (or of plane `options.plane` of an Image). */
export async function writePng(path: string, image: Image | Plane, options: WritePngOptions = {}): Promise<void> {
  let plane: Plane;
  if ("axes" in image) {
    checkImage(image, path);
    try {
      plane = getPlane(image, options.plane ?? 0);
    } catch (e) {
      throw invalidArgument(`${path}: ${(e as Error).message}`);
    }
  } else {
    plane = image;
  }
  const png = await encodePng(plane, options);
  await atomicWriteFile(path, png);
}
