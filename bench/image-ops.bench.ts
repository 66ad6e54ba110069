// Times src/image operations against their scipy/skimage/numpy/torch peers on the same
// 2048x2048 float32 plane in one run and prints the ratio (ours / peer; < 1 means faster).
// Times are CPU (process) time, medians of `repeats`, both sides single-threaded.
// Run: npm run build && node dist/bench/image-ops.bench.js [--size 2048] [--repeats 5]. Writes bench/results/image_ops.json.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convolve2d, gaussianBlur, maximumFilter, uniformFilter } from "../src/image/filters.js";
import type { Plane } from "../src/image/image.js";
import { percentiles } from "../src/image/percentile.js";
import { rescale, resize, upsampleBilinear, zoom } from "../src/image/resize.js";
import { randomValues, runPython } from "../test/helpers.js";
import { benchOptions, timeMs, writeResults, type BenchRow } from "./common.js";

const { size, repeats } = benchOptions({ size: 2048, repeats: 5 });

/** A smooth pattern plus 20 % seeded noise, the same on both sides (written to a file for the peer). */
function smoothRandom(n: number): Plane {
  const noise = randomValues(n * n, 12345);
  return { data: noise.map((v, i) => 0.5 + 0.3 * Math.sin(i / 97) + v * 0.2), height: n, width: n };
}

const x = smoothRandom(size);
const q = size >> 2;
const small: Plane = { data: new Float32Array(q * q), height: q, width: q };
for (let y = 0; y < q; y++) small.data.set(x.data.subarray(y * size, y * size + q), y * q);
const k9: Plane = { data: new Float32Array(81).fill(1 / 81), height: 9, width: 9 };
// A non-separable kernel (ring-like, as an out-of-focus PSF), same values on both sides.
const k31: Plane = { data: new Float32Array(31 * 31).map((_, i) => Math.abs(Math.sin(i * 1.3)) / 500), height: 31, width: 31 };

const ours: Record<string, () => unknown> = {
  "gaussianBlur sigma 5": () => gaussianBlur(x, 5),
  "gaussianBlur sigma 1": () => gaussianBlur(x, 1),
  "uniformFilter 7": () => uniformFilter(x, 7),
  "maximumFilter 7": () => maximumFilter(x, 7),
  "convolve2d 9x9 box": () => convolve2d(x, k9),
  "convolve2d 31x31 non-separable": () => convolve2d(x, k31),
  "percentiles 3/99.8": () => percentiles(x.data, [3, 99.8]),
  "rescale 1/4 (anti-aliased)": () => rescale(x, 0.25),
  "zoom x2 order 3 (1/4 crop)": () => zoom(small, 2),
  "upsampleBilinear x4 (1/4 crop, torch 1 thread)": () => upsampleBilinear(small, 4),
  "resize bicubic x4 (1/4 crop, torch 1 thread)": () => resize(small, q * 4, q * 4, { method: "bicubic" }),
};

const rows: BenchRow[] = [];
const dir = mkdtempSync(join(tmpdir(), "pssr-bench-"));
try {
  const file = join(dir, "x.bin");
  writeFileSync(file, Buffer.from(x.data.buffer));
  console.log(`image ops on ${size}x${size} float32 (median CPU time of ${repeats}); peer = scipy/skimage/numpy/torch`);
  console.log("each peer is timed in its own process right before ours, so load from other work hits both alike");
  for (const [name, fn] of Object.entries(ours)) {
    const peer = JSON.parse(runPython("image_bench.py", [file, String(size), String(size), String(repeats), name])) as Record<string, number>;
    const oursMs = await timeMs(fn, { repeats, warmup: 1, stat: "median", clock: "cpu" });
    const peerMs = peer[name] * 1000;
    rows.push({ name, ours_ms: oursMs, peer: "scipy/skimage/numpy/torch (test/ref/image_bench.py)", peer_ms: peerMs, ratio: oursMs / peerMs, backend: "cpu-js", shape: [size, size] });
  }
  await writeResults("image_ops", rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
