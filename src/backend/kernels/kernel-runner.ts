// What the composed kernels share: a small evaluator over one backend's own kernel functions that
// frees every intermediate it made, and typed views of the wasm backend's heap. Kernels call
// backend kernel functions directly (not tfjs ops), so they add nothing to the gradient tape.
import type { NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import { convInfo, type ConvAttrs } from "../conv-wasm.js";
import type { Tf } from "../tf.js";

export type Backend = { disposeData(dataId: object, force?: boolean): boolean };
export type Pads = [number, number]; // [before, after]; negative means crop

/** A little evaluator over one backend's kernel functions, freeing what it made. */
export class KernelRunner {
  private made: TensorInfo[] = [];
  constructor(
    private readonly tf: Tf,
    private readonly backend: Backend,
    private readonly backendName: string,
  ) {}

  run(kernelName: string, inputs: Record<string, TensorInfo | TensorInfo[]>, attrs: object): TensorInfo {
    const config = this.tf.getKernel(kernelName, this.backendName);
    if (!config) throw new Error(`backend ${this.backendName} has no ${kernelName} kernel`);
    const out = config.kernelFunc({ inputs: inputs as never, attrs: attrs as NamedAttrMap, backend: this.backend as never }) as TensorInfo;
    this.made.push(out);
    return out;
  }

  /** Frees `t` with the other intermediates. */
  adopt(t: TensorInfo): void {
    this.made.push(t);
  }

  /** Frees every intermediate except `keep`. */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.made) if (t !== keep) this.backend.disposeData(t.dataId);
    this.made = [];
    return keep;
  }

  fail(): void {
    for (const t of this.made) this.backend.disposeData(t.dataId);
    this.made = [];
  }

  /**
   * Runs `body` on a fresh runner: on success every intermediate but the result is freed, on a
   * throw all of them are (the one frame every composed kernel needs).
   */
  static evaluate(tf: Tf, backend: Backend, backendName: string, body: (k: KernelRunner) => TensorInfo): TensorInfo {
    const k = new KernelRunner(tf, backend, backendName);
    try {
      return k.finish(body(k));
    } catch (e) {
      k.fail();
      throw e;
    }
  }

  /**
   * 4D transpose by a loop over wasm memory that reads the input in order (cache-friendly for
   * the small innermost output dims these kernels produce); tfjs-backend-wasm 4.22's Transpose
   * is several times slower on such shapes.
   */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    if (x.shape.length !== 4) return this.run("Transpose", { x }, { perm });
    const b = this.backend as unknown as HeapBackend;
    const shape = perm.map((p) => x.shape[p]);
    const out = b.makeOutput(shape, "float32");
    this.made.push(out);
    const src = b.typedArrayFromHeap(x);
    const dst = b.typedArrayFromHeap(out);
    const outStrides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
    // Output stride of each input dimension.
    const st = [0, 0, 0, 0];
    perm.forEach((p, i) => (st[p] = outStrides[i]));
    const [n0, n1, n2, n3] = x.shape;
    const [t0, t1, t2, t3] = st;
    const inner = perm[3];
    if (inner !== 3 && n3 > 1) {
      // The output's innermost axis comes from input axis `inner`: loop over it innermost (writes
      // in order) and over the input's last axis next (reads within a few cache lines), so that
      // neither side strides through memory a whole tensor apart, which [N,H,W,C] -> [C,H,W,N]
      // of a big tensor otherwise does (about 4x slower).
      const inStrides = [n1 * n2 * n3, n2 * n3, n3, 1];
      const [o1, o2] = [0, 1, 2].filter((d) => d !== inner);
      const [m1, m2, mi] = [x.shape[o1], x.shape[o2], x.shape[inner]];
      const [s1, s2, si] = [inStrides[o1], inStrides[o2], inStrides[inner]];
      const [d1, d2] = [st[o1], st[o2]];
      for (let a = 0; a < m1; a++) {
        for (let bb = 0; bb < m2; bb++) {
          const sBase = a * s1 + bb * s2;
          const dBase = a * d1 + bb * d2;
          for (let c = 0; c < n3; c++) {
            let sIdx = sBase + c;
            let dIdx = dBase + c * t3;
            for (let d = 0; d < mi; d++, sIdx += si) dst[dIdx++] = src[sIdx];
          }
        }
      }
      return out;
    }
    let i = 0;
    for (let a = 0; a < n0; a++) {
      for (let bb = 0; bb < n1; bb++) {
        for (let c = 0; c < n2; c++) {
          let o = a * t0 + bb * t1 + c * t2;
          if (t3 === 1 && n3 > 8) {
            dst.set(src.subarray(i, i + n3), o);
            i += n3;
          } else {
            for (let d = 0; d < n3; d++, o += t3) dst[o] = src[i++];
          }
        }
      }
    }
    return out;
  }

  /** Pads (non-negative) or crops (negative) the H and W axes of an NHWC tensor. */
  padOrCrop(x: TensorInfo, padH: Pads, padW: Pads): { x: TensorInfo; padH: Pads; padW: Pads } {
    const cropTop = Math.max(0, -padH[0]);
    const cropBottom = Math.max(0, -padH[1]);
    const cropLeft = Math.max(0, -padW[0]);
    const cropRight = Math.max(0, -padW[1]);
    if (cropTop + cropBottom + cropLeft + cropRight > 0) {
      const [n, h, w, c] = x.shape;
      x = this.run("Slice", { x }, { begin: [0, cropTop, cropLeft, 0], size: [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c] });
    }
    return { x, padH: [Math.max(0, padH[0]), Math.max(0, padH[1])], padW: [Math.max(0, padW[0]), Math.max(0, padW[1])] };
  }

  /** Inserts (s-1) zeros after every row and column: [n,h,w,c] -> [n,h*sh,w*sw,c]. */
  dilate(x: TensorInfo, sh: number, sw: number): TensorInfo {
    if (sh === 1 && sw === 1) return x;
    if (sh !== sw) throw new Error("unequal strides are not supported by the wasm backprop kernels");
    const [n, h, w, c] = x.shape;
    const zeros = this.run("Fill", {}, { shape: [n, h, w, c * (sh * sh - 1)], value: 0, dtype: "float32" });
    const stacked = this.run("Concat", [x, zeros] as never, { axis: 3 });
    return this.run("DepthToSpace", { x: stacked }, { blockSize: sh, dataFormat: "NHWC" });
  }

  /**
   * rot180 of the filter's taps with in/out channels swapped: out[i,j,o,c] = w[kh-1-i, kw-1-j, c, o].
   * One pass over wasm memory (tfjs-backend-wasm's Reverse and Transpose take several passes).
   */
  flipSwapFilter(w: TensorInfo): TensorInfo {
    const b = this.backend as unknown as HeapBackend;
    const [kh, kw, ci, co] = w.shape;
    const out = b.makeOutput([kh, kw, co, ci], "float32");
    this.made.push(out);
    const src = b.typedArrayFromHeap(w);
    const dst = b.typedArrayFromHeap(out);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const sBase = ((kh - 1 - i) * kw + (kw - 1 - j)) * ci * co;
        const dBase = (i * kw + j) * co * ci;
        for (let c = 0; c < ci; c++) {
          const sRow = sBase + c * co;
          for (let o = 0; o < co; o++) dst[dBase + o * ci + c] = src[sRow + o];
        }
      }
    }
    return out;
  }

  conv2d(x: TensorInfo, filter: TensorInfo, dilations: [number, number], padH: Pads, padW: Pads): TensorInfo {
    return this.run(
      "Conv2D",
      { x, filter },
      { strides: [1, 1], dilations, pad: [[0, 0], padH, padW, [0, 0]], dataFormat: "NHWC", dimRoundingMode: undefined },
    );
  }
}

export type HeapBackend = Backend & {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
};

/** Conv geometry for the composed kernels, which support NHWC only. */
export function convGeometry(tf: Tf, xShape: number[], filterShape: number[], attrs: ConvAttrs) {
  if (attrs.dataFormat === "NCHW") throw new Error("the wasm backprop kernels support NHWC only");
  return convInfo(tf, xShape, filterShape, attrs);
}
