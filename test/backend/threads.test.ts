// The compute thread pool (src/backend/conv-pool.ts, threads.ts): the thread count and its
// sources, same bits at any thread count (single convolutions and whole training runs), a
// worker that dies is a clear error (never a hang), no worker keeps the process alive, and
// memory stays flat over training steps at several threads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import type { Tensor, Tensor4D } from "@tensorflow/tfjs-core";
import { selectBackend, setThreads, threadCount, defaultThreadCount, parseThreadCount, setThreadCount } from "../../src/backend/index.js";
import { convPool } from "../../src/backend/conv-wasm.js";
import { cgroupCpuLimit } from "../../src/backend/threads.js";
import { PssrError } from "../../src/errors.js";
import { readImage } from "../../src/io/read.js";
import { sourceFromImage, train, type SourceImage, type TrainOptions } from "../../src/train/index.js";
import { repoRoot, runCli, sharedDataDir } from "../helpers.js";
import { randomArray } from "./arrays.js";

const { tf } = await selectBackend({ name: "wasm" });

test("thread counts: 1..256 or a one-line error naming the source; cgroup quotas cap the default", () => {
  assert.equal(parseThreadCount("3", "--threads"), 3);
  for (const bad of ["0", "-1", "2.5", "abc", "", "1000"]) {
    assert.throws(() => parseThreadCount(bad, "PSSR_THREADS"), (e: unknown) => e instanceof PssrError && e.code === "invalid-argument" && /^PSSR_THREADS must be/.test(e.message) && !e.message.includes("\n"));
  }
  const root = mkdtempSync(join(tmpdir(), "pssr-cgroup-"));
  try {
    writeFileSync(join(root, "cpu.max"), "150000 100000\n");
    assert.deepEqual(cgroupCpuLimit(root), { cpus: 2, file: join(root, "cpu.max") });
    const d = defaultThreadCount(root);
    assert.equal(d.count, Math.min(2, availableParallelism()));
    assert.match(d.why, new RegExp(`availableParallelism ${availableParallelism()}`));
    writeFileSync(join(root, "cpu.max"), "max 100000\n");
    assert.equal(cgroupCpuLimit(root), null);
    assert.match(defaultThreadCount(root).why, /no cgroup quota/);
    rmSync(join(root, "cpu.max"));
    mkdirSync(join(root, "cpu"));
    writeFileSync(join(root, "cpu", "cpu.cfs_quota_us"), "300000\n");
    writeFileSync(join(root, "cpu", "cpu.cfs_period_us"), "100000\n");
    assert.equal(cgroupCpuLimit(root)?.cpus, 3);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  setThreadCount(4);
  assert.deepEqual(threadCount(), { count: 4, why: "--threads 4" });
  setThreadCount(null);
});

test("pssr backend says how many threads and why; bad --threads / PSSR_THREADS are one-line errors", () => {
  const env = { PSSR_BACKEND: "" };
  const r = runCli(["backend", "--threads", "3"], { env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /chosen: wasm, 3 threads \(--threads 3\)/);
  assert.match(runCli(["--threads=1", "backend"], { env }).stdout, /chosen: wasm, 1 thread \(--threads 1\)/, "a global option, also before the command");
  const e = runCli(["backend"], { env: { ...env, PSSR_THREADS: "2" } });
  assert.match(e.stdout, /chosen: wasm, 2 threads \(PSSR_THREADS=2\)/);
  const d = runCli(["backend"], { env: { ...env, PSSR_THREADS: "" } });
  assert.match(d.stdout, new RegExp(`chosen: wasm, \\d+ threads? \\(availableParallelism ${availableParallelism()}, `));
  for (const [args, extra] of [[["backend", "--threads", "0"], {}], [["train", "--threads=many"], {}], [["backend"], { PSSR_THREADS: "two" }]] as const) {
    const bad = runCli([...args], { env: { ...env, ...extra } });
    assert.equal(bad.status, 1, bad.stdout);
    assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    assert.match(bad.stderr, /(--threads|PSSR_THREADS) must be a whole number of threads from 1 to 256/);
  }
});

/** Forward (fused bias + ReLU), dx and dW of one convolution; every result as a Float32Array. */
function convAll(x: Tensor, w: Tensor, bias: Tensor, dy: Tensor, stride: number, dil: number): Float32Array[] {
  return tf.tidy(() => {
    const conv = (a: Tensor, b: Tensor) => tf.conv2d(a as Tensor4D, b as Tensor4D, stride, "same", "NHWC", dil);
    const fused = tf.fused.conv2d({ x: x as Tensor4D, filter: w as Tensor4D, strides: stride, pad: "same", dilations: dil, bias, activation: "relu" });
    const [dx, dw] = tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(conv(a, b), dy)))([x, w]);
    return [conv(x, w), fused, dx, dw].map((t) => t.dataSync() as Float32Array);
  });
}

