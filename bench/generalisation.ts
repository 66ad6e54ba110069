// Leave-one-dataset-out (issue 18): does a model restore EM from a lab / microscope it never saw?
//
//   node dist/bench/generalisation.js eval --model DIR --datasets a,b [--out F.json] [--record]
//       a trained model on the named (left-out) datasets; --record writes the figures into the
//       model's card (leaveOneDatasetOut)
//   node dist/bench/generalisation.js lodo --leave-out a,b --variants baseline,augment,... [--steps N] [--out F.json]
//       for each left-out dataset and variant: train a tiny model on every other EM dataset, then
//       evaluate it on the left-out one
//   node dist/bench/generalisation.js table --in F.json[,G.json]
//       the rows of earlier runs as a Markdown table (docs/GENERALISATION.md)
//
// Evaluation of one dataset: each HR plane (cropped to a multiple of the scale) is crappified at
// 4x with the model's recipe at its default parameters, twice with independent seeds; each LR is
// restored with predictImage (and with bilinear and bicubic upsampling); PSNR and SSIM follow the
// CARE/PSSR protocol (metrics evaluate: GT percentile-normalised, prediction least-squares
// scaled), averaged over both draws; FRC (1/7) compares the two restorations of the two draws,
// so it measures the detail a method reproduces, not noise it invents. Means over planes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { crappify, type RecipeSpec } from "../src/crappify/crappify.js";
import { evaluate } from "../src/metrics/pixel.js";
import { frc } from "../src/metrics/frc.js";
import { getPlane, imageFromPlanes, type Plane } from "../src/image/image.js";
import { predictBaseline, predictImage } from "../src/predict/predict.js";
import { loadModelDir } from "../src/predict/load.js";
import { writeModelCard, type LeaveOneOutFigure, type NormalizationSpec } from "../src/model/card.js";
import { selectBackend } from "../src/backend/index.js";
import { train } from "../src/train/train.js";
import { EM_AUGMENT, EM_NOISE_RANGES, type AugmentSpec } from "../src/train/augment.js";
import type { LossName } from "../src/train/losses.js";
import type { RestorationModel } from "../src/model/index.js";
import { cropPlane } from "../src/image/crop.js";
import type { SourceImage } from "../src/train/data.js";
import { emDatasets, loadSources, sharedDataDir, type Dataset } from "./em-datasets.js";

export const METHODS = ["model", "bilinear", "bicubic"] as const;
type Method = (typeof METHODS)[number];

export interface MethodFigures {
  psnr: number;
  ssim: number;
  /** Mean FRC resolution in px over the planes whose curve crossed 1/7; null if none did. */
  frcPx: number | null;
  /** Planes whose FRC curve crossed the threshold. */
  frcCrossed: number;
  /** The same with the half-bit threshold (stricter at low ring counts: crosses more often). */
  frcHalfBitPx: number | null;
  frcHalfBitCrossed: number;
}

export interface DatasetRow {
  dataset: string;
  planes: number;
  figures: Record<Method, MethodFigures>;
}

/** The recipe name of a card's recipe (evaluation uses its default parameters). */
function recipeName(recipe: string | RecipeSpec | null | undefined): string {
  if (!recipe) return "pssr-em";
  return typeof recipe === "string" ? recipe : recipe.name;
}

/** Evaluates `model` on the HR planes of one dataset (see the header for the protocol). */
export function evaluateOnSources(
  model: RestorationModel,
  sources: SourceImage[],
  opts: { recipe: string; normalization?: NormalizationSpec; seed?: number; maxPlanes?: number },
): { planes: number; figures: Record<Method, MethodFigures> } {
  const s = model.spec.scale;
  const sums = Object.fromEntries(METHODS.map((m) => [m, { psnr: 0, ssim: 0, frc: 0, crossed: 0, hb: 0, hbCrossed: 0 }])) as Record<Method, { psnr: number; ssim: number; frc: number; crossed: number; hb: number; hbCrossed: number }>;
  const used = sources.slice(0, opts.maxPlanes ?? sources.length);
  used.forEach((src, i) => {
    const hr = cropPlane(src.hr[0], [0, Math.floor(src.hr[0].height / s) * s], [0, Math.floor(src.hr[0].width / s) * s]);
    const seed = (opts.seed ?? 1) * 1000 + 2 * i;
    const lrs = [seed, seed + 1].map((k) => getPlane(crappify(hr, opts.recipe, { scaleFactor: s, seed: k }).lr));
    const restore: Record<Method, (lr: Plane) => Plane> = {
      model: (lr) => getPlane(predictImage(model, imageFromPlanes([lr]), { normalization: opts.normalization }).image),
      bilinear: (lr) => getPlane(predictBaseline(imageFromPlanes([lr]), s, "bilinear")),
      bicubic: (lr) => getPlane(predictBaseline(imageFromPlanes([lr]), s, "bicubic")),
    };
    for (const m of METHODS) {
      const [a, b] = lrs.map(restore[m]);
      for (const r of [a, b]) {
        const e = evaluate(r, hr);
        sums[m].psnr += e.psnr / 2;
        sums[m].ssim += e.ssim / 2;
      }
      const f = frc(a, b);
      if (f.resolutionPx !== null) {
        sums[m].frc += f.resolutionPx;
        sums[m].crossed++;
      }
      const hb = frc(a, b, { threshold: "half-bit" });
      if (hb.resolutionPx !== null) {
        sums[m].hb += hb.resolutionPx;
        sums[m].hbCrossed++;
      }
    }
  });
  const n = used.length;
  const figures = Object.fromEntries(
    METHODS.map((m) => [m, { psnr: sums[m].psnr / n, ssim: sums[m].ssim / n, frcPx: sums[m].crossed ? sums[m].frc / sums[m].crossed : null, frcCrossed: sums[m].crossed, frcHalfBitPx: sums[m].hbCrossed ? sums[m].hb / sums[m].hbCrossed : null, frcHalfBitCrossed: sums[m].hbCrossed }]),
  ) as Record<Method, MethodFigures>;
  return { planes: n, figures };
}

