// Convolution kernels composed from tfjs-backend-wasm's own XNNPACK kernels, so that conv nets
// train on wasm even without our module (PSSR_WASM_CONV=xnnpack, NCHW, other activations):
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
// - Conv2D / FusedConv2D with fewer than 8 output channels (the last conv): a 1x1 conv to
//   every tap plus shifted adds (XNNPACK pads the GEMM width to 8).
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { ConvAttrs } from "../conv-wasm.js";
import type { Tf } from "../tf.js";
import { convGeometry, KernelRunner, type Backend, type HeapBackend, type Pads } from "./kernel-runner.js";

export function backpropFilterComposed(tf: Tf, backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    const info = convGeometry(tf, x.shape, a.filterShape, a);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, inHeight: h, inWidth: w } = info;
    const { top, left } = info.padInfo;
    return KernelRunner.evaluate(tf, backend as unknown as Backend, backendName, (k) => {
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
        return k.run("Reshape", { x: dw }, { shape: [kh, kw, cin, cout] });
      }
      const xt = k.transpose(x, [3, 1, 2, 0]); // [Cin, H, W, N]
      const f = k.transpose(dy, [1, 2, 0, 3]); // [Hout, Wout, N, Cout]
      // Output rows = h + top + bottom - ((ho-1)*sh + 1) + 1 must equal kh.
      const bottom = kh + (ho - 1) * sh - h - top;
      const right = kw + (wo - 1) * sw - w - left;
      const p = k.padOrCrop(xt, [top, bottom], [left, right]);
      const r = k.conv2d(p.x, f, [sh, sw], p.padH, p.padW); // [Cin, kh, kw, Cout]
      return k.transpose(r, [1, 2, 0, 3]);
    });
  };
}

export function backpropInputComposed(tf: Tf, backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    const info = convGeometry(tf, a.inputShape, filter.shape, a);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, inHeight: h, inWidth: w } = info;
    const { top, left } = info.padInfo;
    return KernelRunner.evaluate(tf, backend as unknown as Backend, backendName, (k) => {
      const wf = k.flipSwapFilter(filter);
      const dyd = k.dilate(dy, sh, sw); // rows: ho*sh (the last sh-1 are zeros)
      const padH: Pads = [kh - 1 - top, h - 1 + top - (ho - 1) * sh - (sh - 1)];
      const padW: Pads = [kw - 1 - left, w - 1 + left - (wo - 1) * sw - (sw - 1)];
      const p = k.padOrCrop(dyd, padH, padW);
      return k.conv2d(p.x, wf, [1, 1], p.padH, p.padW);
    });
  };
}

/**
 * Conv2D / FusedConv2D with few output channels (a network's last conv, e.g. 32 -> 1 at HR
 * size): XNNPACK pads the output channels to 8 and runs such a conv at a quarter of its usual
 * speed. We compute instead one 1x1 convolution to kh*kw*Cout channels (every tap's channel
 * sum for every pixel, a GEMM of width 9 for a 3x3 kernel) and add the taps' maps, shifted,
 * in a loop over wasm memory: about twice as fast for few output channels.
 * Stride 1, no dilation, NHWC, linear or ReLU activation only; anything else goes to `original`.
 */
export function fewOutputsConv(tf: Tf, backendName: string, original: KernelFunc): KernelFunc {
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
    return KernelRunner.evaluate(tf, b, backendName, (k) => {
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
      return out;
    });
  };
}

