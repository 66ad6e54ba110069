// Building, running, saving and loading a restoration network.
//
// A model directory holds tfjs model files: `model.json` (format, spec, and a tfjs
// `weightsManifest`) and `weights.bin` (the weights as tf.io.encodeWeights writes them), plus
// the model card (`card.json`, written by training). Files are written under temporary names
// and renamed, so a crash never leaves a half-written model.
import { existsSync, readFileSync, mkdirSync } from "node:fs";
import { atomicWriteFileSync } from "../io/atomic.js";
import { join } from "node:path";
import type { NamedTensorMap, Tensor4D, Variable } from "@tensorflow/tfjs-core";
import { PssrError, invalidArgument, unknownName } from "../errors.js";
import { getTf, type Tf } from "../backend/tf.js";
import { ARCHITECTURES, type Architecture, type ModelSpec, forward, inputMultiple, outputChannels } from "./architectures.js";
import { Params } from "./params.js";

export const PRESETS = ["tiny", "small", "pssr"] as const;
export type Preset = (typeof PRESETS)[number];
export const SCALES = [1, 2, 4, 8] as const;

/** Sizes per preset: `tiny` trains in minutes on a laptop CPU, `pssr` is the paper's size (GPU). */
const PRESET_SIZES: Record<Preset, Record<Architecture, Pick<ModelSpec, "firstFilters" | "depth" | "blocksPerLevel">>> = {
  tiny: {
    resunet: { firstFilters: 8, depth: 2, blocksPerLevel: 1 },
    "resunet-lr": { firstFilters: 16, depth: 2, blocksPerLevel: 1 },
    care: { firstFilters: 16, depth: 2, blocksPerLevel: 1 },
  },
  small: {
    resunet: { firstFilters: 16, depth: 3, blocksPerLevel: 1 },
    "resunet-lr": { firstFilters: 32, depth: 3, blocksPerLevel: 1 },
    care: { firstFilters: 32, depth: 2, blocksPerLevel: 1 },
  },
  pssr: {
    // ResNet-34's stages are 64..512 channels with [3,4,6,3] blocks; 3 per level here.
    resunet: { firstFilters: 32, depth: 4, blocksPerLevel: 3 },
    "resunet-lr": { firstFilters: 32, depth: 4, blocksPerLevel: 3 },
    care: { firstFilters: 32, depth: 3, blocksPerLevel: 1 },
  },
};

export interface ModelOptions {
  preset?: string;
  arch?: string;
  inChannels?: number;
  outChannels?: number;
  scale?: number;
  kernelSize?: number;
  probabilistic?: boolean;
  /** Overrides of the preset's sizes. */
  firstFilters?: number;
  depth?: number;
  blocksPerLevel?: number;
}

/** The default architecture of a preset: the paper's HR-size U-Net only for `pssr`. */
export function defaultArchitecture(preset: Preset, scale: number): Architecture {
  if (scale === 1) return "care";
  return preset === "pssr" ? "resunet" : "resunet-lr";
}

/** Resolves options into a full, validated spec; unknown names are PssrErrors listing the valid ones. */
export function modelSpec(options: ModelOptions = {}): ModelSpec {
  const preset = options.preset ?? "tiny";
  if (!(PRESETS as readonly string[]).includes(preset)) throw unknownName("preset", preset, PRESETS);
  const scale = options.scale ?? 4;
  if (!(SCALES as readonly number[]).includes(scale)) throw invalidArgument(`scale must be one of ${SCALES.join(", ")}, got ${scale}`);
  const arch = (options.arch ?? defaultArchitecture(preset as Preset, scale)) as Architecture;
  if (!(ARCHITECTURES as readonly string[]).includes(arch)) throw unknownName("architecture", arch, ARCHITECTURES);
  const inChannels = options.inChannels ?? 1;
  if (inChannels !== 1 && inChannels !== 5) throw invalidArgument(`input channels (frames) must be 1 or 5, got ${inChannels}`);
  const outChannels = options.outChannels ?? 1;
  const kernelSize = options.kernelSize ?? 3;
  if (kernelSize !== 3 && kernelSize !== 5) throw invalidArgument(`kernel size must be 3 or 5, got ${kernelSize}`);
  const probabilistic = options.probabilistic ?? false;
  if (probabilistic && arch !== "care") throw invalidArgument(`the probabilistic (Laplace) head is available for the care architecture only, not ${arch}`);
  const sizes = PRESET_SIZES[preset as Preset][arch];
  const spec: ModelSpec = {
    arch,
    preset,
    inChannels,
    outChannels,
    scale,
    firstFilters: options.firstFilters ?? sizes.firstFilters,
    depth: options.depth ?? sizes.depth,
    blocksPerLevel: options.blocksPerLevel ?? sizes.blocksPerLevel,
    kernelSize,
    // CSBDeep: unet_residual = n_channel_in == n_channel_out (a 5-frame stack adds its middle frame).
    residual: arch === "care",
    probabilistic,
  };
  if (options.firstFilters !== undefined || options.depth !== undefined || options.blocksPerLevel !== undefined) spec.preset = `${preset}+custom`;
  return spec;
}

export class RestorationModel {
  private constructor(
    readonly spec: ModelSpec,
    readonly params: Params,
  ) {}

