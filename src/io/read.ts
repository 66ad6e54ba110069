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
// ImageJ description's unit= with XResolution/YResolution (pixels per unit) and spacing=;
// else XResolution with ResolutionUnit inch or cm. ResolutionUnit "none", a zero resolution
// and the 72 dpi that writers put in by default (TIFF "no real calibration") give null.
// Palette images are returned as their indices (as tifffile does); the colour map is dropped.
import { readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { DType, Image, Length, PixelArray } from "../image/image.js";
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
import { allocate, TiffFile, type TiffPage } from "./tiff-file.js";

/** Tag 65000 (TIFF private range): pssr's JSON metadata (recipe, seed, provenance). */
export const PSSR_META_TAG = 65000;

export interface ReadOptions {
  /** Which OME Image (series) to read from a multi-series OME-TIFF, e.g. a Micro-Manager position. Default 0. */
  series?: number;
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
  const bytes = await readBytes(path);
  const kind = sniff(path, bytes);
  if (kind === "png" || kind === "jpeg") return readWithSharp(path, bytes, kind);
  const plan = await planFor(path, bytes, kind, options);
  return execute(path, plan);
}

/** Shape, axes, dtype and calibration without decoding pixels (PNG/JPEG: from the header). */
export async function readImageInfo(path: string, options: ReadOptions = {}): Promise<ImageInfo> {
  const bytes = await readBytes(path);
  const kind = sniff(path, bytes);
  if (kind === "png" || kind === "jpeg") {
    const { data: _data, ...info } = await readWithSharp(path, bytes, kind, true);
    return info;
  }
  const { planes: _planes, ...info } = await planFor(path, bytes, kind, options);
  return info;
}

async function execute(path: string, plan: Plan): Promise<Image> {
  const spp = plan.planes[0].page.samplesPerPixel;
  const { width, height } = plan.planes[0].page;
  const planeSize = width * height;
  const total = plan.planes.length * spp * planeSize;
  let data: PixelArray;
  try {
    data = allocate(plan.dtype, total);
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

// ---------------------------------------------------------------- series planning

async function planFor(path: string, bytes: Uint8Array, kind: FileKind, options: ReadOptions): Promise<Plan> {
  const opened = new Map<string, TiffFile>();
  if (kind === "ome-xml") {
    const doc = parseOmeXml(new TextDecoder("utf-8").decode(bytes));
    return planFromOme(path, doc, dirname(path), null, opened, options, "ome-companion");
  }
  const tf = await TiffFile.open(path, bytes);
  opened.set(path, tf);
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
    plan = await planFromImageJ(path, tf, parseImageJDescription(ijText)!);
  }
  if (plan === null) plan = await planGeneric(path, tf);
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

/** Pixel size from TIFF resolution tags (inch or cm units only; the 72 dpi default is not a calibration). */
function resolutionLength(res: number | null, unit: number): Length | null {
  if (res === null) return null;
  if (unit === 2) return res === 72 ? null : { value: 25400 / res, unit: "µm" };
  if (unit === 3) return { value: 10000 / res, unit: "µm" };
  return null;
}

function sameLength(a: Length | null, b: Length | null): boolean {
  return a === b || (a !== null && b !== null && a.unit === b.unit && Math.abs(a.value - b.value) <= 1e-12 * Math.abs(a.value));
}

function calibrationFromTags(page: TiffPage): { pixelSize: Length | null; pixelSizeY: Length | null } {
  const x = resolutionLength(page.xResolution, page.resolutionUnit);
  const y = resolutionLength(page.yResolution, page.resolutionUnit);
  return { pixelSize: x ?? y, pixelSizeY: x && y && !sameLength(x, y) ? y : null };
}

async function pagesAlike(path: string, tf: TiffFile, first: TiffPage, count: number, what: string): Promise<TiffPage[]> {
  const out = [first];
  for (let i = 1; i < count; i++) {
    const p = await tf.page(i);
    if (!sameKind(first, p)) {
      throw new PssrError("corrupt-file", `${what} says ${count} planes, but page ${i} is ${p.width}x${p.height} ${p.dtype} while page 0 is ${first.width}x${first.height} ${first.dtype}`, { file: path });
    }
    out.push(p);
  }
  return out;
}

async function planGeneric(path: string, tf: TiffFile): Promise<Plan> {
  const first = await tf.page(0);
  const pages = [first];
  for (let i = 1; i < tf.pageCount; i++) {
    const p = await tf.page(i);
    if (!sameKind(first, p) || (p.newSubfileType & 1) !== 0) break;
    pages.push(p);
  }
  const { axes, shape } = finishAxes(path, ["Z"], [pages.length], first.samplesPerPixel, first.height, first.width);
  const ignoredPages = tf.pageCount - pages.length;
  return {
    planes: pages.map((page) => ({ file: tf, page })),
    shape,
    axes,
    dtype: first.dtype,
    ...calibrationFromTags(first),
    zSpacing: null,
    frameIntervalS: null,
    meta: { source: { file: path, format: tf.bigTiff ? "bigtiff" : "tiff", pages: tf.pageCount, ...(ignoredPages ? { ignoredPages } : {}) } },
  };
}

async function planFromImageJ(path: string, tf: TiffFile, ij: ImageJDescription): Promise<Plan> {
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
  let pages: TiffPage[];
  if (tf.pageCount >= images) {
    pages = await pagesAlike(path, tf, first, images, "the ImageJ description");
  } else {
    // ImageJ writes files over 4 GB with one IFD and the planes stored back to back.
    const contiguous =
      first.compression === 1 && first.offsets.every((o, i) => i === 0 || o === first.offsets[i - 1] + first.byteCounts[i - 1]);
    if (!contiguous) {
      throw new PssrError("corrupt-file", `the ImageJ description says ${images} images but the file has ${tf.pageCount} pages`, { file: path });
    }
    const planeBytes = first.byteCounts.reduce((a, b) => a + b, 0);
    pages = [];
    for (let k = 0; k < images; k++) {
      const end = first.offsets[0] + (k + 1) * planeBytes;
      if (end > tf.bytes.length) throw new PssrError("corrupt-file", `truncated: ImageJ plane ${k} ends at byte ${end} but the file has ${tf.bytes.length}`, { file: path });
      pages.push({ ...first, offsets: first.offsets.map((o) => o + k * planeBytes) });
    }
  }
  const { axes, shape } = finishAxes(path, ["T", "Z", "C"], [t, z, c], first.samplesPerPixel, first.height, first.width);
  const unit = typeof ij.unit === "string" ? ij.unit : null;
  let pixelSize: Length | null = null;
  let pixelSizeY: Length | null = null;
  let zSpacing: Length | null = null;
  if (unit !== null) {
    pixelSize = first.xResolution ? lengthFrom(1 / first.xResolution, unit) : null;
    const y = first.yResolution ? lengthFrom(1 / first.yResolution, unit) : null;
    pixelSizeY = y && !sameLength(pixelSize, y) ? y : null;
    if (typeof ij.spacing === "number") zSpacing = lengthFrom(Math.abs(ij.spacing), unit);
  } else {
    ({ pixelSize, pixelSizeY } = calibrationFromTags(first));
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
    meta: { source: { file: path, format: "imagej-tiff", pages: tf.pageCount, imagej: ij } },
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
  const nPlanes = sizes.Z * sizes.C * sizes.T;
  const stride: Record<string, number> = {};
  let s = 1;
  for (const l of order) {
    stride[l] = s;
    s *= sizes[l];
  }
  const planes: (PlaneRef | undefined)[] = new Array(nPlanes);
  for (const td of tiffDatas) {
    const start = td.firstZ * stride.Z + td.firstC * stride.C + td.firstT * stride.T;
    const count = td.planeCount ?? (tiffDatas.length === 1 ? nPlanes - start : 1);
    const file = await fileFor(td.fileName, td.uuid);
    for (let k = 0; k < count && start + k < nPlanes; k++) {
      if (td.ifd + k >= file.pageCount) {
        throw new PssrError("corrupt-file", `the OME-XML puts a plane in IFD ${td.ifd + k} of ${basename(file.path)}, which has ${file.pageCount} pages`, { file: path });
      }
      const page = await file.page(td.ifd + k);
      if (!sameKind(firstPage, page)) {
        throw new PssrError("corrupt-file", `OME plane ${start + k} (IFD ${td.ifd + k}) differs in size or type from the first plane`, { file: path });
      }
      planes[start + k] = { file, page };
    }
  }
  const missing = planes.findIndex((p) => p === undefined);
  if (missing >= 0 || planes.length !== nPlanes) {
    throw new PssrError("corrupt-file", `the OME-XML maps no IFD to plane ${missing} of ${nPlanes}`, { file: path });
  }
  if ((px.sizeX && px.sizeX !== firstPage.width) || (px.sizeY && px.sizeY !== firstPage.height)) {
    throw new PssrError("corrupt-file", `OME says ${px.sizeX}x${px.sizeY} pixels but the TIFF page is ${firstPage.width}x${firstPage.height}`, { file: path });
  }
  const letters = [...order].reverse();
  const { axes, shape } = finishAxes(path, letters, letters.map((l) => sizes[l]), spp, firstPage.height, firstPage.width);
  const pixelSize = px.physicalSizeX ?? px.physicalSizeY;
  return {
    planes: planes as PlaneRef[],
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
    throw new PssrError("corrupt-file", `cannot read the ${kind.toUpperCase()} header (${(e as Error).message})`, { file: path, cause: e });
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const channels = meta.channels ?? 1;
  if (width <= 0 || height <= 0) throw new PssrError("empty-image", `the ${kind.toUpperCase()} image has no pixels`, { file: path });
  const sixteen = meta.depth === "ushort";
  const dtype: DType = sixteen ? "uint16" : "uint8";
  const density = meta.density;
  // PNG pHYs in metres arrives as a dpi value; without it sharp reports none (or the 72 default).
  const pixelSize: Length | null = density && density !== 72 ? { value: 25400 / density, unit: "µm" } : null;
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
    throw new PssrError("corrupt-file", `cannot decode the ${kind.toUpperCase()} data (${(e as Error).message}); truncated or damaged`, { file: path, cause: e });
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
