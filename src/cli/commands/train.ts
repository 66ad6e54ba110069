// `pssr train`: trains a restoration model on HR images (crappified on the fly) or LR/HR pairs.
import { existsSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { selectBackend } from "../../backend/index.js";
import { lengthToNm } from "../../image/image.js";
import { modelSpec, readModelSpec } from "../../model/index.js";
import { readImage } from "../../io/read.js";
import { invalidArgument, PssrError } from "../../errors.js";
import { parseLossName } from "../../train/losses.js";
import { APPEARANCE_PRESETS, train, trainEnsemble, hasCheckpoint, sourceFromImage, type ProgressEvent, type SourceImage, type TrainOptions } from "../../train/index.js";
import { intOption, numberOption, parseCommandArgs, positiveOption } from "../args.js";
import { checkPixelSizeNm } from "../../predict/resample.js";
import { guardOutputs } from "../outputs.js";
import { createProgress } from "../progress.js";
import { resolveModelPath } from "../../model/registry.js";
import { ENSEMBLE_FILE } from "../../train/ensemble.js";


const usage = `usage: pssr train --hr FILES/DIRS --out DIR [options]

  --hr PATH          HR training image or folder of images (repeatable)
  --lr PATH          real LR images paired in order with the HR ones (repeatable); without it
                     the HR images are crappified on the fly with --recipe
  --out DIR          model directory to write (model.json, weights.bin, card.json, checkpoint/);
                     one that already holds a model needs --resume or --overwrite
  --preset NAME      tiny (default), small, pssr
  --arch NAME        resunet, resunet-lr, care (default: resunet-lr; care at scale 1; resunet for pssr)
  --recipe NAME      crappifier recipe (default pssr-em for scale > 1, care-denoise at scale 1)
  --scale N          1, 2, 4 (default) or 8
  --frames N         1 (default) or 5 (multi-frame: time-lapses or stacks)
  --minutes M        wall-clock budget, default 10: a few warm-up steps measure the speed, then
                     epochs x steps are planned to fit M minutes (one-cycle over the whole budget;
                     an epoch covers the data: the patches the images hold / batch, shortened
                     to keep at least 4 epochs) and the run stops on time; plan and real time
                     go into the card
  --epochs N         fix the plan's epochs   --steps N   fix its steps per epoch; with both and
                     no --minutes the run has that fixed length and no budget
  --batch N          default per preset: 8 (tiny, small), 4 (pssr)
  --patch P          HR patch side in px, default per preset: 96 (tiny, small), 128 (pssr)
  --learning-rate X  peak learning rate > 0, default per preset: 2e-3 (tiny), 1e-3 (small, pssr)
                     (one-cycle; --constant-lr for constant)
  --weight-decay W  decoupled (AdamW) weight decay, default 0 (fastai/PSSR: 1e-3)
  --loss NAME        mse (default), l1, laplace (with --probabilistic), msssim-l1
  --probabilistic    CARE Laplace head (care architecture)
  --appearance NAME  em, fluo or none (default): each epoch, every crappified source gets a drawn
                     contrast, gamma, offset, scale jitter (em: and inversion) before the LR is
                     made, so the model meets more looks than its few images have: what made the
                     bundled models and an ensemble's disagreement transfer to other labs' data
                     (docs/GENERALISATION.md, docs/UNCERTAINTY.md). Not with --lr pairs
  --kernel K         3 (default) or 5
  --seed S           default 0
  --ensemble N       train N members (seeds and data order differ, validation split shared)
                     into DIR/member-1..N with DIR/ensemble.json; pssr predict DIR uses them all
  --validation-fraction F  held out for validation (default 0.1): of the images, or of the
                     one image's area when only one image/pair is given (a region, no leakage)
  --calibration quantile|factor|none  after training, fit the Laplace scale on the validation
                     data (default quantile: a monotone map; factor: one multiplier); in the card
  --init NAME|DIR    fine-tune: start from a trained model's weights (a bundled name such as
                     pssr-em-4x, see pssr models, or a model directory); its architecture, scale
                     and frames are kept, so --preset/--arch/--scale/--frames/--kernel/--probabilistic
                     are refused with it. The new card names the model it started from
  --resume           continue from DIR/checkpoint after an interruption (a budget run continues
                     its plan with the budget's remaining time)
  --overwrite        train a new model into a DIR that holds one (replaced after the first epoch)
  --pixel-size NM    the HR images' pixel size in nm, recorded in the card (when the files
                     lack it, or to override it); pssr predict then matches inputs to it
  --quiet            no progress display
  --backend NAME     tfjs-node-gpu, tfjs-node, wasm, cpu, webgpu (or PSSR_BACKEND)
  --threads N        compute threads (or PSSR_THREADS; default: the cores this process may use)
Progress goes to stderr: a bar on a terminal, a line every 2 s otherwise. At the end, a warning
when the best model is not better than bilinear upsampling on validation (PSNR or SSIM).
Ctrl-C stops after the current step; the last complete checkpoint stays loadable (and the
command says when there is none yet: nothing to resume).`;

const IMAGE_EXT = new Set([".tif", ".tiff", ".png", ".jpg", ".jpeg"]);

function expand(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new PssrError("file-not-found", "no such file or folder", { file: p });
    }
    if (st.isDirectory()) {
      const files = readdirSync(p)
        .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
        .sort()
        .map((f) => join(p, f));
      if (files.length === 0) throw invalidArgument(`${p}: the folder holds no image files`);
      out.push(...files);
    } else out.push(p);
  }
  return out;
}

