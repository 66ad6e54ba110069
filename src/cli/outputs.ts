// What a command may write: never onto one of its inputs, however the path is spelt, and only
// in the format its name says. Every command that writes calls guardOutputs before any work.
//
// Identity: for paths that exist, device + inode (catches hard links, symlinks, ./, relative
// and absolute spellings); for paths that do not exist yet, the real path of the nearest
// existing parent plus the rest. An output directory (a model, a demo folder, an OME-Zarr)
// must not contain an input, and nothing may be written inside an input directory.
import { existsSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve, sep, isAbsolute } from "node:path";
import type { Image } from "../image/image.js";
import { planeCount } from "../image/image.js";
import { writePng, writeTiff, type TiffDType } from "../io/write.js";
import { PssrError, invalidArgument } from "../errors.js";

export interface OutputSpec {
  path: string;
  /** How the user named it, for the message: "-o", "--scale-map", "--out". */
  option: string;
  /** "dir" for outputs that are folders (model directories, demo folders, OME-Zarr). */
  kind?: "file" | "dir";
}

interface Identity {
  real: string;
  dev?: number;
  ino?: number;
  isDir: boolean;
}

/** Real path of `p`, resolving symlinks in the part that exists. */
function realPath(p: string): string {
  const abs = resolve(p);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return parent === abs ? abs : join(realPath(parent), basename(abs));
}

function identity(p: string): Identity {
  const real = realPath(p);
  try {
    const st = statSync(p);
    return { real, dev: st.dev, ino: st.ino, isDir: st.isDirectory() };
  } catch {
    return { real, isDir: false };
  }
}

function sameFile(a: Identity, b: Identity): boolean {
  if (a.ino !== undefined && b.ino !== undefined) return a.dev === b.dev && a.ino === b.ino;
  return a.real === b.real;
}

/** Whether two existing or planned paths name the same file (device + inode, else real path). */
export function isSameFile(a: string, b: string): boolean {
  return sameFile(identity(a), identity(b));
}

function inside(child: string, dir: string): boolean {
  const r = relative(dir, child);
  return r !== "" && !r.startsWith(`..${sep}`) && r !== ".." && !isAbsolute(r);
}

/**
 * Refuses (one line, nothing written) when an output is one of the inputs, lies inside an input
 * directory, is an output directory holding an input, or two outputs are the same file.
 */
export function guardOutputs(inputs: (string | null | undefined)[], outputs: (OutputSpec | null | undefined | false)[]): void {
  const ins = inputs.filter((p): p is string => typeof p === "string" && p !== "").map((p) => ({ path: p, id: identity(p) }));
  const outs = outputs.filter((o): o is OutputSpec => Boolean(o) && typeof (o as OutputSpec).path === "string");
  const seen: { spec: OutputSpec; id: Identity }[] = [];
  for (const spec of outs) {
    const id = identity(spec.path);
    for (const input of ins) {
      if (sameFile(id, input.id)) {
        throw new PssrError("invalid-argument", `refusing to write over the input ${input.path} (${spec.option} names the same file); nothing was written`, { file: spec.path });
      }
      if (input.id.isDir && inside(id.real, input.id.real)) {
        throw new PssrError("invalid-argument", `refusing to write inside the input ${input.path} (${spec.option}); nothing was written`, { file: spec.path });
      }
      if ((spec.kind === "dir" || id.isDir) && inside(input.id.real, id.real)) {
        throw new PssrError("invalid-argument", `refusing to write into the folder that holds the input ${input.path} (${spec.option}); choose another folder`, { file: spec.path });
      }
    }
    for (const prev of seen) {
      if (sameFile(id, prev.id)) throw invalidArgument(`${prev.spec.option} and ${spec.option} name the same file ${spec.path}; give each output its own name`);
    }
    seen.push({ spec, id });
  }
}

export type ImageFormat = "tiff" | "png";

/** The format an image output's extension names; anything else is refused before any work. */
export function imageOutputFormat(path: string, option = "-o"): ImageFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".tif" || ext === ".tiff") return "tiff";
  if (ext === ".png") return "png";
  throw invalidArgument(`${option} ${path}: this command writes TIFF (.tif, .tiff) or an 8-bit PNG preview (.png), not ${ext ? `"${ext}"` : "a file without extension"}`);
}

/**
 * Refuses, before any work, a .png output for an input of more than one plane (the result keeps
 * the input's planes, and a PNG holds one): the same line writeImageOutput would give after it.
 */
export function assertPngHoldsPlanes(path: string, input: Image, option = "-o"): void {
  const n = planeCount(input);
  if (n !== 1 && imageOutputFormat(path, option) === "png") throw invalidArgument(`${option} ${path}: a PNG holds one 2D plane but the input has ${n} (axes ${input.axes}); write .tif`);
}

/**
 * Writes `img` in the format its name says: TIFF (values kept, `dtype` as given), or for .png an
 * 8-bit auto-contrast preview of a single plane (a note says the values are not kept).
 */
export async function writeImageOutput(path: string, img: Image, options: { dtype?: TiffDType; option?: string; note?: (line: string) => void } = {}): Promise<void> {
  if (imageOutputFormat(path, options.option) === "tiff") {
    await writeTiff(path, img, options.dtype ? { dtype: options.dtype } : {});
    return;
  }
  const n = planeCount(img);
  if (n !== 1) throw invalidArgument(`${options.option ?? "-o"} ${path}: a PNG holds one 2D plane but the result has ${n} (axes ${img.axes}); write .tif`);
  await writePng(path, img);
  (options.note ?? ((l: string) => console.error(l)))(`note: ${path} is an 8-bit auto-contrast preview; write .tif to keep the values`);
}
