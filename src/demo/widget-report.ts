// The interactive report of a `pssr demo` output folder: per held-out image, an ImageCompare
// (input, bilinear, the best other restoration, ground truth), the NanoJ-SQUIRREL error map of
// the best restoration against the low-res input, and single-image FRC curves; with a model
// that gives intervals, their coverage on the held-out images (src/demo/coverage.ts). Used by
// `pssr report --demo-dir` and by the demo itself.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PssrError } from "../errors.js";
import { getPlane, type Plane } from "../image/image.js";
import { readImage } from "../io/read.js";
import { DEMO_HELD_OUT } from "./data.js";
import { samplePath } from "../paths.js";
import { ErrorMap, FRCPlot, ImageCompare, writeWidgetReport, type ReportItem } from "../widgets/index.js";
import { demoCoverage, type DemoCoverage } from "./coverage.js";

interface DemoRow {
  image: string;
  method: string;
  psnr: number;
  ssim: number;
}

export interface DemoMetricsFile {
  rows: DemoRow[];
  scaleFactor: number;
}

/** Reads DIR/metrics.json of a demo folder, with clear errors. */
export function readDemoMetrics(dir: string): DemoMetricsFile {
  const metricsPath = join(dir, "metrics.json");
  if (!existsSync(metricsPath)) throw new PssrError("file-not-found", "no metrics.json: is this a pssr demo output folder? (run pssr demo first)", { file: metricsPath });
  try {
    return JSON.parse(readFileSync(metricsPath, "utf8"));
  } catch (e) {
    throw new PssrError("corrupt-file", `not valid JSON: ${(e as Error).message}`, { file: metricsPath });
  }
}

/** The widgets of a demo folder's report, in reading order. */
export async function demoReportItems(dir: string, metrics: DemoMetricsFile = readDemoMetrics(dir)): Promise<ReportItem[]> {
  const files = readdirSync(dir);
  const items: ReportItem[] = [];
  const names = [...new Set(metrics.rows.map((r) => r.image))];
  for (const name of names) {
    const load = async (file: string): Promise<Plane> => getPlane(await readImage(join(dir, file)));
    if (!files.includes(`${name}_lr.tif`)) throw new PssrError("file-not-found", `${name}_lr.tif is missing from the demo folder`, { file: join(dir, `${name}_lr.tif`) });
    const lr = await load(`${name}_lr.tif`);
    const rows = metrics.rows.filter((r) => r.image === name && files.includes(`${name}_${r.method}.tif`));
    const restored = await Promise.all(rows.map(async (r) => ({ row: r, plane: await load(`${name}_${r.method}.tif`) })));
    const hrRel = DEMO_HELD_OUT.find((p) => p.endsWith(`/${name}.tif`));
    const hr = hrRel && existsSync(samplePath(hrRel)) ? getPlane(await readImage(samplePath(hrRel))) : null;
    const byPsnr = (list: typeof restored) => list.reduce<(typeof restored)[number] | null>((a, b) => (a === null || b.row.psnr > a.row.psnr ? b : a), null);
    const bilinear = restored.find((r) => r.row.method === "bilinear") ?? null;
    const bestOther = byPsnr(restored.filter((r) => r !== bilinear));
    const best = byPsnr(restored);
    // At most 4 panels: the input, bilinear, the best other restoration, the ground truth.
    const shown = [bilinear, bestOther].filter((r): r is (typeof restored)[number] => r !== null);
    const panels = [{ name: "low-res input", image: lr }, ...shown.map((r) => ({ name: `${r.row.method} (PSNR ${r.row.psnr.toFixed(2)} dB)`, image: r.plane }))];
    if (hr) panels.push({ name: "high-res ground truth", image: hr });
    items.push({ heading: `${name}: side by side`, caption: "Wheel to zoom, drag to pan (all panels together), double-click to reset; per-panel contrast and LUT under each panel.", widget: new ImageCompare(panels) });
    if (best) {
      items.push({
        heading: `${name}: error map of ${best.row.method} against the low-res input`,
        caption: "NanoJ-SQUIRREL: the restoration blurred and rescaled to best reproduce the low-res input; the map is the absolute difference.",
        widget: new ErrorMap(lr, best.plane, { title: `${best.row.method} vs low-res input` }),
      });
    }
    const curves = [...shown.map((r) => ({ name: r.row.method, image: r.plane })), ...(hr ? [{ name: "high-res", image: hr }] : [])];
    items.push({ heading: `${name}: single-image FRC`, caption: "Checkerboard single-image FRC of each image (1/7 threshold; pick another above the plot).", widget: new FRCPlot(curves, { title: `${name}: single-image FRC` }) });
  }
  return items;
}

export interface DemoWidgetReportOptions {
  title?: string;
  intro?: string;
  /** Trusted HTML placed under the intro (e.g. the metrics table). */
  preambleHtml?: string;
  /** A Laplace model directory or an ensemble folder of them: adds the coverage of its intervals on the held-out images. */
  intervalModel?: string;
}

/** Writes the interactive report of demo folder `dir` to `out`; returns the number of widgets and, with `intervalModel`, the coverage measured. */
export async function writeDemoWidgetReport(dir: string, out: string, options: DemoWidgetReportOptions = {}): Promise<{ widgets: number; coverage: DemoCoverage | null }> {
  const metrics = readDemoMetrics(dir);
  const items = await demoReportItems(dir, metrics);
  const names = new Set(metrics.rows.map((r) => r.image));
  const cov = options.intervalModel ? await demoCoverage(dir, options.intervalModel, metrics.scaleFactor) : null;
  await writeWidgetReport([...items, ...(cov?.items ?? [])], out, {
    title: options.title ?? "pssr-lab: restoration report",
    intro: options.intro ?? `Demo folder ${dir}: ${names.size} held-out image(s), scale factor ${metrics.scaleFactor}.`,
    preambleHtml: (options.preambleHtml ?? "") + (cov?.html ?? ""),
  });
  return { widgets: items.length + (cov?.items.length ?? 0), coverage: cov?.coverage ?? null };
}
