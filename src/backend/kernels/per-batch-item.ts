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
    const k = new KernelRunner(tf, backend as unknown as Backend, backendName);
    const parts: TensorInfo[] = [];
    try {
      for (let b = 0; b < n; b++) {
        const sliced: Record<string, TensorInfo> = {};
        for (const [name, t] of Object.entries(named)) {
          sliced[name] = t.shape.length === 4 ? k.run("Slice", { x: t }, { begin: [b, 0, 0, 0], size: [1, ...t.shape.slice(1)] }) : t;
        }
        parts.push(original({ inputs: sliced as never, backend, attrs }) as TensorInfo);
      }
      const out = k.run("Concat", parts as never, { axis: 0 });
      for (const p of parts) (backend as unknown as Backend).disposeData(p.dataId);
      return k.finish(out);
    } catch (e) {
      for (const p of parts) (backend as unknown as Backend).disposeData(p.dataId);
      k.fail();
      throw e;
    }
  };
}

