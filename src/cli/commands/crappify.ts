// `pssr crappify IN -o OUT --recipe NAME [--scale 4] [--seed N] [--set key=value ...] [--json] [--list]`
import { crappify, describeRecipes, findRecipe, listRecipes, parseParamAssignment, RECIPE_NAMES, Rng, type ParamInput } from "../../crappify/index.js";
import { readImage } from "../../io/read.js";
import { invalidArgument, unknownName } from "../../errors.js";
import { intOption, numberOption, outputOption, parseCommandArgs } from "../args.js";
import { assertPngHoldsPlanes, guardOutputs, imageOutputFormat, writeImageOutput } from "../outputs.js";
import { createProgress } from "../progress.js";


const usage = `usage: pssr crappify IN -o OUT --recipe NAME [--scale S] [--seed N] [--set key=value ...] [--upsampled OUT_UP] [--json]
       pssr crappify --list [--json]

Degrades IN (2D image, stack or time-lapse; each plane gets its own noise draw) into a low-res OUT
(TIFF). The recipe, its drawn parameters, the seed and the RNG state go into OUT's metadata.
  -o, --output FILE     where to write the LR image (required; .tif, or .png for an 8-bit preview
                        of a 2D result; --out is an alias)
  -r, --recipe NAME     one of: ${RECIPE_NAMES.join(", ")}
  --scale S             HR/LR pixel size ratio (default: the recipe's, 4; care-denoise 1)
  --seed N              integer seed (default: a fresh one, printed and recorded)
  --set key=value       recipe parameter (repeatable); a range lo:hi is drawn per run
  --upsampled FILE      also write the LR upsampled back to HR size (recipes whose 'upsample' is not none)
  --json                print the record (recipe, drawn parameters, seed, RNG state) as JSON
  --list                list the recipes with their parameters, defaults and ranges
  --quiet               no progress display (planes of a stack, on stderr)`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      output: { type: "string", short: "o" },
      out: { type: "string" },
      recipe: { type: "string", short: "r" },
      scale: { type: "string" },
      seed: { type: "string" },
      set: { type: "string", multiple: true },
      upsampled: { type: "string" },
      json: { type: "boolean" },
      list: { type: "boolean" },
      quiet: { type: "boolean" },
    },
    usage,
  );
  if (!parsed) return 0;
  const v = parsed.values;
  if (v.list) {
    if (v.json) {
      console.log(
        JSON.stringify(
          listRecipes().map((r) => ({ name: r.name, summary: r.summary, source: r.source, defaultScaleFactor: r.defaultScaleFactor, params: r.params })),
          null,
          2,
        ),
      );
    } else console.log(describeRecipes());
    return 0;
  }
  const [input, ...rest] = parsed.positionals;
  if (!input || rest.length) throw invalidArgument(`give exactly one input image`);
  const output = outputOption(v, true);
  const upPath = v.upsampled as string | undefined;
  imageOutputFormat(output, "-o");
  if (upPath) imageOutputFormat(upPath, "--upsampled");
  guardOutputs([input], [{ path: output, option: "-o" }, upPath ? { path: upPath, option: "--upsampled" } : null]);
  const recipeName = v.recipe as string | undefined;
  if (!recipeName) throw invalidArgument(`--recipe is required; valid: ${RECIPE_NAMES.join(", ")}`);
  const recipe = findRecipe(recipeName);
  if (!recipe) throw unknownName("recipe", recipeName, RECIPE_NAMES);
  const params: Record<string, ParamInput> = {};
  for (const s of (v.set as string[] | undefined) ?? []) {
    const [key, value] = parseParamAssignment(recipe.name, recipe.params, s);
    params[key] = value;
  }
  const scaleFactor = v.scale !== undefined ? numberOption(v.scale, "scale") : undefined;
  const seed = v.seed !== undefined ? intOption(v.seed, "seed", undefined, 0, Number.MAX_SAFE_INTEGER) : Rng.randomSeed();

  const img = await readImage(input);
  assertPngHoldsPlanes(output, img);
  if (upPath) assertPngHoldsPlanes(upPath, img, "--upsampled");
  const progress = createProgress({ quiet: Boolean(v.quiet) });
  const result = crappify(img, recipe.name, { scaleFactor, seed, params, onPlane: (d, t) => t > 1 && progress.update("crappifying planes", d, t) });
  progress.end();
  if (upPath && !result.lrUpsampled) {
    throw invalidArgument(`recipe ${recipe.name} makes no upsampled copy with upsample=${String(result.drawn.upsample ?? "none")}; add --set upsample=bilinear (or another method)`);
  }
  const provenance = { source: input };
  result.lr.meta = { ...result.lr.meta, ...provenance };
  await writeImageOutput(output, result.lr, { option: "-o" });
  if (upPath && result.lrUpsampled) {
    result.lrUpsampled.meta = { ...result.lrUpsampled.meta, ...provenance };
    await writeImageOutput(upPath, result.lrUpsampled, { option: "--upsampled" });
  }
  const record = {
    recipe: result.recipe,
    scaleFactor: result.scaleFactor,
    seed: result.seed,
    drawn: result.drawn,
    requested: result.requested,
    rngState: result.rngState,
    input,
    output,
    upsampled: upPath ?? null,
    shape: result.lr.shape,
    axes: result.lr.axes,
    dtype: result.lr.dtype,
  };
  if (v.json) console.log(JSON.stringify(record));
  else console.log(`${input} -> ${output}  ${result.lr.shape.join("x")} ${result.lr.dtype}  recipe ${result.recipe}, scale ${result.scaleFactor}, seed ${result.seed}`);
  return 0;
}
