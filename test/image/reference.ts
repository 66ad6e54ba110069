// Plumbing shared by the image tests: planes to/from raw float32 files and one batched call to
// test/ref/image_ops.py (scipy / skimage / torch / numpy) per test file.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Plane } from "../../src/image/image.js";
import { runPython, samplesDir } from "../helpers.js";

export class RefSession {
  readonly dir = mkdtempSync(join(tmpdir(), "pssr-image-"));
  private n = 0;
  private jobs: Record<string, unknown>[] = [];

  /** Writes a plane to a temporary raw file; returns its path. */
  put(p: Plane): string {
    const path = join(this.dir, `in${this.n++}.bin`);
    writeFileSync(path, Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength));
    return path;
  }

  /** Queues a job on `plane`; the returned index addresses its result after `run()`. */
  add(op: string, plane: Plane | null, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): number {
    const job: Record<string, unknown> = { op, params, out: join(this.dir, `out${this.n++}.bin`), ...extra };
    if (plane) {
      job.in = this.put(plane);
      job.shape = [plane.height, plane.width];
    }
    this.jobs.push(job);
    return this.jobs.length - 1;
  }

  private results: unknown[] = [];

  run(): void {
    this.results = JSON.parse(runPython("image_ops.py", [], JSON.stringify(this.jobs))) as unknown[];
  }

  /** The plane a job wrote (its shape: the job's result, or the input's for scalar-valued ops). */
  plane(i: number, key = "out"): Plane {
    const result = this.results[i] as number[];
    const buf = readFileSync(this.jobs[i][key] as string);
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const shape = Array.isArray(result) && result.length === 2 && result[0] * result[1] === data.length && Number.isInteger(result[0]) ? result : (this.jobs[i].shape as number[]);
    if (data.length !== shape[0] * shape[1]) throw new Error(`job ${i}: ${data.length} values do not fit ${JSON.stringify(shape)}`);
    return { data, height: shape[0], width: shape[1] };
  }

  /** Reads TIFF files with tifffile (first plane, min-max scaled to [0, 1]) right away. */
  readTifs(files: string[]): Plane[] {
    const jobs = files.map((file) => ({ op: "read_tif", file, out: join(this.dir, `tif${this.n++}.bin`) }));
    const shapes = JSON.parse(runPython("image_ops.py", [], JSON.stringify(jobs))) as number[][];
    return jobs.map((j, i) => {
      const buf = readFileSync(j.out);
      const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      return { data, height: shapes[i][0], width: shapes[i][1] };
    });
  }

  value(i: number): number[] {
    return this.results[i] as number[];
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Deterministic pseudo-random plane in [0, 1): the shared generator of test/helpers.ts. */
export { randomPlane } from "../helpers.js";

export const emSample = (name: string): string => join(samplesDir, "em", "emdiffuse_demo", name);

/** Largest |a - b| over two same-sized planes (throws on a size mismatch). */
export function maxAbsDiff(a: Plane, b: Plane): number {
  if (a.height !== b.height || a.width !== b.width) {
    throw new Error(`size mismatch: ${a.height}x${a.width} vs ${b.height}x${b.width}`);
  }
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (d !== d) return Infinity;
    if (d > m) m = d;
  }
  return m;
}

/** A crop of a plane (to keep reference runs small). */
export function crop(p: Plane, y0: number, x0: number, h: number, w: number): Plane {
  const data = new Float32Array(h * w);
  for (let y = 0; y < h; y++) data.set(p.data.subarray((y0 + y) * p.width + x0, (y0 + y) * p.width + x0 + w), y * w);
  return { data, height: h, width: w };
}

/**
 * Cases of our function against a queued reference job, by group: `add` queues one, `describe`
 * runs the references once and checks every case of a group within `tol`, reporting the worst.
 */
export class ReferenceCases {
  private readonly groups = new Map<string, { name: string; ours: () => Plane; ref: number }[]>();
  constructor(private readonly ref: RefSession) {}

  add(group: string, name: string, ours: () => Plane, refIndex: number): void {
    if (!this.groups.has(group)) this.groups.set(group, []);
    this.groups.get(group)!.push({ name, ours, ref: refIndex });
  }

  describe(title: string, peer: string, tol: number): void {
    describe(title, () => {
      before(() => this.ref.run());
      after(() => this.ref.dispose());
      for (const [group, cases] of this.groups) {
        it(group, (t) => {
          let worst = 0;
          for (const c of cases) {
            const d = maxAbsDiff(c.ours(), this.ref.plane(c.ref));
            assert.ok(d <= tol, `${group}, ${c.name}: max |ours - ${peer}| = ${d}`);
            worst = Math.max(worst, d);
          }
          t.diagnostic(`max |ours - ${peer}| = ${worst.toExponential(2)} over ${cases.length} cases`);
        });
      }
    });
  }
}
