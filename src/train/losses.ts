// Training losses, as tfjs ops on NHWC batches.
//
// - mse: mean squared error (PSSR's default).
// - l1: mean absolute error (CARE's default for non-probabilistic models).
// - laplace: CARE's Laplace negative log-likelihood. The prediction holds n means then n
//   scales (channels last); L = mean(|mu - y| / sigma + log sigma) + log 2.
// - msssim-l1: PSSR2's SSIMLoss(mix=0.8, ms=True) (Zhao et al. 2018):
//   0.8 * (1 - MS-SSIM) + 0.2 * mean(gaussian-window-filtered |x - y|), with pytorch_msssim's
//   conventions: Gaussian window 11, sigma 1.5, valid filtering, K = (0.01, 0.03), data range 1,
//   relu on the per-scale terms, 2x2 average pooling (zero padding on odd sides, counted)
//   between scales, Wang 2003's weights (MSSSIM_WEIGHTS). Where a patch is too
//   small for 5 scales (side <= 160 px), the first L scales that fit are used with their
//   weights renormalised to sum to 1 (pytorch_msssim would refuse such a patch).
import type { Scalar, Tensor, Tensor4D } from "@tensorflow/tfjs-core";
import { invalidArgument, unknownName } from "../errors.js";
import { getTf, type Tf } from "../backend/tf.js";
import { MSSSIM_WEIGHTS } from "../metrics/pixel.js";

export const LOSSES = ["mse", "l1", "laplace", "msssim-l1"] as const;
export type LossName = (typeof LOSSES)[number];

export function parseLossName(name: string): LossName {
  if (!(LOSSES as readonly string[]).includes(name)) throw unknownName("loss", name, LOSSES);
  return name as LossName;
}

/** The first n channels (the means of a probabilistic prediction). */
function means(tf: Tf, pred: Tensor4D, n: number): Tensor4D {
  return pred.shape[3] === n ? pred : tf.slice(pred, [0, 0, 0, 0], [-1, -1, -1, n]);
}

export function mseLoss(pred: Tensor4D, target: Tensor4D, tf: Tf = getTf()): Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(means(tf, pred, target.shape[3]), target)));
}

export function l1Loss(pred: Tensor4D, target: Tensor4D, tf: Tf = getTf()): Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(means(tf, pred, target.shape[3]), target))));
}

export function laplaceNll(pred: Tensor4D, target: Tensor4D, tf: Tf = getTf()): Scalar {
  const n = target.shape[3];
  if (pred.shape[3] !== 2 * n) throw invalidArgument(`the Laplace loss needs ${2 * n} predicted channels (means and scales), got ${pred.shape[3]}`);
  return tf.tidy(() => {
    const mu = tf.slice(pred, [0, 0, 0, 0], [-1, -1, -1, n]);
    const sigma = tf.slice(pred, [0, 0, 0, n], [-1, -1, -1, n]);
    return tf.add(tf.mean(tf.add(tf.div(tf.abs(tf.sub(mu, target)), sigma), tf.log(sigma))), Math.log(2)) as Scalar;
  });
}

/** The normalised 1D Gaussian window pytorch_msssim uses. */
export function gaussianWindow(size = 11, sigma = 1.5): Float32Array {
  const w = new Float32Array(size);
  let s = 0;
  for (let i = 0; i < size; i++) {
    const c = i - Math.floor(size / 2);
    w[i] = Math.exp(-(c * c) / (2 * sigma * sigma));
    s += w[i];
  }
  for (let i = 0; i < size; i++) w[i] /= s;
  return w;
}

/** [n,h,w,c] -> [n*c,h,w,1] so that one single-channel filter serves every channel. */
function channelsToBatch(tf: Tf, x: Tensor4D): Tensor4D {
  const [n, h, w, c] = x.shape;
  if (c === 1) return x;
  return tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [n * c, h, w, 1]);
}

function gaussianFilterValid(tf: Tf, x: Tensor4D, win: Float32Array): Tensor4D {
  const k = win.length;
  const col = tf.tensor4d(win, [k, 1, 1, 1]);
  const row = tf.tensor4d(win, [1, k, 1, 1]);
  return tf.conv2d(tf.conv2d(x, col, 1, "valid"), row, 1, "valid");
}

function avgPool2(tf: Tf, x: Tensor4D): Tensor4D {
  const [, h, w] = x.shape;
  const ph = h % 2;
  const pw = w % 2;
  const padded = ph || pw ? tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]) : x;
  return tf.avgPool(padded, 2, 2, "valid");
}

