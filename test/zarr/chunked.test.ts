// OME-Zarr I/O against an independent numpy+zlib implementation of the zarr v2 spec
// (test/ref/zarr_read.py, zarr_write.py), and chunked prediction split over separate CLI
// processes ("workers") reassembled and compared with a single run and with predictImage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectBackend } from "../../src/backend/index.js";
import { buildModel } from "../../src/model/index.js";
import { predictImage } from "../../src/predict/index.js";
import { chunkAt, chunkGrid, parseChunkRange, workerRange } from "../../src/predict/chunks.js";
import { readOmeZarr, writeOmeZarr } from "../../src/zarr/index.js";
import { runCli, runPython } from "../helpers.js";

const dir = mkdtempSync(join(tmpdir(), "pssr-zarr-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

function smoothVolume(shape: number[], seed: number): Float32Array {
  const [n, h, w] = shape;
  const d = new Float32Array(n * h * w);
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let z = 0; z < n; z++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) d[(z * h + y) * w + x] = Math.round(1000 + 400 * Math.sin(0.3 * x + z) * Math.cos(0.2 * y) + 100 * rnd());
  return d;
}

function readWithNumpy(path: string): { data: Float32Array; info: { shape: number[]; chunks: number[]; axes: string[]; scale: number[]; chunk_files: number; attrs: Record<string, unknown> } } {
  const out = join(dir, `np-${Math.random().toString(36).slice(2)}.bin`);
  const info = JSON.parse(runPython("zarr_read.py", [path, out]));
  const buf = readFileSync(out);
  return { data: new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4), info };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test("reads an OME-Zarr written by numpy (uint16, zlib, '.' separator, ragged chunks)", async () => {
  const shape = [3, 37, 29];
  const vol = smoothVolume(shape, 1);
  const raw = join(dir, "vol.bin");
  writeFileSync(raw, Buffer.from(vol.buffer));
  const path = join(dir, "np.zarr");
  runPython("zarr_write.py", [raw, path, shape.join(","), "2,16,10", "uint16", "zyx"]);
  const r = await readOmeZarr(path);
  assert.deepEqual(r.shape, shape);
  assert.equal(r.image.dtype, "uint16");
  assert.deepEqual(r.image.axes.map((a) => a.name), ["z", "y", "x"]);
  assert.deepEqual(r.image.scale, [1, 8, 8]);
  assert.equal(maxAbsDiff(r.data, vol), 0);
});

for (const compressor of ["zlib", "none"] as const) {
  test(`writes an OME-Zarr numpy reads back exactly (float32, ${compressor})`, async () => {
    const shape = [2, 21, 34];
    const vol = smoothVolume(shape, 2).map((v) => v / 7);
    const path = join(dir, `ours-${compressor}.zarr`);
    await writeOmeZarr(path, vol, { shape, chunks: [1, 8, 16], axes: [{ name: "z", type: "space" }, { name: "y", type: "space" }, { name: "x", type: "space" }], scale: [1, 2, 2], compressor });
    const { data, info } = readWithNumpy(path);
    assert.deepEqual(info.shape, shape);
    assert.deepEqual(info.axes, ["z", "y", "x"]);
    assert.deepEqual(info.scale, [1, 2, 2]);
    assert.equal(info.chunk_files, 2 * 3 * 3);
    assert.equal(maxAbsDiff(data, vol), 0);
  });
}

test("chunk grid: ranges cover every chunk once; bad ranges are clear errors", () => {
  const g = chunkGrid([3, 40, 50], 16);
  assert.equal(g.count, 3 * 3 * 4);
  const seen = new Set<string>();
  for (let i = 0; i < g.count; i++) {
    const c = chunkAt(g, i);
    seen.add(`${c.lead[0]},${c.y0},${c.x0}`);
    assert.ok(c.y1 <= 40 && c.x1 <= 50 && c.y1 > c.y0 && c.x1 > c.x0);
  }
  assert.equal(seen.size, g.count);
  const covered: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [a, b] = workerRange(g.count, i, 5);
    for (let c = a; c < b; c++) covered.push(c);
  }
  assert.deepEqual(covered, [...Array(g.count).keys()]);
  assert.deepEqual(parseChunkRange("4:", 36), [4, 36]);
  assert.throws(() => parseChunkRange("40:41", 36), /only 36 chunks/);
  assert.throws(() => parseChunkRange("3-4", 36), /START:END/);
  assert.throws(() => workerRange(36, 5, 5), /chunk-index/);
});

