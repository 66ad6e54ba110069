// `pssr models`: the bundled pretrained models (models/NAME, or $PSSR_MODELS_DIR), from their cards.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { listModels, modelLeaveOneOut, modelModality, modelProvenance, modelsDir, MODELS_DIR_ENV, type NamedModel } from "../../model/registry.js";
import type { DataFileProvenance } from "../../model/provenance.js";
import type { LeaveOneOutFigure } from "../../model/card.js";
import { invalidArgument } from "../../errors.js";
import { parseCommandArgs } from "../args.js";


const usage = `usage: pssr models [--json]

Lists the pretrained models usable by name wherever a model directory is accepted
(pssr predict NAME IN -o OUT, pssr export NAME, pssr train --init NAME, loadModel("NAME")).
They live in the package's models/ folder (${MODELS_DIR_ENV}=DIR lists and uses another).
  --json   one JSON array: each model's card summary, data files by dataset with licences,
           validation and leave-one-dataset-out figures`;

export interface ModelSummary {
  name: string;
  dir: string;
  modality: string | null;
  architecture: string | null;
  preset: string | null;
  scale: number | null;
  frames: number | null;
  members: number;
  /** The input (LR) and output (HR) pixel sizes in nm, when the card knows them. */
  inputPixelSizeNm: number | null;
  outputPixelSizeNm: number | null;
  /** Weights, card and provenance on disk (training checkpoints not counted: they do not ship). */
  sizeBytes: number;
  data: { files: number; datasets: { dataset: string | null; files: number; licence: string | null; attribution: string | null }[] };
  validation: Record<string, number> | null;
  leaveOneDatasetOut: LeaveOneOutFigure[];
  createdAt: string | null;
}

/** Bytes of what ships: everything but training checkpoints (excluded from the package too). */
function folderBytes(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir)) {
    if (f === "checkpoint") continue;
    const p = join(dir, f);
    const st = statSync(p);
    total += st.isDirectory() ? folderBytes(p) : st.size;
  }
  return total;
}

function byDataset(files: readonly DataFileProvenance[]): ModelSummary["data"]["datasets"] {
  const out: ModelSummary["data"]["datasets"] = [];
  for (const f of files) {
    const row = out.find((r) => r.dataset === f.dataset);
    if (row) row.files++;
    else out.push({ dataset: f.dataset, files: 1, licence: f.licence, attribution: f.attribution });
  }
  return out;
}

/** The card summary `pssr models` prints for one named model. */
export function summarizeModel(m: NamedModel): ModelSummary {
  const c = m.card;
  const files = modelProvenance(m.dir, c);
  return {
    name: m.name,
    dir: m.dir,
    modality: modelModality(m.dir, c),
    architecture: c?.architecture ?? null,
    preset: c?.preset ?? null,
    scale: c?.scale ?? null,
    frames: c?.frames ?? null,
    members: m.members,
    inputPixelSizeNm: c?.lrPixelSizeNm ?? null,
    outputPixelSizeNm: c?.hrPixelSizeNm ?? null,
    sizeBytes: folderBytes(m.dir),
    data: { files: files.length, datasets: byDataset(files) },
    validation: c?.validation && Object.keys(c.validation).length ? c.validation : null,
    leaveOneDatasetOut: modelLeaveOneOut(m.dir, c),
    createdAt: c?.createdAt ?? null,
  };
}

const nm = (x: number | null) => (x === null ? "unknown" : `${+x.toPrecision(4)} nm`);
const signed = (x: number, digits: number) => `${x >= 0 ? "+" : ""}${x.toFixed(digits)}`;

function describe(s: ModelSummary): string[] {
  const lines = [
    `${s.name}  ${s.modality ?? "modality not stated"}, ${s.scale ?? "?"}x, ${s.architecture ?? "?"}/${s.preset ?? "?"}${s.members > 1 ? `, ensemble of ${s.members}` : ""}, ${(s.sizeBytes / 1e6).toFixed(1)} MB`,
    `  pixel size: input ${nm(s.inputPixelSizeNm)} -> output ${nm(s.outputPixelSizeNm)}`,
  ];
  if (s.data.files === 0) lines.push("  data: no provenance recorded");
  for (const d of s.data.datasets) lines.push(`  data: ${d.files} file${d.files > 1 ? "s" : ""} of ${d.dataset ?? "an unknown dataset"} (${d.licence ?? "licence unknown"}${d.attribution ? `; attribution: ${d.attribution}` : ""})`);
  const v = s.validation;
  if (v && Number.isFinite(v.psnr)) {
    lines.push(`  validation: PSNR ${v.psnr.toFixed(2)} dB (bilinear ${v.bilinearPsnr?.toFixed(2) ?? "?"}), SSIM ${v.ssim?.toFixed(3) ?? "?"} (bilinear ${v.bilinearSsim?.toFixed(3) ?? "?"})`);
  }
  for (const f of s.leaveOneDatasetOut) {
    const frc = f.frcPx != null && f.bilinearFrcPx != null ? `, FRC ${f.frcPx.toFixed(2)} px (bilinear ${f.bilinearFrcPx.toFixed(2)})` : "";
    lines.push(`  left out ${f.dataset}: PSNR ${signed(f.psnr - f.bilinearPsnr, 2)} dB, SSIM ${signed(f.ssim - f.bilinearSsim, 3)} over bilinear${frc}`);
  }
  return lines;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: "boolean" } }, usage);
  if (!parsed) return 0;
  if (parsed.positionals.length) throw invalidArgument(`pssr models takes no arguments (got ${parsed.positionals.join(" ")})`);
  const summaries = listModels().map(summarizeModel);
  if (parsed.values.json) {
    console.log(JSON.stringify(summaries, null, 1));
    return 0;
  }
  if (summaries.length === 0) {
    console.log(`no named models in ${modelsDir()}`);
    return 0;
  }
  console.log(summaries.flatMap(describe).join("\n"));
  return 0;
}
