// Convolution kernels for the tfjs WebAssembly backend from our own WebAssembly module
// (native/conv.c, built into conv-wasm-binary.ts): Conv2D, FusedConv2D (bias, ReLU),
// Conv2DBackpropFilter and Conv2DBackpropInput as one cache-blocked SIMD GEMM whose image
// operand is packed straight from the NHWC tensor (no im2col matrix, no transposes).
//
// Why: tfjs-backend-wasm's XNNPACK convolution re-creates its operator (repacking the weights)
// for every new filter tensor, which training makes every step, and lacks the two gradients; its
// micro-kernel is slower than ours (4 x 8 registers, no spills; the train rows of docs/BENCHMARKS.md).
// The module imports the backend's own memory, so tensors are used in place: a pointer is the
// tensor's heap offset. Anything it does not cover (NCHW, other activations) goes to the
// kernel it replaces. With more than one thread (setConvThreads), big calls run on the pool of
// conv-pool.ts instead, on copies of their operands: the same code on the same rows.
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { CONV_CALLS, STACK_BYTES, UNSPLIT_CALLS, type ConvCallName, type ConvExports } from "./conv-calls.js";
import { ConvPool } from "./conv-pool.js";
import { CONV_WASM_BASE64 } from "./conv-wasm-binary.js";
import type { Tf } from "./tf.js";

/** The parts of tfjs-backend-wasm's BackendWasm we use. */
interface WasmBackend {
  wasm: { _malloc(bytes: number): number; _free(ptr: number): void; asm?: { memory?: WebAssembly.Memory }; HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: string): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Most floats the col2im input gradient's column buffer may hold at once (16 MiB). */
const COL2IM_FLOATS = 4 * 1024 * 1024;
/** Smaller calls stay on the main thread, in place: waking the workers costs more than they save. */
const MIN_POOL_FLOPS = 4e6;
/**
 * Calls whose operands need more of the pool's memory stay in place too: the pool's copy of the
 * operands is extra memory that stays mapped (its arena never shrinks), so it is bounded.
 */
const MAX_POOL_BYTES = 96 * 1024 * 1024;

/** An argument of a module call: a number, a tensor (with what the call does with it), or a geometry block. */
type Operand = { tensor: TensorInfo; role: "in" | "out" | "zeroed-out" | "scratch" };
type Arg = number | Operand | { geometry: ConvInfo };
interface Step {
  call: ConvCallName;
  args: Arg[];
  /** The rows the call's output splits into (threads take blocks of them). */
  rows: number;
}

const tensorBytes = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1) * 4;

/** Bytes of the distinct tensors `steps` use. */
function operandBytes(steps: Step[]): number {
  const seen = new Set<object>();
  let bytes = 0;
  for (const s of steps) {
    for (const a of s.args) {
      if (typeof a === "number" || "geometry" in a || seen.has(a.tensor.dataId)) continue;
      seen.add(a.tensor.dataId);
      bytes += tensorBytes(a.tensor);
    }
  }
  return bytes;
}

function geometryValues(info: ConvInfo): number[] {
  const p = info.padInfo;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    p.top,
    p.left,
    info.outHeight,
    info.outWidth,
    info.outChannels,
  ];
}

/** Our module bound to one backend's memory, with its workspace allocated there. */
export class ConvModule {
  private readonly g: number;
  private readonly ws: number;
  /** Threads beyond the main one, when the pool runs (big calls go there; see conv-pool.ts). */
  pool: ConvPool | null = null;

  private constructor(
    readonly backend: WasmBackend,
    private readonly fns: ConvExports,
  ) {
    const m = backend.wasm;
    this.ws = m._malloc(fns.workspace_floats() * 4 + 16);
    this.g = m._malloc(fns.geometry_ints() * 4);
    const stack = m._malloc(STACK_BYTES);
    if (!this.ws || !this.g || !stack) throw new Error("could not allocate the convolution workspace in the wasm heap");
    // Any stack our code needs lives in this block (the stack grows down, 16-byte aligned).
    fns.__stack_pointer.value = ((stack + STACK_BYTES) & ~15) >>> 0;
  }