function formatProgress(e: ProgressEvent): string {
  if (e.type === "step") {
    return `loss ${e.loss.toFixed(4)} lr ${e.learningRate.toExponential(1)} ${e.samplesPerSecond.toFixed(1)} samples/s`;
  }
  if (e.type === "epoch") {
    const v = e.validation;
    return `epoch ${e.epoch}/${e.epochs} train loss ${e.trainLoss.toFixed(4)} val loss ${v.loss.toFixed(4)} PSNR ${v.psnr.toFixed(2)} dB (bilinear ${v.bilinearPsnr.toFixed(2)}) SSIM ${v.ssim.toFixed(3)} (bilinear ${v.bilinearSsim.toFixed(3)})${e.best ? " *best" : ""} ${e.seconds.toFixed(1)} s`;
  }
  const budget = e.budgetSeconds ? `, planned for ${(e.budgetSeconds / 60).toPrecision(3)} min` : "";
  return `training ${e.parameters} parameters on ${e.backend}, ${e.epochs} epochs x ${e.stepsPerEpoch} steps${budget}${e.startEpoch ? `, resuming after epoch ${e.startEpoch}` : ""}`;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      hr: { type: "string", multiple: true },
      lr: { type: "string", multiple: true },
      out: { type: "string" },
      preset: { type: "string" },
      arch: { type: "string" },
      recipe: { type: "string" },
      scale: { type: "string" },
      frames: { type: "string" },
      minutes: { type: "string" },
      epochs: { type: "string" },
      steps: { type: "string" },
      batch: { type: "string" },
      patch: { type: "string" },
      "learning-rate": { type: "string" },
      "constant-lr": { type: "boolean" },
      "weight-decay": { type: "string" },
      loss: { type: "string" },
      probabilistic: { type: "boolean" },
      appearance: { type: "string" },
      kernel: { type: "string" },
      seed: { type: "string" },
      ensemble: { type: "string" },
      "validation-fraction": { type: "string" },
      calibration: { type: "string" },
      resume: { type: "boolean" },
      overwrite: { type: "boolean" },
      quiet: { type: "boolean" },
      "pixel-size": { type: "string" },
      backend: { type: "string" },
      init: { type: "string" },
    },
    usage,
  );
  if (!parsed) return 0;
  const v = parsed.values;
  const hrPaths = expand((v.hr as string[] | undefined) ?? []);
  if (hrPaths.length === 0) throw invalidArgument(`--hr is required`);
  if (!v.out) throw invalidArgument(`--out DIR is required`);
  const lrPaths = v.lr ? expand(v.lr as string[]) : null;
  if (lrPaths && lrPaths.length !== hrPaths.length) throw invalidArgument(`--lr gives ${lrPaths.length} images but --hr gives ${hrPaths.length}; they pair in order`);
  // Fine-tuning keeps the starting model's architecture: the options that would change it are refused.
  const initDir = v.init === undefined ? null : resolveInitModel(v.init as string, v);
  // The starting model's own architecture (its model.json), not defaults when its card is missing.
  const initSpec = initDir ? readModelSpec(initDir) : null;
  const scale = initSpec ? initSpec.scale : intOption(v.scale, "scale", 4, 1, 8);
  const frames = initSpec ? initSpec.inChannels : intOption(v.frames, "frames", 1, 1, 5);
  // Every number is checked before any work, so a typo never costs a started run.
  // Unset numbers stay undefined: train() fills in the budget plan and the preset's defaults.
  const given = <T>(value: unknown, parse: () => T): T | undefined => (value === undefined ? undefined : parse());
  const budgetMinutes = given(v.minutes, () => positiveOption(v.minutes, "minutes"));
  const epochs = given(v.epochs, () => intOption(v.epochs, "epochs", undefined, 1));
  const stepsPerEpoch = given(v.steps, () => intOption(v.steps, "steps", undefined, 1));
  const batchSize = given(v.batch, () => intOption(v.batch, "batch", undefined, 1));
  const patchPx = given(v.patch, () => intOption(v.patch, "patch", undefined, 8));
  const kernelSize = intOption(v.kernel, "kernel", 3, 3, 5);
  const learningRate = given(v["learning-rate"], () => positiveOption(v["learning-rate"], "learning-rate"));
  const weightDecay = numberOption(v["weight-decay"], "weight-decay", 0);
  if (weightDecay < 0) throw invalidArgument(`--weight-decay must be >= 0, got ${weightDecay}`);
  const seed = intOption(v.seed, "seed", 0, 0);
  const members = v.ensemble === undefined ? 1 : intOption(v.ensemble, "ensemble", undefined, 2, 64);
  const calibration = (v.calibration as string | undefined) ?? "quantile";
  if (!["quantile", "factor", "none"].includes(calibration)) throw invalidArgument(`--calibration must be quantile, factor or none, got ${calibration}`);
  const validationFraction = numberOption(v["validation-fraction"], "validation-fraction", 0.1);
  if (!(validationFraction > 0 && validationFraction < 1)) throw invalidArgument(`--validation-fraction must be between 0 and 1 (exclusive), got ${validationFraction}`);
  if (members > 1 && v.resume) throw invalidArgument("--resume works on one model folder; resume an ensemble member with --out DIR/member-K --seed (see its card)");
  const appearanceName = (v.appearance as string | undefined) ?? "none";
  if (appearanceName !== "none" && !Object.hasOwn(APPEARANCE_PRESETS, appearanceName)) throw invalidArgument(`--appearance must be ${[...Object.keys(APPEARANCE_PRESETS), "none"].join(", ")}, got ${appearanceName}`);
  // Real pairs are left as acquired: the augmentation acts on the HR before it is crappified.
  if (appearanceName !== "none" && lrPaths) throw invalidArgument("--appearance augments HR images before they are crappified; real --lr pairs are trained as they are");
  const appearance = appearanceName === "none" ? undefined : APPEARANCE_PRESETS[appearanceName as keyof typeof APPEARANCE_PRESETS];
  const modelOptions = {
    preset: (v.preset as string | undefined) ?? "tiny",
    arch: v.arch as string | undefined,
    scale,
    inChannels: frames,
    kernelSize,
    probabilistic: Boolean(v.probabilistic),
  };
  modelSpec(modelOptions); // unknown preset/architecture: one line now, not after loading
  const givenPixelSizeNm = v["pixel-size"] === undefined ? null : checkPixelSizeNm(numberOption(v["pixel-size"], "pixel-size"));
  const outDir = resolve(v.out as string);
  if (v.resume && v.overwrite) throw invalidArgument("--resume continues the model in --out and --overwrite replaces it; give one");
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw invalidArgument(`--out ${v.out as string} is a file; give a folder for the model`);
  const holdsModel = ["model.json", "card.json"].some((f) => existsSync(resolve(outDir, f))) || hasCheckpoint(outDir);
  if (holdsModel && !v.resume && !v.overwrite) {
    throw invalidArgument(`--out ${v.out as string} already holds a model; add --resume to continue it or --overwrite to replace it, or choose another folder`);
  }
  if (v.resume && !hasCheckpoint(outDir)) throw invalidArgument(`--resume: ${v.out as string} holds no checkpoint to continue from; train without --resume`);
  guardOutputs([...hrPaths, ...(lrPaths ?? []), initDir], [{ path: outDir, option: "--out", kind: "dir" }]);
  const outDirExisted = existsSync(outDir);
  const progress = createProgress({ quiet: Boolean(v.quiet) });
  // Ctrl-C from here on: stop cleanly after the current step (a second one quits at once).
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    progress.line("interrupt: stopping after the current step (Ctrl-C again to quit now)");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    return await runTraining();
  } finally {
    process.off("SIGINT", onSigint);
    progress.end();
  }

  async function runTraining(): Promise<number> {
  progress.status(`loading ${hrPaths.length} training image${hrPaths.length > 1 ? "s" : ""} and starting the compute backend...`);
  const { name: backend } = await selectBackend({ name: (v.backend as string | undefined) ?? null });
  const sources: SourceImage[] = [];
  let hrPixelSizeNm: number | null = givenPixelSizeNm;
  for (const [i, path] of hrPaths.entries()) {
    const hr = await readImage(path);
    if (i === 0 && hr.pixelSize && givenPixelSizeNm === null) hrPixelSizeNm = lengthToNm(hr.pixelSize);
    const lr = lrPaths ? await readImage(lrPaths[i]) : undefined;
    sources.push(sourceFromImage(path, hr, lr));
  }
  if (controller.signal.aborted) {
    console.log("interrupted before training started: nothing was written, nothing to resume");
    return 130;
  }
  {
    const trainOptions: TrainOptions = {
      sources,
      outDir,
      model: modelOptions,
      recipe: lrPaths ? undefined : ((v.recipe as string | undefined) ?? (scale === 1 ? "care-denoise" : "pssr-em")),
      loss: v.loss ? parseLossName(v.loss as string) : undefined,
      budgetMinutes,
      epochs,
      stepsPerEpoch,
      batchSize,
      patchPx,
      learningRate,
      schedule: v["constant-lr"] ? "constant" : "one-cycle",
      ...(appearance ? { appearance } : {}),
      weightDecay,
      seed,
      resume: Boolean(v.resume),
      validationFraction,
      calibration: calibration as TrainOptions["calibration"],
      signal: controller.signal,
      card: { hrPixelSizeNm, data: { hr: hrPaths, ...(lrPaths ? { lr: lrPaths } : {}) } },
      ...(initDir ? { init: initDir } : {}),
      onWarning: (m) => (v.quiet ? console.error(`warning: ${m}`) : progress.line(`warning: ${m}`)),
      onProgress: (e) => {
        if (e.type === "step") progress.update(`epoch ${e.epoch}/${e.epochs}`, e.step, e.steps, formatProgress(e), e.etaSeconds);
        else progress.line(formatProgress(e));
      },
    };
    if (members > 1) {
      const e = await trainEnsemble(trainOptions, members, (k, n) => progress.line(`ensemble member ${k}/${n}`));
      progress.end();
      const done = e.results.filter((x) => !x.interrupted).length;
      console.log(
        e.interrupted
          ? `interrupted in member ${e.results.length}; ${done} complete members in ${trainOptions.outDir} (no ensemble.json written)`
          : `trained an ensemble of ${members} members on ${backend}; pssr predict ${trainOptions.outDir} IN -o OUT --disagreement D.tif uses them all`,
      );
      return e.interrupted ? 130 : 0;
    }
    const result = await train(trainOptions);
    progress.end();
    if (result.interrupted && result.epochsCompleted === result.startEpoch && !v.resume) {
      // No epoch of this run finished: leave no empty folder that looks like a model.
      if (!outDirExisted && existsSync(outDir) && readdirSync(outDir).length === 0) rmdirSync(outDir);
      console.log(
        `interrupted during epoch 1, before its checkpoint: nothing to resume; run again without --resume` +
          (holdsModel ? ` (--overwrite; ${v.out as string} still holds the earlier model)` : ""),
      );
      return 130;
    }
    if (!result.interrupted && result.epochsCompleted === result.startEpoch) {
      console.log(
        result.startEpoch >= result.plan.epochs
          ? `nothing to train: ${result.outDir} already has ${result.startEpoch} of ${result.plan.epochs} epochs; give --epochs above ${result.startEpoch} to train more`
          : `nothing to train: the budget of ${result.outDir} is spent (${result.startEpoch} of ${result.plan.epochs} planned epochs); give --minutes for more time`,
      );
      return 0;
    }
    console.log(
      result.interrupted
        ? `interrupted after ${result.epochsCompleted} complete epochs; resume with --resume (model in ${result.outDir}, backend ${backend})`
        : `trained ${result.epochsCompleted} epochs in ${result.seconds.toFixed(1)} s on ${backend}${result.stoppedOnTime ? ` (stopped on time after ${result.steps} of ${result.plan.totalSteps} planned steps)` : ""}; model in ${result.outDir}` +
            (result.best ? ` (best validation PSNR ${result.best.psnr.toFixed(2)} dB vs bilinear ${result.best.bilinearPsnr.toFixed(2)} dB)` : ""),
    );
    return result.interrupted ? 130 : 0;
  }
  }
}

/** --init NAME|DIR: the model directory to fine-tune (one model, not an ensemble), with the architecture options refused. */
function resolveInitModel(nameOrDir: string, v: Record<string, unknown>): string {
  const clash = ["preset", "arch", "scale", "frames", "kernel", "probabilistic"].filter((k) => v[k] !== undefined);
  if (clash.length) throw invalidArgument(`--init keeps the architecture of the model it starts from; leave out ${clash.map((k) => `--${k}`).join(", ")}`);
  const dir = resolveModelPath(nameOrDir);
  if (existsSync(join(dir, ENSEMBLE_FILE))) throw invalidArgument(`--init ${nameOrDir} is an ensemble; give one of its members (${join(dir, "member-1")})`);
  if (!existsSync(join(dir, "model.json"))) throw new PssrError("file-not-found", "--init: no model.json in this folder (give a model directory or a name pssr models lists)", { file: dir });
  return resolve(dir);
}
