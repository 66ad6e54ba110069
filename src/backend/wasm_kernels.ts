// Gradient kernels the tfjs WebAssembly backend lacks (or has only as slow scalar loops),
// composed from its fast XNNPACK kernels so that conv nets train there. Where our own
// convolution module loads (conv-wasm.ts, the default), the convolution kernels here are only
// its fallback (NCHW, other activations, PSSR_WASM_CONV=xnnpack).
//
// - Conv2DBackpropFilter: not registered by tfjs-backend-wasm 4.22. We compute it as one
//   forward convolution in which the roles are swapped: the input, transposed to
//   [Cin, H, W, batch], is convolved with the output gradient, transposed to
//   [Hout, Wout, batch, Cout], used as a filter dilated by the forward stride. The result
//   [Cin, kh, kw, Cout] transposed is dW. (About 6x faster here than im2col + BatchMatMul,
//   whose transposed operand makes the wasm matmul copy; 40x faster than Conv3DBackpropFilterV2.)
// - Conv2DBackpropInput: registered by tfjs-backend-wasm, but as a scalar C++ loop about 8x
//   slower than the forward convolution. We replace it by the textbook identity
//   dx = conv(dilate(dy, stride), rot180(W) with in/out channels swapped), run by XNNPACK.
//
// - MaxPoolGrad (wasm) is wrong in tfjs 4.22 (checked against PyTorch: it routes gradients
//   to the wrong window positions, visibly for batch > 1). We replace it by a plain loop over
//   the typed arrays in wasm memory (one pass over the windows: nothing to compose it from
//   that keeps TensorFlow's first-maximum rule for ties).
// - ResizeNearestNeighborGrad (cpu) repeats the first batch item's gradient for batch > 1;
//   it is right for one item, so we wrap it to run item by item and concatenate.
// - Conv2D / FusedConv2D with fewer than 8 output channels (the last conv): a 1x1 conv to
//   every tap plus shifted adds (XNNPACK pads the GEMM width to 8). Sum over leading axes
//   (bias gradients): one pass instead of tfjs's transpose + reduce.
//
// Kernels here call the wasm backend's own kernel functions directly (not tfjs ops), so they
// add nothing to the gradient tape and free every intermediate buffer they allocate.
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import { convInfo, registerConvModule, type ConvAttrs } from "./conv-wasm.js";
import type { Tf } from "./tf.js";

type Backend = { disposeData(dataId: object, force?: boolean): boolean };
type Pads = [number, number]; // [before, after]; negative means crop