/** Per-image mean SSIM and contrast-structure terms over a batch of single-channel images. */
function ssimTerms(tf: Tf, x: Tensor4D, y: Tensor4D, win: Float32Array, dataRange: number): { ssim: Tensor; cs: Tensor } {
  const c1 = (0.01 * dataRange) ** 2;
  const c2 = (0.03 * dataRange) ** 2;
  const mu1 = gaussianFilterValid(tf, x, win);
  const mu2 = gaussianFilterValid(tf, y, win);
  const mu1sq = tf.square(mu1);
  const mu2sq = tf.square(mu2);
  const mu12 = tf.mul(mu1, mu2);
  const s1 = tf.sub(gaussianFilterValid(tf, tf.square(x), win), mu1sq);
  const s2 = tf.sub(gaussianFilterValid(tf, tf.square(y), win), mu2sq);
  const s12 = tf.sub(gaussianFilterValid(tf, tf.mul(x, y), win), mu12);
  const csMap = tf.div(tf.add(tf.mul(s12, 2), c2), tf.add(tf.add(s1, s2), c2));
  const ssimMap = tf.mul(tf.div(tf.add(tf.mul(mu12, 2), c1), tf.add(tf.add(mu1sq, mu2sq), c1)), csMap);
  return { ssim: tf.mean(ssimMap, [1, 2, 3]), cs: tf.mean(csMap, [1, 2, 3]) };
}

/** Number of MS-SSIM scales a side of `minSide` pixels allows (at most 5). */
export function msssimLevels(minSide: number, winSize = 11): number {
  let levels = 0;
  while (levels < 5 && minSide > (winSize - 1) * 2 ** levels) levels++;
  return levels;
}

/** Mean MS-SSIM over the batch and channels (pytorch_msssim's ms_ssim, see the file comment). */
export function msssimTensor(pred: Tensor4D, target: Tensor4D, options: { dataRange?: number; winSize?: number; winSigma?: number } = {}, tf: Tf = getTf()): Scalar {
  const winSize = options.winSize ?? 11;
  const win = gaussianWindow(winSize, options.winSigma ?? 1.5);
  const levels = msssimLevels(Math.min(target.shape[1], target.shape[2]), winSize);
  if (levels === 0) throw invalidArgument(`MS-SSIM needs patches larger than ${winSize} px, got ${target.shape[1]}x${target.shape[2]}`);
  const wsum = MSSSIM_WEIGHTS.slice(0, levels).reduce((a, b) => a + b, 0);
  const weights = MSSSIM_WEIGHTS.slice(0, levels).map((w) => w / wsum);
  return tf.tidy(() => {
    let x = channelsToBatch(tf, means(tf, pred, target.shape[3]));
    let y = channelsToBatch(tf, target);
    let logProd: Tensor = tf.zeros([x.shape[0]]);
    for (let i = 0; i < levels; i++) {
      const { ssim, cs } = ssimTerms(tf, x, y, win, options.dataRange ?? 1);
      const term = i < levels - 1 ? cs : ssim;
      // relu(t) ** w, written as exp(w log t) with t clamped away from 0 for a finite gradient.
      logProd = tf.add(logProd, tf.mul(tf.log(tf.maximum(tf.relu(term), 1e-12)), weights[i]));
      if (i < levels - 1) {
        x = avgPool2(tf, x);
        y = avgPool2(tf, y);
      }
    }
    return tf.mean(tf.exp(logProd)) as Scalar;
  });
}

/** PSSR2's loss: mix * (1 - MS-SSIM) + (1 - mix) * mean(gaussian-filtered |x - y|). */
export function msssimL1(pred: Tensor4D, target: Tensor4D, options: { mix?: number; dataRange?: number } = {}, tf: Tf = getTf()): Scalar {
  const mix = options.mix ?? 0.8;
  return tf.tidy(() => {
    const ms = msssimTensor(pred, target, { dataRange: options.dataRange ?? 1 }, tf);
    const win = gaussianWindow(11, 1.5);
    const diff = channelsToBatch(tf, tf.abs(tf.sub(means(tf, pred, target.shape[3]), target)) as Tensor4D);
    // 'same' zero padding as F.conv2d(..., padding=5).
    const padded = tf.pad(diff, [[0, 0], [5, 5], [5, 5], [0, 0]]);
    const l1w = tf.mean(gaussianFilterValid(tf, padded, win));
    return tf.add(tf.mul(tf.sub(1, ms), mix), tf.mul(l1w, 1 - mix)) as Scalar;
  });
}

/** The named loss of (prediction, target); a scalar tensor the caller disposes. */
export function computeLoss(name: LossName, pred: Tensor4D, target: Tensor4D, tf: Tf = getTf()): Scalar {
  switch (name) {
    case "mse":
      return mseLoss(pred, target, tf);
    case "l1":
      return l1Loss(pred, target, tf);
    case "laplace":
      return laplaceNll(pred, target, tf);
    case "msssim-l1":
      return msssimL1(pred, target, {}, tf);
  }
}
