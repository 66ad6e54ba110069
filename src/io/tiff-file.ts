// One opened TIFF file. pssr walks the header and the IFD chain itself (classic and BigTIFF,
// either byte order, duplicate tags kept: Micro-Manager writes two ImageDescriptions) and
// uses geotiff for what is hard: its codecs (LZW, ZSTD, PackBits, LERC, WebP). Deflate goes
// through node's zlib and JPEG through sharp (libjpeg-turbo). The rest is done here: bit
// unpacking (1..31-bit), predictors 2 and 3 in the file's byte order, and placing samples
// into planes.
//
// Why not geotiff's readRasters (3.0.5): it reads large tag arrays of big-endian files as
// little-endian (geotiffjs/geotiff.js#535, fixed after 3.0.5: the StripByteCounts of the OME
// big-endian samples come out byte-swapped), it mis-places samples of chunky 10/12/14-bit
// images (fractional byte offsets), and it applies predictor 2 in host byte order.
import { getDecoder } from "geotiff";
import { inflateSync, constants as zlibConstants } from "node:zlib";
import { checkLzwStream } from "./lzw-guard.js";
import type { DType, PixelArray } from "../image/image.js";
import { PssrError } from "../errors.js";

/** What pssr needs to know about one IFD. */
export interface TiffPage {
  index: number;
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  sampleFormat: number;
  photometric: number;
  compression: number;
  planar: 1 | 2;
  predictor: number;
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
  offsets: number[];
  byteCounts: number[];
  newSubfileType: number;
  xResolution: number | null;
  yResolution: number | null;
  resolutionUnit: number;
  dtype: DType;
  jpegTables?: Uint8Array;
  lercParameters?: unknown;
}

const COMPRESSION_NAMES: Record<number, string> = {
  1: "none",
  2: "CCITT RLE",
  3: "CCITT Group 3 fax",
  4: "CCITT Group 4 fax",
  5: "LZW",
  6: "old-style JPEG",
  7: "JPEG",
  8: "deflate",
  32773: "PackBits",
  32946: "deflate",
  34661: "JBIG",
  34712: "JPEG 2000",
  34887: "LERC",
  34925: "LZMA",
  50000: "ZSTD",
  50001: "WebP",
  50002: "JPEG XL",
};

/** A library's error text on one line (libvips joins several messages with newlines). */
export function oneLine(e: unknown): string {
  return String((e as Error)?.message ?? e).trim().replace(/\s*\n\s*/g, "; ");
}

export function compressionName(code: number): string {
  return COMPRESSION_NAMES[code] ?? `code ${code}`;
}

/** The pixel type for a TIFF SampleFormat/BitsPerSample pair, or null when pssr cannot hold it. */
export function dtypeFor(sampleFormat: number, bits: number): DType | null {
  if (!(bits >= 1)) return null;
  if (sampleFormat === 1 || sampleFormat === 4) {
    if (bits <= 8) return "uint8";
    if (bits <= 16) return "uint16";
    if (bits <= 32) return "uint32";
    return null;
  }
  if (sampleFormat === 2) {
    if (bits === 8) return "int8";
    if (bits === 16) return "int16";
    if (bits === 32) return "int32";
    return null;
  }
  if (sampleFormat === 3) {
    if (bits === 16) return "float16";
    if (bits === 32) return "float32";
    if (bits === 64) return "float64";
    return null;
  }
  return null;
}

/**
 * Decodes one TIFF-JPEG strip or tile: the shared JPEGTables (SOI, tables, EOI) and the
 * abbreviated stream (SOI, frame, EOI) are spliced into one interchange stream for sharp.
 */
async function decodeJpegWithSharp(block: Uint8Array, tables: Uint8Array | undefined, channels: number): Promise<ArrayBuffer> {
  let stream = block;
  if (tables && tables.length > 4 && block.length > 2) {
    stream = new Uint8Array(tables.length - 2 + block.length - 2);
    stream.set(tables.subarray(0, tables.length - 2));
    stream.set(block.subarray(2), tables.length - 2);
  }
  const { default: sharp } = await import("sharp");
  const raw = await sharp(stream).toColourspace(channels === 1 ? "b-w" : "srgb").raw().toBuffer();
  return raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
}

