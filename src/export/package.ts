// Running a BioImage Model Zoo model package (ours or another tool's) with onnxruntime-node.
//
// A package is a .zip or a folder with rdf.yaml / bioimageio.yaml (format 0.5.x) and ONNX
// weights. One input and one output tensor with space axes y and x (plus optional batch and
// channel). Each sample (a plane; C channels; or a 5-frame window for our multi-frame models) is
// preprocessed as a whole (the statistics of scale_range etc. are per sample), then cut into
// tiles that overlap by twice the halo: every output pixel comes from a tile where it lies at
// least `halo` input pixels from the tile's inner edges, so the result equals the whole-sample
// prediction when the halo covers the network's reach. Then postprocessing. Our own packages
// (config.pssr_lab holds the card) are mapped back to the input's intensity scale, as
// `pssr predict MODEL_DIR` does.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { unzipSync } from "fflate";
import { parse } from "yaml";
import { PssrError, invalidArgument } from "../errors.js";
import type { DType, Image } from "../image/image.js";
import { castPixels, DTYPE_RANGE } from "../image/dtype.js";
import { getPlane, planeCount } from "../image/image.js";
import { percentiles } from "../image/percentile.js";
import { applyPercentileRange } from "../image/normalize.js";
import { DEFAULT_NORMALIZATION, type ModelCard, type NormalizationSpec } from "../model/card.js";
import { mirrorIndex } from "../image/boundary.js";
import { inputMultiple, outputChannels } from "../model/architectures.js";
import type { RestorationModel } from "../model/model.js";
import { CONFIG_KEY } from "./bioimageio.js";
import { tileStarts } from "../predict/predict.js";
import { threadCount } from "../backend/threads.js";

type Ort = typeof import("onnxruntime-node");
let ortModule: Ort | null = null;
/** onnxruntime-node, loaded on first use (CommonJS; its native library ships in the package). */
export function getOrt(): Ort {
  if (!ortModule) {
    try {
      ortModule = createRequire(import.meta.url)("onnxruntime-node") as Ort;
    } catch (e) {
      throw new PssrError("backend-unavailable", `onnxruntime-node cannot be loaded (${(e as Error).message.split("\n")[0]})`);
    }
  }
  return ortModule;
}

/** A preprocessing or postprocessing step of the package. */
export interface ProcessingStep {
  id: string;
  kwargs?: Record<string, unknown>;
}

interface AxisDescr {
  type: string;
  id?: string;
  size?: number | { min?: number; step?: number; tensor_id?: string; axis_id?: string; offset?: number };
  channel_names?: string[];
  halo?: number;
  scale?: number;
}

interface TensorDescr {
  id?: string;
  axes: AxisDescr[];
  preprocessing?: ProcessingStep[];
  postprocessing?: ProcessingStep[];
}

export interface ModelPackage {
  /** Where it was read from. */
  source: string;
  name: string;
  onnx: Uint8Array;
  /** Axis ids of the input and output in the tensors' order ("batch", "channel", "y", "x"). */
  inputAxes: string[];
  outputAxes: string[];
  inputChannels: number;
  outputChannels: number;
  outputChannelNames: string[];
  /** Output pixels per input pixel along y and x. */
  factor: number;
  /** Input pixels of context each side of a tile (a multiple of `stepPx`). */
  haloPx: number;
  /** Valid input sides: minPx + k * stepPx (stepPx 0: exactly minPx). */
  minPx: number;
  stepPx: number;
  preprocessing: ProcessingStep[];
  postprocessing: ProcessingStep[];
  /** Our card, when the package was exported by pssr-lab. */
  card: ModelCard | null;
  /** Model directories on `--engine onnx`: percentiles of the whole image, as predictImage (not per sample). */
  imageNormalization?: NormalizationSpec;
}

const SUPPORTED_STEPS = ["ensure_dtype", "scale_range", "zero_mean_unit_variance", "fixed_zero_mean_unit_variance", "scale_linear", "scale_mean_variance", "clip", "binarize", "sigmoid"];

