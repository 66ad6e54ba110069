// Named training events, in the spirit of fastai's callbacks: train() calls each hook of every
// TrainCallbacks it is given at that point of the run. The older `onProgress` stream (start /
// step / epoch, read by the CLI, the training monitor widget and notebooks) is one such
// callback set, built by progressCallbacks.
import type { TrainingPlan } from "./budget.js";
import type { ValidationMetrics } from "./validation.js";

export interface TrainBeginEvent {
  epochs: number;
  stepsPerEpoch: number;
  /** Epochs already done (resume), else 0. */
  startEpoch: number;
  parameters: number;
  backend: string;
  plan: TrainingPlan;
}

export interface EpochBeginEvent {
  epoch: number;
  epochs: number;
}

export interface StepEvent {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Steps done in the whole run (budget plans re-plan steps per epoch, so epoch x steps does not give it). */
  globalStep: number;
  loss: number;
  learningRate: number;
  samplesPerSecond: number;
  etaSeconds: number;
}

export interface ValidateEvent {
  epoch: number;
  epochs: number;
  validation: ValidationMetrics;
  /** Better than every earlier epoch (its weights become the model). */
  best: boolean;
}

export interface CheckpointEvent {
  epoch: number;
  /** The model directory (best weights, card, checkpoint/). */
  outDir: string;
  best: boolean;
}

export interface EpochEndEvent {
  epoch: number;
  epochs: number;
  trainLoss: number;
  validation: ValidationMetrics;
  best: boolean;
  seconds: number;
  /** Steps this epoch ran (fewer than planned when the budget ran out). */
  steps: number;
}

export interface TrainEndEvent {
  epochsCompleted: number;
  interrupted: boolean;
  stoppedOnTime: boolean;
  best: ValidationMetrics | null;
  seconds: number;
}

/** Hooks train() calls in this order: begin, then per epoch begin / step... / validate / checkpoint / end, then end. */
export interface TrainCallbacks {
  onTrainBegin?(e: TrainBeginEvent): void;
  onEpochBegin?(e: EpochBeginEvent): void;
  onStep?(e: StepEvent): void;
  onValidate?(e: ValidateEvent): void;
  onCheckpoint?(e: CheckpointEvent): void;
  onEpochEnd?(e: EpochEndEvent): void;
  onTrainEnd?(e: TrainEndEvent): void;
}

export type ProgressEvent =
  | { type: "start"; epochs: number; stepsPerEpoch: number; startEpoch: number; parameters: number; backend: string; budgetSeconds?: number | null }
  | ({ type: "step" } & StepEvent)
  | { type: "epoch"; epoch: number; epochs: number; trainLoss: number; validation: ValidationMetrics; best: boolean; seconds: number };

/** The onProgress stream as callbacks: "start" at train begin, "step" per step, "epoch" after each epoch's checkpoint. */
export function progressCallbacks(onProgress: (e: ProgressEvent) => void): TrainCallbacks {
  return {
    onTrainBegin: (e) =>
      onProgress({ type: "start", epochs: e.epochs, stepsPerEpoch: e.stepsPerEpoch, startEpoch: e.startEpoch, parameters: e.parameters, backend: e.backend, budgetSeconds: e.plan.budgetSeconds }),
    onStep: (e) => onProgress({ type: "step", ...e }),
    onEpochEnd: (e) => onProgress({ type: "epoch", epoch: e.epoch, epochs: e.epochs, trainLoss: e.trainLoss, validation: e.validation, best: e.best, seconds: e.seconds }),
  };
}

/** Calls `name` on every callback set that has it. */
export function emit<K extends keyof TrainCallbacks>(sets: readonly TrainCallbacks[], name: K, event: Parameters<NonNullable<TrainCallbacks[K]>>[0]): void {
  for (const set of sets) (set[name] as ((e: typeof event) => void) | undefined)?.call(set, event);
}
