// Training budgets: defaults suited to each preset, an epoch that covers the data, and the plan
// (epochs x steps) that fits a wall-clock budget from speeds measured after a few warm-up steps.
// The one-cycle schedule is then laid over the whole plan, so its shape is kept; the loop
// also stops on time should the measured speeds drift (src/train/train.ts).
import type { ModelSpec } from "../model/architectures.js";
import { inputMultiple } from "../model/architectures.js";
import type { SourceImage } from "./data.js";

/** Wall-clock budget of `pssr train` and train() when neither epochs nor steps per epoch are both given. */
export const DEFAULT_BUDGET_MINUTES = 10;

/** The budget in minutes a run has: the one given, else the default unless epochs and steps are both given (a run of fixed length: null). */
export function resolveBudgetMinutes(o: { budgetMinutes?: number; epochs?: number; stepsPerEpoch?: number }): number | null {
  if (o.budgetMinutes !== undefined) return o.budgetMinutes;
  return o.epochs !== undefined && o.stepsPerEpoch !== undefined ? null : DEFAULT_BUDGET_MINUTES;
}

/** Epochs and steps per epoch of a checkpoint that predates plans (the defaults then), unless given. */
export const LEGACY_PLAN = { epochs: 10, stepsPerEpoch: 20 } as const;

/**
 * Warm-up before planning: at least WARMUP_STEPS steps and WARMUP_FRACTION of the budget (the
 * first steps run slow while kernels compile and caches fill), at most WARMUP_MAX_STEPS; the
 * speed is the median of the second half.
 */
export const WARMUP_STEPS = 10;
export const WARMUP_FRACTION = 0.05;
export const WARMUP_MAX_STEPS = 50;

/** A budget plan keeps at least this many epochs when it can (validation and checkpoints to choose the best from). */
export const MIN_PLANNED_EPOCHS = 4;

/** The most of an epoch's time its pairs, validation and checkpoint may take: small data get epochs longer than one pass. */
export const MAX_EPOCH_OVERHEAD = 0.1;

export interface PresetTrainingDefaults {
  /** HR patch side in pixels (rounded up to the model's multiple). */
  patchPx: number;
  batchSize: number;
  /** Peak learning rate of the one-cycle schedule. */
  learningRate: number;
}

// tiny: what beat bilinear by +2 dB on EM validation (batch 8, patch 96, 2e-3; also the demo's;
// docs/GENERALISATION.md); small: the same patches at fastai's 1e-3 for the 4x wider net; pssr: the paper's
// HR-size network, 4 larger patches per step so one step stays affordable on a CPU.
const PRESET_DEFAULTS: Record<string, PresetTrainingDefaults> = {
  tiny: { patchPx: 96, batchSize: 8, learningRate: 2e-3 },
  small: { patchPx: 96, batchSize: 8, learningRate: 1e-3 },
  pssr: { patchPx: 128, batchSize: 4, learningRate: 1e-3 },
};

/** Patch, batch and learning rate suited to the model's preset (custom specs get tiny's). */
export function presetTrainingDefaults(spec: ModelSpec): PresetTrainingDefaults {
  const d = PRESET_DEFAULTS[spec.preset] ?? PRESET_DEFAULTS.tiny;
  const multiple = spec.scale * inputMultiple(spec);
  return { ...d, patchPx: Math.ceil(d.patchPx / multiple) * multiple };
}

/** Non-overlapping HR patches of side `patchPx` the sources hold (every plane of every image). */
export function patchesHeld(sources: readonly SourceImage[], patchPx: number): number {
  let n = 0;
  for (const src of sources) for (const p of src.hr) n += Math.floor(p.height / patchPx) * Math.floor(p.width / patchPx);
  return n;
}

/** Steps of an epoch that covers the data once: the patches the training images hold over the batch size. */
export function stepsToCoverData(sources: readonly SourceImage[], patchPx: number, batchSize: number): number {
  return Math.max(1, Math.ceil(patchesHeld(sources, patchPx) / batchSize));
}

