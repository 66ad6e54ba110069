// Array exchange with the Python references: raw little-endian float32 files in a temp folder.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomValues, runPython } from "../helpers.js";

/** A deterministic pseudo-random float32 array, roughly N(0, scale²) and bounded (test/helpers.ts "sum4"). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  return randomValues(n, seed, "sum4", scale);
}

/**
 * Runs test/ref/<script> with a JSON spec on stdin; arrays in `inputs` are written as
 * <name>.bin in a temp dir passed as spec.dir; returns the float32 arrays the script wrote
 * (its stdout is a JSON list of output names).
 */
export function runTorch(script: string, spec: Record<string, unknown>, inputs: Record<string, Float32Array>): Record<string, Float32Array> {
  const dir = mkdtempSync(join(tmpdir(), "pssr-torch-"));
  try {
    for (const [name, arr] of Object.entries(inputs)) writeFileSync(join(dir, `${name}.bin`), Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
    const names = JSON.parse(runPython(script, [], JSON.stringify({ ...spec, dir }))) as string[];
    const out: Record<string, Float32Array> = {};
    for (const name of names) {
      const buf = readFileSync(join(dir, `${name}.bin`));
      out[name] = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** max |a-b| / max |b| (relative to the reference's scale). */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return s === 0 ? d : d / s;
}

export function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
