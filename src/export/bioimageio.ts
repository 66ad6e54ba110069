// `pssr export MODEL -o OUT.zip --format bioimageio`: a BioImage Model Zoo model package
// (format_version 0.5.7) of a model directory.
//
// The package holds rdf.yaml, README.md (from the card), cover.png (input | restoration),
// weights.onnx (our tracer, opset 17), tfjs_weights.zip (our tfjs files + card), and test
// tensors (.npy float32, batch/channel/y/x). The input is normalised by `scale_range` with the
// card's percentiles (CSBDeep's normalisation as we train and predict); the output is the
// network's output in that normalised scale (the zoo's postprocessing cannot map back to the
// input's percentiles; `pssr predict PACKAGE` does, from the card in `config`).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { zipSync } from "fflate";
import { Scalar, stringify } from "yaml";
import type { Tensor4D } from "@tensorflow/tfjs-core";
import { PssrError, invalidArgument } from "../errors.js";
import type { Image, Plane } from "../image/image.js";
import { getPlane, lengthToNm, planeCount } from "../image/image.js";
import { percentiles } from "../image/percentile.js";
import { atomicWriteFile } from "../io/atomic.js";
import { encodePng } from "../io/write.js";
import { readImage } from "../io/read.js";
import { crappify } from "../crappify/crappify.js";
import type { RecipeSpec } from "../crappify/crappify.js";
import { loadModelDir } from "../predict/load.js";
import { inputMultiple, outputChannels } from "../model/architectures.js";
import type { RestorationModel } from "../model/model.js";
import { DEFAULT_NORMALIZATION, type ModelCard } from "../model/card.js";
import { mirrorIndex } from "../image/boundary.js";
import { packageRoot } from "../paths.js";
import { modelToOnnx, ONNX_OPSET } from "./onnx.js";
import { encodeNpy } from "./npy.js";

export const BIOIMAGEIO_FORMAT_VERSION = "0.5.7";
/** Key under `config` where our card and export facts live. */
export const CONFIG_KEY = "pssr_lab";
export const PSSR_CITATION = {
  text: "Fang, L., Monroe, F., Novak, S.W. et al. Deep learning-based point-scanning super-resolution imaging. Nature Methods 18, 406-416 (2021).",
  doi: "10.1038/s41592-021-01080-z",
};

export interface Author {
  name: string;
  affiliation?: string;
}

export interface ExportOptions {
  name?: string;
  description?: string;
  authors?: Author[];
  /** SPDX identifier of the package's licence. Default CC-BY-4.0. */
  license?: string;
  /** An LR image to cut the test input from (default: the first training image, crappified with the card's recipe). */
  testImage?: string;
  /** Side of the test input in LR pixels (rounded up to a valid size). Default 64. */
  testSizePx?: number;
  onWarning?: (message: string) => void;
}

export interface ExportResult {
  out: string;
  files: string[];
  haloPx: number;
  inputMultiple: number;
  testInputShape: number[];
  testOutputShape: number[];
}