/** A .zip file, or a folder holding rdf.yaml / bioimageio.yaml. */
export function isModelPackage(path: string): boolean {
  if (!existsSync(path)) return false;
  if (statSync(path).isFile()) return /\.zip$/i.test(path);
  return ["rdf.yaml", "bioimageio.yaml"].some((f) => existsSync(join(path, f)));
}

function readPackageFiles(path: string): (name: string) => Uint8Array {
  if (statSync(path).isDirectory()) {
    return (name) => {
      const p = join(path, name);
      if (!existsSync(p)) throw new PssrError("model-invalid", `the package has no file ${name}`, { file: path });
      return new Uint8Array(readFileSync(p));
    };
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(readFileSync(path)));
  } catch (e) {
    throw new PssrError("corrupt-file", `not a readable zip archive (${(e as Error).message})`, { file: path });
  }
  return (name) => {
    const bytes = entries[name] ?? entries[name.replace(/^\.\//, "")];
    if (!bytes) throw new PssrError("model-invalid", `the package has no file ${name}`, { file: path });
    return bytes;
  };
}

function spaceSize(axis: AxisDescr, where: string, file: string): { min: number; step: number } {
  const s = axis.size;
  if (typeof s === "number") return { min: s, step: 0 };
  if (s && typeof s.min === "number") return { min: s.min, step: s.step ?? 0 };
  throw new PssrError("unsupported-format", `${where} axis ${axis.id}: size ${JSON.stringify(s)} is neither fixed nor min/step`, { file });
}

/** Reads and checks a package; anything we cannot run is one PssrError line. */
export function openModelPackage(path: string): ModelPackage {
  if (!existsSync(path)) throw new PssrError("file-not-found", "no such model package", { file: path });
  const read = readPackageFiles(path);
  let text: string;
  try {
    text = new TextDecoder().decode(read("rdf.yaml"));
  } catch {
    text = new TextDecoder().decode(read("bioimageio.yaml"));
  }
  let rdf: Record<string, unknown>;
  try {
    rdf = parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new PssrError("model-invalid", `rdf.yaml is not valid YAML (${(e as Error).message.split("\n")[0]})`, { file: path });
  }
  const fv = String(rdf?.format_version ?? "");
  if (rdf?.type !== "model" || !fv.startsWith("0.5.")) {
    throw new PssrError("unsupported-format", `only model descriptions of format 0.5.x are supported, this is type ${String(rdf?.type)} format ${fv || "unknown"}`, { file: path });
  }
  const weights = (rdf.weights ?? {}) as Record<string, { source?: string; external_data?: unknown } | null>;
  const onnxDescr = weights.onnx;
  if (!onnxDescr?.source) {
    throw new PssrError("unsupported-format", `the package has no ONNX weights (it has: ${Object.keys(weights).filter((k) => weights[k]).join(", ") || "none"})`, { file: path });
  }
  if (onnxDescr.external_data) throw new PssrError("unsupported-format", "ONNX weights with external data are not supported", { file: path });
  if (/^https?:/.test(onnxDescr.source)) throw new PssrError("unsupported-format", `the ONNX weights are a URL (${onnxDescr.source}); download the full package`, { file: path });
  const inputs = (rdf.inputs ?? []) as TensorDescr[];
  const outputs = (rdf.outputs ?? []) as TensorDescr[];
  if (inputs.length !== 1 || outputs.length !== 1) throw new PssrError("unsupported-format", `models with ${inputs.length} inputs and ${outputs.length} outputs are not supported (one each)`, { file: path });
  const [inp] = inputs;
  const [out] = outputs;
  const check = (t: TensorDescr, where: string) => {
    const ids = t.axes.map((a) => (a.type === "space" ? a.id ?? "x" : a.type === "batch" || a.type === "channel" ? a.id ?? a.type : `${a.type}:${a.id ?? ""}`));
    const known = ids.filter((i) => ["batch", "channel", "y", "x"].includes(i));
    if (known.length !== ids.length || !ids.includes("y") || !ids.includes("x")) {
      throw new PssrError("unsupported-format", `${where} axes ${ids.join(",")}: only batch, channel, y and x are supported (2D images)`, { file: path });
    }
    return ids;
  };
  const inputAxes = check(inp, "input");
  const outputAxes = check(out, "output");
  const axis = (t: TensorDescr, id: string) => t.axes.find((a) => (a.type === "space" ? a.id ?? "x" : a.id ?? a.type) === id);
  const channels = (t: TensorDescr) => axis(t, "channel")?.channel_names?.length ?? 1;
  const sy = spaceSize(axis(inp, "y")!, "input", path);
  const sx = spaceSize(axis(inp, "x")!, "input", path);
  if (sy.min !== sx.min || sy.step !== sx.step) throw new PssrError("unsupported-format", "input y and x sizes differ in min/step (not supported)", { file: path });
  // Output size = input size * in.scale / out.scale (+ offset, which we do not support).
  const factorOf = (id: string) => {
    const o = axis(out, id)!;
    const i = axis(inp, id)!;
    const size = o.size;
    if (typeof size === "object" && size.tensor_id !== undefined) {
      if (size.offset) throw new PssrError("unsupported-format", `output axis ${id} has a size offset (not supported)`, { file: path });
      return (i.scale ?? 1) / (o.scale ?? 1);
    }
    if (typeof size === "number" && sy.step === 0) return size / sy.min;
    throw new PssrError("unsupported-format", `output axis ${id}: size ${JSON.stringify(size)} does not follow the input`, { file: path });
  };
  const factor = factorOf("y");
  if (Math.abs(factor - factorOf("x")) > 1e-9 || !(factor > 0) || Math.abs(factor - Math.round(factor)) > 1e-6) {
    throw new PssrError("unsupported-format", `output/input size ratio ${factor} is not a positive integer`, { file: path });
  }
  const f = Math.round(factor);
  const haloOut = Math.max(axis(out, "y")?.halo ?? 0, axis(out, "x")?.halo ?? 0);
  const step = sy.step;
  let halo = Math.ceil(haloOut / f);
  if (step > 0) halo = Math.ceil(halo / step) * step;
  const pre = inp.preprocessing ?? [];
  const post = out.postprocessing ?? [];
  for (const s of [...pre, ...post]) {
    if (!SUPPORTED_STEPS.includes(s.id)) throw new PssrError("unsupported-format", `processing step "${s.id}" is not supported (supported: ${SUPPORTED_STEPS.join(", ")})`, { file: path });
  }
  const config = (rdf.config ?? {}) as Record<string, { card?: ModelCard | null }>;
  return {
    source: path,
    name: String(rdf.name ?? path),
    onnx: read(onnxDescr.source),
    inputAxes,
    outputAxes,
    inputChannels: channels(inp),
    outputChannels: channels(out),
    outputChannelNames: axis(out, "channel")?.channel_names ?? ["output"],
    factor: f,
    haloPx: halo,
    minPx: sy.min,
    stepPx: step,
    preprocessing: pre,
    postprocessing: post,
    card: config[CONFIG_KEY]?.card ?? null,
  };
}

// ---------------------------------------------------------------- processing steps

/** A sample: channel-major planes, each h*w. */
interface Sample {
  data: Float32Array[];
  height: number;
  width: number;
}

function num(v: unknown, name: string, step: string, fallback?: number): number {
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new PssrError("model-invalid", `${step}: kwarg ${name} is missing`);
    return fallback;
  }
  if (typeof v !== "number") throw new PssrError("unsupported-format", `${step}: kwarg ${name} must be a number here, got ${JSON.stringify(v)}`);
  return v;
}

