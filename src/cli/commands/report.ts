// `pssr report --demo-dir DIR [-o report.html] [--title T] [--model M]`: an offline HTML report
// with interactive widgets (image comparison with synced zoom, NanoJ error map, FRC curves) of a
// `pssr demo` output folder, rendered by the bundled front end (no network needed); with a
// Laplace model or ensemble, the coverage of its intervals on the held-out images.
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { invalidArgument } from "../../errors.js";
import { writeDemoWidgetReport } from "../../demo/widget-report.js";
import { coverageLines } from "../../demo/coverage.js";
import { outputOption, parseCommandArgs } from "../args.js";
import { guardOutputs } from "../outputs.js";


const usage = `usage: pssr report --demo-dir DIR [-o FILE.html] [--title TEXT] [--model MODEL]

Reads a \`pssr demo\` output folder (metrics.json, NAME_lr.tif, NAME_METHOD.tif) and writes one HTML
file with, per image: the low-res input, restorations and ground truth side by side (synced zoom,
contrast, pixel readout), the NanoJ-SQUIRREL error map of the best restoration against the low-res
input, and single-image FRC curves. The widget front end is inlined: the file renders offline.
  --demo-dir DIR     the demo output folder (required)
  -o, --output FILE  where to write the report (.html; default DIR/widgets-report.html; --out is an alias)
  --title TEXT       page title
  --model MODEL      a Laplace model (pssr train --arch care --probabilistic) or an ensemble
                     folder of them, trained at the demo's scale: each restores the held-out
                     inputs and the report adds the coverage plot (nominal P against the
                     observed fraction of ground-truth pixels inside the central P-interval,
                     raw and calibrated scales) and error maps flagged by the scale

What the coverage says: on the diagonal, the intervals hold on these images. What it does not:
uncertainty is not a guarantee (a confident pixel can be wrong, members can share a
hallucination), calibration holds on average over data like the validation data, and neither
intervals nor restored values are fit for intensity quantification.`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { "demo-dir": { type: "string" }, output: { type: "string", short: "o" }, out: { type: "string" }, title: { type: "string" }, model: { type: "string" } }, usage);
  if (!parsed) return 0;
  if (parsed.positionals.length) throw invalidArgument(`unexpected argument ${parsed.positionals[0]}`);
  const dirArg = parsed.values["demo-dir"] as string | undefined;
  if (!dirArg) throw invalidArgument(`--demo-dir is required`);
  const dir = resolve(dirArg);
  const out = resolve(outputOption(parsed.values) ?? join(dir, "widgets-report.html"));
  // Its inputs are the demo folder's metrics and images (the folder itself is written into).
  const inputs = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(json|tiff?)$/i.test(f)).map((f) => join(dir, f)) : [];
  const model = parsed.values.model === undefined ? undefined : resolve(parsed.values.model as string);
  if (model !== undefined && !existsSync(model)) throw invalidArgument(`--model ${model}: no such model folder`);
  guardOutputs(model === undefined ? inputs : [...inputs, model], [{ path: out, option: "-o" }]);
  if (!/\.html?$/i.test(out)) throw invalidArgument(`-o ${out}: the report is HTML; name it .html`);
  const r = await writeDemoWidgetReport(dir, out, { title: parsed.values.title as string | undefined, intervalModel: model });
  if (r.coverage) for (const line of coverageLines(r.coverage)) console.log(line);
  console.log(`wrote ${out} (${r.widgets} widgets)`);
  return 0;
}
