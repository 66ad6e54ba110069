// `pssr predict MODEL_DIR IN -o OUT`: restores an image with a trained model (or a baseline).
import { selectBackend } from "../../backend/index.js";
import { readImage } from "../../io/read.js";
import { invalidArgument } from "../../errors.js";
import { BASELINE_METHODS, DISAGREEMENT_MEASURES, checkPixelSizeNm, loadModelDir, matchPixelSize, predictBaseline, predictEnsemble, predictImage, predictionInterval, type Baseline, type DisagreementMeasure } from "../../predict/index.js";
import { resolveModelDirs } from "../../train/ensemble.js";
import { predictChunks, initChunkedOutput, parseChunkRange } from "../../predict/chunks.js";
import { isZarrPath } from "../../zarr/ome.js";
import { isModelPackage, predictPackageCommand } from "../../export/package.js";
import { intOption, numberOption, outputOption, parseCommandArgs } from "../args.js";
import { assertPngHoldsPlanes, guardOutputs, imageOutputFormat, writeImageOutput } from "../outputs.js";
import { createProgress, type Progress } from "../progress.js";
import { receptiveFieldPx } from "../../model/index.js";
import { resolveModelPath } from "../../model/registry.js";
import type { Image } from "../../image/image.js";


const usage = `usage: pssr predict MODEL_DIR IN -o OUT [options]
       pssr predict NAME IN -o OUT          (a bundled pretrained model, e.g. pssr-em-4x: pssr models)
       pssr predict PACKAGE.zip IN -o OUT   (a BioImage Model Zoo package with ONNX weights)
       pssr predict --baseline bilinear --scale 4 IN -o OUT

  -o, --output FILE   output TIFF (float32 unless --dtype input), .png for an 8-bit preview of
                      a 2D result, or an OME-Zarr directory (*.zarr); --out is an alias
  --tile T            tile side in LR pixels (default 256)
  --overlap O         overlap between tiles in LR pixels (default 64; less than the tile)
  --baseline NAME     nearest, bilinear or bicubic instead of a model (needs --scale)
  --scale N           upsampling factor for --baseline
  --dtype float32|input   output sample type (input: rescaled into the input's integer type)
  --scale-map FILE    also write the per-pixel Laplace scale b in OUT's units (probabilistic
                      models; calibrated on the model's validation data when its card says how)
  --interval P --lower L.tif --upper U.tif   (probabilistic models) the central P-interval
                      per pixel, mean +- b * halfwidth(P), calibrated as --scale-map
  --uncalibrated      ignore the card's calibration (raw network scales)
  --ensemble DIRS     more model directories or names (comma-separated): OUT is the members' per-pixel
                      mean, each member normalised as its own card says. A MODEL_DIR holding
                      ensemble.json (pssr train --ensemble N) is an ensemble by itself
  --disagreement FILE with an ensemble: also write the members' per-pixel disagreement
  --measure std|jsd   std (default): standard deviation of the members' means, in OUT's
                      units; jsd: CARE's measure, mean KL of each member to the members'
                      mixture in bits (0 = agree, log2(members) = disjoint), members as
                      Laplace distributions (a member without a Laplace head gets its
                      validation residual scale)
  What the maps mean: where the networks are unsure or disagree, errors are more likely.
  They are not a guarantee: a confident, agreeing region can still be wrong (all members can
  share a hallucination), and no restored value is fit for intensity quantification.
  --pixel-size NM     the input's pixel size in nm (when the file lacks it, or to override it)
  --no-resample       keep the input's grid when its pixel size differs (>2%) from the model's
                      card (lrPixelSizeNm); by default it is resampled onto the model's grid
                      (cubic spline when enlarging, area average when shrinking) and the output
                      carries its true pixel size (model LR pixel size / scale)
  --backend NAME      compute backend (or PSSR_BACKEND)
  --threads N         compute threads (or PSSR_THREADS; default: the cores this process may use)
  --engine tfjs|onnx  onnx: run the model on onnxruntime-node (on the compute threads, tiles
                      overlapping by the network's halo; faster than wasm, docs/BENCHMARKS.md);
                      packages always use onnx
  --quiet             no progress display (tiles done, ETA) on stderr

  Chunked volumes (IN and OUT are OME-Zarr directories, NGFF 0.4 / zarr v2; docs/CLUSTER.md):
       pssr predict MODEL_DIR IN.zarr -o OUT.zarr --init
       pssr predict MODEL_DIR IN.zarr -o OUT.zarr --chunk-index I --chunk-count N
  --init              only create OUT.zarr's metadata (normalisation from the input) and
                      print the number of output chunks; idempotent
  --chunks START:END  restore output chunks START..END-1 (C order over planes, block rows, cols)
  --chunk-index I --chunk-count N   restore the I-th of N near-equal contiguous ranges
                      (0-based: Slurm's $SLURM_ARRAY_TASK_ID, Kubernetes' $JOB_COMPLETION_INDEX)
  --block B           output chunk side in LR pixels (default 512; the chunk is B*scale HR)
  --halo H            LR pixels of context read around each block (default 32)
  --compressor zlib|none   output chunk codec (default zlib)`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      output: { type: "string", short: "o" },
      out: { type: "string" },
      tile: { type: "string" },
      overlap: { type: "string" },
      baseline: { type: "string" },
      scale: { type: "string" },
      dtype: { type: "string" },
      "scale-map": { type: "string" },
      ensemble: { type: "string" },
      disagreement: { type: "string" },
      measure: { type: "string" },
      interval: { type: "string" },
      lower: { type: "string" },
      upper: { type: "string" },
      uncalibrated: { type: "boolean" },
      backend: { type: "string" },
      engine: { type: "string" },
      init: { type: "boolean" },
      chunks: { type: "string" },
      "chunk-index": { type: "string" },
      "chunk-count": { type: "string" },
      block: { type: "string" },
      halo: { type: "string" },
      compressor: { type: "string" },
      quiet: { type: "boolean" },
      "pixel-size": { type: "string" },
      "no-resample": { type: "boolean" },
    },
    usage,
  );
  if (!parsed) return 0;
  const v = parsed.values;
  // A bare name (pssr-em-4x) is a bundled model; resolved first so that no output lands in it.
  if (!v.baseline && parsed.positionals.length === 2) parsed.positionals[0] = resolveModelPath(parsed.positionals[0]);
  if (v.ensemble) v.ensemble = (v.ensemble as string).split(",").map((d) => (d === "" ? d : resolveModelPath(d))).join(",");
  const out = outputOption(v, true);
  const tilePx = intOption(v.tile, "tile", 256, 8);
  // The default overlap shrinks with small tiles (a package's halo sets its own); an explicit one must fit.
  const overlapPx = v.overlap === undefined ? Math.min(64, Math.floor(tilePx / 4)) : intOption(v.overlap, "overlap", 64, 0);
  if (overlapPx >= tilePx) throw invalidArgument(`--overlap must be smaller than --tile (got overlap ${overlapPx} px, tile ${tilePx} px)`);
  if (!isZarrPath(out)) imageOutputFormat(out, "-o");
  for (const o of ["scale-map", "disagreement", "lower", "upper"]) if (v[o]) imageOutputFormat(v[o] as string, `--${o}`);
  // Model directories and images are inputs; nothing may be written onto or into them.
  guardOutputs(
    [...parsed.positionals, ...((v.ensemble as string | undefined)?.split(",") ?? [])],
    [
      { path: out, option: "-o", kind: isZarrPath(out) ? "dir" : "file" },
      v["scale-map"] ? { path: v["scale-map"] as string, option: "--scale-map" } : null,
      v.disagreement ? { path: v.disagreement as string, option: "--disagreement" } : null,
      v.lower ? { path: v.lower as string, option: "--lower" } : null,
      v.upper ? { path: v.upper as string, option: "--upper" } : null,
    ],
  );
  const inputPixelSizeNm = v["pixel-size"] === undefined ? null : checkPixelSizeNm(numberOption(v["pixel-size"], "pixel-size"));
  const dtype = (v.dtype as string | undefined) ?? "float32";
  if (dtype !== "float32" && dtype !== "input") throw invalidArgument(`--dtype must be float32 or input, got ${dtype}`);
  if (v.baseline) {
    if (parsed.positionals.length !== 1) throw invalidArgument(`--baseline takes one input image`);
    const method = v.baseline as string;
    if (!(BASELINE_METHODS as readonly string[]).includes(method)) throw invalidArgument(`unknown baseline "${method}"; valid: ${BASELINE_METHODS.join(", ")}`);
    const img = await readImage(parsed.positionals[0]);
    assertPngHoldsPlanes(out, img);
    const r = predictBaseline(img, intOption(v.scale, "scale", undefined, 1, 16), method as Baseline);
    await writeImageOutput(out, r, { dtype: dtype === "input" && (img.dtype === "uint8" || img.dtype === "uint16") ? img.dtype : "float32" });
    console.log(`wrote ${out} (${r.shape.join("x")}, ${method})`);
    return 0;
  }
  if (parsed.positionals.length !== 2) throw invalidArgument(`expected MODEL_DIR and IN`);
  const [modelDir, input] = parsed.positionals;
  // A BioImage Model Zoo package (zip or folder), or --engine onnx: onnxruntime-node (docs/EXPORT.md).
  if (isModelPackage(modelDir) || (v.engine !== undefined && v.engine !== "tfjs")) {
    // The same pixel-size matching as the tfjs path, so both engines restore on one grid.
    return predictPackageCommand(modelDir, input, out, v, (img, card) => matchInput(img, card?.lrPixelSizeNm ?? null, inputPixelSizeNm, v));
  }
  const { name: backend } = await selectBackend({ name: (v.backend as string | undefined) ?? null });
  const measure = (v.measure as string | undefined) ?? "std";
  if (!(DISAGREEMENT_MEASURES as readonly string[]).includes(measure)) throw invalidArgument(`--measure must be one of ${DISAGREEMENT_MEASURES.join(", ")}, got ${measure}`);
  const level = v.interval === undefined ? null : numberOption(v.interval, "interval");
  if (level !== null && !(level > 0 && level < 1)) throw invalidArgument(`--interval must be a level between 0 and 1 (e.g. 0.9), got ${String(v.interval)}`);
  if ((level !== null) !== Boolean(v.lower && v.upper) || (!v.lower !== !v.upper)) throw invalidArgument("--interval P, --lower FILE and --upper FILE go together");
  // Intervals are centred on the float mean: a mean rounded into the input's type would shift them.
  if (level !== null && dtype === "input") throw invalidArgument("--interval needs the float32 output (leave out --dtype input)");
  const dirs = [...resolveModelDirs(modelDir), ...((v.ensemble as string | undefined) ?? "").split(",").filter((d) => d !== "").flatMap((d) => resolveModelDirs(d))];
  if (dirs.length > 1) {
    if (isZarrPath(input) || isZarrPath(out)) throw invalidArgument("ensembles work on TIFF/PNG images, not OME-Zarr chunks");
    if (v["scale-map"] || level !== null) throw invalidArgument("--scale-map and --interval are for one model, not an ensemble (use --disagreement)");
    return runEnsemble(dirs, input, out, v, dtype, backend, measure as DisagreementMeasure);
  }
  if (v.disagreement) throw invalidArgument("--disagreement needs --ensemble DIRS (or a model folder with ensemble.json)");
  if (v.measure) throw invalidArgument("--measure needs --ensemble DIRS (or a model folder with ensemble.json)");
  const { model, card } = await loadModelDir(modelDir);
  try {
    if (isZarrPath(input) || isZarrPath(out)) {
      if (inputPixelSizeNm !== null || v["no-resample"]) throw invalidArgument("--pixel-size and --no-resample work on TIFF/PNG images, not OME-Zarr chunks (which are restored on their own grid)");
      return await runChunked(model, card, input, out, v, backend);
    }
    if ((v["scale-map"] || level !== null) && !model.spec.probabilistic) throw invalidArgument("--scale-map and --interval need a probabilistic (Laplace) model (pssr train --arch care --probabilistic)");
    const img = matchInput(await readImage(input), card?.lrPixelSizeNm ?? null, inputPixelSizeNm, v);
    assertPngHoldsPlanes(out, img);
    for (const o of ["scale-map", "lower", "upper"]) if (v[o]) assertPngHoldsPlanes(v[o] as string, img, `--${o}`);
    warnSmallTile(model.spec, tilePx, img);
    const calibration = v.uncalibrated ? null : (card?.calibration?.scale ?? null);
    if ((v["scale-map"] || level !== null) && !calibration && !v.uncalibrated) console.error("warning: the model's card has no scale calibration; the scales are the network's raw ones");
    const progress = createProgress({ quiet: Boolean(v.quiet) });
    const r = predictImage(model, img, {
      calibration,
      tilePx,
      overlapPx,
      onTile: (d, t) => progress.update("restoring tiles", d, t),
      normalization: card?.normalization,
      expectedPixelSizeNm: card?.lrPixelSizeNm ?? null,
      outputDtype: dtype === "input" ? "input" : "float32",
      onWarning: (m) => console.error(`warning: ${m}`),
    });
    progress.end();
    const fileDtype = r.image.dtype === "uint8" || r.image.dtype === "uint16" ? r.image.dtype : "float32";
    await writeImageOutput(out, r.image, { dtype: fileDtype });
    if (v["scale-map"]) await writeImageOutput(v["scale-map"] as string, r.scale!, { dtype: "float32", option: "--scale-map" });
    if (level !== null) {
      const { lower, upper } = predictionInterval(r, level);
      await writeImageOutput(v.lower as string, lower, { dtype: "float32", option: "--lower" });
      await writeImageOutput(v.upper as string, upper, { dtype: "float32", option: "--upper" });
      console.log(`wrote the central ${level} interval (${calibration ? `calibrated on ${card?.calibration?.pixels} validation pixels` : "uncalibrated"}) to ${v.lower as string} and ${v.upper as string}`);
    }
    console.log(`wrote ${out} (${r.image.shape.join("x")}, ${model.spec.arch} x${model.spec.scale}, backend ${backend})`);
    return 0;
  } finally {
    model.dispose();
  }
}