/** Index groups the statistics are computed over: all channels jointly, or each on its own. */
function groups(s: Sample, kwargs: Record<string, unknown>, step: string): number[][] {
  const axes = kwargs.axes as string[] | null | undefined;
  const all = s.data.map((_, c) => c);
  if (!axes) return [all];
  if (!axes.includes("y") || !axes.includes("x")) throw new PssrError("unsupported-format", `${step}: statistics over axes ${axes.join(",")} without both y and x are not supported`);
  return axes.includes("channel") ? [all] : all.map((c) => [c]);
}

function joined(s: Sample, chans: number[]): Float32Array {
  const n = s.height * s.width;
  const out = new Float32Array(n * chans.length);
  chans.forEach((c, i) => out.set(s.data[c], i * n));
  return out;
}

function meanStd(v: Float32Array): [number, number] {
  let sum = 0;
  for (const x of v) sum += x;
  const mean = sum / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return [mean, Math.sqrt(ss / v.length)];
}

/** Per-channel values of a kwarg that may be a scalar or a list along the channel axis. */
function perChannel(v: unknown, name: string, step: string, channels: number, fallback: number): number[] {
  if (Array.isArray(v)) {
    if (v.length !== channels) throw new PssrError("unsupported-format", `${step}: ${name} has ${v.length} values for ${channels} channels`);
    return v.map((x) => num(x, name, step));
  }
  return new Array(channels).fill(num(v, name, step, fallback));
}

