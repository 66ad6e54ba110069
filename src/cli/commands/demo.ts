// `pssr demo`: the README's first command. See src/demo/pipeline.ts for what it does.
import { parseCommandArgs, intOption } from "../args.js";
import { runDemo } from "../../demo/pipeline.js";

export const summary = "crappify bundled EM, restore 4x, evaluate against the real high-res, write an HTML report";

const USAGE = `usage: pssr demo [--out DIR] [--seed N]
  --out DIR   output folder (default ./pssr-demo)
  --seed N    crappifier/training seed (default 1)
  PSSR_QUICK=1 shrinks the work for CI (never skips a step)`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { out: { type: "string" }, seed: { type: "string" } }, USAGE);
  if (!parsed) return 0;
  const started = Date.now();
  const result = await runDemo({
    outDir: parsed.values.out as string | undefined,
    seed: intOption(parsed.values.seed, "seed", 1, 0, 2 ** 31 - 1),
  });
  console.log("");
  console.log(result.table);
  console.log("");
  console.log(`metrics: ${result.metricsPath}`);
  console.log(`report:  ${result.reportPath}`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}
