// The training loop as a pipeline of named steps: settle the options, prepare the data, build
// (or resume) the model, plan the run (a wall-clock budget is planned from speeds measured
// during a few warm-up steps), run the epochs (steps, validation against bilinear upsampling,
// atomic checkpoints with optimizer and RNG state), calibrate on the validation data, finish.
// Each point of the run is a named event (callbacks.ts); `onProgress` is one listener of them.
// Adam(W) with a one-cycle or constant learning rate, cooperative interruption, the
// best-validation weights kept as the model, a clear stop on a NaN loss.
//
// Output directory: model.json + weights.bin (best validation weights) + card.json, and
// checkpoint/ (last epoch: weights, optimizer state, loop state and plan) for resuming.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Tensor4D, Variable } from "@tensorflow/tfjs-core";

import { createAdam } from "./optimizer.js";
import { Rng } from "../crappify/rng.js";
import type { RecipeSpec } from "../crappify/crappify.js";
import { PssrError, invalidArgument } from "../errors.js";
import { currentBackend, getTf, type Tf } from "../backend/index.js";
import { RestorationModel, inputMultiple, modelSpec, readModelSpec, type ModelOptions } from "../model/index.js";
import type { ModelSpec } from "../model/architectures.js";
import { computeLoss, type LossName } from "./losses.js";
import { learningRateAt, learningRateAtFraction, type Schedule, type ScheduleName } from "./schedule.js";
import { drawBatch, makePair, splitByImage, splitRegions, type PairPlanes, type PairOptions, type RegionSplit, type SourceImage } from "./data.js";
import { DEFAULT_NORMALIZATION, writeModelCard, type ModelCard, type NormalizationSpec } from "../model/card.js";
import { LEGACY_PLAN, resolveBudgetMinutes, WARMUP_FRACTION, WARMUP_MAX_STEPS, WARMUP_STEPS, planBudget, presetTrainingDefaults, stepsToCoverData, type MeasuredSpeeds, type TrainingPlan } from "./budget.js";
import { emit, progressCallbacks, type ProgressEvent, type TrainCallbacks } from "./callbacks.js";
import { findCheckpoint, loadOptimizerWeights, readLoopState, writeCheckpoint, type LoopState } from "./checkpoint.js";
import { checkAugmentSpec, type AugmentSpec } from "./augment.js";
import { dataProvenance, type DataFileProvenance } from "../model/provenance.js";
import { resolveModelPath } from "../model/registry.js";
import { calibrateOnValidation, notBetterThanBilinear, prepareValidation, validate, type ValidationMetrics, type ValidationSet } from "./validation.js";

export { hasCheckpoint } from "./checkpoint.js";
export { calibrateOnValidation, type ValidationMetrics } from "./validation.js";
export type { ProgressEvent } from "./callbacks.js";

export interface TrainOptions {
  sources: SourceImage[];
  outDir: string;
  model?: ModelOptions;
  recipe?: string | RecipeSpec;
  loss?: LossName;
  /**
   * Wall-clock budget of the whole run in minutes: epochs x steps are planned to fit it from
   * speeds measured after a few warm-up steps, and the run stops on time. Default
   * DEFAULT_BUDGET_MINUTES (10) unless both `epochs` and `stepsPerEpoch` are given (a run of
   * fixed length); either of them alone fixes that part of the plan.
   */
  budgetMinutes?: number;
  epochs?: number;
  /** Default with a budget: an epoch that covers the data (the patches the training images hold / batch). */
  stepsPerEpoch?: number;
  /** Default: suited to the preset (presetTrainingDefaults). */
  batchSize?: number;
  /** HR patch side in pixels (a multiple of scale x the model's input multiple). Default: suited to the preset. */
  patchPx?: number;
  /** Peak learning rate. Default: suited to the preset. */
  learningRate?: number;
  schedule?: ScheduleName;
  weightDecay?: number;
  seed?: number;
  /** Fraction held out for validation: of the images, or of the one image's area (default 0.1). */
  validationFraction?: number;
  /** Seed of the train/validation split (default: seed). Ensemble members share it, so their validation data is the same unseen data. */
  splitSeed?: number;
  /**
   * After training, fit the Laplace scale calibration on the validation data (probabilistic
   * models) and record it with the validation residual scale in the card. Default "quantile"
   * (a monotone map); "factor" fits one multiplier; "none" skips it.
   */
  calibration?: "quantile" | "factor" | "none";
  /** Validation patches (fixed for the whole run). */
  validationPatches?: number;
  augment?: boolean;
  /** Appearance augmentation of the HR sources per epoch (contrast, gamma, offset, inversion, scale jitter; augment.ts). */
  appearance?: AugmentSpec;
  backgroundThreshold?: number;
  normalization?: NormalizationSpec;
  resume?: boolean;
  signal?: AbortSignal;
  /** The start / step / epoch stream (kept for the CLI, the training monitor and notebooks). */
  onProgress?: (e: ProgressEvent) => void;
  /** Named events of the run (callbacks.ts), called in the order given. */
  callbacks?: TrainCallbacks | TrainCallbacks[];
  /** One-line warnings (an image skipped as smaller than the patch, a model no better than bilinear). */
  onWarning?: (message: string) => void;
  /** Extra fields for the model card (data provenance, pixel size...). */
  card?: Partial<ModelCard>;
  /** Fine-tuning: a model directory or bundled name (pssr-em-4x) whose weights (and architecture; `model` is then ignored) training starts from. */
  init?: string;
}