/** Applies one step in place; `reference` is the raw input sample (for reference_tensor). */
export function applyStep(s: Sample, step: ProcessingStep, reference: Sample | null): void {
  const k = (step.kwargs ?? {}) as Record<string, unknown>;
  const map = (c: number, fn: (x: number) => number) => {
    const d = s.data[c];
    for (let i = 0; i < d.length; i++) d[i] = fn(d[i]);
  };
  const stats = (kw: Record<string, unknown>) => (kw.reference_tensor ? reference : s) ?? s;
  switch (step.id) {
    case "ensure_dtype": {
      const dtype = String(k.dtype ?? "float32");
      if (dtype === "float32" || dtype === "float64") return;
      const range = DTYPE_RANGE[dtype as DType];
      if (!range) throw new PssrError("unsupported-format", `ensure_dtype: dtype ${dtype} is not supported`);
      for (let c = 0; c < s.data.length; c++) map(c, (x) => Math.min(range[1], Math.max(range[0], Math.round(x))));
      return;
    }
    case "scale_range": {
      const pmin = num(k.min_percentile, "min_percentile", step.id, 0);
      const pmax = num(k.max_percentile, "max_percentile", step.id, 100);
      const eps = num(k.eps, "eps", step.id, 1e-6);
      const src = stats(k);
      for (const g of groups(s, k, step.id)) {
        const [lo, hi] = percentiles(joined(src, g), [pmin, pmax]);
        for (const c of g) map(c, (x) => (x - lo) / (hi - lo + eps));
      }
      return;
    }
    case "zero_mean_unit_variance": {
      const eps = num(k.eps, "eps", step.id, 1e-6);
      for (const g of groups(s, k, step.id)) {
        const [mean, std] = meanStd(joined(s, g));
        for (const c of g) map(c, (x) => (x - mean) / (std + eps));
      }
      return;
    }
    case "fixed_zero_mean_unit_variance": {
      const eps = num(k.eps, "eps", step.id, 1e-6);
      const mean = perChannel(k.mean, "mean", step.id, s.data.length, 0);
      const std = perChannel(k.std, "std", step.id, s.data.length, 1);
      for (let c = 0; c < s.data.length; c++) map(c, (x) => (x - mean[c]) / (std[c] + eps));
      return;
    }
    case "scale_linear": {
      const gain = perChannel(k.gain, "gain", step.id, s.data.length, 1);
      const offset = perChannel(k.offset, "offset", step.id, s.data.length, 0);
      for (let c = 0; c < s.data.length; c++) map(c, (x) => x * gain[c] + offset[c]);
      return;
    }
    case "scale_mean_variance": {
      if (!reference) throw new PssrError("unsupported-format", "scale_mean_variance needs a reference tensor");
      const eps = num(k.eps, "eps", step.id, 1e-6);
      for (const g of groups(s, k, step.id)) {
        const [m, sd] = meanStd(joined(s, g));
        const [rm, rsd] = meanStd(joined(reference, g.filter((c) => c < reference.data.length)));
        for (const c of g) map(c, (x) => ((x - m) / (sd + eps)) * (rsd + eps) + rm);
      }
      return;
    }
    case "clip": {
      for (const g of groups(s, k, step.id)) {
        const v = joined(s, g);
        const lo = k.min_percentile != null ? percentiles(v, [num(k.min_percentile, "min_percentile", step.id)])[0] : k.min != null ? num(k.min, "min", step.id) : -Infinity;
        const hi = k.max_percentile != null ? percentiles(v, [num(k.max_percentile, "max_percentile", step.id)])[0] : k.max != null ? num(k.max, "max", step.id) : Infinity;
        for (const c of g) map(c, (x) => Math.min(hi, Math.max(lo, x)));
      }
      return;
    }
    case "binarize": {
      const t = perChannel(k.threshold, "threshold", step.id, s.data.length, 0.5);
      for (let c = 0; c < s.data.length; c++) map(c, (x) => (x > t[c] ? 1 : 0));
      return;
    }
    case "sigmoid":
      for (let c = 0; c < s.data.length; c++) map(c, (x) => 1 / (1 + Math.exp(-x)));
      return;
    default:
      throw new PssrError("unsupported-format", `processing step "${step.id}" is not supported`);
  }
}

