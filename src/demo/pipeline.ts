// The demo: the PSSR story on bundled real EM data, start to finish.
//   1. crappify held-out high-resolution EM crops with PSSR's EM recipe (seeded),
//   2. restore the low-res copies (bilinear and bicubic baselines; a trained model when given),
//   3. evaluate each against the real high-res image with the CARE/PSSR protocol (normMinMse),
//   4. write the low-res inputs, restorations, metrics.json and an offline HTML report.
// The same function backs `pssr demo` and the notebooks.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { crappify } from "../crappify/index.js";
import { getPlane, imageFromPlanes, type Plane } from "../image/image.js";
import { resize, upsampleBilinear } from "../image/resize.js";
import { readImage } from "../io/read.js";
import { writeTiff } from "../io/write.js";
import { atomicWriteFile } from "../io/atomic.js";
import { evaluate } from "../metrics/pixel.js";
import { samplePath } from "../paths.js";
import { metricsTable, renderHtmlReport, type ReportRow, type ReportSection } from "./report.js";

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
  /** Extra restorers (e.g. a trained model) evaluated beside the baselines. */
  restorers?: Restorer[];
  /** Progress lines go here. Default console.log. */
  log?: (line: string) => void;
}

export interface DemoResult {
  outDir: string;
  reportPath: string;
  metricsPath: string;
  rows: ReportRow[];
  table: string;
}

/** The held-out EM crops (the *_1 sections; the *_0 sections are for training). */
export const DEMO_HELD_OUT = ["em/emdiffuse_demo/microns_mouse_cortex_1.tif", "em/emdiffuse_demo/mouse_liver_1.tif"];
/** The EM crops a demo model trains on. */
export const DEMO_TRAIN = ["em/emdiffuse_demo/microns_mouse_cortex_0.tif", "em/emdiffuse_demo/mouse_liver_0.tif"];

export const BASELINES: Restorer[] = [
  { name: "bilinear", restore: (lr, s) => upsampleBilinear(lr, s) },
  { name: "bicubic", restore: (lr, s) => resize(lr, lr.height * s, lr.width * s, { method: "bicubic", alignCorners: false }) },
];

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const outDir = resolve(options.outDir ?? "pssr-demo");
  const seed = options.seed ?? 1;
  const scaleFactor = 4;
  await mkdir(outDir, { recursive: true });
  const restorers = [...BASELINES, ...(options.restorers ?? [])];
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
  await atomicWriteFile(metricsPath, Buffer.from(JSON.stringify({ seed, scaleFactor, recipe: "pssr-em", protocol: "normMinMse", rows }, null, 2) + "\n"));
  const html = await renderHtmlReport({
    title: "pssr-lab demo: 4x restoration of crappified EM",
    intro:
      "High-resolution EM crops (EMDiffuse demo data, MICrONS mouse cortex and mouse liver) were degraded with PSSR's EM crappifier " +
      "(em_AG_D_sameas_preprint: signal-dependent Gaussian noise, then 4x bilinear zoom without anti-aliasing) and restored 4x. " +
      "Metrics follow the CARE/PSSR protocol: ground truth percentile-normalised (0.1/99.9), prediction least-squares scaled, data range 1.",
    rows,
    sections,
    notes: [
      "Restored images are for structure, not for intensity-based quantification.",
      "A model only works at the pixel size it was trained for.",
    ],
  });
  const reportPath = join(outDir, "report.html");
  await atomicWriteFile(reportPath, Buffer.from(html));
  return { outDir, reportPath, metricsPath, rows, table };
}