  /** Instantiates the module in `backend`'s memory; null (with the reason) where it cannot. */
  static create(backend: unknown): { module: ConvModule } | { error: string } {
    const b = backend as WasmBackend;
    const memory = b?.wasm?.asm?.memory;
    if (!(memory instanceof WebAssembly.Memory)) return { error: "the wasm backend does not expose its memory" };
    try {
      const bytes = Buffer.from(CONV_WASM_BASE64, "base64");
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      return { module: new ConvModule(b, instance.exports as unknown as ConvExports) };
    } catch (e) {
      return { error: `our convolution module did not load: ${(e as Error).message}` };
    }
  }

  ptr(t: TensorInfo): number {
    const d = this.backend.dataIdMap.get(t.dataId);
    if (!d) throw new Error("tensor is not on the wasm backend");
    return d.memoryOffset;
  }

  /**
   * Runs `steps` in place in tfjs's heap, or, when the pool runs and the work is big enough,
   * in the pool's shared memory: operands copied in, rows split between the threads, outputs
   * copied back. Both run the same code on the same rows, so the results are the same bits.
   */
  private exec(steps: Step[], flops: number): void {
    const pool = this.pool;
    // A call no thread can share (UNSPLIT_CALLS) would only pay for the copies.
    const splittable = steps.some((s) => !UNSPLIT_CALLS.has(s.call));
    if (!pool || !splittable || flops < MIN_POOL_FLOPS || operandBytes(steps) > MAX_POOL_BYTES) {
      const heap = this.backend.wasm.HEAPU8;
      const zeroed = new Set<object>();
      const resolve = (a: Arg): number => {
        if (typeof a === "number") return a;
        if ("geometry" in a) {
          const v = geometryValues(a.geometry);
          new Int32Array(heap.buffer, this.g, v.length).set(v);
          return this.g;
        }
        const p = this.ptr(a.tensor);
        if (a.role === "zeroed-out" && !zeroed.has(a.tensor.dataId)) {
          zeroed.add(a.tensor.dataId);
          heap.fill(0, p, p + tensorBytes(a.tensor));
        }
        return p;
      };
      for (const s of steps) CONV_CALLS[s.call](this.fns, s.args.map(resolve), this.ws, 0, s.rows);
      return;
    }
    pool.resetArena();
    const placed = new Map<object, number>();
    const operands: Operand[] = [];
    // Place everything first: growing the shared memory replaces its buffer.
    for (const s of steps) {
      for (const a of s.args) {
        if (typeof a === "number") continue;
        const key = "geometry" in a ? a.geometry : a.tensor.dataId;
        if (placed.has(key)) continue;
        placed.set(key, pool.place("geometry" in a ? geometryValues(a.geometry).length * 4 : tensorBytes(a.tensor)));
        if (!("geometry" in a)) operands.push(a);
      }
    }
    const mem = pool.bytes();
    const heap = this.backend.wasm.HEAPU8;
    for (const s of steps) {
      for (const a of s.args) {
        if (typeof a === "number" || !("geometry" in a)) continue;
        const v = geometryValues(a.geometry);
        new Int32Array(mem.buffer, placed.get(a.geometry)!, v.length).set(v);
      }
    }
    for (const o of operands) {
      const at = placed.get(o.tensor.dataId)!;
      const n = tensorBytes(o.tensor);
      if (o.role === "in") mem.set(heap.subarray(this.ptr(o.tensor), this.ptr(o.tensor) + n), at);
      else if (o.role === "zeroed-out") mem.fill(0, at, at + n);
    }
    const resolve = (a: Arg): number => (typeof a === "number" ? a : placed.get("geometry" in a ? a.geometry : a.tensor.dataId)!);
    for (const s of steps) pool.run(s.call, s.args.map(resolve), s.rows);
    const out = this.backend.wasm.HEAPU8;
    for (const o of operands) {
      if (o.role !== "out" && o.role !== "zeroed-out") continue;
      const at = placed.get(o.tensor.dataId)!;
      out.set(mem.subarray(at, at + tensorBytes(o.tensor)), this.ptr(o.tensor));
    }
  }

