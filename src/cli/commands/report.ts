// `pssr report --demo-dir DIR [-o report.html] [--title T]`: an offline HTML report with
// interactive widgets (image comparison with synced zoom, NanoJ error map, FRC curves) of a
// `pssr demo` output folder, rendered by the bundled front end (no network needed).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { PssrError, invalidArgument } from "../../errors.js";
import { getPlane, type Plane } from "../../image/image.js";
import { readImage } from "../../io/read.js";
import { DEMO_HELD_OUT } from "../../demo/pipeline.js";
import { samplePath } from "../../paths.js";
import { ErrorMap, FRCPlot, ImageCompare, writeWidgetReport, type ReportItem } from "../../widgets/index.js";
import { parseCommandArgs } from "../args.js";

export const summary = "offline HTML report with interactive widgets (image comparison, error map, FRC) of a demo folder";

const usage = `usage: pssr report --demo-dir DIR [-o FILE.html] [--title TEXT]

Reads a \`pssr demo\` output folder (metrics.json, NAME_lr.tif, NAME_METHOD.tif) and writes one HTML
file with, per image: the low-res input, restorations and ground truth side by side (synced zoom,
contrast, pixel readout), the NanoJ-SQUIRREL error map of the best restoration against the low-res
input, and single-image FRC curves. The widget front end is inlined: the file renders offline.
  --demo-dir DIR     the demo output folder (required)
  -o, --output FILE  where to write the report (default DIR/widgets-report.html)
  --title TEXT       page title`;

interface DemoRow {
  image: string;
  method: string;
  psnr: number;
  ssim: number;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { "demo-dir": { type: "string" }, output: { type: "string", short: "o" }, title: { type: "string" } }, usage);
  if (!parsed) return 0;
  if (parsed.positionals.length) throw invalidArgument(`unexpected argument ${parsed.positionals[0]}\n${usage}`);
  const dirArg = parsed.values["demo-dir"] as string | undefined;
  if (!dirArg) throw invalidArgument(`--demo-dir is required\n${usage}`);
  const dir = resolve(dirArg);
  const metricsPath = join(dir, "metrics.json");
  if (!existsSync(metricsPath)) throw new PssrError("file-not-found", "no metrics.json: is this a pssr demo output folder? (run pssr demo first)", { file: metricsPath });
  let metrics: { rows: DemoRow[]; scaleFactor: number };
  try {
    metrics = JSON.parse(readFileSync(metricsPath, "utf8"));
  } catch (e) {
    throw new PssrError("corrupt-file", `not valid JSON: ${(e as Error).message}`, { file: metricsPath });
  }
  const out = resolve((parsed.values.output as string | undefined) ?? join(dir, "widgets-report.html"));
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
    items.push({ heading: `${name}: side by side`, caption: "Wheel to zoom, drag to pan (all panels together), double-click to reset; per-panel contrast and LUT above.", widget: new ImageCompare(panels) });
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
  await writeWidgetReport(items, out, {
    title: (parsed.values.title as string | undefined) ?? "pssr-lab: restoration report",
    intro: `Demo folder ${dir}: ${names.length} held-out image(s), scale factor ${metrics.scaleFactor}.`,
  });
  console.log(`wrote ${out} (${items.length} widgets)`);
  return 0;
}