/** A little evaluator over one backend's kernel functions, freeing what it made. */
class KernelRunner {
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
   * One pass over wasm memory (tfjs-backend-wasm's Reverse alone takes ~20 ms for 3x3x256x256).
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

/** Conv geometry for the kernels here, which support NHWC only. */
function convGeometry(tf: Tf, xShape: number[], filterShape: number[], attrs: ConvAttrs) {
  if (attrs.dataFormat === "NCHW") throw new Error("the wasm backprop kernels support NHWC only");
  return convInfo(tf, xShape, filterShape, attrs);
}

function backpropFilterKernel(tf: Tf, backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    const info = convGeometry(tf, x.shape, a.filterShape, a);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, inHeight: h, inWidth: w } = info;
    const { top, left } = info.padInfo;
    const k = new KernelRunner(tf, backend as unknown as Backend, backendName);
    try {
      const n = x.shape[0];
      const cin = x.shape[3];
      const cout = dy.shape[3];
      if (sh === 1 && sw === 1 && cout >= 256 && n * ho * wo >= 512) {
        // Wide outputs: im2col with the input channels outermost, then one plain matrix product
        // [kh*kw*Cin, N*Hout*Wout] x [N*Hout*Wout, Cout] (no transposed operand: the wasm matmul
        // copies those); about 2x faster than the swapped convolution for Cout = 512.
        const bottom = ho + kh - 1 - h - top;
        const right = wo + kw - 1 - w - left;
        const p = k.padOrCrop(x, [top, bottom], [left, right]);
        const xp = k.run("PadV2", { x: p.x }, { paddings: [[0, 0], p.padH, p.padW, [0, 0]], constantValue: 0 });
        const xt = k.transpose(xp, [3, 0, 1, 2]); // [Cin, N, Hp, Wp]
        const rows: TensorInfo[] = [];
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const tap = k.run("Slice", { x: xt }, { begin: [0, 0, i, j], size: [cin, n, ho, wo] });
            rows.push(k.run("Reshape", { x: tap }, { shape: [cin, n * ho * wo] }));
          }
        }
        const cols = k.run("Concat", rows as never, { axis: 0 });
        const g = k.run("Reshape", { x: dy }, { shape: [n * ho * wo, cout] });
        const dw = k.run("BatchMatMul", { a: cols, b: g }, { transposeA: false, transposeB: false });
        return k.finish(k.run("Reshape", { x: dw }, { shape: [kh, kw, cin, cout] }));
      }
      const xt = k.transpose(x, [3, 1, 2, 0]); // [Cin, H, W, N]
      const f = k.transpose(dy, [1, 2, 0, 3]); // [Hout, Wout, N, Cout]
      // Output rows = h + top + bottom - ((ho-1)*sh + 1) + 1 must equal kh.
      const bottom = kh + (ho - 1) * sh - h - top;
      const right = kw + (wo - 1) * sw - w - left;
      const p = k.padOrCrop(xt, [top, bottom], [left, right]);
      const r = k.conv2d(p.x, f, [sh, sw], p.padH, p.padW); // [Cin, kh, kw, Cout]
      return k.finish(k.transpose(r, [1, 2, 0, 3]));
    } catch (e) {
      k.fail();
      throw e;
    }
  };
}

function backpropInputKernel(tf: Tf, backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    const info = convGeometry(tf, a.inputShape, filter.shape, a);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, inHeight: h, inWidth: w } = info;
    const { top, left } = info.padInfo;
    const k = new KernelRunner(tf, backend as unknown as Backend, backendName);
    try {
      const wf = k.flipSwapFilter(filter);
      const dyd = k.dilate(dy, sh, sw); // rows: ho*sh (the last sh-1 are zeros)
      const padH: Pads = [kh - 1 - top, h - 1 + top - (ho - 1) * sh - (sh - 1)];
      const padW: Pads = [kw - 1 - left, w - 1 + left - (wo - 1) * sw - (sw - 1)];
      const p = k.padOrCrop(dyd, padH, padW);
      return k.finish(k.conv2d(p.x, wf, [1, 1], p.padH, p.padW));
    } catch (e) {
      k.fail();
      throw e;
    }
  };
}

type HeapBackend = Backend & {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
};

