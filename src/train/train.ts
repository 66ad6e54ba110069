// The training loop: Adam(W) with a one-cycle or constant learning rate, per-epoch validation
// against bilinear upsampling, progress events, cooperative interruption, atomic checkpoints
// with optimizer and RNG state (so --resume continues at the next epoch), best-validation
// weights kept as the model, and a clear stop on a NaN loss.
//
// Output directory: model.json + weights.bin (best validation weights) + card.json, and
// checkpoint/ (last epoch: weights, optimizer state, loop state) for resuming.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Tensor4D, Variable } from "@tensorflow/tfjs-core";

import { createAdam, type NamedTensor } from "./optimizer.js";
import type { Plane } from "../image/image.js";
import { normalizeMinMse } from "../image/normalize.js";
import { psnr, ssim } from "../metrics/pixel.js";
import { Rng, type RngState } from "../crappify/rng.js";
import type { RecipeSpec } from "../crappify/crappify.js";
import { PssrError, invalidArgument } from "../errors.js";
import { currentBackend, getTf, type Tf } from "../backend/index.js";
import { RestorationModel, inputMultiple, modelSpec, writeAtomic, type ModelOptions } from "../model/index.js";
import { computeLoss, type LossName } from "./losses.js";
import { learningRateAt, type ScheduleName } from "./schedule.js";
import { DEFAULT_NORMALIZATION, drawBatch, makePair, reflectIndex as reflectIndexFrames, splitByImage, splitRegions, type NormalizationSpec, type PairPlanes, type PatchBatch, type RegionSplit, type SourceImage } from "./data.js";
import { checkAugmentSpec, type AugmentSpec } from "./augment.js";
import { writeModelCard, type ModelCalibration, type ModelCard } from "./card.js";
import { fitScaleCalibration, reliabilityDiagram } from "../metrics/uncertainty.js";
import { predictNormalized } from "../predict/predict.js";

export interface TrainOptions {
  sources: SourceImage[];
  outDir: string;
  model?: ModelOptions;
  recipe?: string | RecipeSpec;
  loss?: LossName;
  epochs?: number;
  stepsPerEpoch?: number;
  batchSize?: number;
  /** HR patch side in pixels (a multiple of scale x the model's input multiple). */
  patchPx?: number;
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
  onProgress?: (e: ProgressEvent) => void;
  /** One-line warnings (an image skipped as smaller than the patch). */
  onWarning?: (message: string) => void;
  /** Extra fields for the model card (data provenance, pixel size...). */
  card?: Partial<ModelCard>;
}

export type ProgressEvent =
  | { type: "start"; epochs: number; stepsPerEpoch: number; startEpoch: number; parameters: number; backend: string }
  | { type: "step"; epoch: number; epochs: number; step: number; steps: number; loss: number; learningRate: number; samplesPerSecond: number; etaSeconds: number }
  | { type: "epoch"; epoch: number; epochs: number; trainLoss: number; validation: ValidationMetrics; best: boolean; seconds: number };

export interface ValidationMetrics {
  loss: number;
  psnr: number;
  ssim: number;
  bilinearPsnr: number;
  bilinearSsim: number;
}

export interface TrainResult {
  outDir: string;
  /** Epochs already done when this run started (from the checkpoint with resume, else 0). */
  startEpoch: number;
  epochsCompleted: number;
  interrupted: boolean;
  history: { epoch: number; trainLoss: number; validation: ValidationMetrics }[];
  best: ValidationMetrics | null;
  seconds: number;
}

interface LoopState {
  epoch: number; // epochs completed
  rng: RngState;
  history: TrainResult["history"];
  bestPsnr: number;
  seconds: number;
  step: number;
}

function checkpointDir(outDir: string): string {
  return join(outDir, "checkpoint");
}

function bilinearPlane(tf: Tf, lr: Float32Array, p: number, frames: number, s: number): Float32Array {
  return tf.tidy(() => {
    let x = tf.tensor4d(lr, [1, p, p, frames]);
    if (frames > 1) x = tf.slice(x, [0, 0, 0, frames >> 1], [-1, -1, -1, 1]);
    return tf.image.resizeBilinear(x, [p * s, p * s], false, true).dataSync() as Float32Array;
  });
}

function planeOf(data: Float32Array, side: number): Plane {
  return { data, height: side, width: side };
}