  conv2d(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, relu: boolean, info: ConvInfo): TensorInfo {
    const out = this.backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], "float32");
    const biasLen = bias ? bias.shape.reduce((a, b) => a * b, 1) : 0;
    const pixels = info.batchSize * info.outHeight * info.outWidth;
    const flops = 2 * pixels * info.outChannels * info.filterHeight * info.filterWidth * info.inChannels;
    const args: Arg[] = [{ tensor: x, role: "in" }, { tensor: filter, role: "in" }, bias ? { tensor: bias, role: "in" } : 0, biasLen, relu ? 1 : 0, { tensor: out, role: "out" }, { geometry: info }];
    // One output: a dot product per pixel (the GEMM would pad the one output to 8).
    if (info.outChannels === 1) this.exec([{ call: "conv2d_cout1", args, rows: info.batchSize * info.outHeight }], flops);
    else this.exec([{ call: "conv2d", args, rows: pixels }], flops);
    return out;
  }

  backpropFilter(x: TensorInfo, dy: TensorInfo, info: ConvInfo): TensorInfo {
    const out = this.backend.makeOutput([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels], "float32");
    const entries = info.filterHeight * info.filterWidth * info.inChannels;
    const flops = 2 * entries * info.outChannels * info.batchSize * info.outHeight * info.outWidth;
    const args: Arg[] = [{ tensor: x, role: "in" }, { tensor: dy, role: "in" }, { tensor: out, role: "out" }, { geometry: info }];
    this.exec([{ call: info.outChannels === 1 ? "backprop_filter_cout1" : "backprop_filter", args, rows: entries }], flops);
    return out;
  }

  backpropInput(dy: TensorInfo, filter: TensorInfo, info: ConvInfo): TensorInfo {
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: cin, outChannels: cout, filterHeight: kh, filterWidth: kw } = info;
    const b = this.backend;
    const flops = 2 * n * info.outHeight * info.outWidth * cout * kh * kw * cin;
    if (cout === 1) {
      const dx = b.makeOutput([n, h, w, cin], "float32");
      this.exec([{ call: "backprop_input_cout1", args: [{ tensor: dy, role: "in" }, { tensor: filter, role: "in" }, { tensor: dx, role: "out" }, { geometry: info }], rows: n * h }], flops);
      return dx;
    }
    // The flipped filter's GEMM has cin outputs: with few of them (not a multiple of the 8-wide
    // register block) the columns dy * filter^T (kh*kw*cin wide) use the block better.
    const flip = info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1 && (cin % 8 === 0 || cin >= 64);
    if (flip) {
      // dx = conv(dy, rot180(filter) with in/out swapped), padded by k - 1 - pad.
      const flipped = b.makeOutput([kh, kw, cout, cin], "float32");
      try {
        this.fns.flip_swap_filter(this.ptr(filter), this.ptr(flipped), kh, kw, cin, cout);
        const p = info.padInfo;
        const swapped: ConvInfo = {
          ...info,
          inHeight: info.outHeight,
          inWidth: info.outWidth,
          inChannels: cout,
          outHeight: h,
          outWidth: w,
          outChannels: cin,
          padInfo: { ...p, top: kh - 1 - p.top, left: kw - 1 - p.left },
        };
        return this.conv2d(dy, flipped, undefined, false, swapped);
      } finally {
        b.disposeData(flipped.dataId);
      }
    }
    // Strided or dilated: columns dy * filter^T, scattered back (col2im), in chunks of pixels.
    const dx = b.makeOutput([n, h, w, cin], "float32");
    const taps = kh * kw * cin;
    const pixels = n * info.outHeight * info.outWidth;
    const chunk = Math.max(1, Math.min(pixels, Math.floor(COL2IM_FLOATS / taps)));
    const cols = b.makeOutput([chunk * taps], "float32");
    try {
      const steps: Step[] = [];
      const dxArg: Operand = { tensor: dx, role: "zeroed-out" };
      const colsArg: Operand = { tensor: cols, role: "scratch" };
      for (let p0 = 0; p0 < pixels; p0 += chunk) {
        const count = Math.min(chunk, pixels - p0);
        steps.push({ call: "backprop_input_cols", args: [{ tensor: dy, role: "in" }, { tensor: filter, role: "in" }, colsArg, p0, { geometry: info }], rows: count });
        steps.push({ call: "backprop_input_scatter", args: [dxArg, colsArg, p0, count, { geometry: info }], rows: count });
      }
      this.exec(steps, flops);
    } finally {
      b.disposeData(cols.dataId);
    }
    return dx;
  }
}