// ---------------------------------------------------------------- running

/** Smallest valid input side that is at least `side`. */
function validSide(pkg: ModelPackage, side: number): number {
  if (pkg.stepPx === 0) return pkg.minPx;
  return side <= pkg.minPx ? pkg.minPx : pkg.minPx + Math.ceil((side - pkg.minPx) / pkg.stepPx) * pkg.stepPx;
}

export interface PackageRunOptions {
  /** Requested tile side in input pixels (raised to a valid size above twice the halo). Default max(256, 4 x halo). */
  tilePx?: number;
  onWarning?: (message: string) => void;
}

/** A session on the package's ONNX weights, on `threads` intra-op threads (the process's compute threads: --threads, PSSR_THREADS or the cores it may use). */
export async function createSession(onnx: Uint8Array, threads = threadCount().count): Promise<import("onnxruntime-node").InferenceSession> {
  const ort = getOrt();
  try {
    return await ort.InferenceSession.create(onnx, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  } catch (e) {
    throw new PssrError("model-invalid", `onnxruntime cannot load the ONNX weights (${(e as Error).message.split("\n")[0]})`);
  }
}

/** Runs the network on one preprocessed sample, tiled by the halo. Returns channel-major output planes. */
async function runTiled(pkg: ModelPackage, session: import("onnxruntime-node").InferenceSession, s: Sample, tileReq: number): Promise<Sample> {
  const ort = getOrt();
  const { height: h, width: w } = s;
  const f = pkg.factor;
  const halo = pkg.haloPx;
  const step = Math.max(1, pkg.stepPx);
  const fixed = pkg.stepPx === 0;
  if (fixed && 2 * halo >= pkg.minPx) throw new PssrError("unsupported-format", `the package's fixed input size ${pkg.minPx} leaves nothing inside its halo ${halo}`);
  // The tile: a valid size leaving at least one step inside the halos.
  const tile = fixed ? pkg.minPx : validSide(pkg, Math.max(tileReq, 2 * halo + step));
  // Pad (reflecting, at the end) to a valid size, as predictImage pads to the input multiple.
  const PH = fixed ? Math.max(h, tile) : validSide(pkg, h);
  const PW = fixed ? Math.max(w, tile) : validSide(pkg, w);
  const tileH = Math.min(tile, PH);
  const tileW = Math.min(tile, PW);
  const C = s.data.length;
  const outC = pkg.outputChannels;
  const out: Float32Array[] = Array.from({ length: outC }, () => new Float32Array(PH * f * PW * f));
  const ys = tileStarts(PH, tileH, 2 * halo);
  const xs = tileStarts(PW, tileW, 2 * halo);
  const shapeIn = pkg.inputAxes.map((a) => (a === "batch" ? 1 : a === "channel" ? C : a === "y" ? tileH : tileW));
  // Strides of the declared input layout, so any order of batch/channel/y/x is filled correctly.
  const stridesOf = (axes: string[], shape: number[]) => {
    const st: Record<string, number> = {};
    let acc = 1;
    for (let i = axes.length - 1; i >= 0; i--) {
      st[axes[i]] = acc;
      acc *= shape[i];
    }
    return st;
  };
  const sIn = stridesOf(pkg.inputAxes, shapeIn);
  const buf = new Float32Array(C * tileH * tileW);
  for (const ty of ys) {
    for (const tx of xs) {
      for (let c = 0; c < C; c++) {
        const d = s.data[c];
        for (let y = 0; y < tileH; y++) {
          const sy = mirrorIndex(ty + y, h);
          for (let x = 0; x < tileW; x++) buf[c * (sIn.channel ?? 0) + y * sIn.y + x * sIn.x] = d[sy * w + mirrorIndex(tx + x, w)];
        }
      }
      const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", buf, shapeIn) };
      const result = await session.run(feeds);
      const o = result[session.outputNames[0]];
      const od = o.data as Float32Array;
      const dims = o.dims as number[];
      const sOut = stridesOf(pkg.outputAxes, dims);
      const TH = dims[pkg.outputAxes.indexOf("y")];
      const TW = dims[pkg.outputAxes.indexOf("x")];
      if (TH !== tileH * f || TW !== tileW * f) throw new PssrError("model-invalid", `the network returned ${TH}x${TW} for a ${tileH}x${tileW} tile, the description says x${f}`);
      // Keep what lies at least `halo` from the tile's inner edges (all of it at the image's edges).
      const y0 = (ty > 0 ? halo : 0) * f;
      const y1 = (ty + tileH < PH ? tileH - halo : tileH) * f;
      const x0 = (tx > 0 ? halo : 0) * f;
      const x1 = (tx + tileW < PW ? tileW - halo : tileW) * f;
      for (let c = 0; c < outC; c++) {
        const dst = out[c];
        for (let y = y0; y < y1; y++) {
          const row = (ty * f + y) * PW * f + tx * f;
          for (let x = x0; x < x1; x++) dst[row + x] = od[c * (sOut.channel ?? 0) + y * sOut.y + x * sOut.x];
        }
      }
      o.dispose?.();
    }
  }
  // Crop to the input's size times the factor.
  const H = h * f;
  const W = w * f;
  const cropped = out.map((d) => {
    const r = new Float32Array(H * W);
    for (let y = 0; y < H; y++) r.set(d.subarray(y * PW * f, y * PW * f + W), y * W);
    return r;
  });
  return { data: cropped, height: H, width: W };
}

export interface PackagePrediction {
  image: Image;
  /** Per-pixel Laplace scale of our probabilistic packages. */
  scale?: Image;
  warnings: string[];
}

/**
 * Restores `img` with a package: each plane (or C-channel group, or 5-frame window of our
 * multi-frame models) is one sample, preprocessed, run tiled, postprocessed.
 */
export async function predictWithPackage(pkg: ModelPackage, img: Image, options: PackageRunOptions = {}): Promise<PackagePrediction> {
  const n = planeCount(img);
  if (n === 0) throw new PssrError("empty-image", "the image has no planes");
  const h = img.shape[img.shape.length - 2];
  const w = img.shape[img.shape.length - 1];
  const C = pkg.inputChannels;
  const frames = pkg.card?.frames ?? 1;
  const ours = pkg.card !== null;
  // Which planes make each sample.
  let samples: number[][];
  let outLead: number[];
  let outAxes: string;
  if (C === 1) {
    samples = Array.from({ length: n }, (_, i) => [i]);
    outLead = img.shape.slice(0, -2);
    outAxes = img.axes;
  } else if (ours && frames === C) {
    // Our multi-frame models: frames t-2..t+2 around each plane, reflected at the ends.
    samples = Array.from({ length: n }, (_, i) => Array.from({ length: C }, (_, c) => mirrorIndex(i + c - (C >> 1), n)));
    outLead = img.shape.slice(0, -2);
    outAxes = img.axes;
  } else {
    const cAxis = img.axes.indexOf("C");
    if (cAxis !== img.axes.length - 3 || img.shape[cAxis] !== C) {
      throw invalidArgument(`the model takes ${C} channels; give an image whose C axis (just before YX) has ${C} channels, this one has axes ${img.axes} and shape ${img.shape.join("x")}`);
    }
    samples = Array.from({ length: n / C }, (_, i) => Array.from({ length: C }, (_, c) => i * C + c));
    outLead = img.shape.slice(0, -3);
    outAxes = img.axes.slice(0, -3) + "YX";
  }
  const probabilistic = ours && pkg.card?.spec?.probabilistic === true && pkg.outputChannels === 2;
  const keepChannels = !probabilistic && pkg.outputChannels > 1;
  if (keepChannels) {
    outLead = [...outLead, pkg.outputChannels];
    outAxes = outAxes.slice(0, -2) + "CYX";
  }
  const f = pkg.factor;
  const H = h * f;
  const W = w * f;
  const session = await createSession(pkg.onnx);
  const nOutPlanes = samples.length * (keepChannels ? pkg.outputChannels : 1);
  const mean = new Float32Array(nOutPlanes * H * W);
  const scale = probabilistic ? new Float32Array(samples.length * H * W) : undefined;
  const scaleRange = pkg.preprocessing.find((s) => s.id === "scale_range");
  // Model directories: one normalisation for the whole image (all planes), eps 1e-20, exactly predictImage's.
  const imageRange = pkg.imageNormalization ? percentiles(Float32Array.from(img.data as ArrayLike<number>), [pkg.imageNormalization.pmin, pkg.imageNormalization.pmax]) : null;
  try {
    for (const [i, planesOf] of samples.entries()) {
      const raw: Sample = { data: planesOf.map((p) => Float32Array.from(getPlane(img, p).data)), height: h, width: w };
      const x: Sample = { data: raw.data.map((d) => d.slice()), height: h, width: w };
      if (imageRange) {
        const [lo, hi] = imageRange;
        for (const d of x.data) applyPercentileRange(d, lo, hi, undefined, d);
      } else for (const step of pkg.preprocessing) applyStep(x, step, raw);
      // Default tiles: 256, or 4x the halo, so that at most half of each tile is context.
      const y = await runTiled(pkg, session, x, options.tilePx ?? Math.max(256, 4 * pkg.haloPx));
      for (const step of pkg.postprocessing) applyStep(y, step, raw);
      // Ours: back to the input's intensity scale with the scale_range percentiles (CSBDeep's PercentileNormalizer.after).
      let [lo, hi] = imageRange ?? [0, 1];
      if (!imageRange && ours && scaleRange && pkg.postprocessing.length === 0) {
        const k = scaleRange.kwargs ?? {};
        [lo, hi] = percentiles(joined(raw, raw.data.map((_, c) => c)), [Number(k.min_percentile ?? 0), Number(k.max_percentile ?? 100)]);
      }
      if (keepChannels) y.data.forEach((d, c) => mean.set(d, (i * pkg.outputChannels + c) * H * W));
      else {
        const off = i * H * W;
        const m = y.data[0];
        for (let j = 0; j < m.length; j++) mean[off + j] = m[j] * (hi - lo) + lo;
        if (scale) {
          const sc = y.data[1];
          for (let j = 0; j < sc.length; j++) scale[off + j] = sc[j] * (hi - lo);
        }
      }
    }
  } finally {
    await session.release?.();
  }
  const shape = [...outLead, H, W];
  const pixelSize = img.pixelSize ? { value: img.pixelSize.value / f, unit: img.pixelSize.unit } : null;
  const meta = { ...(img.meta ?? {}), restoration: { package: pkg.name, engine: "onnxruntime-node", scale: f, haloPx: pkg.haloPx } };
  const image: Image = { data: mean, shape, axes: outAxes, pixelSize, dtype: "float32", meta };
  const result: PackagePrediction = { image, warnings: [] };
  if (scale) result.scale = { ...image, data: scale };
  return result;
}

/** A loaded model as a package on onnxruntime (ONNX traced in memory; the caller still owns `model`). */
export async function packageFromModel(model: RestorationModel, card: ModelCard | null, source: string): Promise<ModelPackage> {
  const { modelToOnnx } = await import("./onnx.js");
  const spec = model.spec;
  const ex = modelToOnnx(model);
  const m = inputMultiple(spec);
  return {
    source,
    name: `${spec.arch} x${spec.scale} (${source})`,
    onnx: ex.bytes,
    inputAxes: ["batch", "channel", "y", "x"],
    outputAxes: ["batch", "channel", "y", "x"],
    inputChannels: spec.inChannels,
    outputChannels: outputChannels(spec),
    outputChannelNames: [],
    factor: spec.scale,
    haloPx: ex.haloPx,
    // Valid sizes are the multiples of m: padding as predictImage pads.
    minPx: m,
    stepPx: m,
    preprocessing: [],
    postprocessing: [],
    card: card ?? ({ frames: spec.inChannels, spec } as ModelCard),
    imageNormalization: card?.normalization ?? DEFAULT_NORMALIZATION,
  };
}

/** A model directory as a package on onnxruntime (`pssr predict MODEL_DIR --engine onnx`). */
export async function packageFromModelDir(dir: string): Promise<ModelPackage> {
  const { loadModelDir } = await import("../predict/load.js");
  const { model, card } = await loadModelDir(dir);
  try {
    return await packageFromModel(model, card, dir);
  } finally {
    model.dispose();
  }
}

/**
 * `pssr predict PACKAGE IN -o OUT`: reads IN, restores it with the package, writes OUT (and
 * the Laplace scale map with --scale-map). Options of model directories that packages lack are refused.
 */
/**
 * `pssr predict PACKAGE|MODEL_DIR --engine onnx`. `prepareInput` (the CLI's pixel-size matching)
 * sees the image before restoration, with our card when the package has one.
 */
export async function predictPackageCommand(
  path: string,
  input: string,
  out: string,
  v: Record<string, unknown>,
  prepareInput: (img: Image, card: ModelCard | null) => Image = (img) => img,
): Promise<number> {
  for (const opt of ["baseline", "ensemble", "disagreement", "init", "chunks", "chunk-index", "chunk-count", "block", "halo", "compressor", "overlap"]) {
    if (v[opt] !== undefined) throw invalidArgument(`--${opt} is not available with a model package or --engine onnx (tiles overlap by the halo)`);
  }
  const { readImage } = await import("../io/read.js");
  const { writeTiff } = await import("../io/write.js");
  const tile = v.tile === undefined ? undefined : Number(v.tile);
  if (tile !== undefined && (!Number.isInteger(tile) || tile < 8)) throw invalidArgument(`--tile must be an integer >= 8, got ${String(v.tile)}`);
  const engine = (v.engine as string | undefined) ?? "onnx";
  if (engine !== "onnx") throw invalidArgument(isModelPackage(path) ? `a model package runs on --engine onnx, not ${engine}` : `unknown --engine "${engine}"; valid: tfjs, onnx`);
  if (!isModelPackage(path)) {
    // Our model directory on onnxruntime: the tfjs backend only reads the weights.
    const { selectBackend } = await import("../backend/index.js");
    await selectBackend({ name: (v.backend as string | undefined) ?? null });
  }
  const pkg = isModelPackage(path) ? openModelPackage(path) : await packageFromModelDir(path);
  const img = prepareInput(await readImage(input), pkg.card);
  const r = await predictWithPackage(pkg, img, { tilePx: tile });
  let image = r.image;
  if (v.dtype === "input" && (img.dtype === "uint8" || img.dtype === "uint16")) {
    image = { ...image, data: castPixels(image.data, img.dtype), dtype: img.dtype };
  }
  await writeTiff(out, image, { dtype: image.dtype === "uint8" || image.dtype === "uint16" ? image.dtype : "float32" });
  if (v["scale-map"]) {
    if (!r.scale) throw invalidArgument("--scale-map needs a probabilistic (Laplace) model");
    await writeTiff(v["scale-map"] as string, r.scale, { dtype: "float32" });
  }
  console.log(`wrote ${out} (${image.shape.join("x")}, ${pkg.imageNormalization ? "model" : "package"} "${pkg.name}" x${pkg.factor}, onnxruntime-node, halo ${pkg.haloPx} px)`);
  return 0;
}
