// Benchmark: the `small` PSSR2-style network (resunet-lr, scale 4) in ours (wasm by default,
// or $PSSR_BACKEND) against the same architecture in PyTorch on the CPU (Debian's
// python3-torch, test/ref/torch_resunet.py) at the same thread count (ours: --threads / PSSR_THREADS / all cores;
// torch.set_num_threads of that count), measured in one run:
//   train_step_small:  one Adam step, MSE, batch 4 of 32x32 LR -> 128x128 HR patches
//   predict_small_512: tiled inference of a 512x512 LR input (tiles 256, overlap 64, same
//                      tiles in both), output 2048x2048
//   predict_small_512_onnx: the same input through `--engine onnx` (the ONNX export on
//                      onnxruntime-node, 1 thread; its default tiles: max(256, 4 x halo), overlapping by twice the halo)
// The machine is shared, so both sides are measured in alternating rounds (ours, then the
// peer, --rounds times, default 3) and each side's fastest round is kept; --steps training steps per round.
// Rows {name, ours_ms, peer, peer_ms, ratio (ours/peer), backend, shape, ...} go to
// bench/results/train.json. Run: npx tsc -p . && node dist/bench/train.bench.js [--rounds 3] [--steps 5]
import { selectBackend, threadCount } from "../src/backend/index.js";
import { predictNormalized } from "../src/predict/index.js";
import { timeMs, writeResults, type BenchRow } from "./common.js";
import { packageFromModel, predictWithPackage } from "../src/export/package.js";
import { SMALL_BENCH, smallTrainingStep, timeOurs, timeTorch } from "./small-step.js";

const { BATCH, LR_PATCH, ROUNDS, SIDE, TILE, OVERLAP } = SMALL_BENCH;

const { tf, name: backend } = await selectBackend();
const { model, spec, vars, step, dispose } = smallTrainingStep(tf, BATCH, LR_PATCH);
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
  const ours = await timeOurs(step, model, img);
  trainMs = Math.min(trainMs, ours.trainMs);
  predictMs = Math.min(predictMs, ours.predictMs);
  onnxMs = Math.min(onnxMs, await timeMs(() => predictWithPackage(onnxPackage, onnxImage), { repeats: 1 }));
  // PyTorch at our thread count (PSSR_THREADS, --threads or the cores this process may use).
  const p = timeTorch(spec, threadCount().count);
  peer = { ...p, train_ms: Math.min(peer.train_ms, p.train_ms), predict_ms: Math.min(peer.predict_ms, p.predict_ms), peak_mb: Math.max(peer.peak_mb, p.peak_mb) };
  console.log(`round ${round + 1}: ours train ${trainMs.toFixed(0)} ms, predict ${predictMs.toFixed(0)} ms (onnx ${onnxMs.toFixed(0)} ms); peer train ${p.train_ms.toFixed(0)} ms, predict ${p.predict_ms.toFixed(0)} ms`);
}
dispose();
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
