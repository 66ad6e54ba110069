// The training step the train and threads benchmarks time: the `small` resunet-lr x4 with Adam
// (lr 1e-4) and MSE on one fixed random batch of `batch` x lrPatch^2 LR / (4 lrPatch)^2 HR patches.
import type { Tensor4D } from "@tensorflow/tfjs-core";
import type { Tf } from "../src/backend/index.js";
import { buildModel, type RestorationModel } from "../src/model/index.js";
import { predictNormalized } from "../src/predict/index.js";
import { runPython } from "../test/helpers.js";
import { computeLoss } from "../src/train/losses.js";
import { createAdam } from "../src/train/optimizer.js";
import { benchOptions, timeMs } from "./common.js";

const counts = benchOptions({ steps: 5, rounds: 3 });

/** Sizes and repeats both benchmarks use (--steps, --rounds override the counts). */
export const SMALL_BENCH = {
  BATCH: 4,
  LR_PATCH: 32,
  STEPS: counts.steps,
  ROUNDS: counts.rounds,
  SIDE: 512,
  TILE: 256,
  OVERLAP: 64,
};

export function smallTrainingStep(tf: Tf, batch: number, lrPatch: number) {
  const model = buildModel({ preset: "small", arch: "resunet-lr", scale: 4 }, 0);
  const vars = model.trainableVariables();
  const optimizer = createAdam(tf, { learningRate: 1e-4 });
  const x = tf.randomUniform([batch, lrPatch, lrPatch, 1]) as Tensor4D;
  const y = tf.randomUniform([batch, lrPatch * 4, lrPatch * 4, 1]) as Tensor4D;
  const step = async () => {
    const cost = optimizer.step(() => computeLoss("mse", model.apply(x), y, tf), vars);
    await cost.data();
    cost.dispose();
  };
  /** Frees the batch and the optimizer state (the model stays: the caller disposes it). */
  const dispose = () => {
    tf.dispose([x, y]);
    optimizer.dispose();
  };
  return { model, spec: model.spec, vars, step, dispose };
}

/** One timed round of ours: ms per training step (mean of STEPS) and ms of the tiled SIDE^2 prediction. */
export async function timeOurs(step: () => Promise<void>, model: RestorationModel, img: Float32Array): Promise<{ trainMs: number; predictMs: number }> {
  const { STEPS, SIDE, TILE, OVERLAP } = SMALL_BENCH;
  const roundMs = await timeMs(async () => {
    for (let i = 0; i < STEPS; i++) await step();
  }, { repeats: 1 });
  const predictMs = await timeMs(() => predictNormalized(model, { data: img, height: SIDE, width: SIDE, frames: 1 }, { tilePx: TILE, overlapPx: OVERLAP }), { repeats: 1 });
  return { trainMs: roundMs / STEPS, predictMs };
}

export interface TorchTimes {
  train_ms: number;
  predict_ms: number;
  peak_mb: number;
  threads: number;
  torch: string;
}

/** The same round in PyTorch (test/ref/torch_resunet.py), at `threads` (torch.set_num_threads) or its default. */
export function timeTorch(spec: object, threads?: number): TorchTimes {
  const { BATCH, LR_PATCH, STEPS, SIDE, TILE, OVERLAP } = SMALL_BENCH;
  const cfg = { mode: "bench", spec, batch: BATCH, lrPatch: LR_PATCH, steps: STEPS, predictSide: SIDE, tile: TILE, overlap: OVERLAP, ...(threads ? { threads } : {}) };
  return JSON.parse(runPython("torch_resunet.py", [], JSON.stringify(cfg))) as TorchTimes;
}