/** One training configuration of the ablation. */
export interface Variant {
  loss: LossName;
  recipe: string | RecipeSpec;
  appearance?: AugmentSpec;
}


/** The variants compared by `lodo`: each adds one thing to the one before, or swaps the loss. */
export const VARIANTS: Record<string, Variant> = {
  baseline: { loss: "mse", recipe: "pssr-em" },
  noise: { loss: "mse", recipe: EM_NOISE_RANGES },
  augment: { loss: "mse", recipe: EM_NOISE_RANGES, appearance: EM_AUGMENT },
  "augment-l1": { loss: "l1", recipe: EM_NOISE_RANGES, appearance: EM_AUGMENT },
  "augment-msssim": { loss: "msssim-l1", recipe: EM_NOISE_RANGES, appearance: EM_AUGMENT },
};

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function fmt(row: DatasetRow): string {
  const f = row.figures;
  const one = (px: number | null, n: number) => (px === null ? "n/a" : `${px.toFixed(2)}(${n}/${row.planes})`);
  const frcS = (m: Method) => `${one(f[m].frcPx, f[m].frcCrossed)}/hb ${one(f[m].frcHalfBitPx, f[m].frcHalfBitCrossed)}`;
  return (
    `${row.dataset} (${row.planes} planes): model PSNR ${f.model.psnr.toFixed(2)} SSIM ${f.model.ssim.toFixed(3)} FRC ${frcS("model")} | ` +
    `bilinear ${f.bilinear.psnr.toFixed(2)} ${f.bilinear.ssim.toFixed(3)} ${frcS("bilinear")} | bicubic ${f.bicubic.psnr.toFixed(2)} ${f.bicubic.ssim.toFixed(3)} ${frcS("bicubic")} | ` +
    `dPSNR ${(f.model.psnr - f.bilinear.psnr).toFixed(2)} dSSIM ${(f.model.ssim - f.bilinear.ssim).toFixed(3)}`
  );
}

/**
 * Evaluates the model in `modelDir` on each of `datasets` (which it must not have been trained
 * on); with `record`, writes the rows into its card as `leaveOneDatasetOut`.
 */
export async function evaluateModelDir(
  modelDir: string,
  datasets: Dataset[],
  root: string,
  opts: { maxPlanes: number; record?: boolean; onRow?: (row: DatasetRow) => void },
): Promise<DatasetRow[]> {
  const { model, card } = await loadModelDir(modelDir);
  const rows: DatasetRow[] = [];
  try {
    for (const ds of datasets) {
      const r = evaluateOnSources(model, await loadSources(ds, root), { recipe: recipeName(card?.recipe), normalization: card?.normalization, maxPlanes: opts.maxPlanes });
      rows.push({ dataset: ds.id, ...r });
      opts.onRow?.(rows[rows.length - 1]);
    }
    if (opts.record && card) {
      // Datasets not in the training data, crappified 4x with the card's recipe at its defaults,
      // two noise draws; CARE/PSSR metrics; FRC 1/7 between the restorations of the two draws.
      const backend = (await selectBackend()).name;
      const figures: LeaveOneOutFigure[] = rows.map((r) => ({
        dataset: r.dataset,
        psnr: r.figures.model.psnr,
        ssim: r.figures.model.ssim,
        bilinearPsnr: r.figures.bilinear.psnr,
        bilinearSsim: r.figures.bilinear.ssim,
        frcPx: r.figures.model.frcPx,
        bilinearFrcPx: r.figures.bilinear.frcPx,
        bicubicPsnr: r.figures.bicubic.psnr,
        bicubicSsim: r.figures.bicubic.ssim,
        planes: r.planes,
        backend,
      }));
      writeModelCard(modelDir, { ...card, leaveOneDatasetOut: figures });
    }
  } finally {
    model.dispose();
  }
  return rows;
}

