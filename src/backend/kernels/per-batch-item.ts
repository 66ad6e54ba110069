// ResizeNearestNeighborGrad on cpu (tfjs 4.22) repeats the first batch item's gradient for
// batch > 1; it is right for one item, so we run the kernel item by item and concatenate.
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { Tf } from "../tf.js";
import { KernelRunner, type Backend } from "./kernel-runner.js";

/** Runs `original` once per batch item (slicing every 4D input) and concatenates. */
export function perBatchItem(tf: Tf, backendName: string, original: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const named = inputs as Record<string, TensorInfo>;
    const n = Math.max(...Object.values(named).map((t) => (t.shape.length === 4 ? t.shape[0] : 1)));
    if (n <= 1) return original({ inputs, backend, attrs });
    return KernelRunner.evaluate(tf, backend as unknown as Backend, backendName, (k) => {
      const parts: TensorInfo[] = [];
      for (let b = 0; b < n; b++) {
        const sliced: Record<string, TensorInfo> = {};
        for (const [name, t] of Object.entries(named)) {
          sliced[name] = t.shape.length === 4 ? k.run("Slice", { x: t }, { begin: [b, 0, 0, 0], size: [1, ...t.shape.slice(1)] }) : t;
        }
        const part = original({ inputs: sliced as never, backend, attrs }) as TensorInfo;
        k.adopt(part); // freed with the slices once concatenated (or on a throw)
        parts.push(part);
      }
      return k.run("Concat", parts as never, { axis: 0 });
    });
  };
}

