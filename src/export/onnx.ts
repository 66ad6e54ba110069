// ONNX export of a restoration network, by tracing the same architecture code that runs in tfjs.
//
// `forward()` (src/model/architectures.ts) is called with a Params whose `conv` and whose `tf`
// record ONNX nodes instead of computing: every layer the network uses becomes one node, so the
// ONNX graph cannot drift from the tfjs network. Layout NCHW (batch, channel, y, x), as the
// BioImage Model Zoo and ONNX's Conv expect; height and width are dynamic (any multiple of the
// model's input multiple). Opset 17 (ONNX 1.12, IR version 8): Conv, Relu, Add, Concat,
// AveragePool, MaxPool, Resize (linear half_pixel = tfjs/PyTorch align_corners=False; nearest
// asymmetric floor = Keras UpSampling2D), DepthToSpace (DCR = TensorFlow's depth_to_space
// order), Slice, Softplus, Identity.
//
// The trace also bounds each tensor's reach: how far (in input pixels) a change of the input can
// move an output pixel; predictions tiled with that halo equal the whole-image prediction.
import type { Tensor4D } from "@tensorflow/tfjs-core";
import type { Tf } from "../backend/tf.js";
import { PssrError } from "../errors.js";
import { forward, inputMultiple, outputChannels, type ModelSpec } from "../model/architectures.js";
import { Params, type Init } from "../model/params.js";
import type { RestorationModel } from "../model/model.js";
import { ProtoWriter } from "./protobuf.js";

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;
const FLOAT = 1;
const INT64 = 7;

/** A traced tensor: an ONNX value name plus the NHWC shape the architecture code reads. */
class Sym {
  constructor(
    readonly name: string,
    readonly shape: [number, number, number, number],
    /** Upper bound of the input pixels (LR) on either side that can affect one element. */
    readonly reachPx: number,
    /** Size of one of this tensor's pixels in input (LR) pixels. */
    readonly pixelPx: number,
  ) {}
}

type Attr = { name: string; ints?: number[]; i?: number; s?: string; f?: number };

interface NodeRec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Attr[];
}

interface Initializer {
  name: string;
  dims: number[];
  type: typeof FLOAT | typeof INT64;
  raw: Uint8Array;
}

class GraphBuilder {
  readonly nodes: NodeRec[] = [];
  readonly initializers: Initializer[] = [];
  private counter = 0;

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  node(op: string, inputs: string[], attrs: Attr[] = [], output?: string): string {
    const out = output ?? this.fresh(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [out], attrs });
    return out;
  }

  floatConst(name: string, dims: number[], values: Float32Array): string {
    const raw = new Uint8Array(values.length * 4);
    const dv = new DataView(raw.buffer);
    values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    this.initializers.push({ name, dims, type: FLOAT, raw });
    return name;
  }

  intConst(dims: number[], values: number[]): string {
    const name = this.fresh("const_i64");
    const raw = new Uint8Array(values.length * 8);
    const dv = new DataView(raw.buffer);
    values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
    this.initializers.push({ name, dims, type: INT64, raw });
    return name;
  }
}

function unsupported(op: string): never {
  throw new PssrError("model-invalid", `the ONNX exporter has no rule for tf.${op} (the network uses a layer it does not know)`);
}

function sameSym(a: Sym, b: Sym): void {
  if (a.pixelPx !== b.pixelPx || a.shape[1] !== b.shape[1] || a.shape[2] !== b.shape[2]) {
    throw new PssrError("model-invalid", `ONNX export: joined tensors differ in size (${a.shape} vs ${b.shape})`);
  }
}

