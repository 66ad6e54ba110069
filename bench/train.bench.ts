// Benchmark: the `small` PSSR2-style network (resunet-lr, scale 4) in ours (wasm by default,
// or $PSSR_BACKEND) against the same architecture in PyTorch on the CPU (Debian's
// python3-torch, test/ref/torch_resunet.py), measured in one run:
//   train_step_small:  one Adam step, MSE, batch 4 of 32x32 LR -> 128x128 HR patches
//   predict_small_512: tiled inference of a 512x512 LR input (tiles 256, overlap 64, same
//                      tiles in both), output 2048x2048
//   predict_small_512_onnx: the same input through `--engine onnx` (the ONNX export on
//                      onnxruntime-node, 1 thread; its default tiles: max(256, 4 x halo), overlapping by twice the halo)
// The machine is shared, so both sides are measured in alternating rounds (ours, then the
// peer, --rounds times, default 3) and each side's fastest round is kept; --steps training steps per round.
// Rows {name, ours_ms, peer, peer_ms, ratio (ours/peer), backend, shape, ...} go to
// bench/results/train.json. Run: npm run build && node dist/bench/train.bench.js [--rounds 3] [--steps 5]
import type { Tensor4D } from "@tensorflow/tfjs-core";
import { selectBackend } from "../src/backend/index.js";
import { buildModel } from "../src/model/index.js";
import { predictNormalized } from "../src/predict/index.js";
import { computeLoss } from "../src/train/losses.js";
import { createAdam } from "../src/train/optimizer.js";
import { runPython } from "../test/helpers.js";
import { benchOptions, timeMs, writeResults, type BenchRow } from "./common.js";
import { packageFromModel, predictWithPackage } from "../src/export/package.js";

const BATCH = 4;
const LR_PATCH = 32;
const { steps: STEPS, rounds: ROUNDS } = benchOptions({ steps: 5, rounds: 3 });
const SIDE = 512;
const TILE = 256;
const OVERLAP = 64;

const { tf, name: backend } = await selectBackend();
const model = buildModel({ preset: "small", arch: "resunet-lr", scale: 4 }, 0);
const spec = model.spec;
const vars = model.trainableVariables();
const optimizer = createAdam(tf, { learningRate: 1e-4 });
const x = tf.randomUniform([BATCH, LR_PATCH, LR_PATCH, 1]) as Tensor4D;
const y = tf.randomUniform([BATCH, LR_PATCH * 4, LR_PATCH * 4, 1]) as Tensor4D;
const step = async () => {
  const cost = optimizer.step(() => computeLoss("mse", model.apply(x), y, tf), vars);
  await cost.data();
  cost.dispose();
};
for (let i = 0; i < 2; i++) await step();
const img = new Float32Array(SIDE * SIDE);
for (let i = 0; i < img.length; i++) img[i] = Math.random();
predictNormalized(model, { data: img.subarray(0, TILE * TILE), height: TILE, width: TILE, frames: 1 }, { tilePx: TILE, overlapPx: OVERLAP });

const onnxPackage = await packageFromModel(model, null, "bench");
const onnxImage = { data: img, shape: [SIDE, SIDE], axes: "YX", pixelSize: null, dtype: "float32" as const };
let trainMs = Infinity;
let predictMs = Infinity;
let onnxMs = Infinity;
let peer = { train_ms: Infinity, predict_ms: Infinity, peak_mb: 0, threads: 0, torch: "" };
for (let round = 0; round < ROUNDS; round++) {
  const roundMs = await timeMs(async () => {
    for (let i = 0; i < STEPS; i++) await step();
  }, { repeats: 1 });
  trainMs = Math.min(trainMs, roundMs / STEPS);
  predictMs = Math.min(predictMs, await timeMs(() => predictNormalized(model, { data: img, height: SIDE, width: SIDE, frames: 1 }, { tilePx: TILE, overlapPx: OVERLAP }), { repeats: 1 }));
  onnxMs = Math.min(onnxMs, await timeMs(() => predictWithPackage(onnxPackage, onnxImage), { repeats: 1 }));
  const p = JSON.parse(
    runPython("torch_resunet.py", [], JSON.stringify({ mode: "bench", spec, batch: BATCH, lrPatch: LR_PATCH, steps: STEPS, predictSide: SIDE, tile: TILE, overlap: OVERLAP })),
  ) as typeof peer;
  peer = { ...p, train_ms: Math.min(peer.train_ms, p.train_ms), predict_ms: Math.min(peer.predict_ms, p.predict_ms), peak_mb: Math.max(peer.peak_mb, p.peak_mb) };
  console.log(`round ${round + 1}: ours train ${trainMs.toFixed(0)} ms, predict ${predictMs.toFixed(0)} ms (onnx ${onnxMs.toFixed(0)} ms); peer train ${p.train_ms.toFixed(0)} ms, predict ${p.predict_ms.toFixed(0)} ms`);
}
tf.dispose([x, y]);
optimizer.dispose();
const oursPeakMb = process.resourceUsage().maxRSS / 1024;
model.dispose();

const params = vars.length;
const rows: BenchRow[] = [
  {
    name: "train_step_small",
    ours_ms: +trainMs.toFixed(1),
    peer: "pytorch-cpu",
    peer_ms: +peer.train_ms.toFixed(1),
    ratio: +(trainMs / peer.train_ms).toFixed(3),
    backend,
    shape: `batch ${BATCH} x ${LR_PATCH}x${LR_PATCH}x1 -> ${LR_PATCH * 4}x${LR_PATCH * 4}x1, resunet-lr small x4 (${params} weight tensors)`,
    ours_peak_rss_mb: +oursPeakMb.toFixed(0),
    peer_peak_rss_mb: +peer.peak_mb.toFixed(0),
    peer_threads: peer.threads,
  },
  {
    name: "predict_small_512",
    ours_ms: +predictMs.toFixed(1),
    peer: "pytorch-cpu",
    peer_ms: +peer.predict_ms.toFixed(1),
    ratio: +(predictMs / peer.predict_ms).toFixed(3),
    backend,
    shape: `${SIDE}x${SIDE}x1 -> ${SIDE * 4}x${SIDE * 4}x1, tiles ${TILE} overlap ${OVERLAP}`,
    ours_peak_rss_mb: +oursPeakMb.toFixed(0),
    peer_peak_rss_mb: +peer.peak_mb.toFixed(0),
    peer_threads: peer.threads,
  },
  {
    name: "predict_small_512_onnx",
    ours_ms: +onnxMs.toFixed(1),
    peer: "pytorch-cpu",
    peer_ms: +peer.predict_ms.toFixed(1),
    ratio: +(onnxMs / peer.predict_ms).toFixed(3),
    backend: "onnxruntime-node (1 thread)",
    shape: `${SIDE}x${SIDE}x1 -> ${SIDE * 4}x${SIDE * 4}x1, tiles ${Math.max(TILE, 4 * onnxPackage.haloPx)} overlapping by 2 x halo ${onnxPackage.haloPx}`,
    ours_peak_rss_mb: +oursPeakMb.toFixed(0),
    peer_peak_rss_mb: +peer.peak_mb.toFixed(0),
    peer_threads: peer.threads,
  },
];
await writeResults("train", rows);