type ConvInfo = ReturnType<Tf["backend_util"]["computeConv2DInfo"]>;

/** The attributes tfjs's Conv2D-family kernels share. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat?: "NHWC" | "NCHW";
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  activation?: string;
}

/** tfjs's conv geometry (output size, padding) for NHWC. */
export function convInfo(tf: Tf, xShape: number[], filterShape: number[], a: ConvAttrs): ConvInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    false,
    "channelsLast",
  );
}

const covered = (a: ConvAttrs, ...ts: (TensorInfo | undefined)[]) =>
  (a.dataFormat ?? "NHWC") === "NHWC" && ts.every((t) => t === undefined || t.dtype === "float32");

function forwardKernel(tf: Tf, mod: ConvModule, original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const a = args.attrs as unknown as ConvAttrs;
    const activation = a.activation ?? "linear";
    const biasLen = bias ? bias.shape.reduce((p, q) => p * q, 1) : 0;
    if (!x || !filter || !covered(a, x, filter, bias) || preluActivationWeights || (activation !== "linear" && activation !== "relu")) return original(args);
    if (bias && biasLen !== 1 && biasLen !== filter.shape[3]) return original(args);
    // 2 to 7 outputs: the kernel we wrap (one 1x1 GEMM to every tap, then shifted adds) is faster.
    if (filter.shape[3] > 1 && filter.shape[3] < 8) return original(args);
    return mod.conv2d(x, filter, bias, activation === "relu", convInfo(tf, x.shape, filter.shape, a));
  };
}

function backpropFilterKernel(tf: Tf, mod: ConvModule, original: KernelFunc): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    if (!covered(a, x, dy)) return original(args);
    return mod.backpropFilter(x, dy, convInfo(tf, x.shape, a.filterShape, a));
  };
}

function backpropInputKernel(tf: Tf, mod: ConvModule, original: KernelFunc): KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    if (!covered(a, dy, filter)) return original(args);
    return mod.backpropInput(dy, filter, convInfo(tf, a.inputShape, filter.shape, a));
  };
}

/**
 * Puts our kernels in front of the backend's Conv2D, FusedConv2D, Conv2DBackpropFilter and
 * Conv2DBackpropInput (which stay as the fallback for what ours do not cover). Returns why
 * not, when the module cannot load there.
 */
export function registerConvModule(tf: Tf, backendName = "wasm"): string | null {
  const made = ConvModule.create(tf.findBackend(backendName));
  if ("error" in made) return made.error;
  active = made.module;
  const wrap: Record<string, (o: KernelFunc) => KernelFunc> = {
    Conv2D: (o) => forwardKernel(tf, made.module, o),
    FusedConv2D: (o) => forwardKernel(tf, made.module, o),
    Conv2DBackpropFilter: (o) => backpropFilterKernel(tf, made.module, o),
    Conv2DBackpropInput: (o) => backpropInputKernel(tf, made.module, o),
  };
  for (const [name, make] of Object.entries(wrap)) {
    const config = tf.getKernel(name, backendName) as KernelConfig | undefined;
    const original: KernelFunc =
      config?.kernelFunc ??
      (() => {
        throw new Error(`backend ${backendName} has no ${name} kernel for this case`);
      });
    if (config) tf.unregisterKernel(name, backendName);
    tf.registerKernel({ ...(config ?? {}), kernelName: name, backendName, kernelFunc: make(original) });
  }
  return null;
}

let active: ConvModule | null = null;

/**
 * Runs our module's big calls on `threads` threads (1: in place on the main thread, no pool).
 * Returns the count in use: 1 where our module is not loaded.
 */
export async function setConvThreads(threads: number): Promise<number> {
  if (!active) return 1;
  if ((active.pool?.threads ?? 1) === threads) return threads;
  const old = active.pool;
  active.pool = null;
  await old?.close();
  if (threads > 1) active.pool = await ConvPool.start(threads);
  return threads;
}

/** The pool serving our module now, or null (test hooks and reports). */
export function convPool(): ConvPool | null {
  return active?.pool ?? null;
}
