// Benchmark: how training and tiled inference scale with threads, against PyTorch on
// the CPU with torch.set_num_threads(the same count), measured in the same run:
//   train_step_small_tN:  one Adam step of the `small` resunet-lr x4, batch 4 of 32x32 LR patches
//   predict_small_512_tN: tiled inference 512x512 -> 2048x2048 (tiles 256, overlap 64)
//   predict_small_512_onnx_tN: the same input through `--engine onnx` (onnxruntime-node, N threads)
//   conv_cpu_tN:          CPU time (all threads) of one 3x3 64->64 convolution's forward and gradients
//                         against the same at 1 thread: the pool's overhead, nearly load-independent
//   train_epoch_default_tN: `pssr train --epochs 1 --steps 20` with the tiny preset's defaults
//                         (batch 8, patch 96; --epochs and --steps together: a fixed run, no budget)
//                         on the bundled EM images, against the same command at 1 thread
// for N = 1 .. the cores this process may use (or .. $PSSR_THREADS when set, which PyTorch then
// gets too). Each row records the 1-minute load average when it was measured: on a shared
// machine compare rows measured at a similar load. Rows go to bench/results/threads.json.
// Run: npx tsc -p . && node dist/bench/threads.bench.js   [--rounds 3] [--steps 5] (as train.bench)
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { defaultThreadCount, parseThreadCount, selectBackend, setThreads } from "../src/backend/index.js";
import { predictNormalized } from "../src/predict/index.js";
import { repoRoot, sharedDataDir } from "../test/helpers.js";
import { SMALL_BENCH, smallTrainingStep, timeOurs, timeTorch } from "./small-step.js";
import { timeMs, writeResults, type BenchRow } from "./common.js";
import { packageFromModel, predictWithPackage } from "../src/export/package.js";

const { BATCH, LR_PATCH, ROUNDS, SIDE, TILE, OVERLAP } = SMALL_BENCH;

const maxThreads = process.env.PSSR_THREADS ? parseThreadCount(process.env.PSSR_THREADS, "PSSR_THREADS") : defaultThreadCount().count;
const counts = Array.from({ length: maxThreads }, (_, i) => i + 1);
const { tf, name: backend } = await selectBackend();
const { model, spec, step, dispose } = smallTrainingStep(tf, BATCH, LR_PATCH);
const img = new Float32Array(SIDE * SIDE);
for (let i = 0; i < img.length; i++) img[i] = Math.random();
const load = () => +loadavg()[0].toFixed(2);
// The same network exported to ONNX, for `pssr predict --engine onnx` (onnxruntime-node on the same thread count).
const onnxPackage = await packageFromModel(model, null, "bench");
const onnxImage = { data: img, shape: [SIDE, SIDE], axes: "YX", pixelSize: null, dtype: "float32" as const };

/** Seconds of one default `pssr train` epoch at `threads`. */
function trainEpochSeconds(threads: number): number {
  const out = mkdtempSync(join(tmpdir(), "pssr-bench-epoch-"));
  try {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, "dist", "src", "cli", "main.js"), "train", "--hr", join(sharedDataDir, "em", "emdiffuse_demo"), "--out", join(out, "m"), "--epochs", "1", "--steps", "20", "--quiet", "--threads", String(threads)],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`pssr train failed: ${r.stderr}`);
    return (performance.now() - t0) / 1000;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * CPU ms (all threads, process.cpuUsage) of one forward + both gradients of a 3x3 64->64 conv on
 * 4x32x32: what the pool costs on top of the work (copies, waking threads); unlike wall time it
 * hardly depends on the machine's load.
 */
function convCpuMs(): number {
  const x = tf.randomNormal([4, 32, 32, 64]);
  const w = tf.randomNormal([3, 3, 64, 64]);
  const attrs = { strides: 1, pad: "same", dataFormat: "NHWC" };
  const once = () =>
    tf.dispose([
      tf.conv2d(x as never, w as never, 1, "same"),
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: x }, { ...attrs, filterShape: [3, 3, 64, 64] }) as never,
      tf.engine().runKernel("Conv2DBackpropInput", { dy: x, filter: w }, { ...attrs, inputShape: [4, 32, 32, 64] }) as never,
    ]);
  once();
  const c0 = process.cpuUsage();
  for (let i = 0; i < 20; i++) once();
  const c = process.cpuUsage(c0);
  tf.dispose([x, w]);
  return (c.user + c.system) / 1000 / 20;
}

