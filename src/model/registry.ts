// Bundled pretrained models, addressable by name: models/NAME/ at the package root (a model
// directory or an ensemble folder), or the folder PSSR_MODELS_DIR names (tests, private
// collections). A path that exists always wins over a name.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PssrError } from "../errors.js";
import { packageRoot } from "../paths.js";
import { ENSEMBLE_FILE, readModelCard, type LeaveOneOutFigure, type ModelCard } from "./card.js";
import { knownDataset, sha256File, type DataFileProvenance } from "./provenance.js";

/** The environment variable that replaces the bundled models folder. */
export const MODELS_DIR_ENV = "PSSR_MODELS_DIR";

/** Where named models live: $PSSR_MODELS_DIR, else the package's models/. */
export function modelsDir(): string {
  return process.env[MODELS_DIR_ENV] || join(packageRoot(), "models");
}

export interface NamedModel {
  name: string;
  dir: string;
  /** The card (of the first member for an ensemble); null for a bare model. */
  card: ModelCard | null;
  /** Members when the folder holds ensemble.json, else 1. */
  members: number;
}

/** A folder pssr can load as a model: model.json (tfjs) or ensemble.json. */
function isModelFolder(dir: string): boolean {
  return existsSync(join(dir, "model.json")) || existsSync(join(dir, ENSEMBLE_FILE));
}

/** The named models in `root` (default modelsDir()), sorted by name; none when the folder is absent. */
export function listModels(root: string = modelsDir()): NamedModel[] {
  if (!existsSync(root)) return [];
  const out: NamedModel[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory() || !isModelFolder(dir)) continue;
    const ensemble = existsSync(join(dir, ENSEMBLE_FILE));
    const first = ensemble ? join(dir, "member-1") : dir;
    const members = ensemble ? readdirSync(dir).filter((f) => /^member-\d+$/.test(f)).length : 1;
    out.push({ name, dir, card: existsSync(first) ? readModelCard(first) : null, members });
  }
  return out;
}

/** A bare name: no path separator and nothing of that name in the current folder. */
export function isModelName(nameOrDir: string): boolean {
  return nameOrDir !== "" && !/[\\/]/.test(nameOrDir) && nameOrDir !== "." && nameOrDir !== ".." && !existsSync(nameOrDir);
}

/**
 * The directory `nameOrDir` stands for: a path as is (the loader reports a missing one); a bare
 * name as modelsDir()/NAME. An unknown name is one PssrError listing the known names.
 */
export function resolveModelPath(nameOrDir: string): string {
  if (!isModelName(nameOrDir)) return nameOrDir;
  const root = modelsDir();
  const dir = join(root, nameOrDir);
  if (existsSync(dir) && isModelFolder(dir)) return dir;
  const known = listModels(root).map((m) => m.name);
  throw new PssrError(
    "unknown-name",
    `unknown model "${nameOrDir}" (neither a folder nor a named model); ${known.length ? `named models: ${known.join(", ")}` : `no named models in ${root}`} (pssr models lists them)`,
  );
}

/** The file scripts/train-pretrained writes beside card.json: {files: [{dataset, path, sha256, licence, attribution}], config: {modality}, leaveOneDatasetOut?}. */
export const PROVENANCE_FILE = "provenance.json";

interface ProvenanceFileEntry {
  dataset?: string;
  path: string;
  sha256: string;
  licence?: string;
  attribution?: string;
}

/** provenance.json beside the card, or null when absent; a broken file is a PssrError. */
function readProvenanceFile(dir: string): { files?: ProvenanceFileEntry[]; config?: { modality?: string }; leaveOneDatasetOut?: LeaveOneOutFigure[] } | null {
  const path = join(dir, PROVENANCE_FILE);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new PssrError("model-invalid", `${PROVENANCE_FILE} is not valid JSON (${(e as Error).message})`, { file: path });
  }
}

/** The training files of a model with sha256 and licences: the card's `provenance`, else provenance.json beside it. */
export function modelProvenance(dir: string, card: ModelCard | null): DataFileProvenance[] {
  if (card?.provenance?.length) return card.provenance;
  const files = readProvenanceFile(dir)?.files ?? [];
  return files.map((f) => {
    const known = knownDataset(f.path);
    return {
      file: f.path,
      relativePath: known?.relativePath ?? f.path.replace(/^(\.\.\/)?shared\/data\//, ""),
      sha256: f.sha256,
      bytes: null,
      dataset: f.dataset ?? known?.dataset.id ?? null,
      licence: f.licence ?? known?.dataset.licence ?? null,
      attribution: f.attribution ?? known?.dataset.attribution ?? null,
      source: known?.dataset.source ?? null,
    };
  });
}

/** What the model's images are: the card's `modality`, else provenance.json's config, else null. */
export function modelModality(dir: string, card: ModelCard | null): string | null {
  return card?.modality ?? readProvenanceFile(dir)?.config?.modality ?? null;
}

/** Leave-one-dataset-out figures: the card's `leaveOneDatasetOut`, else provenance.json's, else none. */
export function modelLeaveOneOut(dir: string, card: ModelCard | null): LeaveOneOutFigure[] {
  return card?.leaveOneDatasetOut ?? readProvenanceFile(dir)?.leaveOneDatasetOut ?? [];
}

/** Whether a model was trained on `file` (its bytes' sha256 among the model's provenance); false when the model records none. */
export function trainedOn(dir: string, card: ModelCard | null, file: string): boolean {
  const hashes = new Set(modelProvenance(dir, card).map((f) => f.sha256));
  return hashes.size > 0 && hashes.has(sha256File(file));
}
