// `pssr calibrate LR.tif [--hr HR.tif] [--offset ADU] [--seed N] [--json]`
import { calibrate } from "../../crappify/index.js";
import { planeCount } from "../../image/image.js";
import { invalidArgument } from "../../errors.js";
import { intOption, numberOption, parseCommandArgs } from "../args.js";
import { parseSelection, readSelected, SELECT_USAGE, SELECT_OPTIONS } from "../select.js";

/** Above this synthetic-vs-real noise-curve mismatch the fitted recipe is not trusted. */
const MISMATCH_WARN = 0.25;


const usage = `usage: pssr calibrate LR.tif [--hr HR.tif] [--offset ADU] [--seed N] [--json]

Measures LR's noise variance against local mean intensity (smooth regions, robust high-pass
residual), fits variance = gain * (mean - offset) + readNoise^2 (a falling curve means inverted
contrast, as displayed EM), and checks the fit by measuring the same curve on a synthetic LR made
with the fitted 'physical' recipe (from HR when given, else from a smoothed LR).
  --hr FILE        a high-res image of the same field: sets the scale and the photon scale
  --offset ADU     known black level of the detector (default: from the fit)
  --seed N         seed of the synthetic check (default 0)
  --json           print {recipe, scaleFactor, fit, residual, curveMismatch, realCurve, syntheticCurve}
${SELECT_USAGE}
                   (of a stack, plane 0 is used unless one is picked)
Warns when the synthetic curve misses the real one by more than ${100 * MISMATCH_WARN}% (the model does not fit).`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      hr: { type: "string" },
      offset: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean" },
      ...SELECT_OPTIONS,
    },
    usage,
  );
  if (!parsed) return 0;
  const [lrPath, ...rest] = parsed.positionals;
  if (!lrPath || rest.length) throw invalidArgument(`give exactly one LR image`);
  const v = parsed.values;
  const [lr, hr] = await readSelected([lrPath, ...(v.hr !== undefined ? [v.hr as string] : [])], parseSelection(v));
  for (const [img, path] of [[lr, lrPath], [hr, v.hr]] as const) {
    if (img && planeCount(img) > 1) console.error(`note: ${String(path)} has ${planeCount(img)} planes (axes ${img.axes}); calibrating on its first; pick another with --time/--channel/--plane or --select`);
  }
  const offset = v.offset !== undefined ? numberOption(v.offset, "offset") : undefined;
  const seed = intOption(v.seed, "seed", 0, 0, Number.MAX_SAFE_INTEGER);
  const r = calibrate(lr, hr, { offset, seed });
  if (r.curveMismatch > MISMATCH_WARN) {
    console.error(
      `warning: the synthetic noise curve misses the real one by ${(100 * r.curveMismatch).toFixed(0)}% (more than ${100 * MISMATCH_WARN}%): the Poisson-Gaussian model does not describe this image well; check the offset (--offset), the HR image, or that LR is raw (not processed) data`,
    );
  }
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