/** Markdown table of result rows: one per (variant,) left-out dataset, model vs bilinear and bicubic. */
export function markdownTable(rows: (DatasetRow & { variant?: string; trainSeconds?: number })[]): string {
  const frcCell = (f: MethodFigures, n: number) => (f.frcPx === null ? `none crossed (0/${n})` : `${f.frcPx.toFixed(2)} (${f.frcCrossed}/${n})`);
  const head = "| left out | variant | planes | model PSNR / SSIM | bilinear PSNR / SSIM | bicubic PSNR / SSIM | ΔPSNR vs bilinear | ΔSSIM vs bilinear | FRC 1/7 px: model / bilinear |";
  const lines = rows.map((r) => {
    const f = r.figures;
    return `| ${r.dataset} | ${r.variant ?? "-"} | ${r.planes} | ${f.model.psnr.toFixed(2)} / ${f.model.ssim.toFixed(3)} | ${f.bilinear.psnr.toFixed(2)} / ${f.bilinear.ssim.toFixed(3)} | ${f.bicubic.psnr.toFixed(2)} / ${f.bicubic.ssim.toFixed(3)} | ${(f.model.psnr - f.bilinear.psnr >= 0 ? "+" : "") + (f.model.psnr - f.bilinear.psnr).toFixed(2)} dB | ${(f.model.ssim - f.bilinear.ssim >= 0 ? "+" : "") + (f.model.ssim - f.bilinear.ssim).toFixed(3)} | ${frcCell(f.model, r.planes)} / ${frcCell(f.bilinear, r.planes)} |`;
  });
  return [head, "|---|---|---|---|---|---|---|---|---|", ...lines].join("\n");
}

async function main(): Promise<void> {
  if (process.argv[2] === "table") {
    const rows = arg("--in")!.split(",").flatMap((f) => JSON.parse(readFileSync(f, "utf8")).rows);
    console.log(markdownTable(rows));
    return;
  }
  const root = sharedDataDir;
  const all = emDatasets(root);
  const byId = (id: string): Dataset => {
    const d = all.find((x) => x.id === id);
    if (!d) throw new Error(`unknown dataset ${id}; known: ${all.map((x) => x.id).join(", ")}`);
    return d;
  };
  const { name: backend } = await selectBackend({ name: arg("--backend") ?? null });
  const maxPlanes = Number(arg("--eval-planes", "4"));
  const rows: (DatasetRow & { variant?: string; trainSeconds?: number })[] = [];
  const out = arg("--out");
  const save = () => out && writeFileSync(out, JSON.stringify({ backend, argv: process.argv.slice(2), rows }, null, 2) + "\n");
  const mode = process.argv[2];
  if (mode === "eval") {
    await evaluateModelDir(resolve(arg("--model")!), arg("--datasets")!.split(",").map(byId), root, {
      maxPlanes,
      record: process.argv.includes("--record"),
      onRow: (row) => {
        rows.push(row);
        console.log(fmt(row));
        save();
      },
    });
  } else if (mode === "lodo") {
    const steps = Number(arg("--steps", "400"));
    const variants = arg("--variants", "baseline,augment")!.split(",");
    for (const left of arg("--leave-out")!.split(",")) {
      const heldOut = byId(left);
      const trainSets = all.filter((d) => d.id !== left);
      const sources = (await Promise.all(trainSets.map((d) => loadSources(d, root)))).flat();
      const evalSources = await loadSources(heldOut, root);
      for (const name of variants) {
        const v = VARIANTS[name];
        if (!v) throw new Error(`unknown variant ${name}; known: ${Object.keys(VARIANTS).join(", ")}`);
        const dir = mkdtempSync(join(tmpdir(), "pssr-lodo-"));
        try {
          const t = await train({
            sources, outDir: dir, model: { arch: "resunet-lr", preset: "tiny", scale: 4 }, recipe: v.recipe, loss: v.loss, appearance: v.appearance,
            epochs: Math.max(1, Math.round(steps / 100)), stepsPerEpoch: Math.min(100, steps), batchSize: 8, patchPx: 64, seed: 18, calibration: "none",
            onWarning: () => undefined,
          });
          const { model, card } = await loadModelDir(dir);
          try {
            const r = evaluateOnSources(model, evalSources, { recipe: "pssr-em", normalization: card?.normalization, maxPlanes });
            rows.push({ variant: name, dataset: left, trainSeconds: t.seconds, ...r });
            console.log(`[${name}, ${t.seconds.toFixed(0)} s] ${fmt(rows[rows.length - 1])}`);
            save();
          } finally {
            model.dispose();
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  } else {
    console.error("usage: node dist/bench/generalisation.js eval --model DIR --datasets a,b | lodo --leave-out a,b --variants v1,v2 [--steps N] [--eval-planes N] [--out F.json]");
    process.exit(2);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname) && existsSync(process.argv[1])) await main();