/** A stand-in for the tfjs namespace whose ops append ONNX nodes (only those the networks use). */
function tracingTf(g: GraphBuilder): Tf {
  const ops = {
    add(a: Sym, b: Sym | number): Sym {
      if (typeof b === "number") {
        const c = g.floatConst(g.fresh("scalar"), [], Float32Array.of(b));
        return new Sym(g.node("Add", [a.name, c]), a.shape, a.reachPx, a.pixelPx);
      }
      sameSym(a, b);
      return new Sym(g.node("Add", [a.name, b.name]), a.shape, Math.max(a.reachPx, b.reachPx), a.pixelPx);
    },
    relu(x: Sym): Sym {
      return new Sym(g.node("Relu", [x.name]), x.shape, x.reachPx, x.pixelPx);
    },
    softplus(x: Sym): Sym {
      return new Sym(g.node("Softplus", [x.name]), x.shape, x.reachPx, x.pixelPx);
    },
    avgPool(x: Sym, filter: number, stride: number, pad: string): Sym {
      return pool("AveragePool", x, filter, stride, pad);
    },
    maxPool(x: Sym, filter: number, stride: number, pad: string): Sym {
      return pool("MaxPool", x, filter, stride, pad);
    },
    concat(xs: Sym[], axis: number): Sym {
      if (axis !== 3 && axis !== -1) unsupported(`concat on axis ${axis}`);
      for (const x of xs) sameSym(xs[0], x);
      const c = xs.reduce((n, x) => n + x.shape[3], 0);
      const s = xs[0].shape;
      return new Sym(g.node("Concat", xs.map((x) => x.name), [{ name: "axis", i: 1 }]), [s[0], s[1], s[2], c], Math.max(...xs.map((x) => x.reachPx)), xs[0].pixelPx);
    },
    depthToSpace(x: Sym, r: number, format: string): Sym {
      if (format !== "NHWC") unsupported(`depthToSpace with ${format}`);
      const [n, h, w, c] = x.shape;
      const out = g.node("DepthToSpace", [x.name], [{ name: "blocksize", i: r }, { name: "mode", s: "DCR" }]);
      return new Sym(out, [n, h * r, w * r, c / (r * r)], x.reachPx + x.pixelPx, x.pixelPx / r);
    },
    slice(x: Sym, begin: number[], size: number[]): Sym {
      // Only channel slices occur (the middle frame of a stack).
      if (begin.slice(0, 3).some((b) => b !== 0) || size.slice(0, 3).some((s) => s !== -1)) unsupported("slice of a spatial or batch axis");
      const c0 = begin[3];
      const c1 = size[3] === -1 ? x.shape[3] : c0 + size[3];
      const out = g.node("Slice", [x.name, g.intConst([1], [c0]), g.intConst([1], [c1]), g.intConst([1], [1])]);
      return new Sym(out, [x.shape[0], x.shape[1], x.shape[2], c1 - c0], x.reachPx, x.pixelPx);
    },
    image: {
      resizeBilinear(x: Sym, size: [number, number], alignCorners = false, halfPixelCenters = false): Sym {
        if (alignCorners || !halfPixelCenters) unsupported("image.resizeBilinear other than half-pixel centres");
        return resize(x, size, [{ name: "mode", s: "linear" }, { name: "coordinate_transformation_mode", s: "half_pixel" }]);
      },
      resizeNearestNeighbor(x: Sym, size: [number, number], alignCorners = false, halfPixelCenters = false): Sym {
        if (alignCorners || halfPixelCenters) unsupported("image.resizeNearestNeighbor other than asymmetric");
        return resize(x, size, [
          { name: "mode", s: "nearest" },
          { name: "coordinate_transformation_mode", s: "asymmetric" },
          { name: "nearest_mode", s: "floor" },
        ]);
      },
    },
  };
  function pool(op: string, x: Sym, filter: number, stride: number, pad: string): Sym {
    const [n, h, w, c] = x.shape;
    // 'same' with filter == stride on sides that divide evenly pads nothing (the input multiple guarantees it).
    if (filter !== stride || h % stride !== 0 || w % stride !== 0 || (pad !== "same" && pad !== "valid")) unsupported(`${op} ${filter}/${stride} ${pad} on ${h}x${w}`);
    const out = g.node(op, [x.name], [{ name: "kernel_shape", ints: [filter, filter] }, { name: "strides", ints: [stride, stride] }]);
    return new Sym(out, [n, h / stride, w / stride, c], x.reachPx + filter * x.pixelPx, x.pixelPx * stride);
  }
  function resize(x: Sym, size: [number, number], attrs: Attr[]): Sym {
    const [n, h, w, c] = x.shape;
    const fy = size[0] / h;
    const fx = size[1] / w;
    if (!Number.isInteger(fy) || fy !== fx || fy < 1) unsupported(`resize by ${fy}x${fx}`);
    const scales = g.floatConst(g.fresh("scales"), [4], Float32Array.of(1, 1, fy, fx));
    const out = g.node("Resize", [x.name, "", scales], attrs);
    return new Sym(out, [n, size[0], size[1], c], x.reachPx + x.pixelPx, x.pixelPx / fy);
  }
  return new Proxy(ops, {
    get(target, prop) {
      if (prop in target) return (target as Record<string | symbol, unknown>)[prop];
      return () => unsupported(String(prop));
    },
  }) as unknown as Tf;
}

/** Params whose convolutions become ONNX Conv nodes with the trained weights as initializers. */
class TracingParams extends Params {
  constructor(
    private readonly g: GraphBuilder,
    tf: Tf,
    private readonly weights: Map<string, { data: Float32Array; shape: number[] }>,
  ) {
    super(tf, 0);
  }

