// The coverage section of a demo folder's report, for a model that gives intervals (a Laplace
// `care --probabilistic` model, or an ensemble folder of them): each member restores every
// held-out low-res input, and the fraction of ground-truth pixels inside its central
// P-intervals is measured at the usual levels, with the raw network scales and with the card's
// calibration. The reliability diagram (nominal vs observed coverage), a table and words on what
// it means and what it does not go into the report, with an error map flagged by the scale.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PssrError, invalidArgument } from "../errors.js";
import { getPlane, type Image, type Plane } from "../image/image.js";
import { percentiles } from "../image/percentile.js";
import { readImage } from "../io/read.js";
import { reliabilityDiagram, type ScaleCalibration } from "../metrics/uncertainty.js";
import { loadModelDir, predictImage } from "../predict/index.js";
import { resolveModelDirs } from "../train/ensemble.js";
import { samplePath } from "../paths.js";
import { selectBackend } from "../backend/index.js";
import { ErrorMap, reliabilityDiagramSvg, type ReportItem } from "../widgets/index.js";
import { DEMO_HELD_OUT } from "./data.js";

/** The nominal levels of the diagram (those the calibration targets, and both tails). */
export const COVERAGE_LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

export interface CoverageLevel {
  nominal: number;
  /** Mean over members of the observed coverage with the raw network scales. */
  raw: number;
  /** Mean over members with the card's calibration (equal to raw when no card has one). */
  calibrated: number;
  /** The member furthest from `nominal` after calibration. */
  calibratedWorst: number;
}

export interface DemoCoverage {
  members: number;
  images: string[];
  /** Ground-truth pixels per member (all held-out images together). */
  pixels: number;
  calibrated: boolean;
  levels: CoverageLevel[];
}

/** What the words in the report and the CLI say (one place, so both say the same). */
export const COVERAGE_MEANING =
  "Each point is the fraction of ground-truth pixels of the held-out images that lie inside the model's central P-interval, " +
  "against P: on the diagonal the intervals hold on these images, above it they are too wide, below it too narrow (grey: within 5 points). " +
  "What it does not say: uncertainty is not a guarantee. A pixel inside a narrow interval can still be wrong (ensemble members can share a hallucination), " +
  "calibration holds on average over data like the validation data, not pixel by pixel and not on another microscope or sample, " +
  "and neither the intervals nor the restored values are fit for intensity quantification.";

/** The ground truth in the prediction's units: normalised by its own percentiles, as training normalised targets, then mapped back as the output is. */
function truthInOutputUnits(hr: Plane, pmin: number, pmax: number, low: number, high: number): Float32Array {
  const [tl, th] = percentiles(hr.data, [pmin, pmax]);
  return Float32Array.from(hr.data, (v) => ((v - tl) / (th - tl)) * (high - low) + low);
}

/**
 * Measures the coverage of `modelDir`'s intervals on the held-out images of demo folder `dir`
 * and returns the report's HTML section and its widgets (one error map per image, flagged by the
 * first member's calibrated scale).
 */