/** PSNR/SSIM after CARE's normalisation (GT percentile-normalised, prediction least-squares fitted). */
function careMetrics(gt: Float32Array, pred: Float32Array, side: number): { psnr: number; ssim: number } {
  const n = normalizeMinMse(pred, gt);
  return { psnr: psnr(planeOf(n.gt, side), planeOf(n.pred, side), { dataRange: 1 }), ssim: ssim(planeOf(n.gt, side), planeOf(n.pred, side), { dataRange: 1 }) };
}

async function validate(model: RestorationModel, batch: PatchBatch, loss: LossName, batchSize: number): Promise<ValidationMetrics> {
  const tf = model.tf;
  const { n, lrSize: p, hrSize: P, frames: f } = batch;
  let lossSum = 0;
  const m = { psnr: 0, ssim: 0, bilinearPsnr: 0, bilinearSsim: 0 };
  for (let b0 = 0; b0 < n; b0 += batchSize) {
    const nb = Math.min(batchSize, n - b0);
    const x = tf.tensor4d(batch.lr.subarray(b0 * p * p * f, (b0 + nb) * p * p * f), [nb, p, p, f]);
    const y = tf.tensor4d(batch.hr.subarray(b0 * P * P, (b0 + nb) * P * P), [nb, P, P, 1]);
    const pred = tf.tidy(() => model.apply(x));
    const l = computeLoss(loss, pred, y, tf);
    lossSum += (await l.data())[0] * nb;
    const means = tf.tidy(() => (pred.shape[3] === 1 ? pred.clone() : tf.slice(pred, [0, 0, 0, 0], [-1, -1, -1, 1])));
    const pd = (await means.data()) as Float32Array;
    tf.dispose([x, y, pred, l, means]);
    for (let i = 0; i < nb; i++) {
      const gt = batch.hr.slice((b0 + i) * P * P, (b0 + i + 1) * P * P);
      const ours = careMetrics(gt, pd.slice(i * P * P, (i + 1) * P * P), P);
      const bil = careMetrics(gt, bilinearPlane(tf, batch.lr.subarray((b0 + i) * p * p * f, (b0 + i + 1) * p * p * f), p, f, P / p), P);
      m.psnr += ours.psnr;
      m.ssim += ours.ssim;
      m.bilinearPsnr += bil.psnr;
      m.bilinearSsim += bil.ssim;
    }
  }
  return { loss: lossSum / n, psnr: m.psnr / n, ssim: m.ssim / n, bilinearPsnr: m.bilinearPsnr / n, bilinearSsim: m.bilinearSsim / n };
}

async function saveOptimizer(tf: Tf, dir: string, weights: NamedTensor[]): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(weights);
  writeAtomic(join(dir, "optimizer.bin"), Buffer.from(data));
  writeAtomic(join(dir, "optimizer.json"), JSON.stringify(specs));
}

function loadOptimizerWeights(tf: Tf, dir: string): NamedTensor[] {
  const specs = JSON.parse(readFileSync(join(dir, "optimizer.json"), "utf8"));
  const buf = readFileSync(join(dir, "optimizer.bin"));
  const map = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), specs);
  // decodeWeights returns a map; keep the saved order (iterations, first moments, second moments).
  return (specs as { name: string }[]).map((s) => ({ name: s.name, tensor: map[s.name] }));
}

async function writeCheckpoint(model: RestorationModel, optimizerWeights: NamedTensor[], state: LoopState, outDir: string): Promise<void> {
  const final = checkpointDir(outDir);
  const tmp = `${final}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await model.save(tmp);
  await saveOptimizer(model.tf, tmp, optimizerWeights);
  writeAtomic(join(tmp, "state.json"), JSON.stringify(state));
  // Swap in: the old checkpoint stays complete until the new one is in place.
  const old = `${final}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(final)) renameSync(final, old);
  renameSync(tmp, final);
  rmSync(old, { recursive: true, force: true });
}

/** Whether `outDir` holds a checkpoint that `resume` can continue from. */
export function hasCheckpoint(outDir: string): boolean {
  return findCheckpoint(outDir) !== null;
}

/** The checkpoint folder to resume from (checkpoint/, or checkpoint.old/ after a kill mid-swap). */
function findCheckpoint(outDir: string): string | null {
  for (const d of [checkpointDir(outDir), `${checkpointDir(outDir)}.old`]) if (existsSync(join(d, "state.json"))) return d;
  return null;
}