export interface TrainResult {
  outDir: string;
  /** Epochs already done when this run started (from the checkpoint with resume, else 0). */
  startEpoch: number;
  epochsCompleted: number;
  interrupted: boolean;
  /** The budget ran out before the plan's last step (the run then finished normally). */
  stoppedOnTime: boolean;
  plan: TrainingPlan;
  /** Steps done over the whole run (all resumed runs included). */
  steps: number;
  history: LoopState["history"];
  best: ValidationMetrics | null;
  seconds: number;
}

/** The options settled: defaults filled in and every number checked. */
interface Settings {
  spec: ModelSpec;
  loss: LossName;
  batchSize: number;
  patch: number;
  learningRate: number;
  seed: number;
  frames: number;
  scale: number;
  /** Patch sides must be multiples of this. */
  multiple: number;
  budgetSeconds: number | null;
  calibration: "quantile" | "factor" | "none";
  pairOptions: PairOptions;
  /** Fine-tuning: the model directory training starts from. */
  initDir: string | null;
  /** The training files' sha256, licence and attribution, computed once. */
  provenance: DataFileProvenance[];
}

/** The prepared data: what is trained on and what it is judged on. */
interface Data {
  trainSources: SourceImage[];
  valSources: SourceImage[];
  regionSplit: RegionSplit | null;
  valPairs: PairPlanes[];
  validation: ValidationSet;
}

/** Everything the epoch loop works with. */
interface Run {
  tf: Tf;
  options: TrainOptions;
  settings: Settings;
  data: Data;
  model: RestorationModel;
  vars: Variable[];
  optimizer: ReturnType<typeof createAdam>;
  state: LoopState;
  rng: Rng;
  plan: TrainingPlan;
  schedule: Schedule;
  backend: string;
  callbacks: TrainCallbacks[];
  clock: Clock;
  /** Running estimates of the loop's costs, for stopping on time. */
  speeds: MeasuredSpeeds;
  /** The last REPLAN_WINDOW step times (budget plans re-plan from them). */
  recentStepSeconds: number[];
  /** Epoch 1's pairs, steps and their summed loss when the warm-up made them. */
  warm: { pairs: PairPlanes[]; steps: number; lossSum: number } | null;
  interrupted: boolean;
  stoppedOnTime: boolean;
}