/** Sets the input's pixel size (--pixel-size) and resamples it onto the model's grid unless --no-resample; says so on stderr. */
function matchInput(img: Image, modelLrPixelSizeNm: number | null, inputPixelSizeNm: number | null, v: Record<string, unknown>): Image {
  const m = matchPixelSize(img, modelLrPixelSizeNm, { inputPixelSizeNm, resample: !v["no-resample"] });
  if (m.message) console.error(m.resampled ? m.message : `warning: ${m.message}`);
  return m.image;
}

/** Warns when tiles give the network less context than its receptive field (and the image allows more). */
function warnSmallTile(spec: Parameters<typeof receptiveFieldPx>[0], tilePx: number, img: Image): void {
  const rf = receptiveFieldPx(spec);
  const side = Math.max(img.shape[img.shape.length - 1], img.shape[img.shape.length - 2]);
  if (tilePx < rf && tilePx < side) {
    console.error(`warning: --tile ${tilePx} px is smaller than the network's receptive field (${rf} LR px for ${spec.arch}/${spec.preset}): tiles lack context the model was trained with; use --tile ${Math.min(rf, side)} or more`);
  }
}

async function runEnsemble(dirs: string[], input: string, out: string, v: Record<string, unknown>, dtype: string, backend: string, measure: DisagreementMeasure): Promise<number> {
  const raw = await readImage(input);
  const members: Awaited<ReturnType<typeof loadModelDir>>[] = [];
  try {
    for (const dir of dirs) members.push(await loadModelDir(dir));
    // One grid for all members: they must agree on their input pixel size to be resampled onto it.
    const sizes = members.map((m) => m.card?.lrPixelSizeNm ?? null).filter((x): x is number => x !== null);
    if (!v["no-resample"] && sizes.some((x) => Math.abs(x / sizes[0] - 1) > 0.02)) {
      throw invalidArgument(`the ensemble's members expect different input pixel sizes (${[...new Set(sizes.map((x) => x.toPrecision(3)))].join(", ")} nm); give --no-resample to restore on the input's grid`);
    }
    const img = matchInput(raw, sizes[0] ?? null, v["pixel-size"] === undefined ? null : Number(v["pixel-size"]), v);
    const tilePx = intOption(v.tile, "tile", 256, 8);
    for (const m of members) warnSmallTile(m.model.spec, tilePx, img);
    const progress: Progress = createProgress({ quiet: Boolean(v.quiet) });
    const r = predictEnsemble(
      members.map((m) => m.model),
      img,
      { measure, tilePx, overlapPx: intOption(v.overlap, "overlap", 64, 0), onWarning: (m) => console.error(`warning: ${m}`), onTile: (d, t) => progress.update("restoring tiles", d, t) },
      members.map((m) => ({
        normalization: m.card?.normalization,
        expectedPixelSizeNm: m.card?.lrPixelSizeNm ?? null,
        calibration: v.uncalibrated ? null : (m.card?.calibration?.scale ?? null),
        residualScale: m.card?.calibration?.residualScale ?? null,
      })),
    );
    progress.end();
    if (dtype === "input") console.error("warning: --dtype input is ignored with --ensemble (mean and disagreement are float32)");
    await writeImageOutput(out, r.mean, { dtype: "float32" });
    if (v.disagreement) await writeImageOutput(v.disagreement as string, r.disagreement, { dtype: "float32", option: "--disagreement" });
    console.log(`wrote ${out} (${r.mean.shape.join("x")}, mean of ${dirs.length} models, backend ${backend})${v.disagreement ? ` and ${v.disagreement as string} (${measure === "jsd" ? "disagreement in bits" : "standard deviation"})` : ""}`);
    return 0;
  } finally {
    for (const m of members) m.model.dispose();
  }
}

