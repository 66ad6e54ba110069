// Training checkpoints: DIR/checkpoint/ holds the last epoch's weights, the optimizer state and
// the loop state (epoch, RNG, history, plan), swapped in whole so a kill never leaves half of one.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Tf } from "../backend/index.js";
import type { RestorationModel } from "../model/index.js";
import { atomicWriteFileSync as writeAtomic, replaceDirectory, temporaryDirFor } from "../io/atomic.js";
import type { RngState } from "../crappify/rng.js";
import type { NamedTensor } from "./optimizer.js";
import type { TrainingPlan } from "./budget.js";
import type { ValidationMetrics } from "./validation.js";

/** What the loop carries from epoch to epoch (and across --resume). */
export interface LoopState {
  /** Epochs completed. */
  epoch: number;
  rng: RngState;
  history: { epoch: number; trainLoss: number; validation: ValidationMetrics }[];
  bestPsnr: number;
  /** Seconds inside epochs (steps, validation, checkpoint). */
  seconds: number;
  /** Steps done (the schedule's position). */
  step: number;
  /** The plan of the run (absent in checkpoints of older versions). */
  plan?: TrainingPlan;
  /** Wall-clock seconds of the budget used by the runs so far, up to the last checkpoint. */
  budgetUsedSeconds?: number;
}

export function checkpointDir(outDir: string): string {
  return join(outDir, "checkpoint");
}

/** The checkpoint folder to resume from (checkpoint/, or checkpoint.old/ after a kill mid-swap). */
export function findCheckpoint(outDir: string): string | null {
  for (const d of [checkpointDir(outDir), `${checkpointDir(outDir)}.old`]) if (existsSync(join(d, "state.json"))) return d;
  return null;
}

/** Whether `outDir` holds a checkpoint that `resume` can continue from. */
export function hasCheckpoint(outDir: string): boolean {
  return findCheckpoint(outDir) !== null;
}

export function readLoopState(dir: string): LoopState {
  return JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as LoopState;
}

async function saveOptimizer(tf: Tf, dir: string, weights: NamedTensor[]): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(weights);
  writeAtomic(join(dir, "optimizer.bin"), Buffer.from(data));
  writeAtomic(join(dir, "optimizer.json"), JSON.stringify(specs));
}

/** The optimizer's saved weights in their saved order (the caller disposes the tensors). */
export function loadOptimizerWeights(tf: Tf, dir: string): NamedTensor[] {
  const specs = JSON.parse(readFileSync(join(dir, "optimizer.json"), "utf8"));
  const buf = readFileSync(join(dir, "optimizer.bin"));
  const map = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), specs);
  // decodeWeights returns a map; keep the saved order (iterations, first moments, second moments).
  return (specs as { name: string }[]).map((s) => ({ name: s.name, tensor: map[s.name] }));
}

export async function writeCheckpoint(model: RestorationModel, optimizerWeights: NamedTensor[], state: LoopState, outDir: string): Promise<void> {
  const final = checkpointDir(outDir);
  const tmp = temporaryDirFor(final);
  await model.save(tmp);
  await saveOptimizer(model.tf, tmp, optimizerWeights);
  writeAtomic(join(tmp, "state.json"), JSON.stringify(state));
  replaceDirectory(tmp, final); // the old checkpoint stays complete (as checkpoint.old) until the new one is in place
}
