// MaxPoolGrad for wasm: tfjs-backend-wasm 4.22's is wrong (checked against PyTorch: it routes
// gradients to the wrong window positions, visibly for batch > 1). A plain loop over the typed
// arrays in wasm memory (one pass over the windows: nothing to compose it from that keeps
// TensorFlow's first-maximum rule for ties).
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { Tf } from "../tf.js";
import type { HeapBackend } from "./kernel-runner.js";

/** MaxPoolGrad as TensorFlow defines it: each window's dy goes to its first maximum. */
export function maxPoolGradLoop(tf: Tf): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const a = attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: "valid" | "same" | number; dimRoundingMode?: "floor" | "round" | "ceil" };
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const b = backend as unknown as HeapBackend;
    const dx = b.makeOutput(input.shape, "float32");
    const out = b.typedArrayFromHeap(dx);
    out.fill(0);
    const x = b.typedArrayFromHeap(input);
    const g = b.typedArrayFromHeap(dy);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
    const { effectiveFilterHeight: fh, effectiveFilterWidth: fw, dilationHeight: dh, dilationWidth: dw } = info;
    const { top, left } = info.padInfo;
    for (let bi = 0; bi < n; bi++) {
      for (let oy = 0; oy < ho; oy++) {
        const y0 = oy * sh - top;
        for (let ox = 0; ox < wo; ox++) {
          const x0 = ox * sw - left;
          const gBase = ((bi * ho + oy) * wo + ox) * c;
          for (let ch = 0; ch < c; ch++) {
            let best = -Infinity;
            let bestIdx = -1;
            for (let fy = 0; fy < fh; fy += dh) {
              const yy = y0 + fy;
              if (yy < 0 || yy >= h) continue;
              for (let fx = 0; fx < fw; fx += dw) {
                const xx = x0 + fx;
                if (xx < 0 || xx >= w) continue;
                const idx = ((bi * h + yy) * w + xx) * c + ch;
                if (x[idx] > best || bestIdx < 0) {
                  best = x[idx];
                  bestIdx = idx;
                }
              }
            }
            if (bestIdx >= 0) out[bestIdx] += g[gBase + ch];
          }
        }
      }
    }
    return dx;
  };
}