/** MaxPoolGrad as TensorFlow defines it: each window's dy goes to its first maximum. */
function maxPoolGradLoop(tf: Tf): KernelFunc {
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

/**
 * DepthToSpace (NHWC) by block copies inside the wasm heap. For each (n, h, w, i) the r*C input
 * values for output row h*r+i are contiguous in both tensors, so the shuffle is a series of
 * memmoves: about 80x faster here than tfjs-backend-wasm 4.22's kernel (4 s -> 50 ms for a
 * 256x256x512 tensor). `inverse` gives space-to-depth (the gradient).
 */
function depthToSpaceCopy(inverse: boolean): KernelFunc {
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

/**
 * Sum over leading axes (a bias gradient: dy [n, h, w, c] summed to [c]) by one pass over wasm
 * memory in row order. tfjs-backend-wasm 4.22 first transposes the reduced axes innermost,
 * which makes the sum several times slower (8 ms -> about 2 ms for 4x32x32x512 here). Other
 * reductions go to `original`.
 */
function sumLeadingAxes(tf: Tf, original: KernelFunc): KernelFunc {
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

/**
 * Conv2D / FusedConv2D with few output channels (a network's last conv, e.g. 32 -> 1 at HR
 * size): XNNPACK pads the output channels to 8 and runs such a conv at a quarter of its usual
 * speed. We compute instead one 1x1 convolution to kh*kw*Cout channels (every tap's channel
 * sum for every pixel, a GEMM of width 9 for a 3x3 kernel) and add the taps' maps, shifted,
 * in a loop over wasm memory: about 2x faster (120 -> 60 ms for 1024x1024x32 -> 1).
 * Stride 1, no dilation, NHWC, linear or ReLU activation only; anything else goes to `original`.
 */
function fewOutputsConv(tf: Tf, backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, filter, bias } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { dilations?: number | [number, number]; activation?: string };
    const [kh, kw, cin, cout] = filter.shape;
    const dil = a.dilations ?? 1;
    const activation = a.activation ?? "linear";
    const ok =
      cout < 8 && cin >= 8 && kh * kw > 1 && kh * kw <= 25 && x.dtype === "float32" && (a.dataFormat ?? "NHWC") === "NHWC" &&
      (a.strides === 1 || (Array.isArray(a.strides) && a.strides[0] === 1 && a.strides[1] === 1)) &&
      (dil === 1 || (Array.isArray(dil) && dil[0] === 1 && dil[1] === 1)) &&
      (activation === "linear" || activation === "relu");
    if (!ok) return original(args);
    const info = convGeometry(tf, x.shape, filter.shape, a);
    const { outHeight: ho, outWidth: wo, inHeight: h, inWidth: w, batchSize: n } = info;
    const { top, left } = info.padInfo;
    const b = args.backend as unknown as HeapBackend;
    const k = new KernelRunner(tf, b, backendName);
    try {
      const taps = kh * kw;
      const width = taps * cout;
      // filter [kh, kw, Cin, Cout] -> [1, 1, Cin, taps * Cout]
      const f1 = b.makeOutput([1, 1, cin, width], "float32");
      k.adopt(f1);
      const fw = b.typedArrayFromHeap(filter);
      const f1d = b.typedArrayFromHeap(f1);
      for (let t = 0; t < taps; t++) {
        for (let c = 0; c < cin; c++) {
          for (let o = 0; o < cout; o++) f1d[c * width + t * cout + o] = fw[(t * cin + c) * cout + o];
        }
      }
      const z = k.conv2d(x, f1, [1, 1], [0, 0], [0, 0]); // [n, h, w, taps * Cout]
      const out = b.makeOutput([n, ho, wo, cout], "float32");
      const y = b.typedArrayFromHeap(out);
      const zd = b.typedArrayFromHeap(z);
      const bd = bias ? b.typedArrayFromHeap(bias) : null;
      if (bd && bd.length === cout) {
        for (let p = 0; p < y.length; p += cout) for (let o = 0; o < cout; o++) y[p + o] = bd[o];
      } else if (bd && bd.length === 1) {
        y.fill(bd[0]);
      } else {
        y.fill(0);
      }
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const t = i * kw + j;
          // Output pixel (oy, ox) reads input (oy + i - top, ox + j - left).
          const y0 = Math.max(0, top - i);
          const y1 = Math.min(ho, h + top - i);
          const x0 = Math.max(0, left - j);
          const x1 = Math.min(wo, w + left - j);
          for (let bi = 0; bi < n; bi++) {
            for (let oy = y0; oy < y1; oy++) {
              let yi = ((bi * ho + oy) * wo + x0) * cout;
              let zi = ((bi * h + oy + i - top) * w + x0 + j - left) * width + t * cout;
              if (cout === 1) {
                for (let ox = x0; ox < x1; ox++, zi += width) y[yi++] += zd[zi];
              } else {
                for (let ox = x0; ox < x1; ox++, zi += width) for (let o = 0; o < cout; o++) y[yi++] += zd[zi + o];
              }
            }
          }
        }
      }
      if (activation === "relu") for (let p = 0; p < y.length; p++) if (y[p] < 0) y[p] = 0;
      k.finish(out);
      return out;
    } catch (e) {
      k.fail();
      throw e;
    }
  };
}

