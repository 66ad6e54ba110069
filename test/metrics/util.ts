// Test plumbing for the metrics tests: seeded noise, raw float32 exchange with the Python refs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Plane } from "../../src/image/image.js";
import { randomPlane, randomValues } from "../helpers.js";

// The seeded generators are the shared ones of test/helpers.ts, under the names these tests use.
export { seededUniform as uniform } from "../helpers.js";

/** Standard normal samples (Box-Muller) from a seed. */
export function gaussianNoise(n: number, seed: number): Float32Array {
  return randomValues(n, seed, "normal");
}

export function noisePlane(h: number, w: number, seed: number): Plane {
  return randomPlane(h, w, seed, "normal");
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "pssr-metrics-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeF32(path: string, p: Plane | Float32Array): void {
  const d = p instanceof Float32Array ? p : p.data;
  writeFileSync(path, Buffer.from(d.buffer, d.byteOffset, d.byteLength));
}

export function readF32(path: string, h: number, w: number): Plane {
  const buf = readFileSync(path);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  if (data.length !== h * w) throw new Error(`${path}: ${data.length} values, expected ${h}x${w}`);
  return { data, height: h, width: w };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