/** Speeds measured during warm-up, in seconds. */
export interface MeasuredSpeeds {
  /** One training step (median of the warm-up steps after the first). */
  stepSeconds: number;
  /** Crappifying and normalising one epoch's training images. */
  pairSeconds: number;
  /** One validation pass. */
  validationSeconds: number;
  /** Writing the best weights, the checkpoint and the card once. */
  checkpointSeconds: number;
  /** The reliability calibration after training (0 when it is skipped). */
  finishSeconds: number;
}

export interface TrainingPlan {
  epochs: number;
  /** Steps of each epoch still to run (budget plans re-plan it after every epoch). */
  stepsPerEpoch: number;
  /** Steps of the whole run, the one-cycle schedule's length. */
  totalSteps: number;
  /** The wall-clock budget of the whole run (seconds), or null for a run of fixed length. */
  budgetSeconds: number | null;
  /** Steps of an epoch that covers the data once. */
  coverSteps: number;
  /** How the plan was made: "fixed" (epochs and steps given), "budget" (planned to fit the time). */
  kind: "fixed" | "budget";
  /** The measurements and the time already spent when the plan was made (budget plans). */
  measured?: MeasuredSpeeds & { warmupSteps: number; secondsBeforePlan: number };
  /** Budget plans: times the remaining epochs' steps were re-planned from the speed measured in the run. */
  replans?: number;
}

export interface PlanInput {
  budgetSeconds: number;
  /** Seconds of the budget already spent (data preparation and warm-up). */
  spentSeconds: number;
  /** Training steps already done in the warm-up (they are the plan's first steps). */
  warmupSteps: number;
  speeds: MeasuredSpeeds;
  coverSteps: number;
  /** Given by the user: they override what the plan would choose. */
  epochs?: number;
  stepsPerEpoch?: number;
}

/**
 * Epochs x steps that fit the budget: the time left after the warm-up, less the calibration at
 * the end, is shared among epochs of (steps x step time + pair making + validation +
 * checkpoint). An epoch covers the data (and runs long enough that its overhead is at most
 * MAX_EPOCH_OVERHEAD of it) unless that leaves fewer than MIN_PLANNED_EPOCHS epochs; then
 * epochs are shortened. Epoch 1 already holds the warm-up steps and its pairs.
 */
export function planBudget(input: PlanInput): { epochs: number; stepsPerEpoch: number } {
  const { speeds: m, warmupSteps: k } = input;
  const overhead = m.pairSeconds + m.validationSeconds + m.checkpointSeconds;
  // Time for the plan's own work, counting the warm-up steps and epoch 1's pairs as done.
  const available = input.budgetSeconds - input.spentSeconds - m.finishSeconds + k * m.stepSeconds + m.pairSeconds;
  const step = Math.max(m.stepSeconds, 1e-6);
  const minSteps = Math.max(1, k);
  if (input.epochs !== undefined && input.stepsPerEpoch !== undefined) return { epochs: input.epochs, stepsPerEpoch: input.stepsPerEpoch };
  if (input.epochs !== undefined) {
    const e = input.epochs;
    return { epochs: e, stepsPerEpoch: Math.max(minSteps, Math.floor((available - e * overhead) / (e * step))) };
  }
  if (input.stepsPerEpoch !== undefined) {
    const s = Math.max(minSteps, input.stepsPerEpoch);
    return { epochs: Math.max(1, Math.floor(available / (s * step + overhead))), stepsPerEpoch: s };
  }
  const overheadSteps = Math.ceil((overhead * (1 - MAX_EPOCH_OVERHEAD)) / MAX_EPOCH_OVERHEAD / step - 1e-9);
  let steps = Math.max(minSteps, input.coverSteps, overheadSteps);
  let epochs = Math.floor(available / (steps * step + overhead));
  if (epochs < MIN_PLANNED_EPOCHS) {
    epochs = MIN_PLANNED_EPOCHS;
    steps = Math.floor((available / epochs - overhead) / step);
    if (steps < minSteps) {
      // Too little time for MIN_PLANNED_EPOCHS epochs: as many epochs of the warm-up's length as fit.
      steps = minSteps;
      epochs = Math.max(1, Math.floor(available / (steps * step + overhead)));
    }
  }
  return { epochs, stepsPerEpoch: steps };
}
