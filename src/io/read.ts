// Reading microscopy images into pssr's Image: TIFF (plain, multi-page, BigTIFF, big-endian,
// tiled, planar, 1..32-bit integer, float16/32/64, predictors 2 and 3, ImageJ hyperstacks,
// OME-TIFF single- and multi-file, Micro-Manager OME-TIFF) and PNG/JPEG.
// Codecs: geotiff's (LZW, ZSTD, PackBits, LERC, WebP), node's zlib for deflate, and sharp
// (libjpeg-turbo) for JPEG, in TIFF or as files, and for PNG. See tiff-file.ts for why the IFD
// walk and the sample assembly are pssr's own. Pixels keep their source type (uint8 stays
// Uint8Array, ...; float16 is held in a Float32Array with dtype "float16").
//
// Which pages form the image (the "series"), in order of precedence:
//   1. OME-XML in the first ImageDescription (or a .companion.ome file, or the companion a
//      BinaryOnly OME-TIFF points at): the planes of OME Image `series` (default 0), mapped to
//      IFDs by TiffData, possibly across files. Axes follow DimensionOrder reversed with
//      size-1 axes dropped, as tifffile does (XYZCT -> "TCZYX" -> e.g. "TCYX").
//   2. An ImageJ description: images/channels/slices/frames -> "TZCYX" (C fastest), squeezed.
//   3. Anything else: the leading run of pages alike in size and sample type is one stack,
//      axis "Z" (as Fiji opens a plain multi-page TIFF). Pages after the first one that
//      differs (a thumbnail, another colour type) are not read; their count is reported in
//      `meta.source.ignoredPages`. This is tifffile's first series.
// Samples of a pixel (RGB, or any SamplesPerPixel > 1) become a "C" axis just before "YX".
//
// Pixel size, never invented: OME PhysicalSizeX/Y/Z with their units (default µm); else the
// ImageJ description's unit= with XResolution/YResolution (pixels per unit), yunit= and
// spacing=; else XResolution with ResolutionUnit mm/µm, or inch/cm when finer than 10 µm or
// written by microscopy software (coarser is a photo's print density: 72/96/300 dpi).
// ResolutionUnit "none" and a zero resolution give null.
//
// Partial files: metadata that promises more planes than the file holds is an error naming
// both counts, unless allowPartial (then the complete planes, with a warning).
// Palette images are returned as their indices (as tifffile does); the colour map is dropped.
import { readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { totalmem } from "node:os";
import { basename, dirname, join } from "node:path";
import { lengthToNm, type DType, type Image, type Length, type PixelArray } from "../image/image.js";
import { PssrError, invalidArgument } from "../errors.js";
import {
  isOmeXml,
  lengthFrom,
  parseImageJDescription,
  parseOmeXml,
  secondsPer,
  type ImageJDescription,
  type OmeDocument,
} from "./metadata.js";
import { oneLine, TiffFile, type TiffPage } from "./tiff-file.js";
import { allocatePixels } from "../image/dtype.js";

/** Tag 65000 (TIFF private range): pssr's JSON metadata (recipe, seed, provenance). */
export const PSSR_META_TAG = 65000;

export interface ReadOptions {
  /** Which OME Image (series) to read from a multi-series OME-TIFF, e.g. a Micro-Manager position. Default 0. */
  series?: number;
  /**
   * When the metadata (ImageJ images=, OME Size*, tifffile's shape, an IFD chain that runs past
   * the end) promises more planes than the file holds, read the complete planes there are (with
   * a warning, and `meta.source.partial`) instead of failing. Default false.
   */
  allowPartial?: boolean;
  /** Where warnings go (a partial read). Default: a "warning: ..." line on stderr. */
  onWarning?: (message: string) => void;
  /** Refuse images whose pixels need more bytes than this (before allocating). Default 3/4 of the machine's memory. */
  maxBytes?: number;
}

let readDefaults: ReadOptions = {};

/** Options every later read starts from (the CLI's global --allow-partial sets allowPartial). */
export function setReadDefaults(options: ReadOptions): void {
  readDefaults = { ...options };
}

/** Everything about an image but its pixels. */
export type ImageInfo = Omit<Image, "data">;

type FileKind = "tiff" | "png" | "jpeg" | "ome-xml";

interface PlaneRef {
  file: TiffFile;
  page: TiffPage;
}

interface Plan extends ImageInfo {
  planes: PlaneRef[];
}

async function readBytes(path: string): Promise<Uint8Array> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new PssrError("file-not-found", "no such file", { file: path, cause: e });
    throw new PssrError("file-not-found", `cannot open (${(e as Error).message})`, { file: path, cause: e });
  }
  if (info.isDirectory()) throw new PssrError("not-an-image", "is a folder, not an image file", { file: path });
  if (info.size === 0) throw new PssrError("empty-image", "the file is empty (0 bytes)", { file: path });
  return new Uint8Array(await readFile(path));
}

