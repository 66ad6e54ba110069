// `pssr report --demo-dir DIR [-o report.html] [--title T]`: an offline HTML report with
// interactive widgets (image comparison with synced zoom, NanoJ error map, FRC curves) of a
// `pssr demo` output folder, rendered by the bundled front end (no network needed).
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { invalidArgument } from "../../errors.js";
import { writeDemoWidgetReport } from "../../demo/widget-report.js";
import { outputOption, parseCommandArgs } from "../args.js";
import { guardOutputs } from "../outputs.js";


const usage = `usage: pssr report --demo-dir DIR [-o FILE.html] [--title TEXT]

Reads a \`pssr demo\` output folder (metrics.json, NAME_lr.tif, NAME_METHOD.tif) and writes one HTML
file with, per image: the low-res input, restorations and ground truth side by side (synced zoom,
contrast, pixel readout), the NanoJ-SQUIRREL error map of the best restoration against the low-res
input, and single-image FRC curves. The widget front end is inlined: the file renders offline.
  --demo-dir DIR     the demo output folder (required)
  -o, --output FILE  where to write the report (.html; default DIR/widgets-report.html; --out is an alias)
  --title TEXT       page title`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { "demo-dir": { type: "string" }, output: { type: "string", short: "o" }, out: { type: "string" }, title: { type: "string" } }, usage);
  if (!parsed) return 0;
  if (parsed.positionals.length) throw invalidArgument(`unexpected argument ${parsed.positionals[0]}`);
  const dirArg = parsed.values["demo-dir"] as string | undefined;
  if (!dirArg) throw invalidArgument(`--demo-dir is required`);
  const dir = resolve(dirArg);
  const out = resolve(outputOption(parsed.values) ?? join(dir, "widgets-report.html"));
  // Its inputs are the demo folder's metrics and images (the folder itself is written into).
  const inputs = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(json|tiff?)$/i.test(f)).map((f) => join(dir, f)) : [];
  guardOutputs(inputs, [{ path: out, option: "-o" }]);
  if (!/\.html?$/i.test(out)) throw invalidArgument(`-o ${out}: the report is HTML; name it .html`);
  const count = await writeDemoWidgetReport(dir, out, { title: parsed.values.title as string | undefined });
  console.log(`wrote ${out} (${count} widgets)`);
  return 0;
}