/** Converts IEEE 754 half-precision bits to a number. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Decompresses one strip or tile. */
interface BlockDecoder {
  decode(b: ArrayBuffer): Promise<ArrayBufferLike>;
}

/** One IFD entry: its field type, value count and where its value bytes start. */
interface RawEntry {
  type: number;
  count: number;
  at: number;
}

/**
 * The most bytes one stored byte can decode to, per compression: none 1; PackBits 64 (2 bytes
 * repeat one 128 times); deflate 1032 (zlib's limit); LZW 2730 (4094-byte strings per 12-bit
 * code). Codecs without a small bound (ZSTD, LERC, WebP, JPEG) get MAX_EXPANSION_OTHER.
 */
const MAX_EXPANSION: Record<number, number> = { 1: 1, 32773: 64, 8: 1032, 32946: 1032, 5: 2730 };
const MAX_EXPANSION_OTHER = 1 << 15;

/** Tags without which pixels cannot be decoded: one pointing past the end of the file is a truncation. */
const DECODING_TAGS = new Set([256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 322, 323, 324, 325, 339, 347]);

/** Tags of IFD 0 that carry the image's structure or calibration. */
const METADATA_TAGS: Record<number, string> = { 270: "ImageDescription", 282: "XResolution", 283: "YResolution" };

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

export class TiffFile {
  readonly pages: (TiffPage | undefined)[];
  /** Why the IFD chain ended early (it points past the end of the file), or null when it ended normally. */
  chainCut: string | null = null;
  /** Why IFD 0's description or resolution could not be read (it runs past the end of the file), or null. */
  lostDescription: string | null = null;
  private readonly decoders = new Map<string, Promise<BlockDecoder>>();
  private readonly view: DataView;

