// Benchmark: peak resident memory (RSS), each case in a fresh child process
// (process.resourceUsage().maxRSS for ours; resource.getrusage(RUSAGE_SELF).ru_maxrss for
// PyTorch, test/ref/torch_resunet.py), on wasm (or $PSSR_BACKEND):
//   memory_train_small:     the `small` resunet-lr x4 network, Adam, 5 MSE steps of batch 4,
//                           32x32 LR -> 128x128 HR patches (as train_step_small)
//   memory_restore_8192:    the `tiny` resunet-lr x4 restoring a 2048x2048 input into an
//                           8192x8192 float32 output through predictImage (tiles 256, overlap
//                           64); PyTorch: the same tiling into a float32 output tensor
// Rows keep the common schema (ours_ms/peer_ms are the wall times of the child runs, ratio
// is ours_mb / peer_mb) and add "ours_mb" and "peer_mb": peak RSS in MiB.
//   npm run build && node dist/bench/memory.bench.js [--side 2048]
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { repoRoot, runPython } from "../test/helpers.js";
import { benchOptions, timeMs, writeResults, type BenchRow } from "./common.js";

// --side: the LR side of the restore case (2048 for the published row; smaller to check the bench runs).
const options = benchOptions({ side: 2048, child: "" });
const SIDE = options.side;
const TILE = 256;
const OVERLAP = 64;

async function child(kind: string): Promise<void> {
  const { selectBackend } = await import("../src/backend/index.js");
  const { buildModel } = await import("../src/model/index.js");
  const { name: backend, tf } = await selectBackend();
  const t0 = performance.now();
  if (kind === "train") {
    const { computeLoss } = await import("../src/train/losses.js");
    const { createAdam } = await import("../src/train/optimizer.js");
    const model = buildModel({ preset: "small", arch: "resunet-lr", scale: 4 }, 0);
    const vars = model.trainableVariables();
    const opt = createAdam(tf, { learningRate: 1e-4 });
    const x = tf.randomUniform([4, 32, 32, 1]);
    const y = tf.randomUniform([4, 128, 128, 1]);
    for (let i = 0; i < 5; i++) {
      const cost = opt.step(() => computeLoss("mse", model.apply(x as never), y as never, tf), vars);
      await cost.data();
      cost.dispose();
    }
    console.log(JSON.stringify({ spec: model.spec, backend, ms: performance.now() - t0, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  } else {
    const { predictImage } = await import("../src/predict/index.js");
    const model = buildModel({ preset: "tiny", arch: "resunet-lr", scale: 4 }, 0);
    const data = new Float32Array(SIDE * SIDE);
    for (let i = 0; i < data.length; i++) data[i] = Math.random();
    const r = predictImage(model, { data, shape: [SIDE, SIDE], axes: "YX", pixelSize: null, dtype: "float32", meta: {} }, { tilePx: TILE, overlapPx: OVERLAP });
    if (r.image.shape[0] !== SIDE * 4) throw new Error("unexpected output shape");
    console.log(JSON.stringify({ spec: model.spec, backend, ms: performance.now() - t0, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  }
}

function runChild(kind: string): { spec: Record<string, unknown>; backend: string; ms: number; maxRssMb: number } {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", kind, "--side", String(SIDE)], { encoding: "utf8", cwd: repoRoot, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`memory child ${kind} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  const train = runChild("train");
  const tp = JSON.parse(runPython("torch_resunet.py", [], JSON.stringify({ mode: "bench", spec: train.spec, batch: 4, lrPatch: 32, steps: 5, predictSide: 64, tile: 64, overlap: 0 }))) as { peak_mb: number; train_ms: number };
  console.log(`train small: ours ${train.maxRssMb.toFixed(0)} MiB peak RSS (${train.backend}), pytorch-cpu ${tp.peak_mb.toFixed(0)} MiB`);
  rows.push({
    name: "memory_train_small",
    ours_ms: +train.ms.toFixed(0),
    peer: "pytorch-cpu",
    peer_ms: null,
    ratio: +(train.maxRssMb / tp.peak_mb).toFixed(3),
    backend: train.backend,
    shape: "peak RSS: small resunet-lr x4, Adam, 5 steps of batch 4 x 32x32 -> 128x128 (ratio = ours_mb / peer_mb)",
    ours_mb: +train.maxRssMb.toFixed(0),
    peer_mb: +tp.peak_mb.toFixed(0),
  });
  const restore = runChild("restore");
  let rp = { peak_mb: 0, predict_ms: 0 };
  const peerWall = await timeMs(() => {
    rp = JSON.parse(runPython("torch_resunet.py", [], JSON.stringify({ mode: "bench", spec: restore.spec, batch: 1, lrPatch: 16, steps: 1, predictSide: SIDE, tile: TILE, overlap: OVERLAP }))) as typeof rp;
  }, { repeats: 1 });
  console.log(`restore ${SIDE} -> ${SIDE * 4}: ours ${restore.maxRssMb.toFixed(0)} MiB peak RSS (${restore.ms.toFixed(0)} ms), pytorch-cpu ${rp.peak_mb.toFixed(0)} MiB (${rp.predict_ms.toFixed(0)} ms)`);
  rows.push({
    name: `memory_restore_${SIDE * 4}`,
    ours_ms: +restore.ms.toFixed(0),
    peer: "pytorch-cpu",
    peer_ms: +rp.predict_ms.toFixed(0),
    ratio: +(restore.maxRssMb / rp.peak_mb).toFixed(3),
    backend: restore.backend,
    shape: `peak RSS: tiny resunet-lr x4, ${SIDE}x${SIDE} -> ${SIDE * 4}x${SIDE * 4} float32, tiles ${TILE} overlap ${OVERLAP} (ratio = ours_mb / peer_mb)`,
    ours_mb: +restore.maxRssMb.toFixed(0),
    peer_mb: +rp.peak_mb.toFixed(0),
    peer_wall_ms: +peerWall.toFixed(0),
  });
  await writeResults("memory", rows);
}

if (options.child) await child(options.child);
else await main();
