// The three network families, as functions of (Params, LR input) -> HR output.
//
// - "resunet" (PSSR, Fang et al. 2021): bilinear x`scale` upsampling of the LR input first
//   (PyTorch's align_corners=False), then a U-Net whose encoder is ResNet-style (basic residual
//   blocks, stride-2 downsampling, 1x1 projection shortcuts, no batch norm) at HR size;
//   pixel-shuffle x2 decoder steps with skip concatenation; the upsampled input is concatenated
//   again before a last residual block ("last_cross") and a linear 1x1 output.
//   Not reproduced: weight norm, the self-attention block, the 1x1 global-pool bottleneck quirk.
// - "resunet-lr" (PSSR2 style): the same residual U-Net at LR size, ending in a
//   conv -> pixel-shuffle x`scale` -> conv head; much cheaper (the paper's U-Net runs at 16x
//   the pixels for x4). The bilinear-upsampled input is added to the output (global residual);
//   the last conv starts at zero, so an untrained network is bilinear upsampling.
// - "care" (Weigert et al. 2018, CSBDeep defaults): U-Net of depth 2 with 32 first filters
//   doubled per level, two kernel-3/5 ReLU convs per level, 2x2 max-pool, nearest upsampling
//   and concatenation, a linear 1x1 output, the input added when input and output channels
//   match (the middle frame for a stack); for scale > 1 the input is bilinearly upsampled first
//   (as UpsamplingCARE). Probabilistic: a second 1x1 head with softplus + 1e-3 gives a Laplace
//   scale per pixel, so the output has 2 * outChannels channels (means, then scales).
import type { Tensor4D } from "@tensorflow/tfjs-core";
import { Params, centerChannel, pixelShuffle, upsampleBilinearTensor, upsampleNearest2Tensor } from "./params.js";