  private constructor(
    readonly path: string,
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
    readonly bigTiff: boolean,
    private readonly ifds: Map<number, RawEntry[]>[],
  ) {
    this.pages = new Array(ifds.length);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get pageCount(): number {
    return this.ifds.length;
  }

  /**
   * Parses the header and every IFD's entry table (values are read on demand). The IFD walk is
   * pssr's own: geotiff 3.0.5 reads large tag arrays of big-endian files as little-endian.
   */
  static async open(path: string, bytes: Uint8Array): Promise<TiffFile> {
    const corrupt = (why: string) => new PssrError("corrupt-file", `${why}; the file is truncated or damaged`, { file: path });
    if (bytes.length < 8) throw corrupt(`only ${bytes.length} bytes, too short for a TIFF header`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const le = bytes[0] === 0x49;
    const magic = view.getUint16(2, le);
    const big = magic === 43;
    if (big && bytes.length < 16) throw corrupt("too short for a BigTIFF header");
    const u64 = (at: number) => Number(view.getBigUint64(at, le));
    let next = big ? u64(8) : view.getUint32(4, le);
    const ifds: Map<number, RawEntry[]>[] = [];
    const seen = new Set<number>();
    // Where the IFD chain stopped early because it ran past the end of the file (after at
    // least one whole IFD): evidence that pages are missing, judged by the series planner.
    let chainCut: string | null = null;
    let lostDescription: string | null = null;
    while (next !== 0) {
      if (seen.has(next)) break; // a loop in the IFD chain: keep what was read
      seen.add(next);
      const headSize = big ? 8 : 2;
      const entrySize = big ? 20 : 12;
      if (next + headSize > bytes.length) {
        if (ifds.length === 0) throw corrupt(`the first IFD is at byte ${next}, past the end (${bytes.length} bytes)`);
        chainCut = `IFD ${ifds.length} would start at byte ${next}, past the end of the file (${bytes.length} bytes)`;
        break;
      }
      const n = big ? u64(next) : view.getUint16(next, le);
      const tableEnd = next + headSize + n * entrySize + (big ? 8 : 4);
      if (tableEnd > bytes.length) {
        if (ifds.length === 0) throw corrupt(`the first IFD (${n} entries at byte ${next}) runs past the end of the file`);
        chainCut = `IFD ${ifds.length} (at byte ${next}) runs past the end of the file (${bytes.length} bytes)`;
        break;
      }
      const entries = new Map<number, RawEntry[]>();
      let cut: string | null = null;
      for (let i = 0; i < n; i++) {
        const e = next + headSize + i * entrySize;
        const tag = view.getUint16(e, le);
        const type = view.getUint16(e + 2, le);
        const count = big ? u64(e + 4) : view.getUint32(e + 4, le);
        const size = (TYPE_SIZE[type] ?? 0) * count;
        if (!TYPE_SIZE[type]) continue; // unknown field type: skip, as the spec asks
        const inline = size <= (big ? 8 : 4);
        const at = inline ? e + (big ? 12 : 8) : big ? u64(e + 12) : view.getUint32(e + 8, le);
        if (at + size > bytes.length) {
          if (DECODING_TAGS.has(tag)) {
            if (ifds.length === 0) throw corrupt(`IFD 0 tag ${tag} points past the end of the file`);
            cut = `IFD ${ifds.length} tag ${tag} points past the end of the file (${bytes.length} bytes)`;
            break;
          }
          // The description says how pages form the image (ImageJ, OME), the resolutions give the
          // pixel size: losing either is a truncation too.
          if (ifds.length === 0 && METADATA_TAGS[tag] && lostDescription === null) {
            lostDescription = `IFD 0's ${METADATA_TAGS[tag]} (${size} bytes at byte ${at}) runs past the end of the file (${bytes.length} bytes)`;
          }
          continue;
        }
        const list = entries.get(tag);
        if (list) list.push({ type, count, at });
        else entries.set(tag, [{ type, count, at }]);
      }
      if (cut !== null) {
        chainCut = cut;
        break;
      }
      ifds.push(entries);
      next = big ? u64(tableEnd - 8) : view.getUint32(tableEnd - 4, le);
    }
    if (ifds.length === 0) throw new PssrError("empty-image", "the TIFF file holds no image (no IFD)", { file: path });
    const tf = new TiffFile(path, bytes, le, big, ifds);
    tf.chainCut = chainCut;
    tf.lostDescription = lostDescription;
    return tf;
  }

  private values(entry: RawEntry): number[] {
    const { type, count, at } = entry;
    const v = this.view;
    const le = this.littleEndian;
    const out = new Array<number>(type === 5 || type === 10 ? 2 * count : count);
    for (let i = 0; i < count; i++) {
      switch (type) {
        case 1: case 2: case 7: out[i] = v.getUint8(at + i); break;
        case 6: out[i] = v.getInt8(at + i); break;
        case 3: out[i] = v.getUint16(at + 2 * i, le); break;
        case 8: out[i] = v.getInt16(at + 2 * i, le); break;
        case 4: case 13: out[i] = v.getUint32(at + 4 * i, le); break;
        case 9: out[i] = v.getInt32(at + 4 * i, le); break;
        case 11: out[i] = v.getFloat32(at + 4 * i, le); break;
        case 12: out[i] = v.getFloat64(at + 8 * i, le); break;
        case 16: case 18: out[i] = Number(v.getBigUint64(at + 8 * i, le)); break;
        case 17: out[i] = Number(v.getBigInt64(at + 8 * i, le)); break;
        case 5: out[2 * i] = v.getUint32(at + 8 * i, le); out[2 * i + 1] = v.getUint32(at + 8 * i + 4, le); break;
        case 10: out[2 * i] = v.getInt32(at + 8 * i, le); out[2 * i + 1] = v.getInt32(at + 8 * i + 4, le); break;
      }
    }
    return out;
  }

  private text(entry: RawEntry): string {
    let end = entry.at + entry.count * (TYPE_SIZE[entry.type] ?? 1);
    while (end > entry.at && this.bytes[end - 1] === 0) end--;
    return new TextDecoder("utf-8").decode(this.bytes.subarray(entry.at, end));
  }

  /** Every ImageDescription (tag 270) of IFD 0, in file order (Micro-Manager writes two). */
  descriptions(): string[] {
    return (this.ifds[0].get(270) ?? []).map((e) => this.text(e));
  }

  /** An ASCII tag of IFD `index` (e.g. pssr's private metadata tag), or null. */
  asciiTag(index: number, tag: number): string | null {
    const e = this.ifds[index]?.get(tag)?.[0];
    return e ? this.text(e) : null;
  }

  /** The structure of IFD `index`, validated enough that decoding cannot go out of bounds. */
  async page(index: number): Promise<TiffPage> {
    const cached = this.pages[index];
    if (cached) return cached;
    const entries = this.ifds[index];
    if (!entries) throw new PssrError("corrupt-file", `IFD ${index} does not exist (the file has ${this.ifds.length})`, { file: this.path });
    const get = (tag: number): number[] | undefined => {
      const e = entries.get(tag)?.[0];
      return e ? this.values(e) : undefined;
    };
    const num = (tag: number, fallback: number): number => get(tag)?.[0] ?? fallback;
    const rational = (tag: number): number | null => {
      const a = get(tag);
      if (!a || a.length < 2 || a[0] === 0 || a[1] === 0) return null;
      const r = a[0] / a[1];
      return Number.isFinite(r) && r > 0 ? r : null;
    };
    const width = num(256, 0);
    const height = num(257, 0);
    const spp = num(277, 1);
    const bpsList = get(258) ?? [1];
    const bits = bpsList[0];
    const fmtList = get(339) ?? [1];
    const sampleFormat = fmtList[0];
    const compression = num(259, 1);
    const tiled = entries.has(322);
    const where = `IFD ${index}`;
    if (width <= 0 || height <= 0 || spp <= 0) {
      throw new PssrError("empty-image", `${where} has an empty image (${width}x${height} pixels, ${spp} samples)`, { file: this.path });
    }
    if (bpsList.some((b) => b !== bits) || fmtList.some((f) => f !== sampleFormat)) {
      throw new PssrError("unsupported-format", `${where} mixes sample types (BitsPerSample ${bpsList.join(",")}); pssr reads one type per image`, { file: this.path });
    }
    const dtype = dtypeFor(sampleFormat, bits);
    if (dtype === null || (sampleFormat !== 1 && bits % 8 !== 0)) {
      throw new PssrError("unsupported-format", `${where}: ${bits}-bit samples of SampleFormat ${sampleFormat} are not supported`, { file: this.path });
    }
    const planar = num(284, 1) === 2 ? 2 : 1;
    const blockWidth = tiled ? num(322, 0) : width;
    const rowsPerStrip = num(278, height);
    const blockHeight = tiled ? num(323, 0) : Math.min(Math.max(rowsPerStrip, 1), height);
    const offsets = get(tiled ? 324 : 273) ?? [];
    const byteCounts = get(tiled ? 325 : 279) ?? [];
    if (blockWidth <= 0 || blockHeight <= 0) {
      throw new PssrError("corrupt-file", `${where} has tiles of size ${blockWidth}x${blockHeight}`, { file: this.path });
    }
    const blocks = Math.ceil(width / blockWidth) * Math.ceil(height / blockHeight) * (planar === 2 ? spp : 1);
    if (offsets.length < blocks || byteCounts.length < blocks) {
      throw new PssrError(
        "corrupt-file",
        `${where} claims ${width}x${height} pixels, ${blocks} ${tiled ? "tiles" : "strips"} of ${blockWidth}x${blockHeight}, but lists ${Math.min(offsets.length, byteCounts.length)} data blocks; the header is damaged`,
        { file: this.path },
      );
    }
    for (let b = 0; b < blocks; b++) {
      if (offsets[b] + byteCounts[b] > this.bytes.length) {
        throw new PssrError(
          "corrupt-file",
          `truncated: ${where} ${tiled ? "tile" : "strip"} ${b} needs bytes ${offsets[b]}..${offsets[b] + byteCounts[b]} but the file has ${this.bytes.length}`,
          { file: this.path },
        );
      }
    }
    // Refuse sizes the stored bytes cannot hold before anything is allocated: a damaged header
    // (say 100000 x 100000 pixels) must not make the reader reserve gigabytes.
    const ratio = MAX_EXPANSION[compression] ?? MAX_EXPANSION_OTHER;
    const rowBytes = Math.ceil((blockWidth * (planar === 1 ? spp : 1) * bits) / 8);
    const down = Math.ceil(height / blockHeight);
    for (let b = 0; b < blocks; b++) {
      const rows = tiled ? blockHeight : Math.min(blockHeight, height - (b % down) * blockHeight);
      const needed = rowBytes * rows;
      if (byteCounts[b] * ratio + 1024 < needed) {
        const stored = compression === 1 ? `${byteCounts[b]} bytes` : `${byteCounts[b]} ${compressionName(compression)} bytes (at most ${byteCounts[b] * ratio + 1024} decoded)`;
        throw new PssrError(
          "corrupt-file",
          `${where} claims ${width}x${height} pixels of ${spp}x${bits} bits, but its ${tiled ? "tile" : "strip"} ${b} stores ${stored} where ${needed} are needed; the header is damaged or the file truncated`,
          { file: this.path },
        );
      }
    }
    const page: TiffPage = {
      index,
      width,
      height,
      samplesPerPixel: spp,
      bitsPerSample: bits,
      sampleFormat,
      photometric: num(262, 1),
      compression,
      planar,
      predictor: num(317, 1),
      tiled,
      blockWidth,
      blockHeight,
      offsets: offsets.slice(0, blocks),
      byteCounts: byteCounts.slice(0, blocks),
      newSubfileType: num(254, 0),
      xResolution: rational(282),
      yResolution: rational(283),
      resolutionUnit: num(296, 2),
      dtype,
    };
    if (compression === 7) {
      const t = entries.get(347)?.[0];
      if (t) page.jpegTables = this.bytes.slice(t.at, t.at + t.count);
    }
    if (compression === 34887) page.lercParameters = get(50674);
    this.pages[index] = page;
    return page;
  }

  private decoderFor(page: TiffPage): Promise<BlockDecoder> {
    const key = `${page.compression}/${page.blockWidth}/${page.blockHeight}/${page.planar}/${page.samplesPerPixel}/${page.bitsPerSample}/${page.index}`;
    let d = this.decoders.get(key);
    if (!d) {
      const params = {
        tileWidth: page.blockWidth,
        tileHeight: page.blockHeight,
        planarConfiguration: page.planar,
        bitsPerSample: new Array(page.samplesPerPixel).fill(page.bitsPerSample),
        samplesPerPixel: page.samplesPerPixel,
        // Predictors are undone here, in the file's byte order, not by geotiff.
        predictor: 1,
        JPEGTables: page.jpegTables,
        LercParameters: page.lercParameters,
      };
      d = this.makeDecoder(page, params);
      this.decoders.set(key, d);
    }
    return d;
  }

  private async makeDecoder(page: TiffPage, params: object): Promise<BlockDecoder> {
    const { compression } = page;
    if (compression === 8 || compression === 32946) {
      // Deflate through node's native zlib (pako, geotiff's choice, is several times slower);
      // a truncated stream decodes as far as it goes and the length check reports it.
      return { decode: async (b: ArrayBuffer) => new Uint8Array(inflateSync(new Uint8Array(b), { finishFlush: zlibConstants.Z_SYNC_FLUSH })).buffer };
    }
    if (compression === 7 && page.bitsPerSample === 8 && (page.samplesPerPixel === 1 || page.samplesPerPixel === 3)) {
      // JPEG through sharp (libvips + libjpeg-turbo), as libtiff and tifffile/imagecodecs decode
      // it: geotiff's pdf.js-derived decoder upsamples chroma differently and leaves YCbCr as is.
      return { decode: (b: ArrayBuffer) => decodeJpegWithSharp(new Uint8Array(b), page.jpegTables, page.samplesPerPixel) };
    }
    let inner: BlockDecoder;
    try {
      inner = (await getDecoder(compression, params as never)) as unknown as BlockDecoder;
    } catch (e) {
      throw new PssrError("unsupported-format", `${compressionName(compression)} compression is not supported (${oneLine(e)})`, {
        file: this.path,
        cause: e,
      });
    }
    if (compression !== 5) return inner;
    // LZW: refuse streams that would make geotiff's decoder run away (see lzw-guard.ts).
    const blockBytes = Math.ceil((page.blockWidth * (page.planar === 1 ? page.samplesPerPixel : 1) * page.bitsPerSample) / 8) * page.blockHeight;
    return {
      decode: (b: ArrayBuffer) => {
        const { endsWithoutEoi } = checkLzwStream(new Uint8Array(b), 2 * blockBytes + 4096);
        if (!endsWithoutEoi) return inner.decode(b);
        // geotiff console.warns about the missing code; the length check judges the data.
        const warn = console.warn;
        console.warn = () => undefined;
        try {
          return inner.decode(b); // decodeBlock runs synchronously inside this call
        } finally {
          console.warn = warn;
        }
      },
    };
  }

  /**
   * Decodes IFD `index` into `target` at `offset`, samples first: `spp` planes of height x width
   * (so an RGB page becomes three planes, the "C" axis, like tifffile's data moved to CYX).
   */
  async readPage(index: number, target: PixelArray, offset: number): Promise<void> {
    await this.readPageData(await this.page(index), target, offset);
  }

  /** As readPage, for a page description (e.g. one of ImageJ's contiguous planes after IFD 0). */
  async readPageData(page: TiffPage, target: PixelArray, offset: number): Promise<void> {
    const index = page.index;
    for (let b = 0; b < page.offsets.length; b++) {
      if (page.offsets[b] + page.byteCounts[b] > this.bytes.length) {
        throw new PssrError("corrupt-file", `truncated: IFD ${index} block ${b} ends past the end of the file`, { file: this.path });
      }
    }
    const { width: W, height: H, samplesPerPixel: spp, bitsPerSample: bits, blockWidth: bw, blockHeight: bh } = page;
    if (page.predictor !== 1 && page.predictor !== 2 && page.predictor !== 3) {
      throw new PssrError("unsupported-format", `predictor ${page.predictor} is not supported`, { file: this.path });
    }
    if (page.predictor !== 1 && bits % 8 !== 0) {
      throw new PssrError("unsupported-format", `predictor ${page.predictor} with ${bits}-bit samples is not supported`, { file: this.path });
    }
    if (page.photometric === 6 && page.compression !== 7) {
      throw new PssrError("unsupported-format", "YCbCr images other than JPEG-compressed are not supported", { file: this.path });
    }
    const decoder = page.compression === 1 ? null : await this.decoderFor(page);
    const across = Math.ceil(W / bw);
    const down = Math.ceil(H / bh);
    const perPlane = across * down;
    const nsb = page.planar === 1 ? spp : 1;
    const rowBytes = Math.ceil((bw * nsb * bits) / 8);
    const bytesPerSample = bits / 8;
    const le = this.littleEndian;
    const blockCount = perPlane * (page.planar === 2 ? spp : 1);
    const isFloat16 = page.sampleFormat === 3 && bits === 16;

    for (let b = 0; b < blockCount; b++) {
      const sample0 = page.planar === 2 ? Math.floor(b / perPlane) : 0;
      const local = b % perPlane;
      const x0 = (local % across) * bw;
      const y0 = Math.floor(local / across) * bh;
      const rowsNeeded = Math.min(bh, H - y0);
      const colsNeeded = Math.min(bw, W - x0);
      const raw = this.bytes.subarray(page.offsets[b], page.offsets[b] + page.byteCounts[b]);
      let data: Uint8Array;
      if (decoder === null) {
        data = raw;
      } else {
        try {
          data = new Uint8Array(await decoder.decode(raw.slice().buffer));
        } catch (e) {
          if (e instanceof PssrError) throw e;
          throw new PssrError("corrupt-file", `IFD ${index} block ${b}: ${compressionName(page.compression)} data cannot be decoded (${oneLine(e)})`, {
            file: this.path,
            cause: e,
          });
        }
      }
      if (data.length < rowBytes * rowsNeeded) {
        throw new PssrError(
          "corrupt-file",
          `IFD ${index} block ${b} holds ${data.length} bytes after decoding but ${rowBytes * rowsNeeded} are needed (truncated or damaged data)`,
          { file: this.path },
        );
      }
      const rows = Math.min(bh, Math.floor(data.length / rowBytes));
      const values = this.blockValues(page, data, rows, rowBytes, nsb, le, bytesPerSample, isFloat16);
      const stride = bw * nsb;
      if (nsb === 1 && bw === W && ArrayBuffer.isView(values)) {
        // Whole rows of one sample: one bulk copy.
        (target as Float32Array).set((values as Float32Array).subarray(0, rowsNeeded * bw), offset + sample0 * H * W + y0 * W + x0);
        continue;
      }
      for (let c = 0; c < nsb; c++) {
        const plane = offset + (sample0 + c) * H * W;
        for (let y = 0; y < rowsNeeded; y++) {
          const dst = plane + (y0 + y) * W + x0;
          let src = y * stride + c;
          for (let x = 0; x < colsNeeded; x++, src += nsb) target[dst + x] = values[src];
        }
      }
    }
  }

  /** The samples of one decoded block as numbers in a typed array (host order, predictor undone). */
  private blockValues(
    page: TiffPage,
    data: Uint8Array,
    rows: number,
    rowBytes: number,
    nsb: number,
    le: boolean,
    bytesPerSample: number,
    isFloat16: boolean,
  ): ArrayLike<number> {
    const bits = page.bitsPerSample;
    const perRow = page.blockWidth * nsb;
    const n = perRow * rows;
    if (bits % 8 !== 0) return unpackBits(data, bits, perRow, rows, rowBytes);
    if (page.predictor === 3) {
      // Floating-point predictor: per row, byte-wise differences, then the bytes of each value
      // stored most significant first in separate runs (libtiff's fpAcc). Result is host order.
      const out = new Uint8Array(n * bytesPerSample);
      const tmp = new Uint8Array(rowBytes);
      for (let y = 0; y < rows; y++) {
        tmp.set(data.subarray(y * rowBytes, (y + 1) * rowBytes));
        for (let i = nsb; i < rowBytes; i++) tmp[i] = (tmp[i] + tmp[i - nsb]) & 0xff;
        const base = y * perRow * bytesPerSample;
        for (let i = 0; i < perRow; i++) {
          for (let k = 0; k < bytesPerSample; k++) {
            out[base + i * bytesPerSample + (bytesPerSample - 1 - k)] = tmp[k * perRow + i];
          }
        }
      }
      return typedView(page, out.buffer, n, isFloat16);
    }
    // Byte-aligned samples: copy into an aligned buffer in host (little-endian) order.
    const buf = new Uint8Array(n * bytesPerSample);
    for (let y = 0; y < rows; y++) buf.set(data.subarray(y * rowBytes, y * rowBytes + perRow * bytesPerSample), y * perRow * bytesPerSample);
    if (!le && bytesPerSample > 1) {
      for (let i = 0; i < buf.length; i += bytesPerSample) buf.subarray(i, i + bytesPerSample).reverse();
    }
    if (page.predictor === 2) {
      // Horizontal differencing on the sample words (as libtiff, also for float data); unsigned
      // typed-array stores wrap exactly as the encoder's subtraction did.
      if (bytesPerSample > 4) {
        throw new PssrError("unsupported-format", `predictor 2 with ${bits}-bit samples is not supported`, { file: this.path });
      }
      const v = bytesPerSample === 1 ? buf : bytesPerSample === 2 ? new Uint16Array(buf.buffer, 0, n) : new Uint32Array(buf.buffer, 0, n);
      for (let y = 0; y < rows; y++) {
        const r = y * perRow;
        for (let i = nsb; i < perRow; i++) v[r + i] += v[r + i - nsb];
      }
    }
    return typedView(page, buf.buffer, n, isFloat16);
  }
}

function typedView(page: TiffPage, buffer: ArrayBuffer, n: number, isFloat16: boolean): ArrayLike<number> {
  const { sampleFormat: f, bitsPerSample: bits } = page;
  if (isFloat16) {
    const h = new Uint16Array(buffer, 0, n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = halfToFloat(h[i]);
    return out;
  }
  if (f === 3) return bits === 32 ? new Float32Array(buffer, 0, n) : new Float64Array(buffer, 0, n);
  if (f === 2) return bits === 8 ? new Int8Array(buffer, 0, n) : bits === 16 ? new Int16Array(buffer, 0, n) : new Int32Array(buffer, 0, n);
  return bits === 8 ? new Uint8Array(buffer, 0, n) : bits === 16 ? new Uint16Array(buffer, 0, n) : new Uint32Array(buffer, 0, n);
}

/** Unpacks MSB-first packed unsigned samples; every row starts on a byte boundary (TIFF 6.0). */
function unpackBits(data: Uint8Array, bits: number, perRow: number, rows: number, rowBytes: number): Uint32Array {
  const out = new Uint32Array(perRow * rows);
  for (let y = 0; y < rows; y++) {
    let bitPos = y * rowBytes * 8;
    for (let i = 0; i < perRow; i++) {
      let v = 0;
      for (let k = 0; k < bits; k++, bitPos++) v = (v << 1) | ((data[bitPos >> 3] >> (7 - (bitPos & 7))) & 1);
      out[y * perRow + i] = v >>> 0;
    }
  }
  return out;
}
