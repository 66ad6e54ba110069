// Shared plumbing of the crappifier tests: one run of test/ref/crappify_ref.py per process
// (cached), raw arrays in and out, and the statistics the fidelity checks compare.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Image, Plane } from "../../src/image/image.js";
import { runPython } from "../helpers.js";

export interface RefEntry {
  path: string;
  shape: number[];
  dtype: string;
}

let cached: { dir: string; index: Record<string, unknown> } | null = null;

/** Runs the Python reference once (seeds and crop size fixed for the whole test process). */
export function reference(nSeeds = 64, crop = 128): { dir: string; index: Record<string, unknown> } {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), "pssr-crappify-"));
  runPython("crappify_ref.py", [dir, String(nSeeds), String(crop)]);
  cached = { dir, index: JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) };
  return cached;
}

function entry(name: string): RefEntry {
  const e = reference().index[name] as RefEntry | undefined;
  if (!e) throw new Error(`reference has no array ${name}`);
  return e;
}

/** A reference array as a float32 plane. */
export function refPlane(name: string): Plane {
  const e = entry(name);
  const buf = readFileSync(e.path);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const src = e.dtype === "uint8" ? new Uint8Array(ab) : e.dtype === "float32" ? new Float32Array(ab) : null;
  if (!src) throw new Error(`unsupported reference dtype ${e.dtype}`);
  return { data: Float32Array.from(src), height: e.shape[0], width: e.shape[1] };
}

/** A reference uint8 array as a uint8 "YX" Image. */
export function refImageU8(name: string): Image {
  const e = entry(name);
  const buf = readFileSync(e.path);
  return { data: new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), shape: e.shape, axes: "YX", pixelSize: null, dtype: "uint8" };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Per-pixel mean and standard deviation (population, as numpy's std) over samples. */
export function meanStd(samples: readonly ArrayLike<number>[]): { mean: Float64Array; std: Float64Array } {
  const n = samples[0].length;
  const mean = new Float64Array(n);
  const sq = new Float64Array(n);
  for (const s of samples) {
    for (let i = 0; i < n; i++) {
      mean[i] += s[i];
      sq[i] += s[i] * s[i];
    }
  }
  const std = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    mean[i] /= samples.length;
    std[i] = Math.sqrt(Math.max(0, sq[i] / samples.length - mean[i] * mean[i]));
  }
  return { mean, std };
}

/**
 * RMS of the per-pixel noise std in intensity bins defined by quantiles of `binBy` (the
 * reference mean), over the same pixels for both std maps.
 */
export function noiseStdPerBin(binBy: ArrayLike<number>, stdA: ArrayLike<number>, stdB: ArrayLike<number>, bins = 8): { lo: number; a: number; b: number }[] {
  const idx = Array.from({ length: binBy.length }, (_, i) => i).sort((i, j) => binBy[i] - binBy[j]);
  const out: { lo: number; a: number; b: number }[] = [];
  for (let k = 0; k < bins; k++) {
    const part = idx.slice(Math.floor((k * idx.length) / bins), Math.floor(((k + 1) * idx.length) / bins));
    let sa = 0;
    let sb = 0;
    for (const i of part) {
      sa += stdA[i] ** 2;
      sb += stdB[i] ** 2;
    }
    out.push({ lo: binBy[part[0]], a: Math.sqrt(sa / part.length), b: Math.sqrt(sb / part.length) });
  }
  return out;
}