async function runChunked(
  model: Awaited<ReturnType<typeof loadModelDir>>["model"],
  card: Awaited<ReturnType<typeof loadModelDir>>["card"],
  input: string,
  out: string,
  v: Record<string, unknown>,
  backend: string,
): Promise<number> {
  if (!isZarrPath(input) || !isZarrPath(out)) throw invalidArgument("chunked prediction needs both IN and OUT to be OME-Zarr directories (name them *.zarr)");
  const compressor = (v.compressor as string | undefined) ?? "zlib";
  if (compressor !== "zlib" && compressor !== "none") throw invalidArgument(`--compressor must be zlib or none, got ${compressor}`);
  const options = {
    blockPx: intOption(v.block, "block", 512, 8),
    haloPx: intOption(v.halo, "halo", 32, 0),
    tilePx: intOption(v.tile, "tile", 256, 8),
    overlapPx: intOption(v.overlap, "overlap", 64, 0),
    normalization: card?.normalization,
    compressor: compressor as "zlib" | "none",
  };
  const picked = [v.init, v.chunks, v["chunk-index"] ?? v["chunk-count"]].filter((x) => x !== undefined).length;
  if (picked > 1) throw invalidArgument("use only one of --init, --chunks, --chunk-index/--chunk-count");
  if (v.init) {
    const info = await initChunkedOutput(model, input, out, options);
    console.log(`${out}: ${info.grid.count} chunks (normalisation low ${info.low}, high ${info.high})`);
    console.log(info.grid.count);
    return 0;
  }
  let range: { start: number; end: number } | { index: number; count: number } | null = null;
  if (v.chunks !== undefined) {
    const info = await initChunkedOutput(model, input, out, options);
    const [start, end] = parseChunkRange(v.chunks as string, info.grid.count);
    range = { start, end };
  } else if (v["chunk-index"] !== undefined || v["chunk-count"] !== undefined) {
    if (v["chunk-index"] === undefined || v["chunk-count"] === undefined) throw invalidArgument("--chunk-index and --chunk-count go together");
    const count = intOption(v["chunk-count"], "chunk-count", undefined, 1);
    range = { index: intOption(v["chunk-index"], "chunk-index", undefined, 0, count - 1), count };
  }
  const t0 = Date.now();
  const progress = createProgress({ quiet: Boolean(v.quiet) });
  const r = await predictChunks(model, input, out, range, { ...options, onChunk: (_c, done, total) => progress.update("restoring chunks", done, total) });
  progress.end();
  console.log(`wrote chunks ${r.start}..${r.end - 1} of ${r.total} to ${out} (${model.spec.arch} x${model.spec.scale}, backend ${backend}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return 0;
}