  /** A freshly initialised network (weights from `seed`). */
  static create(spec: ModelSpec, seed = 0, tf: Tf = getTf()): RestorationModel {
    const params = new Params(tf, seed);
    const model = new RestorationModel(spec, params);
    // One pass on a small input creates every parameter.
    const m = inputMultiple(spec);
    const side = m * Math.max(1, Math.ceil(8 / m));
    tf.tidy(() => {
      forward(params, spec, tf.zeros([1, side, side, spec.inChannels]) as Tensor4D);
    });
    params.creating = false;
    return model;
  }

  get tf(): Tf {
    return this.params.tf;
  }

  /** LR batch [n, h, w, inChannels] -> HR [n, h*scale, w*scale, outputChannels]. Caller disposes. */
  apply(x: Tensor4D): Tensor4D {
    return forward(this.params, this.spec, x);
  }

  /** Spatial multiple the input sides must have. */
  get inputMultiple(): number {
    return inputMultiple(this.spec);
  }

  get outputChannels(): number {
    return outputChannels(this.spec);
  }

  trainableVariables(): Variable[] {
    return this.params.entries().map(([, v]) => v);
  }

  countParameters(): number {
    return this.params.countParameters();
  }

  /** Name -> tensor (the variables themselves; do not dispose). */
  namedWeights(): NamedTensorMap {
    return Object.fromEntries(this.params.entries());
  }

  /** Replaces every weight's value (shapes must match). */
  setWeights(weights: NamedTensorMap): void {
    for (const [name, v] of this.params.entries()) {
      const w = weights[name];
      if (!w) throw new PssrError("model-invalid", `weight ${name} is missing`);
      if (w.shape.join(",") !== v.shape.join(",")) throw new PssrError("model-invalid", `weight ${name} has shape [${w.shape}], expected [${v.shape}]`);
      v.assign(w);
    }
  }

  /** Writes model.json + weights.bin into `dir` (created if needed), atomically per file. */
  async save(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    const tf = this.tf;
    const { data, specs } = await tf.io.encodeWeights(this.namedWeights());
    const manifest = {
      format: "pssr-lab/functional-v1",
      generatedBy: `pssr-lab tfjs-core ${tf.version_core}`,
      spec: this.spec,
      weightsManifest: [{ paths: ["weights.bin"], weights: specs }],
    };
    atomicWriteFileSync(join(dir, "weights.bin"), Buffer.from(data));
    atomicWriteFileSync(join(dir, "model.json"), JSON.stringify(manifest, null, 1));
  }

  /** Loads a model directory written by save(). Bad or missing files are PssrError("model-invalid"). */
  static async load(dir: string, tf: Tf = getTf()): Promise<RestorationModel> {
    const { manifest, spec } = readManifest(dir);
    const group = manifest.weightsManifest[0];
    const binPath = join(dir, group.paths[0]);
    if (!existsSync(binPath)) throw new PssrError("model-invalid", `weights file ${group.paths[0]} is missing`, { file: dir });
    const buf = readFileSync(binPath);
    const expected = group.weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    if (buf.byteLength !== expected) {
      throw new PssrError("model-invalid", `weights file has ${buf.byteLength} bytes, the manifest describes ${expected}`, { file: binPath });
    }
    const model = RestorationModel.create(spec, 0, tf);
    const weights = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), group.weights as never);
    try {
      model.setWeights(weights);
    } catch (e) {
      model.dispose();
      throw e instanceof PssrError ? new PssrError("model-invalid", e.message, { file: binPath }) : e;
    } finally {
      tf.dispose(Object.values(weights));
    }
    return model;
  }

  dispose(): void {
    this.params.dispose();
  }
}

interface Manifest {
  format: string;
  spec: ModelSpec;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}

/** A model directory's model.json, checked, and the architecture it describes. */
function readManifest(dir: string): { manifest: Manifest; spec: ModelSpec } {
  const jsonPath = join(dir, "model.json");
  if (!existsSync(jsonPath)) throw new PssrError("model-invalid", "not a model directory: model.json is missing", { file: dir });
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(readFileSync(jsonPath, "utf8"));
  } catch (e) {
    throw new PssrError("model-invalid", `model.json is not valid JSON (${(e as Error).message})`, { file: jsonPath });
  }
  if (manifest.format !== "pssr-lab/functional-v1" || !manifest.spec || !manifest.weightsManifest?.[0]) {
    throw new PssrError("model-invalid", "model.json is not a pssr-lab model (format pssr-lab/functional-v1 expected)", { file: jsonPath });
  }
  return { manifest: manifest as Manifest, spec: modelSpecFromJson(manifest.spec, jsonPath) };
}

/** The architecture a model directory holds, from its model.json alone (no weights read). */
export function readModelSpec(dir: string): ModelSpec {
  return readManifest(dir).spec;
}

function modelSpecFromJson(spec: ModelSpec, file: string): ModelSpec {
  try {
    const base = modelSpec({
      preset: spec.preset.replace(/\+custom$/, ""),
      arch: spec.arch,
      inChannels: spec.inChannels,
      outChannels: spec.outChannels,
      scale: spec.scale,
      kernelSize: spec.kernelSize,
      probabilistic: spec.probabilistic,
      firstFilters: spec.firstFilters,
      depth: spec.depth,
      blocksPerLevel: spec.blocksPerLevel,
    });
    return { ...base, preset: spec.preset, residual: spec.residual };
  } catch (e) {
    throw new PssrError("model-invalid", `model.json has an invalid spec: ${(e as Error).message}`, { file });
  }
}

/** Convenience: build a model from options. */
export function buildModel(options: ModelOptions = {}, seed = 0): RestorationModel {
  return RestorationModel.create(modelSpec(options), seed);
}