/** A quoted YAML string (YAML 1.1 readers such as PyYAML would make a bare timestamp a date). */
function quoted(text: string): Scalar {
  const s = new Scalar(text);
  s.type = Scalar.QUOTE_SINGLE;
  return s;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Channel names of the input: one, or the frames t-2..t+2 of a 5-frame model. */
export function frameChannelNames(frames: number): string[] {
  if (frames === 1) return ["intensity"];
  const half = frames >> 1;
  return Array.from({ length: frames }, (_, i) => (i === half ? "frame_t" : i < half ? `frame_t_minus_${half - i}` : `frame_t_plus_${i - half}`));
}

/**
 * Attributions of the training data named in the card: for each file, the row of the nearest
 * README.md (up to four folders up) whose first cell's path pattern matches it (as
 * data-samples/README.md and shared/data/README.md tabulate source and licence).
 */
export function dataAttributions(card: ModelCard | null, cwd = process.cwd()): { text: string; url?: string }[] {
  const entries = [...(card?.data?.hr ?? []), ...(card?.data?.lr ?? [])];
  const out: { text: string; url?: string }[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const path = entry.replace(/\s*\(.*\)\s*$/, "").trim();
    let found: string | null = null;
    for (const base of [cwd, packageRoot()]) {
      const abs = isAbsolute(path) ? path : resolve(base, path);
      if (!existsSync(abs)) continue;
      let dir = dirname(abs);
      for (let up = 0; up < 4 && !found; up++, dir = dirname(dir)) {
        const readme = join(dir, "README.md");
        if (!existsSync(readme)) continue;
        const rel = relative(dir, abs).split(sep).join("/");
        for (const line of readFileSync(readme, "utf8").split("\n")) {
          const cells = line.split("|").map((c) => c.trim());
          if (cells.length < 4 || !cells[1].startsWith("`")) continue;
          const pattern = cells[1].replace(/`/g, "");
          if (pathPatternMatches(pattern, rel)) {
            found = `Training data: ${rel}: ${cells.slice(2).filter(Boolean).join("; ").replace(/`/g, "")}`;
            break;
          }
        }
      }
      if (found) break;
    }
    const text = found ?? `Training data: ${path} (the model card records no source or licence for it)`;
    if (!seen.has(text)) out.push({ text });
    seen.add(text);
  }
  return out;
}

/** Matches README path patterns such as `em/demo/liver_{0,1}.tif` or `em/patch_*.tif`. */
function pathPatternMatches(pattern: string, rel: string): boolean {
  const re = pattern
    .split(/(\{[^}]*\}|\*)/)
    .map((part) => (part === "*" ? "[^/]*" : part.startsWith("{") ? `(?:${part.slice(1, -1).split(",").map(escapeRe).join("|")})` : escapeRe(part)))
    .join("");
  return new RegExp(`^${re}$`).test(rel);
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Smallest valid input side (min + k*step) that is at least `side`. */
function validSide(side: number, min: number, step: number): number {
  return side <= min ? min : min + Math.ceil((side - min) / step) * step;
}

/** The LR test input: `frames` planes of `side`x`side` (a centre crop, reflected where the image is smaller). */
async function testInput(card: ModelCard | null, scale: number, frames: number, side: number, options: ExportOptions): Promise<{ planes: Plane[]; source: string }> {
  let img: Image | null = null;
  let source = "";
  if (options.testImage) {
    img = await readImage(options.testImage);
    source = options.testImage;
  } else {
    const hr = (card?.data?.hr ?? []).map((e) => e.replace(/\s*\(.*\)\s*$/, "").trim());
    const file = hr.map((p) => [resolve(p), resolve(packageRoot(), p)]).flat().find((p) => existsSync(p) && statSync(p).isFile());
    if (!file || !card?.recipe) {
      throw invalidArgument("no test image: the card names no readable training image with a recipe; give one with --test-image LR.tif");
    }
    const hrImg = await readImage(file);
    img = crappify(hrImg, card.recipe as string | RecipeSpec, { scaleFactor: scale, seed: card.seed ?? 0 }).lr;
    source = `${relative(packageRoot(), file)} crappified with the card's recipe (seed ${card.seed ?? 0})`;
  }
  const n = planeCount(img);
  const planes: Plane[] = [];
  for (let f = 0; f < frames; f++) {
    const p = getPlane(img, Math.min(f, n - 1));
    const y0 = Math.floor((p.height - side) / 2);
    const x0 = Math.floor((p.width - side) / 2);
    const data = new Float32Array(side * side);
    for (let y = 0; y < side; y++) {
      const sy = mirrorIndex(y0 + y, p.height);
      for (let x = 0; x < side; x++) data[y * side + x] = p.data[sy * p.width + mirrorIndex(x0 + x, p.width)];
    }
    planes.push({ data, height: side, width: side });
  }
  return { planes, source: n < frames ? `${source} (its ${n} plane(s) repeated to ${frames} frames)` : source };
}

/** README.md of the package, written from the card. */
function readmeFromCard(name: string, model: RestorationModel, card: ModelCard | null, haloPx: number, attributions: { text: string }[]): string {
  const s = model.spec;
  const lines = [
    `# ${name}`,
    "",
    `A ${s.arch} restoration network (pssr-lab, preset ${s.preset}) that upsamples point-scanning microscopy images ${s.scale}x` +
      (s.inChannels > 1 ? ` from ${s.inChannels} consecutive frames (t-2..t+2, as channels) to the middle frame.` : "."),
    "",
    "## Inputs and outputs",
    "",
    `- input \`input\`: (batch, channel, y, x) float32, ${s.inChannels} channel(s); y and x multiples of ${inputMultiple(s)}.`,
    `- preprocessing: scale_range with percentiles ${card?.normalization.pmin ?? 2} / ${card?.normalization.pmax ?? 99.8} over channel, y and x jointly (CSBDeep's percentile normalisation, as in training).`,
    `- output \`output\`: (batch, channel, y, x) float32, ${outputChannels(s)} channel(s), ${s.scale}x the input's size, in the normalised intensity scale` +
      (s.probabilistic ? "; channel 0 the Laplace mean, channel 1 the Laplace scale (per-pixel uncertainty)." : "."),
    `- halo: ${haloPx} input pixels (${haloPx * s.scale} output pixels) of context make a tiled prediction equal the whole-image one.`,
    "",
    "## Training",
    "",
    `- loss ${card?.loss ?? "unknown"}, crappifier recipe ${JSON.stringify(card?.recipe ?? null)}, seed ${card?.seed ?? "unknown"}`,
    `- pixel size: ${card?.lrPixelSizeNm ? `${card.lrPixelSizeNm} nm in, ${card.hrPixelSizeNm} nm out` : "not recorded (the model works only at the pixel size it was trained for)"}`,
    ...attributions.map((a) => `- ${a.text}`),
    ...(card && Object.keys(card.validation ?? {}).length ? ["", "## Validation", "", ...Object.entries(card.validation).map(([k, v]) => `- ${k}: ${v}`)] : []),
    "",
    "## Caution",
    "",
    "Restored images are for seeing and counting structures, never for intensity-based quantification;",
    "a restoration can hallucinate plausible detail, so validate it (FRC, error maps, structure counts",
    "against a reference) before trusting it.",
    "",
    `Exported by pssr-lab; ONNX opset ${ONNX_OPSET}. The tensorflow_js weights are pssr-lab's own tfjs files (model.json format`,
    "pssr-lab/functional-v1), read by pssr-lab only.",
    "",
  ];
  return lines.join("\n");
}

/** Builds the package of `modelDir` and writes it atomically to `out` (a .zip). */
export async function exportBioimageio(modelDir: string, out: string, options: ExportOptions = {}): Promise<ExportResult> {
  if (!existsSync(join(modelDir, "model.json"))) throw new PssrError("model-invalid", "not a model directory: model.json is missing", { file: modelDir });
  const outAbs = resolve(out);
  const dirAbs = realpathSync(modelDir);
  if (!existsSync(dirname(outAbs)) || !statSync(dirname(outAbs)).isDirectory()) {
    throw new PssrError("file-not-found", `cannot write: the folder ${dirname(outAbs)} does not exist`, { file: out });
  }
  const outReal = existsSync(outAbs) ? realpathSync(outAbs) : join(realpathSync(dirname(outAbs)), outAbs.slice(dirname(outAbs).length + 1));
  if (outReal === dirAbs || ["model.json", "weights.bin", "card.json"].some((f) => outReal === join(dirAbs, f))) {
    throw invalidArgument(`refusing to write ${out}: it is the model directory or one of its files`);
  }
  if (options.testImage && existsSync(options.testImage) && realpathSync(options.testImage) === outReal) throw invalidArgument(`refusing to write ${out}: it is the --test-image`);
  const { model, card } = await loadModelDir(modelDir);
  try {
    if (!card) options.onWarning?.("the model has no card.json: default normalisation 2/99.8 and no provenance in the package");
    const spec = model.spec;
    const tf = model.tf;
    const norm = card?.normalization ?? DEFAULT_NORMALIZATION;
    const name = options.name ?? `pssr-lab ${spec.arch} x${spec.scale} (${spec.preset})`;
    if (name.length < 5 || name.length > 128) throw invalidArgument(`--name must have 5 to 128 characters, got ${name.length}`);
    const onnx = modelToOnnx(model, `pssr-lab ${spec.arch} x${spec.scale}, NCHW, input normalised by percentiles ${norm.pmin}/${norm.pmax}`);
    const m = inputMultiple(spec);
    const halo = onnx.haloPx;
    // The smallest input leaves at least one step of valid output between the halos.
    const min = 2 * halo + m;
    const side = validSide(options.testSizePx ?? 64, min, m);
    const frames = spec.inChannels;
    const { planes, source } = await testInput(card, spec.scale, frames, side, options);
    // Test input (raw), its scale_range normalisation over all channels (as predictImage does), the tfjs output.
    const raw = new Float32Array(frames * side * side);
    planes.forEach((p, c) => raw.set(p.data, c * side * side));
    const [low, high] = percentiles(raw, [norm.pmin, norm.pmax]);
    // The zoo's default eps (predictImage adds 1e-20; the difference is 1e-6 / (high - low) relative).
    const eps = 1e-6;
    const nhwc = new Float32Array(raw.length);
    for (let c = 0; c < frames; c++) for (let i = 0; i < side * side; i++) nhwc[i * frames + c] = (raw[c * side * side + i] - low) / (high - low + eps);
    const outC = outputChannels(spec);
    const S = side * spec.scale;
    const y = tf.tidy(() => model.apply(tf.tensor4d(nhwc, [1, side, side, frames]) as Tensor4D));
    const yd = y.dataSync() as Float32Array;
    y.dispose();
    const outNchw = new Float32Array(outC * S * S);
    for (let c = 0; c < outC; c++) for (let i = 0; i < S * S; i++) outNchw[c * S * S + i] = yd[i * outC + c];
    // Cover: the (middle frame of the) normalised input, nearest-upsampled | the restoration (mean).
    const mid = frames >> 1;
    const cover = new Float32Array(S * 2 * S);
    for (let yy = 0; yy < S; yy++)
      for (let x = 0; x < S; x++) {
        const li = Math.floor(yy / spec.scale) * side + Math.floor(x / spec.scale);
        cover[yy * 2 * S + x] = nhwc[li * frames + mid];
        cover[yy * 2 * S + S + x] = outNchw[yy * S + x];
      }
    const coverPng = new Uint8Array(await encodePng({ data: cover, height: S, width: 2 * S }));
    // tfjs weights: our model directory files, zipped (the zoo wants one file).
    const tfjsFiles: Record<string, Uint8Array> = {};
    for (const f of ["model.json", "weights.bin", "card.json"]) if (existsSync(join(modelDir, f))) tfjsFiles[f] = new Uint8Array(readFileSync(join(modelDir, f)));
    const tfjsZip = zipSync(tfjsFiles, { level: 6 });
    const attributions = dataAttributions(card);
    const readme = new TextEncoder().encode(readmeFromCard(name, model, card, halo, attributions));
    const files: Record<string, Uint8Array> = {
      "README.md": readme,
      "cover.png": coverPng,
      "weights.onnx": onnx.bytes,
      "tfjs_weights.zip": tfjsZip,
      "test_input.npy": encodeNpy(raw, [1, frames, side, side]),
      "test_output.npy": encodeNpy(outNchw, [1, outC, S, S]),
    };
    const lrNm = card?.lrPixelSizeNm ?? null;
    // Space axes in micrometres when the card knows the pixel size; else unitless 1 (in) and 1/scale (out).
    const inScale = lrNm ? lrNm / 1000 : 1;
    const unit = lrNm ? { unit: "micrometer" } : {};
    const spaceIn = (id: string) => ({ type: "space", id, size: { min, step: m }, scale: inScale, ...unit });
    const spaceOut = (id: string) => ({ type: "space", id, size: { tensor_id: "input", axis_id: id }, halo: halo * spec.scale, scale: inScale / spec.scale, ...unit });
    const outNames = spec.probabilistic ? ["laplace_mean", "laplace_scale"] : Array.from({ length: outC }, (_, i) => (outC === 1 ? "restored" : `restored_${i}`));
    const rdf = {
      format_version: BIOIMAGEIO_FORMAT_VERSION,
      type: "model",
      name,
      description:
        options.description ??
        `${spec.scale > 1 ? `${spec.scale}x super-resolution` : "Restoration"} of point-scanning microscopy images (PSSR) with a ${spec.arch} network${frames > 1 ? ` from ${frames} time points` : ""}, trained with pssr-lab.`,
      authors: (options.authors ?? [{ name: "pssr-lab user" }]).map((a) => ({ name: a.name, ...(a.affiliation ? { affiliation: a.affiliation } : {}) })),
      cite: [PSSR_CITATION, ...attributions],
      license: options.license ?? "CC-BY-4.0",
      tags: ["pssr", "super-resolution", "restoration", "2d", "point-scanning", "pssr-lab", spec.arch, ...(spec.probabilistic ? ["probabilistic"] : []), ...(frames > 1 ? ["time-lapse"] : [])],
      documentation: "README.md",
      covers: ["cover.png"],
      timestamp: quoted(new Date().toISOString().replace(/\.\d+Z$/, "Z")),
      inputs: [
        {
          id: "input",
          description: frames > 1 ? `${frames} consecutive low-resolution frames (t-2..t+2) as channels` : "low-resolution image",
          axes: [{ type: "batch" }, { type: "channel", channel_names: frameChannelNames(frames) }, spaceIn("y"), spaceIn("x")],
          test_tensor: { source: "test_input.npy", sha256: sha256(files["test_input.npy"]) },
          data: { type: "float32" },
          preprocessing: [
            { id: "ensure_dtype", kwargs: { dtype: "float32" } },
            { id: "scale_range", kwargs: { axes: ["channel", "y", "x"], min_percentile: norm.pmin, max_percentile: norm.pmax, eps } },
          ],
        },
      ],
      outputs: [
        {
          id: "output",
          description: spec.probabilistic ? "Laplace mean and scale, normalised intensity" : "restored image, normalised intensity",
          axes: [{ type: "batch" }, { type: "channel", channel_names: outNames }, spaceOut("y"), spaceOut("x")],
          test_tensor: { source: "test_output.npy", sha256: sha256(files["test_output.npy"]) },
          data: { type: "float32" },
        },
      ],
      weights: {
        tensorflow_js: {
          source: "tfjs_weights.zip",
          sha256: sha256(tfjsZip),
          tensorflow_version: tf.version_core,
          comment: "pssr-lab's model directory (model.json format pssr-lab/functional-v1, weights.bin, card.json); read by pssr-lab",
        },
        onnx: {
          source: "weights.onnx",
          sha256: sha256(onnx.bytes),
          opset_version: ONNX_OPSET,
          parent: "tensorflow_js",
          comment: "written by pssr-lab's exporter, traced from the same network code as the tfjs weights",
        },
      },
      config: {
        [CONFIG_KEY]: {
          card: card ?? null,
          halo_px: halo,
          input_multiple: m,
          output_scale: "normalised: multiply by (high - low) and add low, the input's percentiles, to get the input's intensity scale",
          test_input_source: source,
        },
      },
    };
    files["rdf.yaml"] = new TextEncoder().encode(stringify(rdf, { lineWidth: 0 }));
    await atomicWriteFile(outAbs, zipSync(files, { level: 6 }));
    return { out: outAbs, files: Object.keys(files), haloPx: halo, inputMultiple: m, testInputShape: [1, frames, side, side], testOutputShape: [1, outC, S, S] };
  } finally {
    model.dispose();
  }
}