/** Kernel name of our space-to-depth (wasm and cpu); other backends use reshape + transpose. */
export const SPACE_TO_DEPTH_KERNEL = "PssrSpaceToDepth";

/** Runs `original` once per batch item (slicing every 4D input) and concatenates. */
function perBatchItem(tf: Tf, backendName: string, original: KernelFunc): KernelFunc {
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

function wrapPerBatchItem(tf: Tf, kernelName: string, backendName: string): void {
  const config = tf.getKernel(kernelName, backendName);
  if (!config) return;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...config, kernelFunc: perBatchItem(tf, backendName, config.kernelFunc) });
}

const fixed = new Set<string>();

/** Works around batch > 1 bugs in tfjs 4.22 gradient kernels (see the file comment). Idempotent. */
export function fixBatchedGradientKernels(tf: Tf, backendName: string): void {
  if (fixed.has(backendName)) return;
  fixed.add(backendName);
  if (backendName === "wasm") {
    tf.unregisterKernel("DepthToSpace", "wasm");
    tf.registerKernel({ kernelName: "DepthToSpace", backendName: "wasm", kernelFunc: depthToSpaceCopy(false) });
    tf.registerKernel({ kernelName: SPACE_TO_DEPTH_KERNEL, backendName: "wasm", kernelFunc: depthToSpaceCopy(true) });
    for (const name of ["Conv2D", "FusedConv2D"]) {
      const conv = tf.getKernel(name, "wasm");
      if (!conv) continue;
      tf.unregisterKernel(name, "wasm");
      tf.registerKernel({ ...conv, kernelFunc: fewOutputsConv(tf, "wasm", conv.kernelFunc) });
    }
    const sum = tf.getKernel("Sum", "wasm");
    if (sum) {
      tf.unregisterKernel("Sum", "wasm");
      tf.registerKernel({ ...sum, kernelFunc: sumLeadingAxes(tf, sum.kernelFunc) });
    }
    tf.unregisterKernel("MaxPoolGrad", "wasm");
    tf.registerKernel({ kernelName: "MaxPoolGrad", backendName: "wasm", kernelFunc: maxPoolGradLoop(tf) });
  }
  if (backendName === "cpu") wrapPerBatchItem(tf, "ResizeNearestNeighborGrad", "cpu");
}

const registered = new Set<string>();

/**
 * Registers Conv2DBackpropFilter and a fast Conv2DBackpropInput for the backend named
 * `backendName` (default "wasm"), which must provide Conv2D, Transpose, Slice, Reverse,
 * Fill, Concat and DepthToSpace kernels. Idempotent.
 */
export function registerWasmTrainingKernels(tf: Tf, backendName = "wasm"): void {
  if (registered.has(backendName)) return;
  const configs: KernelConfig[] = [
    { kernelName: "Conv2DBackpropFilter", backendName, kernelFunc: backpropFilterKernel(tf, backendName) },
    { kernelName: "Conv2DBackpropInput", backendName, kernelFunc: backpropInputKernel(tf, backendName) },
  ];
  for (const c of configs) {
    if (tf.getKernel(c.kernelName, backendName)) tf.unregisterKernel(c.kernelName, backendName);
    tf.registerKernel(c);
  }
  registered.add(backendName);
  fixBatchedGradientKernels(tf, backendName);
  // Our own GEMM convolutions go in front of the kernels above (which remain their fallback);
  // PSSR_WASM_CONV=xnnpack keeps tfjs's XNNPACK forward and the compositions above.
  convModuleStatus = process.env.PSSR_WASM_CONV === "xnnpack" ? "off (PSSR_WASM_CONV=xnnpack)" : (registerConvModule(tf, backendName) ?? "on");
}

let convModuleStatus = "not loaded";

/** Whether our convolution module serves the wasm backend ("on"), or why not. */
export function wasmConvStatus(): string {
  return convModuleStatus;
}

/** The kernel names registerWasmTrainingKernels provides. */
export const WASM_TRAINING_KERNELS = ["Conv2DBackpropFilter", "Conv2DBackpropInput"] as const;
