// DepthToSpace (pixel shuffle) and its inverse, space-to-depth (its gradient), for wasm: block
// copies inside the heap instead of tfjs-backend-wasm 4.22's slow kernel.
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { HeapBackend } from "./kernel-runner.js";

/** Kernel name of our space-to-depth (wasm and cpu); other backends use reshape + transpose. */
export const SPACE_TO_DEPTH_KERNEL = "PssrSpaceToDepth";

/**
 * DepthToSpace (NHWC) by block copies inside the wasm heap. For each (n, h, w, i) the r*C input
 * values for output row h*r+i are contiguous in both tensors, so the shuffle is a series of
 * memmoves, instead of tfjs-backend-wasm 4.22's per-element index arithmetic (well over an
 * order of magnitude slower on large tensors). `inverse` gives space-to-depth (the gradient).
 */
export function depthToSpaceCopy(inverse: boolean): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: TensorInfo };
    const { blockSize: r, dataFormat } = attrs as unknown as { blockSize: number; dataFormat?: string };
    if (dataFormat && dataFormat !== "NHWC") throw new Error("the wasm DepthToSpace kernel supports NHWC only");
    const b = backend as unknown as HeapBackend;
    const [n, h0, w0, c0] = x.shape;
    // Geometry in depth-to-space terms: small [n, h, w, r*r*C] <-> big [n, h*r, w*r, C].
    const [h, w, c] = inverse ? [h0 / r, w0 / r, c0] : [h0, w0, c0 / (r * r)];
    if (!Number.isInteger(h) || !Number.isInteger(w) || !Number.isInteger(c)) throw new Error(`bad block size ${r} for shape [${x.shape}]`);
    const outShape = inverse ? [n, h, w, r * r * c] : [n, h * r, w * r, c];
    const out = b.makeOutput(outShape, "float32");
    const src = b.typedArrayFromHeap(x);
    const dst = b.typedArrayFromHeap(out);
    const heap = new Float32Array(src.buffer);
    const sBase = src.byteOffset >> 2;
    const dBase = dst.byteOffset >> 2;
    const run = r * c;
    for (let bi = 0; bi < n; bi++) {
      for (let y = 0; y < h; y++) {
        for (let x0 = 0; x0 < w; x0++) {
          const small = ((bi * h + y) * w + x0) * r * run;
          for (let i = 0; i < r; i++) {
            const big = ((bi * h * r + y * r + i) * w * r + x0 * r) * c;
            const s0 = small + i * run;
            if (inverse) heap.copyWithin(dBase + s0, sBase + big, sBase + big + run);
            else heap.copyWithin(dBase + big, sBase + s0, sBase + s0 + run);
          }
        }
      }
    }
    return out;
  };
}

