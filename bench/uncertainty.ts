// Do the reliability maps point at real errors, and do the calibrated intervals hold, on data
// the models never saw? Reproduces the figures of docs/UNCERTAINTY.md:
//
//   npm run build && nice node dist/bench/uncertainty.js [--experiment pair|em|em-denoise|both|all] (both: pair and em)
//       [--members 5] [--epochs 20] [--steps 40] [--batch 4] [--patch 64] [--work DIR] [--reuse] [--tag T]
//       [--lr 1e-3] [--train-data demo|wide] [--appearance]
//
// - "pair": the one real noisy/clean SEM pair (../shared/data/pairs, denoising, scale 1). Rows
//   0-511 are the training image (pssr train's one-image split holds out its last 25 % for
//   validation and calibration); rows 512-767 are the test region, never seen.
// - "em" / "em-denoise": crappified EM (pssr-em recipe, x4 / care-denoise, scale 1): trained on the EMDiffuse demo crops (mouse liver,
//   MICrONS cortex), tested on a left-out dataset, Janelia's FIB-SEM of Drosophila medulla
//   (another lab, animal and microscope), crappified with the same recipe and a fixed seed.
//   `--train-data wide` trains on three EM datasets of three labs instead (EMDiffuse ssTEM crops,
//   MitoEM ssEM, Platynereis SBEM; bench/em-datasets.ts), `--appearance` adds the EM appearance
//   augmentation (contrast, gamma, offset, inversion, scale jitter; src/train/augment.ts).
// Members: CARE networks (tiny preset) with Laplace heads, seeds and data order differing,
// sharing the validation split. Measures, on the test data: the ensemble disagreement D (bits),
// the members' standard deviation, the members' mean Laplace scale, and member 1's own scale
// against its own error; Spearman on 8x8 block means and the AUC of flagging the worst 10 % of
// blocks, all blocks of all test images pooled. Coverage of each member's central P-intervals,
// raw and calibrated (calibration fitted on the validation data by pssr train).
// Comparison in the model's output units: the truth is mapped with its own percentiles onto
// the input's (the restoration's intensity is only defined up to that normalisation).
// Writes bench/results/uncertainty/uncertainty[-TAG].json (not part of `npm run bench`: it trains models) and the
// reliability diagram docs/uncertainty-reliability.svg (`--figures-only` redraws it from the JSON).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { selectBackend } from "../src/backend/index.js";
import { readImage } from "../src/io/read.js";
import { getPlane, type Image, type Plane } from "../src/image/image.js";
import { percentiles } from "../src/image/percentile.js";
import { crappify } from "../src/crappify/crappify.js";
import { loadModelDir, predictEnsemble, predictImage } from "../src/predict/index.js";
import { trainEnsemble, resolveModelDirs, sourceFromImage, type SourceImage } from "../src/train/index.js";
import { aucWorstFraction, reliabilityDiagram, spearman } from "../src/metrics/uncertainty.js";
import { blockMean as blockMeans } from "../src/image/block-mean.js";
import { reliabilityDiagramSvg } from "../src/widgets/reliability.js";
import { ErrorMap, ImageCompare, writeWidgetReport } from "../src/widgets/index.js";
import { repoRoot, sharedDataDir } from "../test/helpers.js";
import { benchOptions } from "./common.js";
import { emDatasets, loadSources } from "./em-datasets.js";
import { EM_AUGMENT } from "../src/train/augment.js";

// A tagged run writes bench/results/uncertainty/uncertainty-TAG.json and no figure (e.g. longer training).
const options = benchOptions({ members: 5, epochs: 20, steps: 40, batch: 4, patch: 64, work: "/tmp/pssr-uncertainty", experiment: "both", lr: 1e-3, "train-data": "demo", appearance: false, reuse: false, tag: "", "figures-only": false });
const { members, epochs, steps, batch, work, reuse, tag } = options;
const patchPx = options.patch;
const which = options.experiment;
const LEVELS = [0.5, 0.8, 0.9, 0.95];

function cropRows(img: Image, y0: number, y1: number): Image {
  const p = getPlane(img, 0);
  return { ...img, data: p.data.slice(y0 * p.width, y1 * p.width), shape: [y1 - y0, p.width], axes: "YX", dtype: "float32" };
}

interface TestCase {
  name: string;
  lr: Image;
  hr: Image;
}

/** The truth in the restoration's units: own percentiles onto the input's (pmin 2, pmax 99.8). */
function truthInOutputUnits(hr: Plane, low: number, high: number): Float32Array {
  const [tl, th] = percentiles(hr.data, [2, 99.8]);
  return Float32Array.from(hr.data, (v) => ((v - tl) / (th - tl)) * (high - low) + low);
}

