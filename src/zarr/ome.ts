// OME-Zarr (NGFF 0.4) images on the local file system, through zarrita (zarr v2 arrays:
// .zgroup/.zattrs/.zarray, chunk keys "0/1/2" with dimension_separator "/").
//
// NGFF 0.4 is the last NGFF version on zarr v2, which every current reader (napari-ome-zarr,
// Fiji's n5-zarr, neuroglancer, webknossos, ome-zarr-py) opens; we read and write that.
// zarrita decodes zlib but does not encode it, so a zlib codec on node:zlib is registered
// here (the "zlib" numcodecs id: a raw zlib stream, RFC 1950). Chunks are written through a
// store whose `set` writes a temporary file and renames it into place, so a chunk is either
// absent, the old one, or the new one: a killed or re-run worker never leaves a torn chunk.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync, inflateSync } from "node:zlib";
import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";
import { PssrError, invalidArgument } from "../errors.js";
import { atomicWriteFile, atomicWriteFileSync } from "../io/atomic.js";

/** numcodecs "zlib" (compress/decompress with node:zlib), encode included. */
class NodeZlibCodec {
  kind = "bytes_to_bytes" as const;
  constructor(private level: number) {}
  static fromConfig(config: { level?: number }): NodeZlibCodec {
    return new NodeZlibCodec(config?.level ?? 1);
  }
  encode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(deflateSync(bytes, { level: this.level }));
  }
  decode(bytes: Uint8Array): Uint8Array {
    return new Uint8Array(inflateSync(bytes));
  }
}
// zarr v2 compressors are looked up as "numcodecs.<id>", v3 codecs by their name.
for (const name of ["zlib", "numcodecs.zlib"]) (zarr.registry as Map<string, () => unknown>).set(name, () => NodeZlibCodec);

