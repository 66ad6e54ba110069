// Named trainable parameters and the layer primitives the architectures are written with.
//
// Networks are plain functions of (Params, input) in tfjs-core ops; the first call creates
// each parameter (its shape follows from the input it meets), later calls reuse it. That keeps
// models free of tfjs-layers' class machinery, works with whichever tfjs namespace the backend
// gives (tfjs-node may bring its own tfjs-core) and leaves memory in the caller's tidy.
import type { Tensor, Tensor4D, Variable } from "@tensorflow/tfjs-core";
import type { Tf } from "../backend/tf.js";

export type Init = "he" | "glorot" | "zeros" | "small";

let instanceCounter = 0;

/** What a parameter seed of 0 becomes (tfjs would take 0 for "unseeded"). */
const ZERO_SEED = 0x9e3779b9;

export class Params {
  readonly vars = new Map<string, Variable>();
  private readonly prefix: string;
  private nextSeed: number;
  /** When false, a missing parameter is an error (a loaded model must already have them all). */
  creating = true;

  constructor(
    readonly tf: Tf,
    readonly seed: number,
  ) {
    // tfjs registers variables globally by name: keep every model instance's names apart.
    this.prefix = `pssr${++instanceCounter}_${Date.now().toString(36)}/`;
    this.nextSeed = seed >>> 0;
  }

  /** The parameter `name`, created with `init` on first use. */
  get(name: string, shape: number[], init: Init, fanIn = 1, fanOut = 1): Variable {
    const v = this.vars.get(name);
    if (v) {
      if (v.shape.join(",") !== shape.join(",")) throw new Error(`parameter ${name} has shape [${v.shape}], the network asked for [${shape}]`);
      return v;
    }
    if (!this.creating) throw new Error(`parameter ${name} is missing from the loaded weights`);
    const tf = this.tf;
    // tfjs's random ops take a falsy seed (0) as "no seed" and draw from Math.random: the
    // parameter numbered 0 (the first of a model built with seed 0, the default) was initialised
    // differently in every process. Seed 0 is mapped to a fixed non-zero one.
    const seed = this.nextSeed === 0 ? ZERO_SEED : this.nextSeed;
    this.nextSeed = (this.nextSeed + 1) >>> 0;
    const value = tf.tidy(() => {
      switch (init) {
        case "zeros":
          return tf.zeros(shape);
        case "he":
          return tf.truncatedNormal(shape, 0, Math.sqrt(2 / fanIn) / 0.8796, "float32", seed);
        case "small":
          return tf.truncatedNormal(shape, 0, (0.1 * Math.sqrt(2 / fanIn)) / 0.8796, "float32", seed);
        case "glorot": {
          const limit = Math.sqrt(6 / (fanIn + fanOut));
          return tf.randomUniform(shape, -limit, limit, "float32", seed);
        }
      }
    });
    const variable = tf.variable(value, true, this.prefix + name);
    value.dispose();
    this.vars.set(name, variable);
    return variable;
  }

  /** A 'same'-padded convolution with bias and optional ReLU. */
  conv(
    name: string,
    x: Tensor4D,
    filters: number,
    opts: { kernel?: number; stride?: number; relu?: boolean; init?: Init } = {},
  ): Tensor4D {
    const k = opts.kernel ?? 3;
    const cin = x.shape[3];
    const relu = opts.relu ?? true;
    const w = this.get(`${name}/kernel`, [k, k, cin, filters], opts.init ?? (relu ? "he" : "glorot"), k * k * cin, k * k * filters);
    const b = this.get(`${name}/bias`, [filters], "zeros");
    return this.tf.fused.conv2d({
      x,
      filter: w as unknown as Tensor4D,
      strides: opts.stride ?? 1,
      pad: "same",
      bias: b,
      activation: relu ? "relu" : "linear",
    });
  }

  /** Sorted (name, variable) pairs without the instance prefix. */
  entries(): [string, Variable][] {
    return [...this.vars.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  countParameters(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** Pixel shuffle: [n,h,w,c*r*r] -> [n,h*r,w*r,c] (TensorFlow's depth_to_space order). */
export function pixelShuffle(tf: Tf, x: Tensor4D, r: number): Tensor4D {
  return r === 1 ? x : tf.depthToSpace(x, r, "NHWC");
}

/** Bilinear resize by an integer factor, PyTorch's align_corners=False (half-pixel centres). */
export function upsampleBilinearTensor(tf: Tf, x: Tensor4D, factor: number): Tensor4D {
  if (factor === 1) return x;
  return tf.image.resizeBilinear(x, [x.shape[1] * factor, x.shape[2] * factor], false, true);
}

/** Nearest-neighbour x2 upsampling (as Keras UpSampling2D). */
export function upsampleNearest2Tensor(tf: Tf, x: Tensor4D): Tensor4D {
  return tf.image.resizeNearestNeighbor(x, [x.shape[1] * 2, x.shape[2] * 2], false, false);
}

/** The channel a residual connection adds: the only one, or the middle frame of a stack. */
export function centerChannel(tf: Tf, x: Tensor4D): Tensor4D {
  const c = x.shape[3];
  if (c === 1) return x;
  return tf.slice(x, [0, 0, 0, Math.floor(c / 2)], [-1, -1, -1, 1]);
}

export type { Tensor };
