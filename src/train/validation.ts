// What training is judged and calibrated on: the fixed validation patches (model vs bilinear
// upsampling, CARE's normMinMse PSNR/SSIM through metrics' `evaluate`) and, after training, the
// reliability calibration on the whole validation images.
import type { Tf } from "../backend/index.js";
import { invalidArgument } from "../errors.js";
import { evaluate } from "../metrics/pixel.js";
import { fitScaleCalibration, reliabilityDiagram } from "../metrics/uncertainty.js";
import type { RestorationModel } from "../model/index.js";
import { predictNormalized } from "../predict/predict.js";
import type { ModelCalibration } from "../model/card.js";
import { mirrorIndex as reflectIndexFrames } from "../image/boundary.js";
import type { PairPlanes, PatchBatch } from "./data.js";
import { computeLoss, type LossName } from "./losses.js";

export interface ValidationMetrics {
  loss: number;
  psnr: number;
  ssim: number;
  bilinearPsnr: number;
  bilinearSsim: number;
}

/** The validation patches with their bilinear figures, computed once (the patches are fixed for the run). */
export interface ValidationSet {
  batch: PatchBatch;
  bilinearPsnr: number;
  bilinearSsim: number;
}

function bilinearPlane(tf: Tf, lr: Float32Array, p: number, frames: number, s: number): Float32Array {
  return tf.tidy(() => {
    let x = tf.tensor4d(lr, [1, p, p, frames]);
    if (frames > 1) x = tf.slice(x, [0, 0, 0, frames >> 1], [-1, -1, -1, 1]);
    return tf.image.resizeBilinear(x, [p * s, p * s], false, true).dataSync() as Float32Array;
  });
}

function isConstant(a: Float32Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] !== a[0]) return false;
  return true;
}

/** PSNR/SSIM after CARE's normalisation (GT percentile-normalised, prediction least-squares fitted). */
function careMetrics(gt: Float32Array, pred: Float32Array, side: number): { psnr: number; ssim: number } {
  const r = evaluate({ data: pred, height: side, width: side }, { data: gt, height: side, width: side });
  return { psnr: r.psnr, ssim: r.ssim };
}

/**
 * Drops validation patches whose target is constant (normMinMse is undefined on them; `onDrop`
 * hears how many) and scores bilinear upsampling on the rest once.
 */
export function prepareValidation(tf: Tf, batch: PatchBatch, onDrop?: (dropped: number) => void): ValidationSet {
  const { n, lrSize: p, hrSize: P, frames: f } = batch;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (!isConstant(batch.hr.subarray(i * P * P, (i + 1) * P * P))) keep.push(i);
  if (keep.length === 0) throw invalidArgument("every validation patch has a constant target; the validation data hold no structure to score");
  let kept = batch;
  if (keep.length < n) {
    onDrop?.(n - keep.length);
    const lr = new Float32Array(keep.length * p * p * f);
    const hr = new Float32Array(keep.length * P * P);
    keep.forEach((i, j) => {
      lr.set(batch.lr.subarray(i * p * p * f, (i + 1) * p * p * f), j * p * p * f);
      hr.set(batch.hr.subarray(i * P * P, (i + 1) * P * P), j * P * P);
    });
    kept = { ...batch, lr, hr, n: keep.length };
  }
  let bilinearPsnr = 0;
  let bilinearSsim = 0;
  for (let i = 0; i < kept.n; i++) {
    const gt = kept.hr.slice(i * P * P, (i + 1) * P * P);
    const bil = careMetrics(gt, bilinearPlane(tf, kept.lr.subarray(i * p * p * f, (i + 1) * p * p * f), p, f, P / p), P);
    bilinearPsnr += bil.psnr;
    bilinearSsim += bil.ssim;
  }
  return { batch: kept, bilinearPsnr: bilinearPsnr / kept.n, bilinearSsim: bilinearSsim / kept.n };
}

/** Validation loss and PSNR/SSIM of the model's means on the fixed validation patches. */
export async function validate(model: RestorationModel, set: ValidationSet, loss: LossName, batchSize: number): Promise<ValidationMetrics> {
  const tf = model.tf;
  const { batch } = set;
  const { n, lrSize: p, hrSize: P, frames: f } = batch;
  let lossSum = 0;
  let psnrSum = 0;
  let ssimSum = 0;
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
      const ours = careMetrics(batch.hr.slice((b0 + i) * P * P, (b0 + i + 1) * P * P), pd.slice(i * P * P, (i + 1) * P * P), P);
      psnrSum += ours.psnr;
      ssimSum += ours.ssim;
    }
  }
  return { loss: lossSum / n, psnr: psnrSum / n, ssim: ssimSum / n, bilinearPsnr: set.bilinearPsnr, bilinearSsim: set.bilinearSsim };
}

/** The warning when the best model does not beat bilinear upsampling on validation (PSNR or SSIM), else null. */
export function notBetterThanBilinear(best: ValidationMetrics, bestEpoch: number): string | null {
  const psnrWorse = !(best.psnr > best.bilinearPsnr);
  const ssimWorse = !(best.ssim > best.bilinearSsim);
  if (!psnrWorse && !ssimWorse) return null;
  const what = psnrWorse && ssimWorse ? "PSNR and SSIM" : psnrWorse ? "PSNR" : "SSIM";
  return (
    `the best model (epoch ${bestEpoch}) is not better than bilinear upsampling on validation ${what}: ` +
    `PSNR ${best.psnr.toFixed(2)} dB vs bilinear ${best.bilinearPsnr.toFixed(2)} dB, SSIM ${best.ssim.toFixed(3)} vs bilinear ${best.bilinearSsim.toFixed(3)}; ` +
    `train longer (--minutes), on more varied data, or check that the recipe matches the microscope`
  );
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
