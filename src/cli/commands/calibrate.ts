// `pssr calibrate LR.tif [--hr HR.tif] [--offset ADU] [--seed N] [--json]`
import { calibrate } from "../../crappify/index.js";
import { readImage } from "../../io/read.js";
import { invalidArgument } from "../../errors.js";
import { intOption, numberOption, parseCommandArgs } from "../args.js";

export const summary = "fit the physical crappifier's noise model (gain, read noise, offset) to a real low-res image";

const usage = `usage: pssr calibrate LR.tif [--hr HR.tif] [--offset ADU] [--seed N] [--json]

Measures LR's noise variance against local mean intensity (smooth regions, robust high-pass
residual), fits variance = gain * (mean - offset) + readNoise^2 (a falling curve means inverted
contrast, as displayed EM), and checks the fit by measuring the same curve on a synthetic LR made
with the fitted 'physical' recipe (from HR when given, else from a smoothed LR).
  --hr FILE        a high-res image of the same field: sets the scale and the photon scale
  --offset ADU     known black level of the detector (default: from the fit)
  --seed N         seed of the synthetic check (default 0)
  --json           print {recipe, scaleFactor, fit, residual, curveMismatch, realCurve, syntheticCurve}`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    { hr: { type: "string" }, offset: { type: "string" }, seed: { type: "string" }, json: { type: "boolean" } },
    usage,
  );
  if (!parsed) return 0;
  const [lrPath, ...rest] = parsed.positionals;
  if (!lrPath || rest.length) throw invalidArgument(`give exactly one LR image`);
  const v = parsed.values;
  const lr = await readImage(lrPath);
  const hr = v.hr !== undefined ? await readImage(v.hr as string) : undefined;
  const offset = v.offset !== undefined ? numberOption(v.offset, "offset") : undefined;
  const seed = intOption(v.seed, "seed", 0, 0, Number.MAX_SAFE_INTEGER);
  const r = calibrate(lr, hr, { offset, seed });
  if (v.json) {
    console.log(
      JSON.stringify({
        input: lrPath,
        hr: (v.hr as string | undefined) ?? null,
        recipe: r.recipe,
        scaleFactor: r.scaleFactor,
        fit: r.fit,
        residual: r.residual,
        curveMismatch: r.curveMismatch,
        realCurve: r.realCurve,
        syntheticCurve: r.syntheticCurve,
      }),
    );
    return 0;
  }
  const f = r.fit;
  console.log(
    `${lrPath}: gain ${f.gain.toPrecision(4)} per photon${f.inverted ? " (inverted contrast)" : ""}, offset ${f.offset.toPrecision(5)}, read noise variance ${f.readNoiseVariance.toPrecision(4)}; fit residual ${(100 * r.residual).toFixed(1)}%, synthetic-vs-real curve within ${(100 * r.curveMismatch).toFixed(1)}%`,
  );
  const sets = Object.entries(r.recipe.params)
    .map(([k, val]) => `--set ${k}=${typeof val === "number" ? Number(val.toPrecision(6)) : val}`)
    .join(" ");
  console.log(`pssr crappify HR.tif -o LR.tif --recipe physical${r.scaleFactor ? ` --scale ${r.scaleFactor}` : ""} ${sets}`);
  return 0;
}