const CALIBRATION_CHECK_LEVELS = [0.5, 0.8, 0.9, 0.95];

/**
 * Fits the reliability calibration on the validation pairs (whole normalised planes, not
 * patches): the validation residual scale (mean |residual|) for every model and, for a Laplace
 * model, the scale calibration (see fitScaleCalibration).
 */
export function calibrateOnValidation(model: RestorationModel, pairs: PairPlanes[], names: string[], method: "quantile" | "factor"): ModelCalibration {
  const truth: number[] = [];
  const mean: number[] = [];
  const scale: number[] = [];
  const f = model.spec.inChannels;
  for (const pair of pairs) {
    for (let t = 0; t < pair.hr.length; t++) {
      const lr0 = pair.lr[0];
      const input = new Float32Array(lr0.height * lr0.width * f);
      for (let c = 0; c < f; c++) {
        const frame = pair.lr[f === 1 ? t : reflectIndexFrames(t + c - (f >> 1), pair.lr.length)];
        for (let j = 0; j < frame.data.length; j++) input[j * f + c] = frame.data[j];
      }
      const r = predictNormalized(model, { data: input, height: lr0.height, width: lr0.width, frames: f }, { tilePx: 256, overlapPx: 32 });
      const gt = pair.hr[t];
      // The prediction covers the LR extent x scale, which makePair cropped the target to.
      for (let j = 0; j < r.mean.data.length; j++) {
        truth.push(gt.data[j]);
        mean.push(r.mean.data[j]);
        if (r.scale) scale.push(r.scale.data[j]);
      }
    }
  }
  let mae = 0;
  for (let i = 0; i < truth.length; i++) mae += Math.abs(truth[i] - mean[i]);
  const out: ModelCalibration = { residualScale: mae / truth.length, pixels: truth.length, data: names };
  if (model.spec.probabilistic) {
    const cal = fitScaleCalibration(truth, mean, scale, method, "validation");
    out.scale = cal;
    const raw = reliabilityDiagram(truth, mean, scale, CALIBRATION_CHECK_LEVELS);
    const after = reliabilityDiagram(truth, mean, scale, CALIBRATION_CHECK_LEVELS, cal);
    out.coverage = raw.map((r, i) => ({ nominal: r.nominal, raw: r.observed, calibrated: after[i].observed }));
  }
  return out;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains a restoration model on `sources` and writes it to `outDir`.
 *
 * Defaults: preset tiny, scale 4, 1 frame, MSE (Laplace for a probabilistic model), 10 epochs
 * of 20 steps, batch 4, 64 px HR patches, Adam (beta 0.9/0.99) with a one-cycle rate peaking
 * at 1e-3, seed 0, 10 % of the images for validation (at least 1), 16 validation patches.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const tf = getTf();
  const t0 = performance.now();
  const spec = modelSpec(options.model ?? {});
  const loss: LossName = options.loss ?? (spec.probabilistic ? "laplace" : "mse");
  if (loss === "laplace" && !spec.probabilistic) throw invalidArgument("the laplace loss needs a probabilistic model (--probabilistic, care architecture)");
  const epochs = options.epochs ?? 10;
  const steps = options.stepsPerEpoch ?? 20;
  const batchSize = options.batchSize ?? 4;
  const patch = options.patchPx ?? 64;
  const seed = options.seed ?? 0;
  const frames = spec.inChannels;
  const s = spec.scale;
  const multiple = s * inputMultiple(spec);
  if (patch % multiple !== 0) throw invalidArgument(`--patch must be a multiple of ${multiple} for this model (scale ${s}, depth ${spec.depth}), got ${patch}`);
  for (const [k, v] of Object.entries({ epochs, steps, batchSize })) if (!Number.isInteger(v) || v < 1) throw invalidArgument(`${k} must be a positive integer, got ${v}`);
  if (options.sources.length === 0) throw invalidArgument("no training images");
  if (frames > 1) {
    for (const src of options.sources) if (src.hr.length < 2) throw invalidArgument(`${src.name}: a ${frames}-frame model needs time-lapses or stacks, this image has 1 plane`);
  }
  // An image smaller than the patch (after cropping to a multiple of the scale) cannot give a
  // patch: skip it with a warning rather than abort the run; padding would train on invented pixels.
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
  const usable = tooSmall.length > 0 ? options.sources.filter(fitsPatch) : options.sources;
  const pairOpts = { recipe: options.recipe, scale: s, frames, hrPatch: patch, seed, backgroundThreshold: options.backgroundThreshold, normalization: options.normalization ?? DEFAULT_NORMALIZATION, appearance: options.appearance ? checkAugmentSpec(options.appearance) : undefined };

  // Split by image: files, or the planes of a single 2D stack.
  let units = usable;
  if (units.length === 1 && frames === 1 && units[0].hr.length > 1) {
    const only = units[0];
    units = only.hr.map((p, i) => ({ name: `${only.name}[${i}]`, hr: [p], lr: only.lr ? [only.lr[i]] : undefined }));
  }
  const splitRng = Rng.fromSeed(options.splitSeed ?? seed);
  let trainSources: SourceImage[];
  let valSources: SourceImage[];
  let regionSplit: RegionSplit | null = null;
  if (units.length === 1) {
    // One image (or pair): hold out a region of it (CSBDeep's validation_split, without leakage).
    const r = splitRegions(units[0], options.validationFraction ?? 0.1, patch, multiple, s);
    trainSources = [r.train];
    valSources = [r.validation];
    regionSplit = r.split;
  } else ({ train: trainSources, validation: valSources } = splitByImage(units, options.validationFraction ?? 0.1, splitRng));

  // Fixed validation patches: crappified once with a separate seed stream, no augmentation.
  const valPairs = valSources.map((src, i) => makePair(src, 1000 + i, -1, pairOpts));
  const valBatch = drawBatch(valPairs, options.validationPatches ?? 16, { scale: s, frames, hrPatch: patch, augment: false }, Rng.fromSeed(seed + 1));

  mkdirSync(options.outDir, { recursive: true });
  let model: RestorationModel;
  let state: LoopState = { epoch: 0, rng: Rng.fromSeed(seed + 2).getState(), history: [], bestPsnr: -Infinity, seconds: 0, step: 0 };
  const resumeFrom = options.resume ? findCheckpoint(options.outDir) : null;
  if (options.resume && !resumeFrom) throw new PssrError("training-failed", "--resume: no checkpoint found", { file: options.outDir });
  if (resumeFrom) {
    model = await RestorationModel.load(resumeFrom, tf);
    if (JSON.stringify(model.spec) !== JSON.stringify(spec)) {
      model.dispose();
      throw new PssrError("training-failed", `--resume: the checkpoint's model (${model.spec.arch}/${model.spec.preset}, scale ${model.spec.scale}) differs from the one asked for`, { file: resumeFrom });
    }
    state = JSON.parse(readFileSync(join(resumeFrom, "state.json"), "utf8"));
  } else {
    model = RestorationModel.create(spec, seed, tf);
  }
  const rng = Rng.fromState(state.rng);
  const vars: Variable[] = model.trainableVariables();
  const optimizer = createAdam(tf, { learningRate: options.learningRate ?? 1e-3, weightDecay: options.weightDecay ?? 0 });
  if (resumeFrom) {
    const ow = loadOptimizerWeights(tf, resumeFrom);
    try {
      await optimizer.setWeights(ow, vars);
    } finally {
      tf.dispose(ow.map((w) => w.tensor));
    }
  }
  const schedule = { name: options.schedule ?? "one-cycle", lrMax: options.learningRate ?? 1e-3, totalSteps: epochs * steps } as const;
  const wd = options.weightDecay ?? 0;
  const backendName = currentBackend()?.name ?? tf.getBackend();
  options.onProgress?.({ type: "start", epochs, stepsPerEpoch: steps, startEpoch: state.epoch, parameters: model.countParameters(), backend: backendName });

  const cardFields = (): Partial<ModelCard> => {
    const bestEntry = state.history.reduce((a, b) => (b.validation.psnr > a.validation.psnr ? b : a));
    return {
      ...(options.card ?? {}),
      architecture: spec.arch,
      preset: spec.preset,
      spec,
      scale: s,
      frames,
      loss,
      recipe: options.recipe ?? null,
      normalization: pairOpts.normalization,
      seed,
      training: {
        epochs: state.epoch,
        epochsPlanned: epochs,
        stepsPerEpoch: steps,
        batchSize,
        patchPx: patch,
        learningRate: schedule.lrMax,
        schedule: schedule.name,
        weightDecay: wd,
        trainImages: trainSources.map((t) => t.name),
        validationImages: valSources.map((t) => t.name),
        splitSeed: options.splitSeed ?? seed,
        ...(regionSplit ? { validationSplit: { kind: "region", ...regionSplit } } : {}),
        backend: backendName,
        seconds: state.seconds,
        dihedralAugment: options.augment ?? true,
        ...(options.appearance ? { appearanceAugment: options.appearance } : {}),
      },
      validation: { bestEpoch: bestEntry.epoch, ...bestEntry.validation },
      history: state.history,
    };
  };

  let interrupted = false;
  const startEpoch = state.epoch;
  try {
    for (let epoch = state.epoch; epoch < epochs && !interrupted; epoch++) {
      const te = performance.now();
      const pairs: PairPlanes[] = trainSources.map((src, i) => makePair(src, i, epoch, pairOpts));
      let lossSum = 0;
      let stepsDone = 0;
      for (let step = 0; step < steps; step++) {
        // An interrupt while the epoch's pairs were being made stops before any step.
        if (options.signal?.aborted) {
          interrupted = true;
          break;
        }
        const ts = performance.now();
        const batch = drawBatch(pairs, batchSize, { scale: s, frames, hrPatch: patch, augment: options.augment ?? true }, rng);
        const lrRate = learningRateAt(schedule, state.step);
        optimizer.learningRate = lrRate;
        const x = tf.tensor4d(batch.lr, [batchSize, batch.lrSize, batch.lrSize, frames]);
        const y = tf.tensor4d(batch.hr, [batchSize, patch, patch, 1]);
        const cost = optimizer.step(() => computeLoss(loss, model.apply(x), y, tf), vars);
        const value = (await cost.data())[0];
        tf.dispose([x, y, cost]);
        if (!Number.isFinite(value)) {
          throw new PssrError("training-failed", `the loss became ${value} at epoch ${epoch + 1}, step ${step + 1} (learning rate ${lrRate.toExponential(2)}); try a lower --lr`);
        }
        lossSum += value;
        stepsDone++;
        state.step++;
        const dt = (performance.now() - ts) / 1000;
        const remaining = (epochs - epoch - 1) * steps + (steps - step - 1);
        options.onProgress?.({ type: "step", epoch: epoch + 1, epochs, step: step + 1, steps, loss: value, learningRate: lrRate, samplesPerSecond: batchSize / dt, etaSeconds: remaining * dt });
        await yieldToEventLoop();
        if (options.signal?.aborted) {
          interrupted = true;
          break;
        }
      }
      if (interrupted) break;
      const validation = await validate(model, valBatch, loss, batchSize);
      const trainLoss = lossSum / stepsDone;
      const best = validation.psnr > state.bestPsnr;
      state.epoch = epoch + 1;
      state.rng = rng.getState();
      state.history.push({ epoch: epoch + 1, trainLoss, validation });
      state.seconds += (performance.now() - te) / 1000;
      if (best) {
        state.bestPsnr = validation.psnr;
        await model.save(options.outDir);
      }
      const optimizerWeights = await optimizer.getWeights(vars);
      try {
        await writeCheckpoint(model, optimizerWeights, state, options.outDir);
      } finally {
        tf.dispose(optimizerWeights.map((w) => w.tensor));
      }
      const bestEntry = state.history.reduce((a, b) => (b.validation.psnr > a.validation.psnr ? b : a));
      writeModelCard(options.outDir, cardFields());
      options.onProgress?.({ type: "epoch", epoch: epoch + 1, epochs, trainLoss, validation, best, seconds: (performance.now() - te) / 1000 });
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
  const calibrationMethod = options.calibration ?? "quantile";
  if (!interrupted && state.history.length > 0 && calibrationMethod !== "none") {
    // The best weights (what the folder holds), on the validation data only.
    const best = await RestorationModel.load(options.outDir, tf);
    try {
      const calibration = calibrateOnValidation(best, valPairs, valSources.map((v) => v.name), calibrationMethod);
      writeModelCard(options.outDir, { ...cardFields(), calibration });
    } finally {
      best.dispose();
    }
  }
  const bestEntry = state.history.length ? state.history.reduce((a, b) => (b.validation.psnr > a.validation.psnr ? b : a)) : null;
  return { outDir: options.outDir, startEpoch, epochsCompleted: state.epoch, interrupted, history: state.history, best: bestEntry?.validation ?? null, seconds: (performance.now() - t0) / 1000 };
}

export type { Tensor4D };