/** Seconds since the run started, and the budget's deadline on that clock. */
interface Clock {
  elapsed(): number;
  /** Seconds of the budget spent by earlier runs (resume). */
  usedBefore: number;
  deadline: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function startClock(): Clock {
  const t0 = performance.now();
  return { elapsed: () => (performance.now() - t0) / 1000, usedBefore: 0, deadline: Infinity };
}

function positiveInteger(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw invalidArgument(`${name} must be a positive integer, got ${v}`);
}

/** Step 1: defaults (suited to the preset) filled in, every option checked before any work. */
function settle(options: TrainOptions, init: { dir: string; spec: ModelSpec } | null): Settings {
  const spec = init ? init.spec : modelSpec(options.model ?? {});
  const loss: LossName = options.loss ?? (spec.probabilistic ? "laplace" : "mse");
  if (loss === "laplace" && !spec.probabilistic) throw invalidArgument("the laplace loss needs a probabilistic model (--probabilistic, care architecture)");
  const preset = presetTrainingDefaults(spec);
  const batchSize = options.batchSize ?? preset.batchSize;
  const patch = options.patchPx ?? preset.patchPx;
  const seed = options.seed ?? 0;
  const scale = spec.scale;
  const multiple = scale * inputMultiple(spec);
  if (patch % multiple !== 0) throw invalidArgument(`--patch must be a multiple of ${multiple} for this model (scale ${scale}, depth ${spec.depth}), got ${patch}`);
  for (const [k, v] of Object.entries({ epochs: options.epochs, steps: options.stepsPerEpoch, batchSize })) positiveInteger(k, v);
  if (options.budgetMinutes !== undefined && !(options.budgetMinutes > 0 && Number.isFinite(options.budgetMinutes))) throw invalidArgument(`the budget must be a positive number of minutes, got ${options.budgetMinutes}`);
  const budgetMinutes = resolveBudgetMinutes(options);
  if (options.sources.length === 0) throw invalidArgument("no training images");
  if (spec.inChannels > 1) {
    for (const src of options.sources) if (src.hr.length < 2) throw invalidArgument(`${src.name}: a ${spec.inChannels}-frame model needs time-lapses or stacks, this image has 1 plane`);
  }
  return {
    spec,
    loss,
    batchSize,
    patch,
    learningRate: options.learningRate ?? preset.learningRate,
    seed,
    frames: spec.inChannels,
    scale,
    multiple,
    budgetSeconds: budgetMinutes === null ? null : budgetMinutes * 60,
    calibration: options.calibration ?? "quantile",
    pairOptions: { recipe: options.recipe, scale, frames: spec.inChannels, hrPatch: patch, seed, backgroundThreshold: options.backgroundThreshold, normalization: options.normalization ?? DEFAULT_NORMALIZATION, appearance: options.appearance ? checkAugmentSpec(options.appearance) : undefined },
    initDir: init?.dir ?? null,
    // Entries that are not readable files (descriptions of data) are left out.
    provenance: dataProvenance([...(options.card?.data?.hr ?? []), ...(options.card?.data?.lr ?? [])].filter((f) => existsSync(f) && statSync(f).isFile())),
  };
}

/** Fine-tuning: the starting model's folder and architecture (which the new model keeps). */
function initModel(init: string | undefined): { dir: string; spec: ModelSpec } | null {
  if (!init) return null;
  const dir = resolveModelPath(init);
  return { dir, spec: readModelSpec(dir) };
}

/**
 * An image smaller than the patch (after cropping to a multiple of the scale) cannot give a
 * patch: skip it with a warning rather than abort the run; padding would train on invented pixels.
 */
function usableSources(options: TrainOptions, { scale: s, patch }: Settings): SourceImage[] {
  const fitsPatch = (src: SourceImage) => Math.floor(src.hr[0].height / s) * s >= patch && Math.floor(src.hr[0].width / s) * s >= patch;
  const tooSmall = options.sources.filter((src) => !fitsPatch(src));
  if (tooSmall.length === options.sources.length) {
    const sizes = tooSmall.map((src) => `${src.hr[0].height}x${src.hr[0].width}`);
    throw invalidArgument(
      tooSmall.length === 1
        ? `${tooSmall[0].name}: the patch (${patch} px) is larger than the image (${sizes[0]}); give a smaller --patch`
        : `the patch (${patch} px) is larger than every training image (${tooSmall.length} images, ${[...new Set(sizes)].slice(0, 3).join(", ")}${new Set(sizes).size > 3 ? ", ..." : ""} px); give a smaller --patch`,
    );
  }
  for (const src of tooSmall) options.onWarning?.(`skipping ${src.name}: ${src.hr[0].height}x${src.hr[0].width} px is smaller than the ${patch} px patch`);
  return tooSmall.length > 0 ? options.sources.filter(fitsPatch) : options.sources;
}

/** Step 2: the train/validation split and the fixed validation patches. */
function prepareData(tf: Tf, options: TrainOptions, settings: Settings): Data {
  const { scale: s, frames, patch, seed, multiple, pairOptions } = settings;
  // Split by image: files, or the planes of a single 2D stack.
  let units = usableSources(options, settings);
  if (units.length === 1 && frames === 1 && units[0].hr.length > 1) {
    const only = units[0];
    units = only.hr.map((p, i) => ({ name: `${only.name}[${i}]`, hr: [p], lr: only.lr ? [only.lr[i]] : undefined }));
  }
  const fraction = options.validationFraction ?? 0.1;
  let trainSources: SourceImage[];
  let valSources: SourceImage[];
  let regionSplit: RegionSplit | null = null;
  if (units.length === 1) {
    // One image (or pair): hold out a region of it (CSBDeep's validation_split, without leakage).
    const r = splitRegions(units[0], fraction, patch, multiple, s);
    trainSources = [r.train];
    valSources = [r.validation];
    regionSplit = r.split;
  } else ({ train: trainSources, validation: valSources } = splitByImage(units, fraction, Rng.fromSeed(options.splitSeed ?? seed)));
  // Fixed validation patches: crappified once with a separate seed stream, no augmentation.
  const valPairs = valSources.map((src, i) => makePair(src, 1000 + i, -1, pairOptions));
  const valBatch = drawBatch(valPairs, options.validationPatches ?? 16, { scale: s, frames, hrPatch: patch, augment: false }, Rng.fromSeed(seed + 1));
  const validation = prepareValidation(tf, valBatch, (n) => options.onWarning?.(`${n} validation patch${n > 1 ? "es have" : " has"} a constant target and ${n > 1 ? "are" : "is"} left out of the validation figures`));
  return { trainSources, valSources, regionSplit, valPairs, validation };
}

/** Step 3: a new model, or the checkpoint's model, optimizer and loop state with `resume`. */
async function buildOrResume(tf: Tf, options: TrainOptions, settings: Settings): Promise<{ model: RestorationModel; state: LoopState; optimizer: ReturnType<typeof createAdam>; vars: Variable[] }> {
  const { spec, seed } = settings;
  mkdirSync(options.outDir, { recursive: true });
  const resumeFrom = options.resume ? findCheckpoint(options.outDir) : null;
  if (options.resume && !resumeFrom) throw new PssrError("training-failed", "--resume: no checkpoint found", { file: options.outDir });
  let model: RestorationModel;
  let state: LoopState = { epoch: 0, rng: Rng.fromSeed(seed + 2).getState(), history: [], bestPsnr: -Infinity, seconds: 0, step: 0 };
  if (resumeFrom) {
    model = await RestorationModel.load(resumeFrom, tf);
    if (JSON.stringify(model.spec) !== JSON.stringify(spec)) {
      model.dispose();
      throw new PssrError("training-failed", `--resume: the checkpoint's model (${model.spec.arch}/${model.spec.preset}, scale ${model.spec.scale}) differs from the one asked for`, { file: resumeFrom });
    }
    state = readLoopState(resumeFrom);
  } else {
    model = settings.initDir ? await RestorationModel.load(settings.initDir, tf) : RestorationModel.create(spec, seed, tf);
  }
  const vars = model.trainableVariables();
  const optimizer = createAdam(tf, { learningRate: settings.learningRate, weightDecay: options.weightDecay ?? 0 });
  if (resumeFrom) {
    const ow = loadOptimizerWeights(tf, resumeFrom);
    try {
      await optimizer.setWeights(ow, vars);
    } finally {
      tf.dispose(ow.map((w) => w.tensor));
    }
  }
  return { model, state, optimizer, vars };
}

/** The model card's fields for the state so far. */
function cardFields(run: Run): Partial<ModelCard> {
  const { settings, state, data, plan, options } = run;
  const bestEntry = state.history.reduce((a, b) => (b.validation.psnr > a.validation.psnr ? b : a));
  return {
    ...(settings.provenance.length ? { provenance: settings.provenance } : {}),
    ...(options.card ?? {}),
    architecture: settings.spec.arch,
    preset: settings.spec.preset,
    spec: settings.spec,
    scale: settings.scale,
    frames: settings.frames,
    loss: settings.loss,
    recipe: options.recipe ?? null,
    normalization: settings.pairOptions.normalization,
    seed: settings.seed,
    training: {
      epochs: state.epoch,
      epochsPlanned: plan.epochs,
      stepsPerEpoch: plan.stepsPerEpoch,
      batchSize: settings.batchSize,
      patchPx: settings.patch,
      learningRate: run.schedule.lrMax,
      schedule: run.schedule.name,
      weightDecay: options.weightDecay ?? 0,
      trainImages: data.trainSources.map((t) => t.name),
      validationImages: data.valSources.map((t) => t.name),
      splitSeed: options.splitSeed ?? settings.seed,
      ...(data.regionSplit ? { validationSplit: { kind: "region", ...data.regionSplit } } : {}),
      backend: run.backend,
      seconds: state.seconds,
      plan,
      steps: state.step,
      budgetUsedSeconds: state.budgetUsedSeconds ?? null,
      stoppedOnTime: run.stoppedOnTime,
      dihedralAugment: options.augment ?? true,
      ...(options.appearance ? { appearanceAugment: options.appearance } : {}),
      ...(settings.initDir ? { initFrom: resolve(settings.initDir) } : {}),
    },
    validation: { bestEpoch: bestEntry.epoch, ...bestEntry.validation },
    history: state.history,
  };
}

/** One optimisation step on a fresh batch; returns its loss and learning rate. */
async function trainStep(run: Run, pairs: PairPlanes[], epoch: number, step: number): Promise<{ loss: number; learningRate: number }> {
  const { tf, settings, model, optimizer, vars } = run;
  const { batchSize, patch, frames, scale } = settings;
  const batch = drawBatch(pairs, batchSize, { scale, frames, hrPatch: patch, augment: run.options.augment ?? true }, run.rng);
  const learningRate = run.plan.kind === "budget" ? learningRateAtFraction(run.schedule, fractionDone(run)) : learningRateAt(run.schedule, run.state.step);
  optimizer.learningRate = learningRate;
  const x = tf.tensor4d(batch.lr, [batchSize, batch.lrSize, batch.lrSize, frames]);
  const y = tf.tensor4d(batch.hr, [batchSize, patch, patch, 1]);
  const cost = optimizer.step(() => computeLoss(settings.loss, model.apply(x), y, tf), vars);
  const loss = (await cost.data())[0];
  tf.dispose([x, y, cost]);
  if (!Number.isFinite(loss)) {
    throw new PssrError("training-failed", `the loss became ${loss} at epoch ${epoch + 1}, step ${step + 1} (learning rate ${learningRate.toExponential(2)}); try a lower --lr`);
  }
  run.state.step++;
  return { loss, learningRate };
}

/**
 * Budget plans: the fraction of the budget's training time used (the end's validation,
 * checkpoint and calibration excluded). The rate follows time rather than steps, so one-cycle
 * spans the whole budget however the machine's speed drifts.
 */
function fractionDone(run: Run): number {
  // The end's costs as measured when planning: a fixed denominator keeps the rate's path monotone.
  const m = run.plan.measured;
  const trainingSeconds = Math.max(1e-3, run.plan.budgetSeconds! - (m ? m.validationSeconds + m.checkpointSeconds + m.finishSeconds : 0));
  return Math.min(1, (run.clock.usedBefore + run.clock.elapsed()) / trainingSeconds);
}

/** Budget plans re-plan every this many steps, from the mean of the last REPLAN_WINDOW step times. */
const REPLAN_EVERY_STEPS = 10;
const REPLAN_WINDOW = 20;

/**
 * Budget plans: the steps per epoch of the epochs left (the current one included when it has
 * started, `doneInEpoch` steps in) re-planned from the step times just measured, to fill the
 * time left after their pairs, validations, checkpoints and the calibration (warm-up steps
 * run slow, and the machine's load drifts).
 */
function replan(run: Run, doneInEpoch: number, epochInProgress: boolean): void {
  const { plan, state, speeds } = run;
  const times = run.recentStepSeconds;
  const epochsLeft = plan.epochs - state.epoch;
  if (plan.kind !== "budget" || epochsLeft <= 0 || times.length < 3) return;
  const stepSeconds = times.reduce((a, b) => a + b, 0) / times.length;
  const pairsToMake = epochInProgress ? epochsLeft - 1 : epochsLeft;
  // At an epoch's end its own checkpoint is still to be written.
  const writes = epochsLeft * (speeds.validationSeconds + speeds.checkpointSeconds) + (epochInProgress ? 0 : speeds.checkpointSeconds);
  const secondsForSteps = run.clock.deadline - run.clock.elapsed() - speeds.finishSeconds - pairsToMake * speeds.pairSeconds - writes;
  const stepsLeft = Math.max(0, Math.floor(secondsForSteps / stepSeconds));
  const stepsPerEpoch = Math.max(doneInEpoch + (epochInProgress ? 1 : 0), 1, Math.floor((stepsLeft + doneInEpoch) / epochsLeft));
  plan.stepsPerEpoch = stepsPerEpoch;
  plan.totalSteps = state.step - doneInEpoch + epochsLeft * stepsPerEpoch;
  plan.replans = (plan.replans ?? 0) + 1;
}

function makeEpochPairs(run: Run, epoch: number): PairPlanes[] {
  return run.data.trainSources.map((src, i) => makePair(src, i, epoch, run.settings.pairOptions));
}

/** Seconds the run needs after its last step: validation, checkpoint, calibration. */
function endReserve(run: Run): number {
  return run.speeds.validationSeconds + run.speeds.checkpointSeconds + run.speeds.finishSeconds;
}

/** Whether the budget leaves time for `seconds` more work and the end of the run. */
function hasTimeFor(run: Run, seconds: number): boolean {
  return run.clock.elapsed() + seconds + endReserve(run) <= run.clock.deadline;
}

/** Seconds `work` takes. */
async function timed(work: () => unknown): Promise<number> {
  const t = performance.now();
  await work();
  return (performance.now() - t) / 1000;
}

/**
 * Warm-up (budget runs): epoch 1's pairs and its first steps (real training steps, at the
 * start of one-cycle's warm-up); returns their settled step time and the pairs' time.
 */
async function warmUp(run: Run, budgetSeconds: number, stepsGiven: number | undefined): Promise<{ stepSeconds: number; pairSeconds: number }> {
  let pairs: PairPlanes[] = [];
  const pairSeconds = await timed(() => (pairs = makeEpochPairs(run, 0)));
  const warm = { pairs, steps: 0, lossSum: 0 };
  run.warm = warm;
  const stepTimes: number[] = [];
  const warmStart = performance.now();
  const enough = () => warm.steps >= WARMUP_STEPS && (performance.now() - warmStart) / 1000 >= WARMUP_FRACTION * budgetSeconds;
  for (; warm.steps < Math.min(WARMUP_MAX_STEPS, stepsGiven ?? WARMUP_MAX_STEPS) && !enough() && !run.options.signal?.aborted; warm.steps++) {
    stepTimes.push(await timed(async () => (warm.lossSum += (await trainStep(run, warm.pairs, 0, warm.steps)).loss)));
    await yieldToEventLoop();
  }
  // The first steps run slow (kernels compile, caches fill): the median of the second half.
  const settled = stepTimes.slice(Math.max(1, stepTimes.length >> 1)).sort((a, b) => a - b);
  return { stepSeconds: settled.length ? settled[settled.length >> 1] : (stepTimes[0] ?? 0), pairSeconds };
}

/** The per-epoch and final costs (budget runs): a validation pass, a save (x4 for a checkpoint's), the calibration's prediction. */
async function measureOverheads(run: Run, settings: Settings): Promise<{ validationSeconds: number; checkpointSeconds: number; finishSeconds: number }> {
  const { tf } = run;
  const validationSeconds = await timed(() => validate(run.model, run.data.validation, settings.loss, settings.batchSize));
  // A checkpoint writes the best weights, the checkpoint's and the optimizer's two moments.
  const probe = mkdtempSync(join(tmpdir(), "pssr-save-probe-"));
  let saveSeconds: number;
  try {
    saveSeconds = await timed(() => run.model.save(probe));
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
  // The calibration predicts the whole validation images (tiles overlap: about 1.5x the
  // pixels): scaled by pixels from a forward pass over the validation patches.
  const valBatch = run.data.validation.batch;
  const forwardSeconds = await timed(async () => {
    const x = tf.tensor4d(valBatch.lr, [valBatch.n, valBatch.lrSize, valBatch.lrSize, valBatch.frames]);
    const y = tf.tidy(() => run.model.apply(x));
    await y.data();
    tf.dispose([x, y]);
  });
  const valPatchPx = valBatch.n * settings.patch * settings.patch;
  const valImagePx = run.data.valPairs.reduce((n, p) => n + p.hr.reduce((m, q) => m + q.height * q.width, 0), 0);
  const finishSeconds = settings.calibration === "none" ? 0 : (1.5 * forwardSeconds * valImagePx) / Math.max(1, valPatchPx);
  return { validationSeconds, checkpointSeconds: 4 * saveSeconds, finishSeconds };
}

/** Step 4 (budget runs): warm up, measure, plan epochs x steps into the budget. */
async function planRun(run: Run, settings: Settings, epochsGiven: number | undefined, stepsGiven: number | undefined): Promise<void> {
  const coverSteps = stepsToCoverData(run.data.trainSources, settings.patch, settings.batchSize);
  const budgetSeconds = settings.budgetSeconds!;
  run.plan = { epochs: 1, stepsPerEpoch: 1, totalSteps: Number.MAX_SAFE_INTEGER, budgetSeconds, coverSteps, kind: "budget" };
  const speeds = await warmUp(run, budgetSeconds, stepsGiven);
  run.speeds = { ...speeds, ...(await measureOverheads(run, settings)) };
  const warmupSteps = run.warm!.steps;
  const spentSeconds = run.clock.elapsed();
  const { epochs, stepsPerEpoch } = planBudget({ budgetSeconds, spentSeconds, warmupSteps, speeds: run.speeds, coverSteps, epochs: epochsGiven, stepsPerEpoch: stepsGiven });
  run.plan = { epochs, stepsPerEpoch, totalSteps: epochs * stepsPerEpoch, budgetSeconds, coverSteps, kind: "budget", measured: { ...run.speeds, warmupSteps, secondsBeforePlan: spentSeconds }, replans: 0 };
}

/** Step 4: the run's plan: the checkpoint's (resume), fixed epochs x steps, or planned to fit the budget. */
async function decidePlan(run: Run, settings: Settings): Promise<void> {
  const { options, state } = run;
  const stored = state.plan;
  if (options.resume) {
    // A resumed run continues its plan; epochs or steps given now override it (as before plans).
    const base = stored ?? { ...LEGACY_PLAN, totalSteps: LEGACY_PLAN.epochs * LEGACY_PLAN.stepsPerEpoch, budgetSeconds: null, coverSteps: 0, kind: "fixed" as const };
    const budgetSeconds = options.budgetMinutes !== undefined ? options.budgetMinutes * 60 : base.budgetSeconds;
    run.plan = { ...base, epochs: options.epochs ?? base.epochs, stepsPerEpoch: options.stepsPerEpoch ?? base.stepsPerEpoch, budgetSeconds };
    const overridden = options.epochs !== undefined || options.stepsPerEpoch !== undefined;
    if (run.plan.kind === "fixed") run.plan.totalSteps = run.plan.epochs * run.plan.stepsPerEpoch;
    else if (overridden) run.plan.totalSteps = state.step + (run.plan.epochs - state.epoch) * run.plan.stepsPerEpoch;
    if (base.measured) run.speeds = { ...base.measured };
  } else if (settings.budgetSeconds === null || (options.epochs !== undefined && options.stepsPerEpoch !== undefined)) {
    const coverSteps = stepsToCoverData(run.data.trainSources, settings.patch, settings.batchSize);
    const { epochs, stepsPerEpoch } = options as { epochs: number; stepsPerEpoch: number };
    run.plan = { epochs, stepsPerEpoch, totalSteps: epochs * stepsPerEpoch, budgetSeconds: settings.budgetSeconds, coverSteps, kind: "fixed" };
  } else {
    await planRun(run, settings, options.epochs, options.stepsPerEpoch);
  }
  run.clock.usedBefore = state.budgetUsedSeconds ?? 0;
  run.clock.deadline = run.plan.budgetSeconds === null ? Infinity : run.plan.budgetSeconds - run.clock.usedBefore;
  run.state.plan = run.plan;
  run.schedule = { ...run.schedule, totalSteps: run.plan.totalSteps };
}

/** Step 5, per epoch: steps until the epoch, the budget or an interrupt ends them. */
async function runSteps(run: Run, epoch: number, pairs: PairPlanes[], warm: { steps: number; lossSum: number } | null): Promise<{ lossSum: number; stepsDone: number }> {
  const { plan, options, settings } = run;
  // The warm-up steps (budget plans) were epoch 1's first steps.
  let lossSum = warm?.lossSum ?? 0;
  let stepsDone = warm?.steps ?? 0;
  // plan.stepsPerEpoch is read each step: budget plans re-plan it as they go.
  for (let step = stepsDone; step < plan.stepsPerEpoch; step++) {
    // An interrupt while the epoch's pairs were being made stops before any step.
    if (options.signal?.aborted) {
      run.interrupted = true;
      break;
    }
    if (!hasTimeFor(run, run.speeds.stepSeconds)) {
      run.stoppedOnTime = true;
      break;
    }
    const ts = performance.now();
    const { loss, learningRate } = await trainStep(run, pairs, epoch, step);
    lossSum += loss;
    stepsDone++;
    const dt = (performance.now() - ts) / 1000;
    // A running estimate of the step time keeps the stop-on-time check honest under load.
    run.speeds.stepSeconds = run.speeds.stepSeconds > 0 ? 0.8 * run.speeds.stepSeconds + 0.2 * dt : dt;
    run.recentStepSeconds = [...run.recentStepSeconds.slice(1 - REPLAN_WINDOW), dt];
    if (stepsDone % REPLAN_EVERY_STEPS === 0) replan(run, stepsDone, true);
    const remaining = plan.totalSteps - run.state.step;
    emit(run.callbacks, "onStep", { epoch: epoch + 1, epochs: plan.epochs, step: step + 1, steps: plan.stepsPerEpoch, globalStep: run.state.step, loss, learningRate, samplesPerSecond: settings.batchSize / dt, etaSeconds: remaining * dt });
    await yieldToEventLoop();
    if (options.signal?.aborted) {
      run.interrupted = true;
      break;
    }
  }
  return { lossSum, stepsDone };
}

/** Step 6, per epoch: validation, the best weights, the checkpoint and the card. */
async function endEpoch(run: Run, epoch: number, trainLoss: number, startedAt: number, stepsDone: number): Promise<void> {
  const { tf, state, options, settings, plan } = run;
  let t = performance.now();
  const validation = await validate(run.model, run.data.validation, settings.loss, settings.batchSize);
  run.speeds.validationSeconds = (performance.now() - t) / 1000;
  const best = validation.psnr > state.bestPsnr;
  emit(run.callbacks, "onValidate", { epoch: epoch + 1, epochs: plan.epochs, validation, best });
  t = performance.now();
  state.epoch = epoch + 1;
  state.rng = run.rng.getState();
  state.history.push({ epoch: epoch + 1, trainLoss, validation });
  state.seconds += (performance.now() - startedAt) / 1000;
  state.budgetUsedSeconds = run.clock.usedBefore + run.clock.elapsed();
  replan(run, 0, false);
  if (best) {
    state.bestPsnr = validation.psnr;
    await run.model.save(options.outDir);
  }
  const optimizerWeights = await run.optimizer.getWeights(run.vars);
  try {
    await writeCheckpoint(run.model, optimizerWeights, state, options.outDir);
  } finally {
    tf.dispose(optimizerWeights.map((w) => w.tensor));
  }
  writeModelCard(options.outDir, cardFields(run));
  run.speeds.checkpointSeconds = (performance.now() - t) / 1000;
  emit(run.callbacks, "onCheckpoint", { epoch: epoch + 1, outDir: options.outDir, best });
  emit(run.callbacks, "onEpochEnd", { epoch: epoch + 1, epochs: plan.epochs, trainLoss, validation, best, seconds: (performance.now() - startedAt) / 1000, steps: stepsDone });
}

/** Step 5: the epoch loop. */
async function runEpochs(run: Run): Promise<void> {
  for (let epoch = run.state.epoch; epoch < run.plan.epochs && !run.interrupted && !run.stoppedOnTime; epoch++) {
    const te = performance.now();
    const warm = run.warm;
    run.warm = null;
    let pairSeconds: number | undefined;
    let pairs = warm?.pairs;
    if (!pairs) {
      if (!hasTimeFor(run, run.speeds.pairSeconds + run.speeds.stepSeconds)) {
        run.stoppedOnTime = true;
        break;
      }
      const tp = performance.now();
      pairs = makeEpochPairs(run, epoch);
      pairSeconds = (performance.now() - tp) / 1000;
    }
    emit(run.callbacks, "onEpochBegin", { epoch: epoch + 1, epochs: run.plan.epochs });
    const { lossSum, stepsDone } = await runSteps(run, epoch, pairs, warm);
    // An epoch cut short by the budget still counts when it trained (its steps are in the weights).
    if (run.interrupted || stepsDone === 0) break;
    await endEpoch(run, epoch, lossSum / stepsDone, te, stepsDone);
    run.speeds.pairSeconds = pairSeconds ?? run.speeds.pairSeconds;
  }
}

/** Step 7: the reliability calibration of the best weights (what the folder holds) on the validation data only. */
async function calibrateBest(run: Run): Promise<void> {
  const { tf, options, settings, data } = run;
  if (run.interrupted || run.state.history.length === 0 || settings.calibration === "none") return;
  const best = await RestorationModel.load(options.outDir, tf);
  try {
    const calibration = calibrateOnValidation(best, data.valPairs, data.valSources.map((v) => v.name), settings.calibration);
    run.state.budgetUsedSeconds = run.clock.usedBefore + run.clock.elapsed();
    writeModelCard(options.outDir, { ...cardFields(run), calibration });
  } finally {
    best.dispose();
  }
}

/** Step 8: the result, and a warning when the best model does not beat bilinear upsampling. */
function finish(run: Run, startEpoch: number): TrainResult {
  const { state, options } = run;
  const bestEntry = state.history.length ? state.history.reduce((a, b) => (b.validation.psnr > a.validation.psnr ? b : a)) : null;
  if (bestEntry && !run.interrupted) {
    const warning = notBetterThanBilinear(bestEntry.validation, bestEntry.epoch);
    if (warning) options.onWarning?.(warning);
  }
  const result: TrainResult = {
    outDir: options.outDir,
    startEpoch,
    epochsCompleted: state.epoch,
    interrupted: run.interrupted,
    stoppedOnTime: run.stoppedOnTime,
    plan: run.plan,
    steps: state.step,
    history: state.history,
    best: bestEntry?.validation ?? null,
    seconds: run.clock.elapsed(),
  };
  emit(run.callbacks, "onTrainEnd", { epochsCompleted: result.epochsCompleted, interrupted: result.interrupted, stoppedOnTime: result.stoppedOnTime, best: result.best, seconds: result.seconds });
  return result;
}

/**
 * Trains a restoration model on `sources` and writes it to `outDir`.
 *
 * Defaults: preset tiny, scale 4, 1 frame, MSE (Laplace for a probabilistic model); patch,
 * batch and peak learning rate suited to the preset (tiny: 96 px, 8, 2e-3); a 10-minute
 * budget planned into epochs that cover the data (unless epochs and steps are both given);
 * Adam (beta 0.9/0.99) with a one-cycle rate; seed 0, 10 % of the images for validation
 * (at least 1), 16 validation patches.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const tf = getTf();
  const clock = startClock();
  const settings = settle(options, initModel(options.init));
  const data = prepareData(tf, options, settings);
  const { model, state, optimizer, vars } = await buildOrResume(tf, options, settings);
  const callbacks = [...(options.onProgress ? [progressCallbacks(options.onProgress)] : []), ...[options.callbacks ?? []].flat()];
  const run: Run = {
    tf,
    options,
    settings,
    data,
    model,
    vars,
    optimizer,
    state,
    rng: Rng.fromState(state.rng),
    plan: { epochs: 1, stepsPerEpoch: 1, totalSteps: 1, budgetSeconds: null, coverSteps: 0, kind: "fixed" },
    schedule: { name: options.schedule ?? "one-cycle", lrMax: settings.learningRate, totalSteps: 1 },
    backend: currentBackend()?.name ?? tf.getBackend(),
    callbacks,
    clock,
    speeds: { stepSeconds: 0, pairSeconds: 0, validationSeconds: 0, checkpointSeconds: 0, finishSeconds: 0 },
    warm: null,
    recentStepSeconds: [],
    interrupted: false,
    stoppedOnTime: false,
  };
  const startEpoch = state.epoch;
  try {
    await decidePlan(run, settings);
    if (options.signal?.aborted) run.interrupted = true;
    emit(callbacks, "onTrainBegin", { epochs: run.plan.epochs, stepsPerEpoch: run.plan.stepsPerEpoch, startEpoch, parameters: model.countParameters(), backend: run.backend, plan: run.plan });
    if (!run.interrupted) await runEpochs(run);
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  await calibrateBest(run);
  return finish(run, startEpoch);
}

export type { Tensor4D };