function sniff(path: string, b: Uint8Array): FileKind {
  const at = (i: number, ...v: number[]) => v.every((x, k) => b[i + k] === x);
  if (b.length >= 4 && (at(0, 0x49, 0x49, 42, 0) || at(0, 0x4d, 0x4d, 0, 42) || at(0, 0x49, 0x49, 43, 0) || at(0, 0x4d, 0x4d, 0, 43))) {
    return "tiff";
  }
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  if (at(0, 0xff, 0xd8, 0xff)) return "jpeg";
  const head = new TextDecoder("utf-8").decode(b.subarray(0, 4096));
  if (/^\s*(<\?xml|<!--|<)/.test(head) && isOmeXml(head)) return "ome-xml";
  if (b.length < 8 && (at(0, 0x49, 0x49) || at(0, 0x4d, 0x4d))) {
    throw new PssrError("corrupt-file", `truncated: only ${b.length} bytes, too short for a TIFF header`, { file: path });
  }
  throw new PssrError("not-an-image", "not a TIFF, PNG or JPEG file (unrecognised header bytes)", { file: path });
}

/** Reads an image file (TIFF family, PNG, JPEG, or an OME companion .ome file). */
export async function readImage(path: string, options: ReadOptions = {}): Promise<Image> {
  options = { ...readDefaults, ...options };
  const bytes = await readBytes(path);
  const kind = sniff(path, bytes);
  if (kind === "png" || kind === "jpeg") return readWithSharp(path, bytes, kind);
  const plan = await planFor(path, bytes, kind, options);
  return execute(path, plan, options);
}

/** Shape, axes, dtype and calibration without decoding pixels (PNG/JPEG: from the header). */
export async function readImageInfo(path: string, options: ReadOptions = {}): Promise<ImageInfo> {
  options = { ...readDefaults, ...options };
  const bytes = await readBytes(path);
  const kind = sniff(path, bytes);
  if (kind === "png" || kind === "jpeg") {
    const { data: _data, ...info } = await readWithSharp(path, bytes, kind, true);
    return info;
  }
  const { planes: _planes, ...info } = await planFor(path, bytes, kind, options);
  return info;
}

async function execute(path: string, plan: Plan, options: ReadOptions): Promise<Image> {
  const spp = plan.planes[0].page.samplesPerPixel;
  const { width, height } = plan.planes[0].page;
  const planeSize = width * height;
  const total = plan.planes.length * spp * planeSize;
  const bytesNeeded = total * BYTES_PER[plan.dtype];
  const maxBytes = options.maxBytes ?? Math.floor(totalmem() * 0.75);
  if (bytesNeeded > maxBytes) {
    throw new PssrError(
      "corrupt-file",
      `the image is ${plan.shape.join("x")} ${plan.dtype} (${(bytesNeeded / 2 ** 30).toFixed(2)} GiB), more than the ${(maxBytes / 2 ** 30).toFixed(2)} GiB allowed; damaged header or too large an image`,
      { file: path },
    );
  }
  let data: PixelArray;
  try {
    data = allocatePixels(plan.dtype, total);
  } catch (e) {
    throw new PssrError("corrupt-file", `the file claims ${plan.shape.join("x")} pixels (${total}), more than can be held in memory; damaged header or too large an image`, {
      file: path,
      cause: e,
    });
  }
  for (let i = 0; i < plan.planes.length; i++) {
    const { file, page } = plan.planes[i];
    await file.readPageData(page, data, i * spp * planeSize);
  }
  const { planes: _planes, ...info } = plan;
  if (data.length === 0) throw new PssrError("empty-image", "the image has no pixels", { file: path });
  return { ...info, data };
}

const BYTES_PER: Record<DType, number> = { uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float16: 4, float32: 4, float64: 8 };

// ---------------------------------------------------------------- series planning

/** A PssrError's message without the "FILE: " prefix. */
function reasonOf(e: PssrError): string {
  return e.file && e.message.startsWith(`${e.file}: `) ? e.message.slice(e.file.length + 2) : e.message;
}

/**
 * Sizes after keeping only the first `found` planes of a series stored slowest axis first:
 * the slowest axis longer than 1 shrinks to the whole units that are complete (a 5-frame
 * time-lapse cut after 2 planes keeps 2 frames); if not even one unit is complete, the next.
 */