async function runExperiment(name: string, sources: SourceImage[], recipe: string | undefined, scale: number, validationFraction: number, tests: TestCase[]) {
  const dir = join(work, name);
  const t0 = performance.now();
  if (!(reuse && existsSync(join(dir, "ensemble.json")))) {
    await trainEnsemble(
      {
        sources,
        outDir: dir,
        model: { preset: "tiny", arch: "care", scale, probabilistic: true },
        recipe,
        epochs,
        stepsPerEpoch: steps,
        batchSize: batch,
        patchPx,
        // The peak rate the recorded figures used (pssr train's tiny default is now 2e-3, at which
        // these Laplace members, at batch 4, can settle on the identity).
        learningRate: options.lr,
        validationFraction,
        seed: 7,
        ...(options.appearance ? { appearance: EM_AUGMENT } : {}),
        onProgress: (e) => {
          if (e.type === "epoch" && (e.epoch === e.epochs || e.epoch % 5 === 0)) console.error(`  epoch ${e.epoch}: val PSNR ${e.validation.psnr.toFixed(2)} (bilinear ${e.validation.bilinearPsnr.toFixed(2)})`);
        },
      },
      members,
      (k, n) => console.error(`${name}: member ${k}/${n}`),
    );
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const loaded = [];
  for (const d of resolveModelDirs(dir)) loaded.push(await loadModelDir(d));
  const models = loaded.map((l) => l.model);
  const blocks: Record<string, number[]> = { error: [], jsd: [], std: [], scale: [], member1Error: [], member1Scale: [] };
  const cover = loaded.map(() => ({ truth: [] as number[], mean: [] as number[], scale: [] as number[] }));
  const push = (key: string, p: Plane) => blocks[key].push(...blockMeans(p, 8).data);
  let firstPlanes: Record<string, Plane> | null = null;
  const t1 = performance.now();
  for (const t of tests) {
    const e = predictEnsemble(
      models,
      t.lr,
      { measure: "jsd", tilePx: 256, overlapPx: 32 },
      loaded.map((l) => ({ normalization: l.card?.normalization, calibration: l.card?.calibration?.scale ?? null })),
    );
    const norm = (e.mean.meta?.restoration as { normalization: { low: number; high: number } }).normalization;
    const truthPlane = getPlane(t.hr, 0);
    const truth = truthInOutputUnits(truthPlane, norm.low, norm.high);
    const h = truthPlane.height;
    const w = truthPlane.width;
    const P = (data: Float32Array): Plane => ({ data, height: h, width: w });
    const mean = e.mean.data as Float32Array;
    push("error", P(Float32Array.from(mean, (v, i) => Math.abs(v - truth[i]))));
    push("jsd", P(e.disagreement.data as Float32Array));
    push("std", P(e.std.data as Float32Array));
    push("scale", P(e.scale!.data as Float32Array));
    firstPlanes ??= { mean: P(mean), truth: P(truth), jsd: P(e.disagreement.data as Float32Array), scale: P(e.scale!.data as Float32Array), std: P(e.std.data as Float32Array) };
    for (const [k, l] of loaded.entries()) {
      const r = predictImage(l.model, t.lr, { normalization: l.card?.normalization, calibration: null, tilePx: 256, overlapPx: 32 });
      const m = r.image.data as Float32Array;
      const b = r.scale!.data as Float32Array;
      if (k === 0) {
        push("member1Error", P(Float32Array.from(m, (v, i) => Math.abs(v - truth[i]))));
        push("member1Scale", P(b));
      }
      for (let i = 0; i < m.length; i += 3) {
        // Every third pixel keeps the pooled arrays small; coverage is a mean over them.
        cover[k].truth.push(truth[i]);
        cover[k].mean.push(m[i]);
        cover[k].scale.push(b[i]);
      }
    }
  }
  const rank = (score: number[], err: number[]) => ({ spearman: spearman(score, err), auc: aucWorstFraction(score, err, 0.1) });
  const measures = {
    jsd: rank(blocks.jsd, blocks.error),
    std: rank(blocks.std, blocks.error),
    meanScale: rank(blocks.scale, blocks.error),
    member1Scale: rank(blocks.member1Scale, blocks.member1Error),
  };
  const coverage = loaded.map((l, k) => ({
    member: k + 1,
    raw: reliabilityDiagram(cover[k].truth, cover[k].mean, cover[k].scale, LEVELS),
    calibrated: reliabilityDiagram(cover[k].truth, cover[k].mean, cover[k].scale, LEVELS, l.card?.calibration?.scale ?? null),
    validation: l.card?.calibration?.coverage ?? null,
    calibration: l.card?.calibration?.scale ? { method: l.card.calibration.scale.method, factor: l.card.calibration.scale.factor, pixels: l.card.calibration.pixels } : null,
  }));
  const summary = LEVELS.map((p, i) => ({
    nominal: p,
    rawMean: coverage.reduce((a, c) => a + c.raw[i].observed, 0) / coverage.length,
    calibratedMean: coverage.reduce((a, c) => a + c.calibrated[i].observed, 0) / coverage.length,
    calibratedWorst: coverage.reduce((a, c) => (Math.abs(c.calibrated[i].observed - p) > Math.abs(a - p) ? c.calibrated[i].observed : a), p),
  }));
  for (const m of models) m.dispose();
  const valPsnr = loaded.map((l) => l.card?.validation?.psnr ?? null);
  // The report is a by-product: a failure to write it (e.g. no widget bundle) must not lose the numbers.
  if (firstPlanes) await writeReport(name, tests[0].name, firstPlanes, summary, measures, join(work, `${name}-report.html`)).catch((e: Error) => console.error(`report not written: ${e.message}`));
  return { name, members: loaded.length, epochs, steps, batch, patchPx, trainSeconds, predictSeconds: (performance.now() - t1) / 1000, blocks: blocks.error.length, valPsnr, measures, coverage, summary };
}

/**
 * An offline HTML report of one experiment's first test image: the coverage plot, the
 * measures' scores, the restoration beside D, the scale and the real error, and the error map
 * with the regions the mean Laplace scale flags (threshold slider).
 */
async function writeReport(name: string, testName: string, p: Record<string, Plane>, summary: SummaryRow[], measures: Record<string, { spearman: number; auc: number }>, path: string): Promise<void> {
  const svg = reliabilityDiagramSvg(
    [
      { name: "raw network scales", points: summary.map((s) => ({ nominal: s.nominal, observed: s.rawMean })) },
      { name: "calibrated on validation data", points: summary.map((s) => ({ nominal: s.nominal, observed: s.calibratedMean })) },
    ],
    { title: `coverage on unseen data (${name}, mean over members)` },
  );
  const rows = Object.entries(measures)
    .map(([k, v]) => `<tr><td>${k}</td><td>${v.spearman.toFixed(3)}</td><td>${v.auc.toFixed(3)}</td></tr>`)
    .join("");
  const preamble =
    `${svg}<table><tr><th>measure</th><th>Spearman (8x8 blocks)</th><th>AUC, worst 10 %</th></tr>${rows}</table>` +
    "<p>High values mark where errors are more likely. Low values are no guarantee (members can share a hallucination; " +
    "calibration holds on average over data like the validation data), and nothing here is fit for intensity quantification.</p>";
  const err: Plane = { ...p.truth, data: Float32Array.from(p.mean.data, (v, i) => Math.abs(v - p.truth.data[i])) };
  await writeWidgetReport(
    [
      { heading: `${testName}: restoration and reliability maps`, widget: new ImageCompare([
        { name: "ensemble mean", image: p.mean },
        { name: "disagreement D (bits)", image: p.jsd },
        { name: "mean Laplace scale", image: p.scale },
        { name: "actual |error|", image: err },
      ]) },
      { heading: "error against the truth, flagged by the mean Laplace scale", caption: "Cyan: above the chosen percentile of the scale map.", widget: new ErrorMap(p.truth, p.mean, { uncertainty: p.scale, uncertaintyLabel: "the Laplace scale" }) },
    ],
    path,
    { title: `pssr-lab reliability: ${name}`, intro: "Measured on data no ensemble member saw in training or validation.", preambleHtml: preamble },
  );
  console.error(`wrote ${path}`);
}

interface SummaryRow {
  nominal: number;
  rawMean: number;
  calibratedMean: number;
}

type FigureResult = { name: string; epochs: number; steps: number; summary: SummaryRow[]; tag?: string };

/**
 * docs/uncertainty-reliability.svg: raw and calibrated coverage per experiment, from `results`
 * or, with --figures-only, from every bench/results/uncertainty/*.json (tagged runs included).
 */
function writeFigure(results: FigureResult[]): void {
  const label: Record<string, string> = { pair: "real pair", em: "crappified EM x4, left-out dataset", "em-denoise": "crappified EM denoising, left-out dataset" };
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
  const series = results.flatMap((r, i) => [
    { name: `${label[r.name] ?? r.name} (${r.epochs * r.steps} steps${r.tag ? `, ${r.tag}` : ""}): raw`, color: colors[i % colors.length], dashed: true, points: r.summary.map((s) => ({ nominal: s.nominal, observed: s.rawMean })) },
    { name: `${label[r.name] ?? r.name} (${r.epochs * r.steps} steps${r.tag ? `, ${r.tag}` : ""}): calibrated`, color: colors[i % colors.length], points: r.summary.map((s) => ({ nominal: s.nominal, observed: s.calibratedMean })) },
  ]);
  const path = join(repoRoot, "docs", "uncertainty-reliability.svg");
  writeFileSync(path, reliabilityDiagramSvg(series, { title: "coverage on unseen data (mean over members)", sizePx: 360 }) + "\n");
  console.log(`wrote ${path}`);
}

async function main() {
  // A folder of its own: bench/run.ts reads every bench/results/*.json as rows of its table.
  const resultsDir = join(repoRoot, "bench", "results", "uncertainty");
  mkdirSync(resultsDir, { recursive: true });
  const resultsPath = join(resultsDir, tag ? `uncertainty-${tag}.json` : "uncertainty.json");
  if (options["figures-only"]) {
    const files = readdirSync(resultsDir).filter((f) => /^uncertainty.*\.json$/.test(f)).sort();
    // The file's tag names the run in the legend (two runs of one experiment differ by it).
    const tagOf = (f: string) => f.replace(/^uncertainty-?/, "").replace(/\.json$/, "");
    writeFigure(files.flatMap((f) => (JSON.parse(readFileSync(join(resultsDir, f), "utf8")).results as FigureResult[]).map((r) => ({ ...r, tag: tagOf(f) || undefined }))));
    return;
  }
  await selectBackend({ name: process.env.PSSR_BACKEND ?? null });
  mkdirSync(work, { recursive: true });
  const results = [];
  if (which === "pair" || which === "both" || which === "all") {
    const dir = join(sharedDataDir, "pairs", "emdiffuse_brain_noisy_clean");
    const noisy = await readImage(join(dir, "pair1_input_noisy.tif"));
    const clean = await readImage(join(dir, "pair1_gt_clean.tif"));
    const train = sourceFromImage("pair rows 0-511", cropRows(clean, 0, 512), cropRows(noisy, 0, 512));
    const tests = [{ name: "pair rows 512-767", lr: cropRows(noisy, 512, 768), hr: cropRows(clean, 512, 768) }];
    results.push(await runExperiment("pair", [train], undefined, 1, 0.25, tests));
    console.error(JSON.stringify(results.at(-1)!.measures), JSON.stringify(results.at(-1)!.summary));
  }
  for (const [exp, recipe, scale] of [
    ["em", "pssr-em", 4],
    ["em-denoise", "care-denoise", 1],
  ] as const) {
    if (!(which === exp || which === "all" || (which === "both" && exp === "em"))) continue;
    const sources: SourceImage[] = [];
    if (options["train-data"] === "wide") {
      // Three EM datasets from three labs (never the FIB-SEM tested on): ssTEM, ssEM, SBEM.
      for (const ds of emDatasets(sharedDataDir).filter((d) => ["emdiffuse-sstem", "mitoem-ssem", "platynereis-sbem"].includes(d.id))) sources.push(...(await loadSources(ds, sharedDataDir)));
    } else {
      const trainDir = join(sharedDataDir, "em", "emdiffuse_demo");
      for (const f of readdirSync(trainDir).filter((f) => f.endsWith(".tif")).sort()) sources.push(sourceFromImage(f, await readImage(join(trainDir, f))));
    }
    const testDir = join(sharedDataDir, "em", "neuroproof_fibsem_medulla_10nm", "validation_sample", "grayscale_maps");
    const tests: TestCase[] = [];
    for (const z of [3490, 3510, 3530, 3550]) {
      const hr = await readImage(join(testDir, `iso.0${z}.png`));
      const crop = { ...hr, data: Float32Array.from(getPlane(hr, 0).data), dtype: "float32" as const };
      const { lr } = crappify(crop, recipe, { scaleFactor: scale, seed: 100 + z });
      tests.push({ name: `neuroproof z${z}`, lr, hr: crop });
    }
    results.push(await runExperiment(exp, sources, recipe, scale, 0.25, tests));
    console.error(JSON.stringify(results.at(-1)!.measures), JSON.stringify(results.at(-1)!.summary));
  }
  writeFileSync(resultsPath, JSON.stringify({ date: new Date().toISOString(), command: process.argv.slice(2).join(" "), results }, null, 1));
  console.log(`wrote ${resultsPath}`);
  if (!tag) writeFigure(results);
}

await main();