  override conv(name: string, x: Tensor4D, filters: number, opts: { kernel?: number; stride?: number; relu?: boolean; init?: Init } = {}): Tensor4D {
    const sx = x as unknown as Sym;
    const k = opts.kernel ?? 3;
    const stride = opts.stride ?? 1;
    const kernel = this.weights.get(`${name}/kernel`);
    const bias = this.weights.get(`${name}/bias`);
    const cin = sx.shape[3];
    if (!kernel || !bias || kernel.shape.join(",") !== [k, k, cin, filters].join(",")) {
      throw new PssrError("model-invalid", `ONNX export: weight ${name} is missing or has the wrong shape`);
    }
    // HWIO (tfjs) -> OIHW (ONNX).
    const oihw = new Float32Array(kernel.data.length);
    for (let y = 0; y < k; y++)
      for (let xx = 0; xx < k; xx++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < filters; o++) oihw[((o * cin + i) * k + y) * k + xx] = kernel.data[((y * k + xx) * cin + i) * filters + o];
    const wName = this.g.floatConst(`${name}/kernel`, [filters, cin, k, k], oihw);
    const bName = this.g.floatConst(`${name}/bias`, [filters], bias.data);
    // TensorFlow's 'same' padding: the odd pixel goes at the end (bottom/right).
    const [n, h, w] = sx.shape;
    const padFor = (size: number) => {
      const out = Math.ceil(size / stride);
      const total = Math.max((out - 1) * stride + k - size, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    };
    const [pt, pb] = padFor(h);
    const [pl, pr] = padFor(w);
    let out = this.g.node("Conv", [sx.name, wName, bName], [
      { name: "kernel_shape", ints: [k, k] },
      { name: "strides", ints: [stride, stride] },
      { name: "pads", ints: [pt, pl, pb, pr] },
      { name: "dilations", ints: [1, 1] },
      { name: "group", i: 1 },
    ]);
    if (opts.relu ?? true) out = this.g.node("Relu", [out]);
    const reach = sx.reachPx + sx.pixelPx * (stride === 1 ? Math.floor(k / 2) : k);
    return new Sym(out, [n, Math.ceil(h / stride), Math.ceil(w / stride), filters], reach, sx.pixelPx * stride) as unknown as Tensor4D;
  }
}

export interface OnnxExport {
  bytes: Uint8Array;
  opset: number;
  /** Input pixels of context each side that make a tiled prediction equal the whole one (a multiple of the input multiple). */
  haloPx: number;
  inputName: string;
  outputName: string;
}

/** Traces `spec` with `weights` (name -> HWIO/bias data) into an ONNX model. */
export function traceToOnnx(spec: ModelSpec, weights: Map<string, { data: Float32Array; shape: number[] }>, docString = ""): OnnxExport {
  const g = new GraphBuilder();
  const tf = tracingTf(g);
  const params = new TracingParams(g, tf, weights);
  params.creating = false;
  const m = inputMultiple(spec);
  // Any size that is a multiple of m traces the same graph; 4m keeps every level even.
  const side = 4 * m;
  const input = new Sym("input", [1, side, side, spec.inChannels], 0, 1);
  const result = forward(params, spec, input as unknown as Tensor4D) as unknown as Sym;
  const outC = outputChannels(spec);
  if (result.shape[3] !== outC || result.shape[1] !== side * spec.scale) throw new PssrError("model-invalid", `ONNX export: the traced output has shape ${result.shape}`);
  g.node("Identity", [result.name], [], "output");
  const haloPx = Math.ceil(result.reachPx / m) * m;
  return { bytes: encodeModel(g, spec, outC, docString), opset: ONNX_OPSET, haloPx, inputName: "input", outputName: "output" };
}

/** ONNX export of a loaded model (reads its weights; no tensors are created). */
export function modelToOnnx(model: RestorationModel, docString = ""): OnnxExport {
  const weights = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const [name, v] of Object.entries(model.namedWeights())) weights.set(name, { data: v.dataSync() as Float32Array, shape: v.shape });
  return traceToOnnx(model.spec, weights, docString);
}

function valueInfo(name: string, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === "number" ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

function encodeModel(g: GraphBuilder, spec: ModelSpec, outC: number, docString: string): Uint8Array {
  const graph = new ProtoWriter();
  g.nodes.forEach((n, i) => {
    const node = new ProtoWriter();
    for (const x of n.inputs) node.string(1, x);
    for (const x of n.outputs) node.string(2, x);
    node.string(3, `${n.op}_${i}`).string(4, n.op);
    for (const a of n.attrs) {
      const attr = new ProtoWriter().string(1, a.name);
      if (a.ints) attr.packedInts(8, a.ints).int(20, 7);
      else if (a.i !== undefined) attr.int(3, a.i).int(20, 2);
      else if (a.s !== undefined) attr.string(4, a.s).int(20, 3);
      else if (a.f !== undefined) attr.float(2, a.f).int(20, 1);
      node.message(5, attr);
    }
    graph.message(1, node);
  });
  graph.string(2, `pssr-lab ${spec.arch} x${spec.scale}`);
  for (const t of g.initializers) {
    const tensor = new ProtoWriter();
    if (t.dims.length) tensor.packedInts(1, t.dims);
    tensor.int(2, t.type).string(8, t.name).bytes(9, t.raw);
    graph.message(5, tensor);
  }
  if (docString) graph.string(10, docString);
  graph.message(11, valueInfo("input", ["batch", spec.inChannels, "height", "width"]));
  graph.message(12, valueInfo("output", ["batch", outC, "out_height", "out_width"]));
  const model = new ProtoWriter()
    .int(1, ONNX_IR_VERSION)
    .string(2, "pssr-lab")
    .string(3, "0.1.0")
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, "").int(2, ONNX_OPSET));
  return model.finish();
}