function partialSizes(sizes: number[], found: number): number[] {
  const out = sizes.slice();
  for (let i = 0; i < out.length; i++) {
    if (out[i] <= 1) continue;
    const unit = out.slice(i + 1).reduce((a, b) => a * b, 1);
    const whole = Math.floor(found / unit);
    if (whole >= 1) {
      out[i] = Math.min(out[i], whole);
      return out;
    }
    out[i] = 1;
  }
  return out;
}

/**
 * Judges a series whose metadata (`source`) promises `expected` planes of which the first
 * `found` can be read: fine when all are there; else an error naming both counts, or with
 * allowPartial a warning. Returns the number of planes to read.
 */
function checkComplete(path: string, options: ReadOptions, source: string, expected: number | null, found: number, why: string | null, metadataOnly = false): number {
  if (expected !== null && found >= expected && why === null) return expected;
  if (metadataOnly) {
    if (!options.allowPartial) throw new PssrError("corrupt-file", `truncated: ${why}; --allow-partial (allowPartial) reads the pages without it`, { file: path });
    (options.onWarning ?? ((m: string) => console.error(`warning: ${m}`)))(`${path}: truncated: ${why}; reading the pages without it`);
    return 0;
  }
  const promise = expected === null ? `${source} continues past the end of the file` : `${source} promises ${expected} planes`;
  if (!options.allowPartial || found === 0) {
    throw new PssrError(
      "corrupt-file",
      `truncated: ${promise} but ${found === 0 ? "no plane" : `only ${found} plane${found > 1 ? "s" : ""}`} can be read${why ? ` (${why})` : ""}${found > 0 ? `; --allow-partial (allowPartial) reads the ${found}` : ""}`,
      { file: path },
    );
  }
  (options.onWarning ?? ((m: string) => console.error(`warning: ${m}`)))(`${path}: truncated: ${promise}; reading the ${found} complete ones${why ? ` (${why})` : ""}`);
  return found;
}

/**
 * Pages from..count-1 of `tf` for a series whose first page is `first`: stops at the first page
 * that is missing or truncated (returning why); a page of another size or type is an error.
 */
async function readablePages(path: string, tf: TiffFile, first: TiffPage, count: number, what: string): Promise<{ pages: TiffPage[]; why: string | null }> {
  const pages = [first];
  for (let i = 1; i < count; i++) {
    if (i >= tf.pageCount) return { pages, why: tf.chainCut ?? `the file has ${tf.pageCount} pages` };
    let p: TiffPage;
    try {
      p = await tf.page(i);
    } catch (e) {
      if (e instanceof PssrError && e.code === "corrupt-file") return { pages, why: reasonOf(e) };
      throw e;
    }
    if (!sameKind(first, p)) {
      throw new PssrError("corrupt-file", `${what} says ${count} planes, but page ${i} is ${p.width}x${p.height} ${p.dtype} while page 0 is ${first.width}x${first.height} ${first.dtype}`, { file: path });
    }
    pages.push(p);
  }
  return { pages, why: null };
}

async function planFor(path: string, bytes: Uint8Array, kind: FileKind, options: ReadOptions): Promise<Plan> {
  const opened = new Map<string, TiffFile>();
  if (kind === "ome-xml") {
    const doc = parseOmeXml(new TextDecoder("utf-8").decode(bytes));
    return planFromOme(path, doc, dirname(path), null, opened, options, "ome-companion");
  }
  const tf = await TiffFile.open(path, bytes);
  opened.set(path, tf);
  if (tf.lostDescription !== null) {
    // The metadata that says how the pages form the image, or their calibration, is cut off:
    // read the pages without it only when allowed.
    checkComplete(path, options, "the file", null, 0, `${tf.lostDescription}; its metadata is lost`, true);
  }
  const descriptions = tf.descriptions();
  const omeText = descriptions.find(isOmeXml);
  const ijText = descriptions.find((d) => d.startsWith("ImageJ="));
  const stored = await storedMeta(tf);
  let plan: Plan | null = null;
  if (omeText !== undefined) {
    const doc = parseOmeXml(omeText);
    if (doc.images.length > 0) {
      plan = await planFromOme(path, doc, dirname(path), tf, opened, options, "ome-tiff");
    } else if (doc.binaryOnlyMetadataFile) {
      const companion = join(dirname(path), doc.binaryOnlyMetadataFile);
      if (existsSync(companion)) {
        const cdoc = parseOmeXml(await readFile(companion, "utf8"));
        plan = await planFromOme(path, cdoc, dirname(companion), tf, opened, options, "ome-tiff (companion)");
      }
    }
  }
  if (plan === null && ijText !== undefined) {
    plan = await planFromImageJ(path, tf, parseImageJDescription(ijText)!, options);
  }
  if (plan === null) plan = await planGeneric(path, tf, options, descriptions);
  if (stored) plan.meta = { ...stored, source: plan.meta?.source };
  return plan;
}