test("pssr predict over 3 worker processes equals a single run, and the tiled whole-volume prediction", async () => {
  const { tf } = await selectBackend();
  void tf;
  const model = buildModel({ preset: "tiny", arch: "resunet-lr", scale: 2 }, 3);
  const modelDir = join(dir, "model");
  await model.save(modelDir);
  const shape = [3, 40, 52];
  const vol = smoothVolume(shape, 4);
  const inPath = join(dir, "in.zarr");
  await writeOmeZarr(inPath, vol, { shape, chunks: [1, 20, 26], axes: [{ name: "z" }, { name: "y" }, { name: "x" }], scale: [40, 8, 8] });
  const common = ["--block", "16", "--halo", "24", "--tile", "64", "--overlap", "16"];
  const single = join(dir, "single.zarr");
  let r = runCli(["predict", modelDir, inPath, "-o", single, ...common]);
  assert.equal(r.status, 0, r.stderr);
  const split = join(dir, "split.zarr");
  r = runCli(["predict", modelDir, inPath, "-o", split, "--init", ...common]);
  assert.equal(r.status, 0, r.stderr);
  const total = Number(r.stdout.trim().split("\n").pop());
  assert.equal(total, 3 * 3 * 4);
  // Workers 2, 0, 1 (any order) as separate processes; worker 1 uses the START:END form.
  const [a1, b1] = workerRange(total, 1, 3);
  for (const args of [["--chunk-index", "2", "--chunk-count", "3"], ["--chunk-index", "0", "--chunk-count", "3"], ["--chunks", `${a1}:${b1}`]]) {
    r = runCli(["predict", modelDir, inPath, "-o", split, ...args, ...common]);
    assert.equal(r.status, 0, r.stderr);
  }
  // A re-run of one worker (retry) rewrites its chunks with the same bytes, leaving no temp files.
  r = runCli(["predict", modelDir, inPath, "-o", split, "--chunk-index", "2", "--chunk-count", "3", ...common]);
  assert.equal(r.status, 0, r.stderr);
  const leftovers = readdirSync(join(split, "0"), { recursive: true }).map(String).filter((f) => f.endsWith(".tmp") || f.includes(".tmp-"));
  assert.deepEqual(leftovers, []);
  const s = readWithNumpy(single);
  const p = readWithNumpy(split);
  assert.deepEqual(s.info.shape, [3, 80, 104]);
  assert.deepEqual(s.info.chunks, [1, 32, 32]);
  assert.deepEqual(s.info.scale, [40, 4, 4]);
  assert.equal(p.info.chunk_files, 3 * 3 * 4);
  assert.ok(maxAbsDiff(s.data, p.data) <= 1e-6, `split vs single ${maxAbsDiff(s.data, p.data)}`);
  // Against our own reader and the in-process tiled prediction of the whole volume.
  const ours = await readOmeZarr(split);
  assert.equal(maxAbsDiff(ours.data, p.data), 0);
  const whole = predictImage(model, { data: vol, shape, axes: "ZYX", pixelSize: null, dtype: "float32", meta: {} }, { tilePx: 64, overlapPx: 16 });
  const wd = whole.image.data as Float32Array;
  let range = 0;
  for (const v of wd) range = Math.max(range, Math.abs(v));
  const err = maxAbsDiff(wd, p.data) / range;
  console.log(`chunked vs whole-volume predictImage: max |diff| / max |value| = ${err.toExponential(2)}`);
  assert.ok(err < 1e-3, `relative error ${err}`);
  model.dispose();
  // Re-initialising with a different chunking is refused, not silently mixed.
  r = runCli(["predict", modelDir, inPath, "-o", split, "--init", "--block", "8"]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /different metadata/);
  assert.ok(existsSync(join(split, "0", ".zarray")));
});