test("convolutions give the same bits at 1, 2 and 3 threads (GEMM, pointwise, col2im, one output)", async () => {
  const cases = [
    { x: [2, 40, 36, 32], k: 3, co: 48, stride: 1, dil: 1 },
    { x: [2, 33, 31, 24], k: 3, co: 40, stride: 2, dil: 1 }, // strided: col2im input gradient
    { x: [1, 48, 40, 16], k: 5, co: 16, stride: 1, dil: 1 },
    { x: [2, 64, 64, 64], k: 1, co: 96, stride: 1, dil: 1 }, // pointwise
    { x: [4, 64, 64, 32], k: 3, co: 1, stride: 1, dil: 1 }, // one output channel
  ];
  try {
    for (const [i, c] of cases.entries()) {
      const x = tf.tensor4d(randomArray(c.x.reduce((a, b) => a * b), 10 + i), c.x as [number, number, number, number]);
      const w = tf.tensor4d(randomArray(c.k * c.k * c.x[3] * c.co, 20 + i), [c.k, c.k, c.x[3], c.co]);
      const bias = tf.tensor1d(randomArray(c.co, 30 + i));
      const yShape = tf.conv2d(x, w, c.stride, "same", "NHWC", c.dil).shape;
      const dy = tf.tensor(randomArray(yShape.reduce((a, b) => a * b), 40 + i), yShape);
      const results: Float32Array[][] = [];
      for (const n of [1, 2, 3]) {
        await setThreads(n);
        const before = convPool()?.splitCalls ?? 0;
        results.push(convAll(x, w, bias, dy, c.stride, c.dil));
        if (n > 1) assert.ok(convPool()!.splitCalls > before, `case ${i}: the pool ran at ${n} threads`);
      }
      for (const r of results.slice(1)) {
        r.forEach((a, j) => assert.ok(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(results[0][j].buffer, results[0][j].byteOffset, results[0][j].byteLength)), `case ${i} output ${j}`));
      }
      tf.dispose([x, w, bias, dy]);
    }
  } finally {
    await setThreads(null);
  }
});

const emDir = join(sharedDataDir, "em", "emdiffuse_demo");
const sources: SourceImage[] = [];
for (const f of ["microns_mouse_cortex_0.tif", "mouse_liver_0.tif"]) sources.push(sourceFromImage(f, await readImage(join(emDir, f))));
const RUN: Omit<TrainOptions, "outDir"> = {
  sources,
  recipe: "pssr-em",
  model: { preset: "small", arch: "resunet-lr", scale: 4 },
  epochs: 2,
  stepsPerEpoch: 2,
  batchSize: 2,
  patchPx: 64,
  validationFraction: 0.5,
  validationPatches: 2,
  seed: 5,
};