async function storedMeta(tf: TiffFile): Promise<Record<string, unknown> | null> {
  const text = tf.asciiTag(0, PSSR_META_TAG);
  if (!text) return null;
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function sameKind(a: TiffPage, b: TiffPage): boolean {
  return (
    a.width === b.width &&
    a.height === b.height &&
    a.samplesPerPixel === b.samplesPerPixel &&
    a.bitsPerSample === b.bitsPerSample &&
    a.sampleFormat === b.sampleFormat &&
    a.photometric === b.photometric
  );
}

/** Leading axes (without Y, X) with size-1 axes dropped, then samples appended as "C". */
function finishAxes(path: string, letters: string[], sizes: number[], spp: number, height: number, width: number): { axes: string; shape: number[] } {
  const axes: string[] = [];
  const shape: number[] = [];
  letters.forEach((l, i) => {
    if (sizes[i] > 1) {
      axes.push(l);
      shape.push(sizes[i]);
    }
  });
  if (spp > 1) {
    if (axes.includes("C")) {
      throw new PssrError("unsupported-format", `has both ${spp} samples per pixel and a channel axis; pssr cannot hold two channel axes`, { file: path });
    }
    axes.push("C");
    shape.push(spp);
  }
  return { axes: axes.join("") + "YX", shape: [...shape, height, width] };
}

/**
 * Software whose resolution tags are a microscope calibration even when coarse (a stereo
 * microscope's 20 µm pixel): acquisition and conversion programs of microscopy.
 */
const MICROSCOPY_SOFTWARE =
  /bio-?formats|\bome\b|micro-?manager|metamorph|metaseries|\bzen\b|zeiss|leica|\blas\b|nis-elements|nikon|cellsens|olympus|fluoview|andor|slidebook|volocity|hcimage|visiview|scanimage|prairie|imagej|fiji|aperio|hamamatsu|digitalmicrograph|gatan|\bfei\b|thermo|tescan|jeol/i;

/** Pixels coarser than this (in µm) come from print and screen settings: 2540 dpi and below (72, 96, 300, 2400 dpi). */
const PRINT_PIXEL_UM = 10;

/** True when a length is a print/screen resolution rather than a sampling of a specimen. */
function isPrintResolution(len: Length): boolean {
  return lengthToNm(len) >= PRINT_PIXEL_UM * 1000;
}

function formatDpi(len: Length): string {
  return `${Number((25.4e6 / lengthToNm(len)).toPrecision(6))} dpi`;
}

/**
 * Pixel size from TIFF resolution tags. ResolutionUnit millimetre (4) or micrometre (5)
 * (tifffile's extensions; no photo software writes them) always counts. Inch (2, also when
 * the tag is absent) and centimetre (3) count when the pixel is finer than 10 µm, or when the
 * Software tag names a microscopy program; otherwise the value is a print/screen density
 * (a photo's 72/96/300 dpi) and the pixel size is unknown. "None" (1) is never a length.
 */
function resolutionLength(res: number | null, unit: number, trusted: boolean): { length: Length | null; ignored?: string } {
  if (res === null) return { length: null };
  const perUm: Record<number, number> = { 2: 25400, 3: 10000, 4: 1000, 5: 1 };
  if (!(unit in perUm)) return { length: null };
  const length: Length = { value: perUm[unit] / res, unit: "µm" };
  if ((unit === 2 || unit === 3) && !trusted && isPrintResolution(length)) return { length: null, ignored: formatDpi(length) };
  return { length };
}

function sameLength(a: Length | null, b: Length | null): boolean {
  return a === b || (a !== null && b !== null && a.unit === b.unit && Math.abs(a.value - b.value) <= 1e-12 * Math.abs(a.value));
}

function calibrationFromTags(page: TiffPage, tf: TiffFile): { pixelSize: Length | null; pixelSizeY: Length | null; ignoredResolution?: string } {
  const software = tf.asciiTag(page.index, 305) ?? "";
  const trusted = MICROSCOPY_SOFTWARE.test(software);
  const xr = resolutionLength(page.xResolution, page.resolutionUnit, trusted);
  const yr = resolutionLength(page.yResolution, page.resolutionUnit, trusted);
  const x = xr.length;
  const y = yr.length;
  const ignored = xr.ignored ?? yr.ignored;
  return {
    pixelSize: x ?? y,
    pixelSizeY: x && y && !sameLength(x, y) ? y : null,
    ...(ignored ? { ignoredResolution: `${ignored}${software ? ` (Software: ${software.slice(0, 40)})` : ""}` } : {}),
  };
}

/**
 * ImageJ writes files over 4 GB with one IFD and the planes stored back to back, and ImageJ
 * and tifffile put the IFDs of later pages after all the pixels, so a file cut short keeps
 * only IFD 0: then the planes are read from where the first one ends, as many as fit. Null
 * unless the file has one IFD, uncompressed, and promises more planes.
 */
function contiguousPlanes(tf: TiffFile, first: TiffPage, promised: number): { pages: TiffPage[]; why: string | null } | null {
  const contiguous = first.compression === 1 && first.offsets.every((o, i) => i === 0 || o === first.offsets[i - 1] + first.byteCounts[i - 1]);
  if (tf.pageCount !== 1 || promised <= 1 || !contiguous) return null;
  const planeBytes = first.byteCounts.reduce((a, b) => a + b, 0);
  // The stored plane must hold the pixels (a zero byte count would fit "infinitely many" planes).
  if (planeBytes < Math.ceil((first.width * first.samplesPerPixel * first.bitsPerSample) / 8) * first.height) return null;
  const n = Math.min(promised, Math.floor((tf.bytes.length - first.offsets[0]) / planeBytes));
  const why = n < promised ? `plane ${n} would end at byte ${first.offsets[0] + (n + 1) * planeBytes} but the file has ${tf.bytes.length}` : null;
  const pages: TiffPage[] = [];
  for (let k = 0; k < n; k++) pages.push({ ...first, offsets: first.offsets.map((o) => o + k * planeBytes) });
  return { pages, why };
}

/** The planes tifffile's "shaped" description ({"shape": [...]}) promises, or null. */
function shapedPlanes(descriptions: string[], first: TiffPage): number | null {
  const d = descriptions.find((t) => t.startsWith("{") && t.includes('"shape"'));
  if (d === undefined) return null;
  try {
    const shape = (JSON.parse(d) as { shape?: unknown }).shape;
    if (!Array.isArray(shape) || !shape.every((v) => Number.isInteger(v) && v > 0)) return null;
    const planes = (shape as number[]).reduce((a, b) => a * b, 1) / (first.width * first.height * first.samplesPerPixel);
    return Number.isInteger(planes) && planes >= 1 ? planes : null;
  } catch {
    return null;
  }
}

async function planGeneric(path: string, tf: TiffFile, options: ReadOptions, descriptions: string[]): Promise<Plan> {
  const first = await tf.page(0);
  const promised = shapedPlanes(descriptions, first);
  const flat = promised !== null ? contiguousPlanes(tf, first, promised) : null;
  const pages = flat ? flat.pages : [first];
  let why: string | null = flat ? flat.why : null;
  let ignoredPages = 0;
  for (let i = 1; i < (flat ? 0 : tf.pageCount); i++) {
    let p: TiffPage;
    try {
      p = await tf.page(i);
    } catch (e) {
      if (!(e instanceof PssrError)) throw e;
      // A page cut off by the end of the file is a truncated series; any other unreadable page
      // (an unsupported thumbnail, say) ends it like a page of another kind.
      if (e.code === "corrupt-file") why = reasonOf(e);
      else ignoredPages = tf.pageCount - i;
      break;
    }
    if (!sameKind(first, p) || (p.newSubfileType & 1) !== 0) {
      ignoredPages = tf.pageCount - i;
      break;
    }
    pages.push(p);
  }
  if (!flat && why === null && ignoredPages === 0 && tf.chainCut !== null) why = tf.chainCut;
  let partial: { expected: number | null; found: number } | undefined;
  if (why !== null || (promised !== null && pages.length < promised)) {
    const source = promised !== null ? `the description (tifffile shape)` : "the IFD chain";
    const n = checkComplete(path, options, source, promised, pages.length, why ?? `the file has ${tf.pageCount} pages`);
    pages.length = n;
    partial = { expected: promised, found: n };
  }
  const { axes, shape } = finishAxes(path, ["Z"], [pages.length], first.samplesPerPixel, first.height, first.width);
  const cal = calibrationFromTags(first, tf);
  return {
    planes: pages.map((page) => ({ file: tf, page })),
    shape,
    axes,
    dtype: first.dtype,
    pixelSize: cal.pixelSize,
    pixelSizeY: cal.pixelSizeY,
    zSpacing: null,
    frameIntervalS: null,
    meta: {
      source: {
        file: path,
        format: tf.bigTiff ? "bigtiff" : "tiff",
        pages: tf.pageCount,
        ...(ignoredPages ? { ignoredPages } : {}),
        ...(partial ? { partial } : {}),
        ...(cal.ignoredResolution ? { ignoredResolution: cal.ignoredResolution } : {}),
      },
    },
  };
}

async function planFromImageJ(path: string, tf: TiffFile, ij: ImageJDescription, options: ReadOptions): Promise<Plan> {
  const first = await tf.page(0);
  const int = (k: string) => (typeof ij[k] === "number" && Number.isInteger(ij[k]) && (ij[k] as number) > 0 ? (ij[k] as number) : 1);
  const images = typeof ij.images === "number" ? int("images") : tf.pageCount;
  let c = int("channels");
  let z = int("slices");
  let t = int("frames");
  if (c * z * t !== images) {
    // An ImageJ stack without hyperstack sizes is a plain stack of slices.
    c = 1;
    t = 1;
    z = images;
  }
  const { pages, why } = contiguousPlanes(tf, first, images) ?? (await readablePages(path, tf, first, images, "the ImageJ description"));
  let partial: { expected: number; found: number } | undefined;
  if (pages.length < images) {
    const found = checkComplete(path, options, `the ImageJ description (images=${images})`, images, pages.length, why);
    [t, z, c] = partialSizes([t, z, c], found);
    pages.length = t * z * c;
    partial = { expected: images, found: pages.length };
  }
  const { axes, shape } = finishAxes(path, ["T", "Z", "C"], [t, z, c], first.samplesPerPixel, first.height, first.width);
  const unit = typeof ij.unit === "string" ? ij.unit : null;
  let pixelSize: Length | null = null;
  let pixelSizeY: Length | null = null;
  let zSpacing: Length | null = null;
  let rowIntervalS: number | null = null;
  let ignoredResolution: string | undefined;
  // yunit= (ImageJ 1.52+) gives Y its own unit; a time unit means rows are time points (a kymograph).
  const yunit = typeof ij.yunit === "string" ? ij.yunit : null;
  const yIsTime = yunit !== null && lengthFrom(1, yunit) === null && secondsPer(yunit) !== null;
  if (yIsTime && first.yResolution) rowIntervalS = (1 / first.yResolution) * secondsPer(yunit)!;
  if (unit !== null && lengthFrom(1, unit) !== null) {
    const x = first.xResolution ? lengthFrom(1 / first.xResolution, unit) : null;
    if (x !== null && isPrintResolution(x)) {
      // ImageJ names a photo's dots per inch "inch": a print setting, not a calibration.
      ignoredResolution = `${formatDpi(x)} (ImageJ unit=${unit})`;
    } else {
      pixelSize = x;
      if (!yIsTime) {
        const y = first.yResolution ? lengthFrom(1 / first.yResolution, yunit !== null && lengthFrom(1, yunit) !== null ? yunit : unit) : null;
        pixelSizeY = y && !sameLength(pixelSize, y) ? y : null;
      }
      if (typeof ij.spacing === "number") zSpacing = lengthFrom(Math.abs(ij.spacing), unit);
    }
  } else if (!yIsTime) {
    const cal = calibrationFromTags(first, tf);
    ({ pixelSize, pixelSizeY } = cal);
    ignoredResolution = cal.ignoredResolution;
  }
  const perUnit = secondsPer(typeof ij.tunit === "string" ? ij.tunit : "s");
  const frameIntervalS = typeof ij.finterval === "number" && ij.finterval > 0 && perUnit !== null ? ij.finterval * perUnit : null;
  return {
    planes: pages.map((page) => ({ file: tf, page })),
    shape,
    axes,
    dtype: first.dtype,
    pixelSize,
    pixelSizeY,
    zSpacing,
    frameIntervalS,
    ...(rowIntervalS !== null ? { rowIntervalS } : {}),
    meta: {
      source: {
        file: path,
        format: "imagej-tiff",
        pages: tf.pageCount,
        imagej: ij,
        ...(partial ? { partial } : {}),
        ...(ignoredResolution ? { ignoredResolution } : {}),
      },
    },
  };
}

async function planFromOme(
  path: string,
  doc: OmeDocument,
  dir: string,
  self: TiffFile | null,
  opened: Map<string, TiffFile>,
  options: ReadOptions,
  format: string,
): Promise<Plan> {
  const series = options.series ?? 0;
  if (!Number.isInteger(series) || series < 0 || series >= doc.images.length) {
    if (doc.images.length === 0) throw new PssrError("corrupt-file", "the OME-XML describes no image", { file: path });
    throw invalidArgument(`${path}: series ${series} does not exist; the OME-XML has ${doc.images.length} (0..${doc.images.length - 1})`);
  }
  const image = doc.images[series];
  const px = image.pixels;
  const order = px.dimensionOrder.replace(/[XY]/g, "");
  if (!/^[ZCT]{3}$/.test(order) || new Set(order).size !== 3) {
    throw new PssrError("corrupt-file", `OME DimensionOrder "${px.dimensionOrder}" is not valid`, { file: path });
  }
  // Every file TiffData elements name: one single UUID throughout means a single-file dataset
  // (perhaps renamed since), whose planes all live in this file.
  const uuids = new Set(doc.images.flatMap((im) => im.pixels.tiffData.map((td) => td.uuid ?? td.fileName ?? "")));
  const singleFile = uuids.size <= 1;

  const isSelf = (fileName: string | null, uuid: string | null): boolean =>
    self !== null && (fileName === null || basename(fileName) === basename(path) || (uuid !== null && uuid === doc.uuid));
  const fileFor = async (fileName: string | null, uuid: string | null): Promise<TiffFile> => {
    if (isSelf(fileName, uuid)) return self!;
    const part = join(dir, fileName!);
    const known = opened.get(part);
    if (known) return known;
    if (!existsSync(part)) {
      if (self !== null && singleFile) return self;
      throw new PssrError("file-not-found", `the OME-XML stores planes in "${fileName}", which is not in ${dir}`, { file: path });
    }
    const tf = await TiffFile.open(part, new Uint8Array(await readFile(part)));
    opened.set(part, tf);
    return tf;
  };

  const sizes: Record<string, number> = { Z: Math.max(px.sizeZ, 1), C: Math.max(px.sizeC, 1), T: Math.max(px.sizeT, 1) };
  // Planes per IFD: an RGB OME image counts its samples in SizeC.
  const tiffDatas = px.tiffData.length ? px.tiffData : [{ ifd: 0, planeCount: null, firstZ: 0, firstC: 0, firstT: 0, fileName: null, uuid: null }];
  const firstFile = await fileFor(tiffDatas[0].fileName, tiffDatas[0].uuid);
  const firstPage = await firstFile.page(tiffDatas[0].ifd);
  const spp = firstPage.samplesPerPixel;
  if (spp > 1) {
    if (sizes.C % spp !== 0) throw new PssrError("unsupported-format", `OME SizeC ${sizes.C} is not a multiple of ${spp} samples per pixel`, { file: path });
    sizes.C /= spp;
  }
  let nPlanes = sizes.Z * sizes.C * sizes.T;
  const stride: Record<string, number> = {};
  let s = 1;
  for (const l of order) {
    stride[l] = s;
    s *= sizes[l];
  }
  // A map, not an array of nPlanes: a damaged SizeT of 10^9 must not allocate anything.
  const planes = new Map<number, PlaneRef>();
  const whyMissing = new Map<number, string>();
  for (const td of tiffDatas) {
    const start = td.firstZ * stride.Z + td.firstC * stride.C + td.firstT * stride.T;
    const count = td.planeCount ?? (tiffDatas.length === 1 ? nPlanes - start : 1);
    const file = await fileFor(td.fileName, td.uuid);
    for (let k = 0; k < count && start + k < nPlanes; k++) {
      if (td.ifd + k >= file.pageCount) {
        whyMissing.set(start + k, `IFD ${td.ifd + k} of ${basename(file.path)} is missing: ${file.chainCut ?? `the file has ${file.pageCount} pages`}`);
        break;
      }
      let page: TiffPage;
      try {
        page = await file.page(td.ifd + k);
      } catch (e) {
        if (!(e instanceof PssrError) || e.code !== "corrupt-file") throw e;
        whyMissing.set(start + k, reasonOf(e));
        break;
      }
      if (!sameKind(firstPage, page)) {
        throw new PssrError("corrupt-file", `OME plane ${start + k} (IFD ${td.ifd + k}) differs in size or type from the first plane`, { file: path });
      }
      planes.set(start + k, { file, page });
    }
  }
  let found = 0;
  while (found < nPlanes && planes.has(found)) found++;
  let partial: { expected: number; found: number } | undefined;
  if (found < nPlanes) {
    const why = whyMissing.get(found) ?? `the OME-XML maps no IFD to plane ${found}`;
    const n = checkComplete(path, options, `the OME-XML (Size Z ${sizes.Z} x C ${sizes.C} x T ${sizes.T})`, nPlanes, found, why);
    const slowestFirst = [...order].reverse();
    const cut = partialSizes(slowestFirst.map((l) => sizes[l]), n);
    slowestFirst.forEach((l, i) => (sizes[l] = cut[i]));
    partial = { expected: nPlanes, found: sizes.Z * sizes.C * sizes.T };
    nPlanes = partial.found;
  }
  if ((px.sizeX && px.sizeX !== firstPage.width) || (px.sizeY && px.sizeY !== firstPage.height)) {
    throw new PssrError("corrupt-file", `OME says ${px.sizeX}x${px.sizeY} pixels but the TIFF page is ${firstPage.width}x${firstPage.height}`, { file: path });
  }
  const letters = [...order].reverse();
  const { axes, shape } = finishAxes(path, letters, letters.map((l) => sizes[l]), spp, firstPage.height, firstPage.width);
  const pixelSize = px.physicalSizeX ?? px.physicalSizeY;
  return {
    planes: Array.from({ length: nPlanes }, (_, k) => planes.get(k)!),
    shape,
    axes,
    dtype: firstPage.dtype as DType,
    pixelSize,
    pixelSizeY: px.physicalSizeY && !sameLength(pixelSize, px.physicalSizeY) ? px.physicalSizeY : null,
    zSpacing: px.physicalSizeZ,
    frameIntervalS: px.timeIncrementS,
    meta: {
      source: {
        file: path,
        format,
        series,
        seriesCount: doc.images.length,
        ...(image.name ? { name: image.name } : {}),
        ...(partial ? { partial } : {}),
      },
    },
  };
}

// ---------------------------------------------------------------- PNG / JPEG

async function readWithSharp(path: string, bytes: Uint8Array, kind: "png" | "jpeg", headerOnly = false): Promise<Image> {
  const { default: sharp } = await import("sharp");
  let meta;
  try {
    meta = await sharp(bytes).metadata();
  } catch (e) {
    throw new PssrError("corrupt-file", `cannot read the ${kind.toUpperCase()} header (${oneLine(e)})`, { file: path, cause: e });
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const channels = meta.channels ?? 1;
  if (width <= 0 || height <= 0) throw new PssrError("empty-image", `the ${kind.toUpperCase()} image has no pixels`, { file: path });
  const sixteen = meta.depth === "ushort";
  const dtype: DType = sixteen ? "uint16" : "uint8";
  const density = meta.density;
  // PNG pHYs in metres arrives as a dpi value; without it sharp reports none (or the 72 default).
  const fromDensity: Length | null = density && density > 0 ? { value: 25400 / density, unit: "µm" } : null;
  // The same rule as TIFF resolution tags: a print/screen density (72, 96, 300 dpi) is no calibration.
  const pixelSize = fromDensity && !isPrintResolution(fromDensity) ? fromDensity : null;
  const leading = channels > 1 ? [channels] : [];
  const info = {
    shape: [...leading, height, width],
    axes: (channels > 1 ? "C" : "") + "YX",
    dtype,
    pixelSize,
    pixelSizeY: null,
    zSpacing: null,
    frameIntervalS: null,
    meta: { source: { file: path, format: kind } },
  };
  if (headerOnly) return { ...info, data: new Uint8Array(0) };
  let raw: Buffer;
  try {
    // Without an explicit colourspace libvips hands back greyscale as three sRGB channels.
    const space = channels <= 2 ? (sixteen ? "grey16" : "b-w") : sixteen ? "rgb16" : "srgb";
    raw = await sharp(bytes).toColourspace(space).raw({ depth: sixteen ? "ushort" : "uchar" }).toBuffer();
  } catch (e) {
    throw new PssrError("corrupt-file", `cannot decode the ${kind.toUpperCase()} data (${oneLine(e)}); truncated or damaged`, { file: path, cause: e });
  }
  const n = width * height;
  const interleaved = sixteen
    ? new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength))
    : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (interleaved.length < n * channels) {
    throw new PssrError("corrupt-file", `decoded ${interleaved.length} samples, expected ${n * channels}`, { file: path });
  }
  const data = sixteen ? new Uint16Array(n * channels) : new Uint8Array(n * channels);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < n; i++) data[c * n + i] = interleaved[i * channels + c];
  }
  return { ...info, data };
}
