// Adam(W) for the training loop.
//
// tfjs's AdamOptimizer issues about ten small kernels per weight tensor per step (hundreds per
// step for our U-Nets), each with the engine's bookkeeping. On the wasm backend we update the
// weights instead in one pass over wasm memory per tensor (the same arithmetic as tfjs's
// AdamOptimizer: bias-corrected moments, epsilon outside the square root), with the moments in
// plain Float32Arrays; each step writes new weight buffers (never in place: the wasm Conv2D
// caches packed weights per buffer). Elsewhere (cpu, tfjs-node, webgpu) tfjs's own optimizer is used.
// Decoupled weight decay (AdamW, Loshchilov & Hutter 2019): w -= lr * wd * w after the step.
import type { NamedTensorMap, Scalar, Tensor, Variable } from "@tensorflow/tfjs-core";
import type { Tf } from "../backend/tf.js";

export type NamedTensor = { name: string; tensor: Tensor };

export interface TrainOptimizer {
  learningRate: number;
  weightDecay: number;
  /** One step on `lossFn` (whose tensors are freed); returns the loss (caller disposes). */
  step(lossFn: () => Scalar, vars: Variable[]): Scalar;
  /** [iter, first moments..., second moments...] in `vars` order (caller disposes the tensors). */
  getWeights(vars: Variable[]): Promise<NamedTensor[]>;
  setWeights(weights: NamedTensor[], vars: Variable[]): Promise<void>;
  dispose(): void;
}

type Info = { dataId: object; shape: number[]; dtype: "float32" };
type HeapBackend = { typedArrayFromHeap(t: Info): Float32Array; makeOutput(shape: number[], dtype: string): Info };

class HeapAdam implements TrainOptimizer {
  private m: Float32Array[] = [];
  private v: Float32Array[] = [];
  private iterations = 0;

  constructor(
    private readonly tf: Tf,
    public learningRate: number,
    public weightDecay: number,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
  ) {}

  step(lossFn: () => Scalar, vars: Variable[]): Scalar {
    const tf = this.tf;
    const { value, grads } = tf.variableGrads(lossFn, vars);
    try {
      const backend = tf.backend() as unknown as HeapBackend;
      const t = this.iterations + 1;
      const c1 = 1 - this.beta1 ** t;
      const c2 = 1 - this.beta2 ** t;
      const { beta1: b1, beta2: b2, epsilon: eps, learningRate: lr } = this;
      const decay = 1 - lr * this.weightDecay;
      vars.forEach((variable, k) => {
        const g = grads[variable.name];
        if (!g) return;
        // Write into a new buffer and assign it: the wasm Conv2D caches XNNPACK operators (with
        // packed weights) by buffer id, so weights must never change in place.
        const nextInfo = backend.makeOutput(variable.shape, "float32");
        const next = tf.engine().makeTensorFromTensorInfo(nextInfo);
        const out = backend.typedArrayFromHeap(nextInfo);
        const w = backend.typedArrayFromHeap(variable as unknown as Info);
        const gd = backend.typedArrayFromHeap(g as unknown as Info);
        const m = (this.m[k] ??= new Float32Array(w.length));
        const v = (this.v[k] ??= new Float32Array(w.length));
        for (let i = 0; i < w.length; i++) {
          const gi = gd[i];
          const mi = b1 * m[i] + (1 - b1) * gi;
          const vi = b2 * v[i] + (1 - b2) * gi * gi;
          m[i] = mi;
          v[i] = vi;
          const updated = w[i] - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps);
          out[i] = decay === 1 ? updated : updated * decay;
        }
        variable.assign(next);
        next.dispose();
      });
      this.iterations = t;
    } finally {
      tf.dispose(Object.values(grads as NamedTensorMap));
    }
    return value;
  }

  async getWeights(vars: Variable[]): Promise<NamedTensor[]> {
    const tf = this.tf;
    const out: NamedTensor[] = [{ name: "iter", tensor: tf.scalar(this.iterations, "int32") }];
    vars.forEach((v, k) => out.push({ name: `${k}/m`, tensor: tf.tensor(this.m[k] ?? new Float32Array(v.size), v.shape) }));
    vars.forEach((v, k) => out.push({ name: `${k}/v`, tensor: tf.tensor(this.v[k] ?? new Float32Array(v.size), v.shape) }));
    return out;
  }

  async setWeights(weights: NamedTensor[], vars: Variable[]): Promise<void> {
    const [iter, ...rest] = weights;
    this.iterations = (await iter.tensor.data())[0];
    const n = vars.length;
    if (rest.length !== 2 * n) throw new Error(`optimizer state has ${rest.length} moment tensors, the model needs ${2 * n}`);
    this.m = await Promise.all(rest.slice(0, n).map(async (w) => Float32Array.from(await w.tensor.data())));
    this.v = await Promise.all(rest.slice(n).map(async (w) => Float32Array.from(await w.tensor.data())));
  }

  dispose(): void {
    this.m = [];
    this.v = [];
  }
}

class TfjsAdam implements TrainOptimizer {
  private readonly opt;
  constructor(
    private readonly tf: Tf,
    public learningRate: number,
    public weightDecay: number,
    beta1: number,
    beta2: number,
    epsilon: number,
  ) {
    this.opt = tf.train.adam(learningRate, beta1, beta2, epsilon);
  }

  step(lossFn: () => Scalar, vars: Variable[]): Scalar {
    (this.opt as unknown as { learningRate: number }).learningRate = this.learningRate;
    const cost = this.opt.minimize(lossFn, true, vars)!;
    if (this.weightDecay > 0) {
      const f = 1 - this.learningRate * this.weightDecay;
      this.tf.tidy(() => vars.forEach((v) => v.assign(this.tf.mul(v, f))));
    }
    return cost;
  }

  async getWeights(): Promise<NamedTensor[]> {
    // getWeights() returns the live moment variables plus a fresh iteration scalar: copy all
    // so that the caller may dispose every tensor it gets.
    const w = await this.opt.getWeights();
    return w.map((x) => ({ name: x.name, tensor: x.name === "iter" ? x.tensor : x.tensor.clone() }));
  }

  async setWeights(weights: NamedTensor[]): Promise<void> {
    await this.opt.setWeights(weights);
  }

  dispose(): void {
    this.opt.dispose();
  }
}

/** Adam (beta 0.9/0.99 as fastai) with optional decoupled weight decay; fused on wasm. */
export function createAdam(
  tf: Tf,
  options: { learningRate: number; weightDecay?: number; beta1?: number; beta2?: number; epsilon?: number; fused?: boolean },
): TrainOptimizer {
  const args = [options.learningRate, options.weightDecay ?? 0, options.beta1 ?? 0.9, options.beta2 ?? 0.99, options.epsilon ?? 1e-7] as const;
  const fused = options.fused ?? tf.getBackend() === "wasm";
  if (fused && tf.getBackend() !== "wasm") throw new Error("the fused Adam works on the wasm backend only");
  return fused ? new HeapAdam(tf, ...args) : new TfjsAdam(tf, ...args);
}