export const ARCHITECTURES = ["resunet", "resunet-lr", "care"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export interface ModelSpec {
  arch: Architecture;
  /** Preset the sizes came from ("tiny", "small", "pssr" or "custom"). */
  preset: string;
  /** Input channels: 1 (single frame) or 5 (frames t-2..t+2). */
  inChannels: number;
  outChannels: number;
  /** Pixel super-resolution factor: output pixels per input pixel along each axis. */
  scale: number;
  /** Filters of the first level; doubled at each deeper level. */
  firstFilters: number;
  /** Number of 2x downsamplings. */
  depth: number;
  /** Residual blocks per encoder level (resunet / resunet-lr). */
  blocksPerLevel: number;
  /** Convolution kernel size (3 or 5). */
  kernelSize: number;
  /** CARE: add the (upsampled) input to the output. */
  residual: boolean;
  /** CARE: predict a Laplace scale per pixel as extra output channels. */
  probabilistic: boolean;
}

/** Spatial sizes the input's height and width must be multiples of. */
export function inputMultiple(spec: ModelSpec): number {
  const levels = 2 ** spec.depth;
  // The HR-size networks downsample the upsampled input: the LR size needs levels/scale.
  if (spec.arch === "resunet-lr") return levels;
  return Math.max(1, Math.ceil(levels / spec.scale));
}

/** Output channels of the network (means, then Laplace scales when probabilistic). */
export function outputChannels(spec: ModelSpec): number {
  return spec.outChannels * (spec.probabilistic ? 2 : 1);
}

function resBlock(p: Params, name: string, x: Tensor4D, filters: number, stride: number, k: number): Tensor4D {
  const tf = p.tf;
  const h = p.conv(`${name}/conv1`, x, filters, { kernel: k, stride });
  const h2 = p.conv(`${name}/conv2`, h, filters, { kernel: k, relu: false, init: "small" });
  let shortcut = x;
  if (stride > 1) shortcut = tf.avgPool(shortcut, stride, stride, "same");
  if (shortcut.shape[3] !== filters) shortcut = p.conv(`${name}/proj`, shortcut, filters, { kernel: 1, relu: false });
  return tf.relu(tf.add(h2, shortcut)) as Tensor4D;
}

/** Residual U-Net body shared by resunet and resunet-lr; returns features at input size. */
function residualUnet(p: Params, x: Tensor4D, spec: ModelSpec, prefix: string): Tensor4D {
  const tf = p.tf;
  const k = spec.kernelSize;
  const f = spec.firstFilters;
  let h = p.conv(`${prefix}stem/conv1`, x, f, { kernel: k });
  h = p.conv(`${prefix}stem/conv2`, h, f, { kernel: k });
  const skips: Tensor4D[] = [h];
  for (let level = 1; level <= spec.depth; level++) {
    const filters = f * 2 ** level;
    h = resBlock(p, `${prefix}enc${level}/block0`, h, filters, 2, k);
    for (let b = 1; b < spec.blocksPerLevel; b++) h = resBlock(p, `${prefix}enc${level}/block${b}`, h, filters, 1, k);
    if (level < spec.depth) skips.push(h);
  }
  h = resBlock(p, `${prefix}middle`, h, f * 2 ** spec.depth, 1, k);
  for (let level = spec.depth - 1; level >= 0; level--) {
    const filters = f * 2 ** level;
    // fastai's PixelShuffle_ICNR: 1x1 conv to 4x the channels, ReLU, shuffle x2.
    const up = pixelShuffle(tf, p.conv(`${prefix}dec${level}/up`, h, filters * 4, { kernel: 1 }), 2);
    const cat = tf.concat([up, skips[level]], 3);
    h = p.conv(`${prefix}dec${level}/conv1`, cat, filters, { kernel: k });
    h = p.conv(`${prefix}dec${level}/conv2`, h, filters, { kernel: k });
  }
  return h;
}

function resunetHr(p: Params, x: Tensor4D, spec: ModelSpec): Tensor4D {
  const tf = p.tf;
  const up = upsampleBilinearTensor(tf, x, spec.scale);
  const h = residualUnet(p, up, spec, "");
  const cross = tf.concat([h, up], 3);
  const r = resBlock(p, "final/res", cross, spec.firstFilters, 1, spec.kernelSize);
  return p.conv("final/out", r, spec.outChannels, { kernel: 1, relu: false, init: "glorot" });
}

function resunetLr(p: Params, x: Tensor4D, spec: ModelSpec): Tensor4D {
  const tf = p.tf;
  const f = spec.firstFilters;
  const h = residualUnet(p, x, spec, "");
  const cross = tf.concat([h, x], 3);
  const s = spec.scale;
  const head = p.conv("head/expand", cross, f * s * s, { kernel: spec.kernelSize });
  const hr = pixelShuffle(tf, head, s);
  // Zero-initialised: an untrained network is exactly bilinear upsampling, training only improves on it.
  const out = p.conv("head/out", hr, spec.outChannels, { kernel: spec.kernelSize, relu: false, init: spec.outChannels === 1 ? "zeros" : "glorot" });
  if (spec.outChannels !== 1) return out;
  return tf.add(out, upsampleBilinearTensor(tf, centerChannel(tf, x), s));
}

function careUnet(p: Params, x: Tensor4D, spec: ModelSpec): Tensor4D {
  const tf = p.tf;
  const k = spec.kernelSize;
  const input = upsampleBilinearTensor(tf, x, spec.scale);
  let h = input;
  const skips: Tensor4D[] = [];
  for (let level = 0; level < spec.depth; level++) {
    const filters = spec.firstFilters * 2 ** level;
    h = p.conv(`down${level}/conv1`, h, filters, { kernel: k });
    h = p.conv(`down${level}/conv2`, h, filters, { kernel: k });
    skips.push(h);
    h = tf.maxPool(h, 2, 2, "same");
  }
  const bottom = spec.firstFilters * 2 ** spec.depth;
  h = p.conv("middle/conv1", h, bottom, { kernel: k });
  // CSBDeep's bottleneck halves back so the first up level sees matching channel counts.
  h = p.conv("middle/conv2", h, bottom / 2, { kernel: k });
  for (let level = spec.depth - 1; level >= 0; level--) {
    const filters = spec.firstFilters * 2 ** level;
    h = tf.concat([upsampleNearest2Tensor(tf, h), skips[level]], 3);
    h = p.conv(`up${level}/conv1`, h, filters, { kernel: k });
    h = p.conv(`up${level}/conv2`, h, level > 0 ? filters / 2 : filters, { kernel: k });
  }
  const center = centerChannel(tf, input);
  // With the residual, a zero-initialised output starts as the identity (as resunet-lr's head).
  const residual = spec.residual && center.shape[3] === spec.outChannels;
  let mean = p.conv("out/mean", h, spec.outChannels, { kernel: 1, relu: false, init: residual ? "zeros" : "glorot" });
  if (residual) mean = tf.add(mean, center);
  if (!spec.probabilistic) return mean;
  const scale = tf.add(tf.softplus(p.conv("out/scale", h, spec.outChannels, { kernel: 1, relu: false, init: "glorot" })), 1e-3);
  return tf.concat([mean, scale], 3) as Tensor4D;
}

/** Runs the network of `spec` on `x` ([n, h, w, inChannels], LR) -> [n, h*s, w*s, outputChannels]. */
export function forward(p: Params, spec: ModelSpec, x: Tensor4D): Tensor4D {
  if (x.shape[3] !== spec.inChannels) throw new Error(`the model takes ${spec.inChannels} input channels, got ${x.shape[3]}`);
  const m = inputMultiple(spec);
  if (x.shape[1] % m !== 0 || x.shape[2] % m !== 0) {
    throw new Error(`input height and width must be multiples of ${m}, got ${x.shape[1]}x${x.shape[2]}`);
  }
  switch (spec.arch) {
    case "resunet":
      return resunetHr(p, x, spec);
    case "resunet-lr":
      return resunetLr(p, x, spec);
    case "care":
      return careUnet(p, x, spec);
  }
}

/** How one layer maps an output index to the input indices it reads (interior, no borders). */
type IndexMap = (o: number) => [number, number];

/** 'same'-padded convolution or pooling (TensorFlow's split: the smaller half of the padding first). */
const convMap = (k: number, stride = 1): IndexMap => {
  const before = Math.floor(Math.max(k - stride, 0) / 2);
  return (o) => [stride * o - before, stride * o - before + k - 1];
};
/** Nearest / pixel-shuffle upsampling by f: each output pixel comes from one input pixel. */
const upMap = (f: number): IndexMap => (o) => [Math.floor(o / f), Math.floor(o / f)];
/** Bilinear upsampling by f with half-pixel centres (torch's align_corners=False): two taps. */
const bilinearMap = (f: number): IndexMap =>
  f === 1 ? (o) => [o, o] : (o) => {
    const lo = Math.floor((o + 0.5) / f - 0.5);
    return [lo, lo + 1];
  };

/**
 * The network's receptive field: how many LR pixels across (per axis) can influence one output
 * pixel, traced back exactly through the layers of the deepest path of `spec` (the widest over
 * output positions). A tile smaller than this gives its pixels less context than training did.
 */
export function receptiveFieldPx(spec: ModelSpec): number {
  const k = spec.kernelSize;
  const layers: IndexMap[] = []; // input to output order
  const residualUnet = () => {
    layers.push(convMap(k), convMap(k));
    for (let level = 1; level <= spec.depth; level++) {
      layers.push(convMap(k, 2), convMap(k));
      for (let b = 1; b < spec.blocksPerLevel; b++) layers.push(convMap(k), convMap(k));
    }
    layers.push(convMap(k), convMap(k));
    for (let level = spec.depth - 1; level >= 0; level--) layers.push(upMap(2), convMap(k), convMap(k));
  };
  if (spec.arch === "resunet-lr") {
    residualUnet();
    layers.push(convMap(k), upMap(spec.scale), convMap(k));
  } else if (spec.arch === "resunet") {
    layers.push(bilinearMap(spec.scale));
    residualUnet();
    layers.push(convMap(k), convMap(k));
  } else {
    layers.push(bilinearMap(spec.scale));
    for (let level = 0; level < spec.depth; level++) layers.push(convMap(k), convMap(k), convMap(2, 2));
    layers.push(convMap(k), convMap(k));
    for (let level = spec.depth - 1; level >= 0; level--) layers.push(upMap(2), convMap(k), convMap(k));
  }
  // Far from any border; one period of the strides covers every alignment.
  const base = 1 << 24;
  const period = spec.scale * 2 ** (spec.depth + 1);
  let widest = 0;
  for (let o = base; o < base + period; o++) {
    let lo = o;
    let hi = o;
    for (let i = layers.length - 1; i >= 0; i--) {
      lo = layers[i](lo)[0];
      hi = layers[i](hi)[1];
    }
    widest = Math.max(widest, hi - lo + 1);
  }
  return widest;
}
