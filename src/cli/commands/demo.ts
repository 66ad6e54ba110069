// `pssr demo`: the README's first command. See src/demo/pipeline.ts for what it does.
import { parseCommandArgs, intOption } from "../args.js";
import { runDemo, DEMO_HELD_OUT, DEMO_TRAIN, METRIC_NOTES } from "../../demo/pipeline.js";
import { samplePath } from "../../paths.js";
import { guardOutputs } from "../outputs.js";
import { createProgress } from "../progress.js";
import type { ProgressEvent } from "../../train/index.js";


const USAGE = `usage: pssr demo [--out DIR] [--seed N] [--backend NAME] [--no-train] [--pretrained NAME|none]
  --out DIR       output folder (default ./pssr-demo)
  --seed N        crappifier/training seed (default 1)
  --backend NAME  tfjs backend (default: PSSR_BACKEND or the first available)
  --threads N     compute threads (or PSSR_THREADS; default: the cores this process may use)
  --no-train      no freshly trained model (baselines, and the pretrained model when bundled)
  --pretrained NAME|DIR|none   the pretrained model restored beside the others (default
                  pssr-em-4x; skipped with a line when the package does not have it)
  --quiet         no progress display (stderr); the results table still prints
  PSSR_QUICK=1 shrinks the training budget for CI (every step still runs)`;

function progressLine(e: ProgressEvent): string | null {
  if (e.type === "start") return `training: ${e.parameters} parameters on ${e.backend}, epochs ${e.startEpoch + 1}..${e.epochs}`;
  if (e.type === "epoch") {
    const v = e.validation;
    return `epoch ${e.epoch}/${e.epochs}: loss ${e.trainLoss.toFixed(4)}, validation PSNR ${v.psnr.toFixed(2)} dB (bilinear ${v.bilinearPsnr.toFixed(2)}), SSIM ${v.ssim.toFixed(3)} (bilinear ${v.bilinearSsim.toFixed(3)}), ${e.seconds.toFixed(0)} s`;
  }
  return null;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    { out: { type: "string" }, seed: { type: "string" }, backend: { type: "string" }, "no-train": { type: "boolean" }, quiet: { type: "boolean" }, pretrained: { type: "string" } },
    USAGE,
  );
  if (!parsed) return 0;
  const started = Date.now();
  const seed = intOption(parsed.values.seed, "seed", 1, 0, 2 ** 31 - 1);
  const outDir = (parsed.values.out as string | undefined) ?? "pssr-demo";
  // The demo reads bundled samples; its folder must not be (or hold) them.
  guardOutputs([...DEMO_TRAIN, ...DEMO_HELD_OUT].map((rel) => samplePath(rel)), [{ path: outDir, option: "--out", kind: "dir" }]);
  const progress = createProgress({ quiet: Boolean(parsed.values.quiet) });
  // Something on screen from the first second: starting a backend can take several.
  progress.line("pssr demo: starting the compute backend and loading the bundled EM images");
  let result;
  try {
    result = await runDemo({
      outDir,
      seed,
      backend: (parsed.values.backend as string | undefined) ?? null,
      trainModel: !parsed.values["no-train"],
      pretrained: parsed.values.pretrained === "none" ? null : ((parsed.values.pretrained as string | undefined) ?? "pssr-em-4x"),
      log: (line) => progress.line(line),
      onProgress: (e) => {
        if (e.type === "step") {
          // One bar over the whole run: steps of all epochs.
          const total = e.epochs * e.steps;
          const done = (e.epoch - 1) * e.steps + e.step;
          progress.update("training", done, total, `epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)}`, e.etaSeconds);
          return;
        }
        const line = progressLine(e);
        if (line) progress.line(line);
      },
    });
  } finally {
    progress.end();
  }
  console.log("");
  console.log(result.table);
  console.log("");
  console.log("What the numbers mean:");
  for (const note of METRIC_NOTES) console.log(`- ${note}`);
  console.log("");
  if (result.modelDir) console.log(`model:   ${result.modelDir}`);
  console.log(`metrics: ${result.metricsPath}`);
  console.log(`report:  ${result.reportPath}`);
  if (result.summaryPath !== result.reportPath) console.log(`summary: ${result.summaryPath}`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}
