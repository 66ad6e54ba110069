// Sum over leading axes (bias gradients) for wasm in one pass; other reductions go to tfjs's own.
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { Tf } from "../tf.js";
import type { HeapBackend } from "./kernel-runner.js";

/**
 * Sum over leading axes (a bias gradient: dy [n, h, w, c] summed to [c]) by one pass over wasm
 * memory in row order. tfjs-backend-wasm 4.22 first transposes the reduced axes innermost,
 * which makes the sum several times slower. Other
 * reductions go to `original`.
 */
export function sumLeadingAxes(tf: Tf, original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== "float32" || !leading) return original(args);
    const b = args.backend as unknown as HeapBackend;
    const inner = x.shape.slice(axes.length);
    const outShape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : inner;
    const out = b.makeOutput(outShape, "float32");
    const src = b.typedArrayFromHeap(x);
    const dst = b.typedArrayFromHeap(out);
    const cols = dst.length;
    const acc = new Float64Array(cols);
    for (let r = 0; r < src.length; r += cols) {
      for (let c = 0; c < cols; c++) acc[c] += src[r + c];
    }
    dst.set(acc);
    return out;
  };
}