/** A file-system store whose writes are atomic (temporary name, then rename). */
export class AtomicFileStore extends FileSystemStore {
  constructor(public readonly rootDir: string) {
    super(rootDir);
  }
  override async set(key: string, value: Uint8Array): Promise<void> {
    await atomicWriteFile(join(this.rootDir, key.replace(/^\//, "")), value, { createFolder: true, durable: false });
  }
}

/** Writes a small JSON file atomically (metadata). */
export function writeJsonAtomic(path: string, value: unknown): void {
  atomicWriteFileSync(path, JSON.stringify(value, null, 2) + "\n", { createFolder: true, durable: false });
}

export interface NgffAxis {
  name: string;
  type?: "space" | "time" | "channel" | string;
  unit?: string;
}

/** What a reader needs of an OME-Zarr image: level 0, its axes, its pixel scale per axis. */
export interface OmeZarrImage {
  path: string;
  array: zarr.Array<zarr.DataType, AtomicFileStore>;
  /** Path of the level-0 array inside the group ("0" usually). */
  level0: string;
  shape: number[];
  chunks: number[];
  axes: NgffAxis[];
  /** Level 0's scale per axis (coordinateTransformations), 1 where absent. */
  scale: number[];
  dtype: string;
  attrs: Record<string, unknown>;
}

export type ZarrCompressor = "zlib" | "none";

export const NUMPY_DTYPES: Record<string, string> = {
  float32: "<f4",
  float64: "<f8",
  uint8: "|u1",
  uint16: "<u2",
  int16: "<i2",
  int8: "|i1",
  uint32: "<u4",
  int32: "<i4",
};

export interface CreateOptions {
  shape: number[];
  chunks: number[];
  axes: NgffAxis[];
  scale?: number[];
  dtype?: keyof typeof NUMPY_DTYPES;
  compressor?: ZarrCompressor;
  /** Extra attributes stored beside "multiscales" in the group's .zattrs. */
  attributes?: Record<string, unknown>;
  name?: string;
}

/** The metadata files (path relative to the group -> JSON) of a one-level OME-Zarr image. */
export function omeZarrMetadata(options: CreateOptions): Record<string, unknown> {
  const { shape, chunks, axes } = options;
  if (shape.length !== chunks.length || shape.length !== axes.length) throw invalidArgument(`OME-Zarr: shape ${shape}, chunks ${chunks} and axes must have the same length`);
  if (shape.length < 2 || shape.length > 5) throw invalidArgument("OME-Zarr (NGFF 0.4) images have 2 to 5 axes");
  const dtype = NUMPY_DTYPES[options.dtype ?? "float32"];
  const scale = options.scale ?? shape.map(() => 1);
  return {
    ".zgroup": { zarr_format: 2 },
    ".zattrs": {
      multiscales: [
        {
          version: "0.4",
          name: options.name ?? "image",
          axes,
          datasets: [{ path: "0", coordinateTransformations: [{ type: "scale", scale }] }],
        },
      ],
      ...(options.attributes ?? {}),
    },
    "0/.zarray": {
      zarr_format: 2,
      shape,
      chunks: chunks.map((c, i) => Math.max(1, Math.min(c, shape[i]))),
      dtype,
      compressor: (options.compressor ?? "zlib") === "zlib" ? { id: "zlib", level: 1 } : null,
      fill_value: 0,
      order: "C",
      filters: null,
      dimension_separator: "/",
    },
    "0/.zattrs": {},
  };
}

/**
 * Creates the metadata of a one-level OME-Zarr image at `path`, idempotently: files that
 * already exist with the same content are left alone (so concurrent workers that all run this
 * agree), files that exist with different content are an error ("shape-mismatch").
 */
export function createOmeZarr(path: string, options: CreateOptions): void {
  const files = omeZarrMetadata(options);
  for (const [rel, json] of Object.entries(files)) {
    const fp = join(path, rel);
    const text = JSON.stringify(json);
    if (existsSync(fp)) {
      let old: unknown;
      try {
        old = JSON.parse(readFileSync(fp, "utf8"));
      } catch {
        throw new PssrError("shape-mismatch", `exists and is not valid JSON`, { file: fp });
      }
      if (JSON.stringify(old) !== text) throw new PssrError("shape-mismatch", `exists with different metadata (another model, input or chunking?); remove ${path} or choose another output`, { file: fp });
      continue;
    }
    writeJsonAtomic(fp, json);
  }
}

function readJson(fp: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(fp, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new PssrError("corrupt-file", (e as Error).message, { file: fp });
  }
}

/** True when `path` looks like a zarr group or array (a directory with .zgroup/.zarray/zarr.json). */
export function isZarrPath(path: string): boolean {
  return /\.zarr\/?$/i.test(path) || existsSync(join(path, ".zgroup")) || existsSync(join(path, ".zarray")) || existsSync(join(path, "zarr.json"));
}

/** Opens an OME-Zarr image (NGFF 0.4 group on zarr v2, level 0), or a bare zarr v2 array. */
export async function openOmeZarr(path: string): Promise<OmeZarrImage> {
  if (!existsSync(path)) throw new PssrError("file-not-found", "does not exist", { file: path });
  const store = new AtomicFileStore(path);
  let level0 = "";
  let axes: NgffAxis[] | null = null;
  let scale: number[] | null = null;
  let attrs: Record<string, unknown> = {};
  if (existsSync(join(path, ".zgroup"))) {
    attrs = existsSync(join(path, ".zattrs")) ? readJson(join(path, ".zattrs")) : {};
    const ms = (attrs.multiscales as { axes?: NgffAxis[]; datasets?: { path: string; coordinateTransformations?: { type: string; scale?: number[] }[] }[] }[] | undefined)?.[0];
    if (!ms?.datasets?.length) throw new PssrError("corrupt-file", `is a zarr group without OME-Zarr "multiscales" metadata`, { file: path });
    level0 = ms.datasets[0].path;
    axes = ms.axes ?? null;
    scale = ms.datasets[0].coordinateTransformations?.find((t) => t.type === "scale")?.scale ?? null;
  } else if (!existsSync(join(path, ".zarray"))) {
    throw new PssrError("corrupt-file", `is not a zarr v2 group or array (no .zgroup or .zarray)`, { file: path });
  }
  let array: zarr.Array<zarr.DataType, AtomicFileStore>;
  try {
    const loc = level0 ? zarr.root(store).resolve(level0) : zarr.root(store);
    array = await zarr.open.v2(loc, { kind: "array" });
  } catch (e) {
    throw new PssrError("corrupt-file", `cannot open array ${level0 || "."}: ${(e as Error).message}`, { file: path });
  }
  const shape = array.shape.slice();
  const defaultNames = ["t", "c", "z", "y", "x"].slice(5 - shape.length);
  return {
    path,
    array,
    level0,
    shape,
    chunks: array.chunks.slice(),
    axes: axes ?? defaultNames.map((name) => ({ name })),
    scale: scale ?? shape.map(() => 1),
    dtype: String(array.dtype),
    attrs,
  };
}

/**
 * Reads the region [lead..., y0:y1, x0:x1] of a plane (all leading indices fixed) as float32.
 * `lead` has one index per axis before the last two.
 */
export async function readPlaneRegion(img: OmeZarrImage, lead: number[], y0: number, y1: number, x0: number, x1: number): Promise<Float32Array> {
  const sel = [...lead, zarr.slice(y0, y1), zarr.slice(x0, x1)];
  const r = (await zarr.get(img.array, sel)) as { data: ArrayLike<number> | BigInt64Array; shape: number[] };
  const d = r.data as ArrayLike<number>;
  return d instanceof Float32Array ? d : Float32Array.from(d);
}

/** Writes float32 `data` (h x w) into [lead..., y0:y0+h, x0:x0+w] of a float32 array. */
export async function writePlaneRegion(img: OmeZarrImage, lead: number[], y0: number, x0: number, data: Float32Array, h: number, w: number): Promise<void> {
  const sel = [...lead, zarr.slice(y0, y0 + h), zarr.slice(x0, x0 + w)];
  await zarr.set(img.array as unknown as zarr.Array<"float32", AtomicFileStore>, sel, { data, shape: [h, w], stride: [w, 1] });
}

/** Writes a whole float32 image (C order, `shape`) as a one-level OME-Zarr (for tests and small data). */
export async function writeOmeZarr(path: string, data: Float32Array, options: CreateOptions): Promise<void> {
  createOmeZarr(path, { ...options, dtype: "float32" });
  const img = await openOmeZarr(path);
  const { shape } = options;
  await zarr.set(img.array as unknown as zarr.Array<"float32", AtomicFileStore>, null, { data, shape, stride: strides(shape) });
}

/** Reads the whole level-0 array as float32 (small volumes only). */
export async function readOmeZarr(path: string): Promise<{ data: Float32Array; shape: number[]; image: OmeZarrImage }> {
  const image = await openOmeZarr(path);
  const r = (await zarr.get(image.array, null)) as { data: ArrayLike<number>; shape: number[] };
  const data = r.data instanceof Float32Array ? r.data : Float32Array.from(r.data);
  return { data, shape: r.shape, image };
}

function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