const rows: BenchRow[] = [];
let convCpu1 = Infinity;
const epoch1: { s: number } = { s: Infinity };
for (const n of counts) {
  await setThreads(n);
  for (let i = 0; i < 2; i++) await step();
  predictNormalized(model, { data: img.subarray(0, TILE * TILE), height: TILE, width: TILE, frames: 1 }, { tilePx: TILE, overlapPx: OVERLAP });
  let trainMs = Infinity;
  let predictMs = Infinity;
  let onnxMs = Infinity;
  let peer = { train_ms: Infinity, predict_ms: Infinity, threads: 0 };
  let epochS = Infinity;
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    loads.push(load());
    const ours = await timeOurs(step, model, img);
    trainMs = Math.min(trainMs, ours.trainMs);
    predictMs = Math.min(predictMs, ours.predictMs);
    // createSession takes the thread count set by setThreads.
    onnxMs = Math.min(onnxMs, await timeMs(() => predictWithPackage(onnxPackage, onnxImage), { repeats: 1 }));
    const p = timeTorch(spec, n);
    peer = { threads: p.threads, train_ms: Math.min(peer.train_ms, p.train_ms), predict_ms: Math.min(peer.predict_ms, p.predict_ms) };
    if (round === 0) epochS = trainEpochSeconds(n);
    console.log(`${n} threads, round ${round + 1} (load ${loads.at(-1)}): ours train ${trainMs.toFixed(0)} ms, predict ${predictMs.toFixed(0)} ms (onnx ${onnxMs.toFixed(0)} ms); torch train ${p.train_ms.toFixed(0)} ms, predict ${p.predict_ms.toFixed(0)} ms`);
  }
  if (n === 1) epoch1.s = epochS;
  const convCpu = convCpuMs();
  if (n === 1) convCpu1 = convCpu;
  const common = { backend, threads: n, peer_threads: peer.threads, load_avg_1min: loads };
  rows.push(
    { name: `train_step_small_t${n}`, ours_ms: +trainMs.toFixed(1), peer: "pytorch-cpu", peer_ms: +peer.train_ms.toFixed(1), ratio: +(trainMs / peer.train_ms).toFixed(3), shape: `batch ${BATCH} x ${LR_PATCH}x${LR_PATCH}x1 -> x4, resunet-lr small`, ...common },
    { name: `predict_small_512_t${n}`, ours_ms: +predictMs.toFixed(1), peer: "pytorch-cpu", peer_ms: +peer.predict_ms.toFixed(1), ratio: +(predictMs / peer.predict_ms).toFixed(3), shape: `${SIDE}x${SIDE}x1 -> ${SIDE * 4}x${SIDE * 4}x1, tiles ${TILE} overlap ${OVERLAP}`, ...common },
    { name: `predict_small_512_onnx_t${n}`, ours_ms: +onnxMs.toFixed(1), peer: "pytorch-cpu", peer_ms: +peer.predict_ms.toFixed(1), ratio: +(onnxMs / peer.predict_ms).toFixed(3), shape: `${SIDE}x${SIDE}x1 -> ${SIDE * 4}x${SIDE * 4}x1, pssr predict --engine onnx (onnxruntime-node, ${n} intra-op threads; tiles ${Math.max(TILE, 4 * onnxPackage.haloPx)} overlapping by 2 x halo ${onnxPackage.haloPx})`, ...common, backend: "onnxruntime-node" },
    { name: `conv_cpu_t${n}`, ours_ms: +convCpu.toFixed(2), peer: "the same at 1 thread", peer_ms: +convCpu1.toFixed(2), ratio: +(convCpu / convCpu1).toFixed(3), shape: "CPU ms (all threads) of conv 3x3 64->64 on 4x32x32: forward, dW, dX (ratio: the pool's overhead)", ...common, peer_threads: 1, load_avg_1min: [load()] },
    { name: `train_epoch_default_t${n}`, ours_ms: +(epochS * 1000).toFixed(0), peer: "pssr train --threads 1", peer_ms: +(epoch1.s * 1000).toFixed(0), ratio: +(epochS / epoch1.s).toFixed(3), shape: "pssr train --hr emdiffuse_demo --epochs 1 --steps 20 (tiny resunet-lr x4, batch 8, patch 96; process start included)", ...common, peer_threads: 1, load_avg_1min: [loads[0]] },
  );
}
await setThreads(null);
dispose();
model.dispose();

await writeResults("threads", rows);
