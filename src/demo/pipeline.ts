// The demo: the PSSR story on bundled real EM data, start to finish.
//   0. train a `tiny` 4x model on other EM sections, crappified on the fly with the EM recipe,
//   1. crappify held-out high-resolution EM crops with PSSR's EM recipe (seeded),
//   2. restore the low-res copies with the model, the bundled pretrained EM model (models/pssr-em-4x,
//      when the package has it) and the bilinear and bicubic baselines,
//   3. evaluate each against the real high-res image with the CARE/PSSR protocol (normMinMse),
//   4. write the low-res inputs, restorations, metrics.json and an offline HTML report.
// The same function backs `pssr demo` and the notebooks.
import { mkdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { crappify } from "../crappify/index.js";
import { getPlane, imageFromPlanes, type Plane } from "../image/image.js";
import { resize, upsampleBilinear } from "../image/resize.js";
import { readImage } from "../io/read.js";
import { writeTiff } from "../io/write.js";
import { atomicWriteFile } from "../io/atomic.js";
import { evaluate } from "../metrics/pixel.js";
import { samplePath } from "../paths.js";
import { selectBackend } from "../backend/index.js";
import { train, sourceFromImage, type ProgressEvent } from "../train/index.js";
import { loadModel, loadModelDir, predictImage, type LoadedModel } from "../predict/index.js";
import { isModelName, listModels, modelsDir, resolveModelPath, trainedOn } from "../model/registry.js";
import { metricsTable, metricsTableHtml, renderHtmlReport, type ReportRow, type ReportSection } from "./report.js";
import { DEMO_HELD_OUT, DEMO_TRAIN } from "./data.js";
import { writeDemoWidgetReport } from "./widget-report.js";
import { defaultBundlePath } from "../widgets/report.js";
import { existsSync } from "node:fs";

export { DEMO_HELD_OUT, DEMO_TRAIN } from "./data.js";

/** A restoration method: LR plane in, plane at `scaleFactor` x the size out. */
export interface Restorer {
  name: string;
  restore(lr: Plane, scaleFactor: number): Promise<Plane> | Plane;
}

export interface DemoOptions {
  /** Output folder (created). Default ./pssr-demo */
  outDir?: string;
  /** Seed for the crappifier (and training). Default 1. */
  seed?: number;
  /** Extra restorers evaluated beside the baselines and the demo's own model. */
  restorers?: Restorer[];
  /** Train the demo's `tiny` model (default true). */
  trainModel?: boolean;
  /** The named pretrained model restored beside it (default pssr-em-4x; null: none). Skipped with a line when not bundled. */
  pretrained?: string | null;
  /** Fewer epochs and steps (never fewer steps of the story); default: PSSR_QUICK=1. */
  quick?: boolean;
  /** Force a tfjs backend (default: PSSR_BACKEND or the first available). */
  backend?: string | null;
  /** Training progress (the CLI draws a progress line from it). */
  onProgress?: (e: ProgressEvent) => void;
  /** Progress lines go here. Default console.log. */
  log?: (line: string) => void;
}

export interface DemoResult {
  outDir: string;
  /** The interactive widget report (report.html), or the static summary when the widgets are not built. */
  reportPath: string;
  /** The static report (summary.html): PNG panels and the metrics table. */
  summaryPath: string;
  metricsPath: string;
  rows: ReportRow[];
  table: string;
  /** Where the trained model (tfjs files + model card) is, when one was trained. */
  modelDir: string | null;
  /** The pretrained model restored beside the others (its name), or null when none was (not bundled, or not asked for). */
  pretrained: string | null;
  /** Validation history of the training run. */
  training: { epochs: number; seconds: number; backend: string; best: { psnr: number; ssim: number; bilinearPsnr: number; bilinearSsim: number } | null } | null;
}

/** Training budget: the full demo is sized for a laptop's CPU without a GPU; quick mode is for CI. */
export function demoTrainingBudget(quick: boolean): { epochs: number; stepsPerEpoch: number } {
  return quick ? { epochs: 2, stepsPerEpoch: 6 } : { epochs: 20, stepsPerEpoch: 25 };
}

/** Trains the demo's tiny 4x EM model into `modelDir`; returns its restorer and the run summary. */
async function trainDemoModel(
  modelDir: string,
  seed: number,
  quick: boolean,
  log: (line: string) => void,
  onProgress?: (e: ProgressEvent) => void,
): Promise<{ restorer: Restorer; loaded: LoadedModel; summary: NonNullable<DemoResult["training"]> }> {
  const sources = [];
  for (const rel of DEMO_TRAIN) sources.push(sourceFromImage(rel.split("/").pop()!, await readImage(samplePath(rel))));
  const budget = demoTrainingBudget(quick);
  log(`training a tiny 4x model on ${DEMO_TRAIN.length} EM images crappified on the fly (pssr-em): ${budget.epochs} epochs x ${budget.stepsPerEpoch} steps`);
  const result = await train({
    sources,
    outDir: modelDir,
    recipe: "pssr-em",
    model: { preset: "tiny", arch: "resunet-lr", scale: 4 },
    ...budget,
    batchSize: 8,
    patchPx: 96,
    learningRate: 2e-3,
    validationFraction: 0.34,
    validationPatches: 8,
    seed,
    onProgress,
    card: { data: { hr: DEMO_TRAIN.map((rel) => `data-samples/${rel} (provenance: data-samples/README.md)`) } },
  });
  const loaded = await loadModelDir(modelDir);
  const restorer = modelRestorer("pssr-tiny", loaded, 64);
  const best = result.best;
  return {
    restorer,
    loaded,
    summary: {
      epochs: result.epochsCompleted,
      seconds: result.seconds,
      backend: (await selectBackend()).name,
      best: best ? { psnr: best.psnr, ssim: best.ssim, bilinearPsnr: best.bilinearPsnr, bilinearSsim: best.bilinearSsim } : null,
    },
  };
}

/** A restorer from a loaded model, normalised as its card says (tiles of `tilePx` LR pixels). */
function modelRestorer(name: string, { model, card }: LoadedModel, tilePx: number): Restorer {
  return {
    name,
    restore: (lr) => getPlane(predictImage(model, imageFromPlanes([lr]), { normalization: card?.normalization, tilePx, overlapPx: Math.min(32, tilePx / 4) }).image),
  };
}

/** What the numbers mean, in plain words (the summary, the report and the notebooks show it). */
export const METRIC_NOTES: readonly string[] = [
  "PSNR (dB): how close the restoration is to the real high-res image pixel by pixel (after the CARE/PSSR normalisation). Higher is better; +1 dB is about 21% less squared error. It rewards getting intensities right on average, so a smooth, blurred guess can score well.",
  "SSIM (0..1): agreement of local brightness, contrast and structure in small windows; 1 is identical. It notices lost edges and texture more than PSNR does.",
  "FRC (in the interactive report): the finest detail, in pixels, at which an image agrees with itself when split into two interleaved halves; smaller is finer. It needs no ground truth, and it measures consistency, not correctness: noise or invented texture present in both halves counts as detail.",
  "Why FRC and PSNR can disagree: a model that removes noise and smooths moves closer to the truth (PSNR up) but keeps less fine content for the halves to share (FRC coarser); bilinear upsampling copies the input's noise into neighbouring pixels, so both halves share it and its FRC looks fine. A model that sharpens or invents texture can do the opposite. Read the two together, and look at the images beside the ground truth.",
];

export const BASELINES: Restorer[] = [
  { name: "bilinear", restore: (lr, s) => upsampleBilinear(lr, s) },
  { name: "bicubic", restore: (lr, s) => resize(lr, lr.height * s, lr.width * s, { method: "bicubic", alignCorners: false }) },
];

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const outDir = resolve(options.outDir ?? "pssr-demo");
  const seed = options.seed ?? 1;
  const scaleFactor = 4;
  const quick = options.quick ?? process.env.PSSR_QUICK === "1";
  await mkdir(outDir, { recursive: true });
  const restorers = [...BASELINES, ...(options.restorers ?? [])];
  let modelDir: string | null = null;
  let training: DemoResult["training"] = null;
  const loaded: LoadedModel[] = [];
  try {
    if (options.trainModel ?? true) {
      const backend = await selectBackend({ name: options.backend ?? null });
      log(`backend: ${backend.name}`);
      modelDir = join(outDir, "model");
      const trained = await trainDemoModel(modelDir, seed, quick, log, options.onProgress);
      loaded.push(trained.loaded);
      restorers.push(trained.restorer);
      training = trained.summary;
    }
    // The bundled pretrained model, beside the freshly trained one; a package without it still runs the demo.
    const pretrainedName = options.pretrained === undefined ? "pssr-em-4x" : options.pretrained;
    let pretrained: string | null = null;
    // Held-out images the pretrained model was trained on (by sha256): it is not scored on those.
    let pretrainedSeen = new Set<string>();
    if (pretrainedName !== null) {
      if (!isModelName(pretrainedName) || listModels().some((m) => m.name === pretrainedName)) {
        await selectBackend({ name: options.backend ?? null });
        const m = await loadModel(pretrainedName);
        loaded.push(m);
        pretrained = basename(resolve(pretrainedName)); // a method name (files are NAME_METHOD.tif), also for a path
        restorers.push(modelRestorer(pretrained, m, 256));
        pretrainedSeen = new Set(DEMO_HELD_OUT.filter((rel) => trainedOn(resolveModelPath(pretrainedName), m.card, samplePath(rel))));
        log(`pretrained model: ${pretrainedName} (${m.card?.architecture ?? "?"}/${m.card?.preset ?? "?"} x${m.model.spec.scale}), applied as is`);
        for (const rel of pretrainedSeen) log(`${pretrained} was trained on ${rel}: it is left out of that image's comparison (not a held-out figure)`);
      } else {
        log(`no pretrained model ${pretrainedName} in ${modelsDir()}: skipping its column (pssr models lists what is bundled)`);
      }
    }
    const rows: ReportRow[] = [];
    const sections: ReportSection[] = [];
    for (const [i, rel] of DEMO_HELD_OUT.entries()) {
      const name = rel.split("/").pop()!.replace(/\.tif$/, "");
      const hrImage = await readImage(samplePath(rel));
      const hr = getPlane(hrImage);
      const result = crappify(hr, "pssr-em", { scaleFactor, seed: seed + i });
      const lr = getPlane(result.lr);
      log(`crappified ${name}: ${hr.height}x${hr.width} -> ${lr.height}x${lr.width} (pssr-em, seed ${seed + i})`);
      await writeTiff(join(outDir, `${name}_lr.tif`), { ...result.lr, meta: { crappify: { recipe: result.recipe, drawn: result.drawn, seed: result.seed } } }, { dtype: "float32" });
      const panels = [
        { title: "low-res input (crappified)", plane: lr, caption: `${lr.height}x${lr.width}` },
        { title: "high-res ground truth", plane: hr, caption: `${hr.height}x${hr.width}` },
      ];
      for (const r of restorers) {
        if (r.name === pretrained && pretrainedSeen.has(rel)) continue;
        const restored = await r.restore(lr, scaleFactor);
        const m = evaluate(restored, hr);
        rows.push({ image: name, method: r.name, psnr: m.psnr, ssim: m.ssim, nrmse: m.nrmse, msssim: m.msssim });
        panels.push({ title: r.name, plane: restored, caption: `PSNR ${m.psnr.toFixed(2)} dB, SSIM ${m.ssim.toFixed(3)}` });
        await writeTiff(join(outDir, `${name}_${r.name}.tif`), imageFromPlanes([restored]), { dtype: "float32" });
      }
      sections.push({ heading: name, panels });
    }
    const table = metricsTable(rows);
    const metricsPath = join(outDir, "metrics.json");
    await atomicWriteFile(metricsPath, Buffer.from(JSON.stringify({ seed, scaleFactor, recipe: "pssr-em", protocol: "normMinMse", quick, training, pretrained, rows }, null, 2) + "\n"));
    const intro =
      "High-resolution EM crops (EMDiffuse demo data, MICrONS mouse cortex and mouse liver) were degraded with PSSR's EM crappifier " +
      "(em_AG_D_sameas_preprint: signal-dependent Gaussian noise, then 4x bilinear zoom without anti-aliasing) and restored 4x" +
      (training ? ` by a tiny model trained for ${training.epochs} epochs (${training.seconds.toFixed(0)} s on ${training.backend}) on other EM images` : "") +
      (pretrained && pretrainedSeen.size < DEMO_HELD_OUT.length ? `${training ? ", and" : ""} by the bundled pretrained model ${pretrained} (trained once on other labs' EM, applied as is${pretrainedSeen.size ? `; not scored on ${[...pretrainedSeen].map((r) => r.split("/").pop()).join(", ")}, which it was trained on` : ""})` : "") +
    (pretrained && pretrainedSeen.size === DEMO_HELD_OUT.length ? ` (the pretrained model ${pretrained} was trained on these crops, so it is not scored on them)` : "") +
      ". Metrics follow the CARE/PSSR protocol: ground truth percentile-normalised (0.1/99.9), prediction least-squares scaled, data range 1.";
    const notes = [
      ...METRIC_NOTES,
      "Restored images are for seeing and counting structures, never for intensity-based quantification.",
      "A model only works at the pixel size it was trained for.",
    ];
    const title = "pssr-lab demo: 4x restoration of crappified EM";
    // summary.html: static PNGs, readable anywhere; report.html: the interactive widgets.
    const summaryPath = join(outDir, "summary.html");
    await atomicWriteFile(summaryPath, Buffer.from(await renderHtmlReport({ title, intro, rows, sections, notes })));
    let reportPath = summaryPath;
    if (existsSync(defaultBundlePath())) {
      reportPath = join(outDir, "report.html");
      const preambleHtml = `<style>table.metrics td,table.metrics th{border:1px solid #bbb;padding:3px 8px;text-align:right}table.metrics td:nth-child(-n+2),table.metrics th:nth-child(-n+2){text-align:left}</style><h2>Metrics</h2>${metricsTableHtml(rows)}<ul>${notes.map((n) => `<li>${n}</li>`).join("")}</ul><p><a href="summary.html">Static summary</a></p>`;
      await writeDemoWidgetReport(outDir, reportPath, { title, intro, preambleHtml });
    } else {
      log("the widgets' front end is not built (npm run build:widgets): writing the static summary only");
    }
    return { outDir, reportPath, summaryPath, metricsPath, rows, table, modelDir, pretrained, training };
  } finally {
    for (const m of loaded) m.model.dispose();
  }
}