export async function demoCoverage(dir: string, modelDir: string, scaleFactor: number): Promise<{ coverage: DemoCoverage; html: string; items: ReportItem[] }> {
  const dirs = resolveModelDirs(modelDir);
  await selectBackend();
  const loaded = [];
  try {
    for (const d of dirs) loaded.push(await loadModelDir(d));
    for (const [k, l] of loaded.entries()) {
      const which = dirs.length > 1 ? `ensemble member ${k + 1} (${dirs[k]})` : modelDir;
      if (!l.model.spec.probabilistic) throw invalidArgument(`--model ${which} has no Laplace head, so it gives no intervals (train it with --arch care --probabilistic)`);
      if (l.model.spec.scale !== scaleFactor) throw invalidArgument(`--model ${which} restores ${l.model.spec.scale}x, the demo folder ${scaleFactor}x`);
    }
    const truthN: number[][] = loaded.map(() => []);
    const meanN: number[][] = loaded.map(() => []);
    const scaleN: number[][] = loaded.map(() => []);
    const images: string[] = [];
    const items: ReportItem[] = [];
    for (const rel of DEMO_HELD_OUT) {
      const name = rel.split("/").pop()!.replace(/\.tif$/, "");
      const lrPath = join(dir, `${name}_lr.tif`);
      if (!existsSync(lrPath) || !existsSync(samplePath(rel))) continue;
      const lr: Image = await readImage(lrPath);
      const hr = getPlane(await readImage(samplePath(rel)));
      images.push(name);
      for (const [k, l] of loaded.entries()) {
        const p = predictImage(l.model, lr, { normalization: l.card?.normalization, calibration: null, tilePx: 256, overlapPx: 32 });
        const mean = getPlane(p.image);
        if (mean.height !== hr.height || mean.width !== hr.width) throw new PssrError("invalid-argument", `the restoration of ${name} is ${mean.height}x${mean.width}, its ground truth ${hr.height}x${hr.width}`, { file: lrPath });
        // The percentiles the prediction used (the card's, or predictImage's default) and the input's values at them.
        const { pmin, pmax, low, high } = (p.image.meta?.restoration as { normalization: { pmin: number; pmax: number; low: number; high: number } }).normalization;
        const truth = truthInOutputUnits(hr, pmin, pmax, low, high);
        const b = p.scale!.data as Float32Array;
        for (let i = 0; i < truth.length; i++) {
          truthN[k].push(truth[i]);
          meanN[k].push(mean.data[i]);
          scaleN[k].push(b[i]);
        }
        if (k === 0) {
          const factor = l.card?.calibration?.scale?.factor ?? 1;
          const calibratedScale: Plane = { data: Float32Array.from(b, (v) => v * factor), height: hr.height, width: hr.width };
          items.push({
            heading: `${name}: error of the restoration against the ground truth, flagged by the Laplace scale`,
            caption: "Cyan: where the (calibrated) scale of the first model is above the chosen percentile. A flag marks where errors are more likely; no flag is no guarantee.",
            widget: new ErrorMap({ data: truth, height: hr.height, width: hr.width }, mean, { title: `${name}: |restoration - truth| with the scale's flags`, uncertainty: calibratedScale, uncertaintyLabel: "the Laplace scale" }),
          });
        }
      }
    }
    if (images.length === 0) throw new PssrError("file-not-found", "no held-out image of the demo has both its low-res input (NAME_lr.tif) and its ground truth: nothing to measure coverage on", { file: dir });
    const cals: (ScaleCalibration | null)[] = loaded.map((l) => l.card?.calibration?.scale ?? null);
    const raw = loaded.map((_, k) => reliabilityDiagram(truthN[k], meanN[k], scaleN[k], COVERAGE_LEVELS));
    const cal = loaded.map((_, k) => reliabilityDiagram(truthN[k], meanN[k], scaleN[k], COVERAGE_LEVELS, cals[k]));
    const n = loaded.length;
    const levels: CoverageLevel[] = COVERAGE_LEVELS.map((p, i) => ({
      nominal: p,
      raw: raw.reduce((a, r) => a + r[i].observed, 0) / n,
      calibrated: cal.reduce((a, r) => a + r[i].observed, 0) / n,
      calibratedWorst: cal.reduce((a, r) => (Math.abs(r[i].observed - p) > Math.abs(a - p) ? r[i].observed : a), p),
    }));
    const coverage: DemoCoverage = { members: n, images, pixels: truthN[0].length, calibrated: cals.some((c) => c !== null), levels };
    return { coverage, html: coverageHtml(coverage), items };
  } finally {
    for (const l of loaded) l.model.dispose();
  }
}

function coverageHtml(c: DemoCoverage): string {
  const who = c.members > 1 ? `mean over ${c.members} members` : "one model";
  const series = [
    { name: `raw network scales (${who})`, dashed: true, color: "#d62728", points: c.levels.map((l) => ({ nominal: l.nominal, observed: l.raw })) },
    ...(c.calibrated ? [{ name: `calibrated on its validation data (${who})`, color: "#1f77b4", points: c.levels.map((l) => ({ nominal: l.nominal, observed: l.calibrated })) }] : []),
  ];
  const svg = reliabilityDiagramSvg(series, { title: "coverage of the central P-intervals", sizePx: 360 });
  const rows = c.levels
    .map((l) => `<tr><td>${l.nominal}</td><td>${l.raw.toFixed(3)}</td>${c.calibrated ? `<td>${l.calibrated.toFixed(3)}</td>${c.members > 1 ? `<td>${l.calibratedWorst.toFixed(3)}</td>` : ""}` : ""}</tr>`)
    .join("");
  const head = `<tr><th>P</th><th>observed, raw</th>${c.calibrated ? `<th>observed, calibrated</th>${c.members > 1 ? "<th>worst member</th>" : ""}` : ""}</tr>`;
  return (
    `<style>.pssr-coverage-row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}.pssr-coverage-table{border-collapse:collapse}` +
    `.pssr-coverage-table td,.pssr-coverage-table th{border:1px solid #bbb;padding:3px 8px;text-align:right}.pssr-coverage-meaning{max-width:60em}</style>` +
    `<section class="pssr-coverage"><h2>Do the intervals hold? Coverage on the held-out images</h2>` +
    `<p>${c.images.join(", ")}: ${c.pixels} ground-truth pixels${c.members > 1 ? " per member" : ""}, ground truth mapped into the restoration's units with its own percentiles (as training normalised targets).</p>` +
    `<div class="pssr-coverage-row"><div class="pssr-coverage-plot">${svg}</div>` +
    `<table class="pssr-coverage-table">${head}${rows}</table></div>` +
    `<p class="pssr-coverage-meaning">${COVERAGE_MEANING}</p></section>`
  );
}

/** The coverage as terminal lines (pssr report prints them). */
export function coverageLines(c: DemoCoverage): string[] {
  const fmt = (key: "raw" | "calibrated") => c.levels.map((l) => `${l.nominal}: ${l[key].toFixed(3)}`).join(", ");
  return [
    `coverage of the central P-intervals on ${c.images.length} held-out image(s), ${c.members > 1 ? `mean over ${c.members} members` : "one model"} (observed fraction of ground-truth pixels inside):`,
    `  raw scales:  ${fmt("raw")}`,
    ...(c.calibrated ? [`  calibrated:  ${fmt("calibrated")}`] : ["  (the card holds no calibration: pssr train --calibration quantile fits one)"]),
    "Uncertainty is not a guarantee: it marks where errors are more likely, holds on average over data like the validation data, and is never for intensity quantification.",
  ];
}