test("training gives the same weights and validation metrics bit for bit at 1 and at 2 threads", async () => {
  const dirs: string[] = [];
  const results = [];
  try {
    for (const n of [1, 2]) {
      await setThreads(n);
      const out = mkdtempSync(join(tmpdir(), `pssr-threads-${n}-`));
      dirs.push(out);
      const before = convPool()?.splitCalls ?? 0;
      results.push(await train({ ...RUN, outDir: out }));
      if (n > 1) assert.ok(convPool()!.splitCalls > before + 10, "the training step's convolutions ran on the pool");
    }
    assert.deepEqual(results[1].history, results[0].history);
    assert.ok(readFileSync(join(dirs[1], "weights.bin")).equals(readFileSync(join(dirs[0], "weights.bin"))), "weights.bin identical");
    assert.ok(readFileSync(join(dirs[1], "checkpoint", "optimizer.bin")).equals(readFileSync(join(dirs[0], "checkpoint", "optimizer.bin"))), "optimizer state identical");
  } finally {
    await setThreads(null);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test("tensor count and RSS stay flat over training steps at 2 threads", async () => {
  const out = mkdtempSync(join(tmpdir(), "pssr-threads-mem-"));
  try {
    await setThreads(2);
    const tensors: number[] = [];
    const rss: number[] = [];
    await train({
      ...RUN,
      outDir: out,
      epochs: 4,
      stepsPerEpoch: 3,
      onProgress: (e) => {
        if (e.type !== "epoch") return;
        tensors.push(tf.memory().numTensors);
        rss.push(process.memoryUsage.rss() / 2 ** 20);
      },
    });
    assert.equal(new Set(tensors).size, 1, `tensors after each epoch: ${tensors}`);
    // After the first epoch (heaps warm), 3 more epochs may not add more than 64 MiB.
    assert.ok(rss[3] - rss[0] < 64, `RSS MiB after each epoch: ${rss.map((r) => r.toFixed(0))}`);
  } finally {
    await setThreads(null);
    rmSync(out, { recursive: true, force: true });
  }
});

test("a worker that dies is a clear error, never a hang; a new pool works again", async () => {
  const x = tf.tensor4d(randomArray(2 * 48 * 48 * 32, 1), [2, 48, 48, 32]);
  const w = tf.tensor4d(randomArray(9 * 32 * 32, 2), [3, 3, 32, 32]);
  try {
    await setThreads(3);
    const ok = tf.conv2d(x, w, 1, "same");
    // Dies in the middle of a call (process.exit inside the worker).
    assert.throws(() => convPool()!.exitWorkerForTest(2), (e: unknown) => e instanceof PssrError && e.code === "worker-died" && /thread 2 of 3/.test(e.message));
    assert.throws(() => tf.conv2d(x, w, 1, "same"), (e: unknown) => e instanceof PssrError && e.code === "worker-died");
    // Killed from outside between calls.
    await setThreads(1);
    await setThreads(2);
    await convPool()!.workersForTest()[0].terminate();
    assert.throws(() => tf.conv2d(x, w, 1, "same"), (e: unknown) => e instanceof PssrError && e.code === "worker-died" && /thread 1 of 2 exited/.test(e.message));
    await setThreads(1);
    await setThreads(2);
    const again = tf.conv2d(x, w, 1, "same");
    assert.deepEqual(again.dataSync(), ok.dataSync());
    tf.dispose([ok, again]);
  } finally {
    tf.dispose([x, w]);
    await setThreads(null);
  }
});

test("no worker keeps the process alive: a script that trains at 2 threads ends by itself, also when aborted", () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-threads-exit-"));
  try {
    const script = join(dir, "run.mjs");
    const src = (p: string) => JSON.stringify(join(repoRoot, "dist", "src", p));
    writeFileSync(
      script,
      `import { selectBackend, setThreads } from ${src("backend/index.js")};
import { readImage } from ${src("io/read.js")};
import { sourceFromImage, train } from ${src("train/index.js")};
import { convPool } from ${src("backend/conv-wasm.js")};
await selectBackend({ name: "wasm" });
await setThreads(2);
const img = await readImage(${JSON.stringify(join(emDir, "mouse_liver_0.tif"))});
const controller = new AbortController();
const r = await train({ sources: [sourceFromImage("a", img)], outDir: ${JSON.stringify(join(dir, "model"))}, recipe: "pssr-em",
  model: { preset: "small", arch: "resunet-lr", scale: 4 }, epochs: 3, stepsPerEpoch: 3, batchSize: 2, patchPx: 64, validationPatches: 2,
  signal: controller.signal, onProgress: (e) => { if (e.type === "step" && e.epoch === 1 && e.step === 2) controller.abort(); } });
console.log(JSON.stringify({ interrupted: r.interrupted, epochs: r.epochsCompleted, split: convPool().splitCalls }));
`,
    );
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 240_000, env: { ...process.env, PSSR_BACKEND: "" } });
    assert.equal(r.status, 0, `${r.signal ?? ""} ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { interrupted: boolean; epochs: number; split: number };
    assert.equal(out.interrupted, true);
    assert.ok(out.split > 0);
    assert.ok(Date.now() - t0 < 240_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
