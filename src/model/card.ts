// The model card: what a model is, what it was trained on and how well it did.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RecipeSpec } from "../crappify/crappify.js";
import { PssrError } from "../errors.js";
import type { ModelSpec } from "./architectures.js";
import { atomicWriteFileSync } from "../io/atomic.js";
import type { ScaleCalibration } from "../metrics/uncertainty.js";
import type { DataFileProvenance } from "./provenance.js";

/** One row of an evaluation on a dataset the model was not trained on (left out of its training data). */
export interface LeaveOneOutFigure {
  dataset: string;
  psnr: number;
  ssim: number;
  bilinearPsnr: number;
  bilinearSsim: number;
  /** FRC resolution (px of the HR grid, two noise draws) of the model and of bilinear, when measured. */
  frcPx?: number | null;
  bilinearFrcPx?: number | null;
  [extra: string]: unknown;
}

/**
 * What the model's reliability outputs were calibrated on: its validation data (never its
 * training data), after training, with the best weights.
 */
export interface ModelCalibration {
  /** Laplace scale calibration (probabilistic models), applied by pssr predict. */
  scale?: ScaleCalibration;
  /** Mean absolute residual on the validation data, in normalised units (a constant Laplace scale for members without a head). */
  residualScale: number;
  /** Validation pixels used. */
  pixels: number;
  /** The held-out images or regions. */
  data: string[];
  /** Coverage of the central P-intervals on those pixels before and after calibration (in-sample for "after"). */
  coverage?: { nominal: number; raw: number; calibrated: number }[];
}

/** How inputs are normalised before the network and outputs mapped back (CSBDeep percentiles). */
export interface NormalizationSpec {
  method: "percentile";
  pmin: number;
  pmax: number;
}

/** Training's and prediction's default: CSBDeep's PercentileNormalizer (pmin 2, pmax 99.8). */
export const DEFAULT_NORMALIZATION: NormalizationSpec = { method: "percentile", pmin: 2, pmax: 99.8 };

export interface ModelCard {
  format: "pssr-lab/model-card-v1";
  architecture: string;
  preset: string;
  spec: ModelSpec;
  scale: number;
  frames: number;
  loss: string;
  /** Crappifier recipe (name and parameter overrides), or null for real LR/HR pairs. */
  recipe: string | RecipeSpec | null;
  seed: number;
  /** How inputs are normalised before the network (and outputs mapped back). */
  normalization: NormalizationSpec;
  /** HR (training target) pixel size in nm, when the training files stated it. */
  hrPixelSizeNm: number | null;
  /** The LR pixel size the model expects (hrPixelSizeNm * scale), when known. */
  lrPixelSizeNm: number | null;
  /** Where the training data came from (file paths, or a description). */
  data: { hr: string[]; lr?: string[] };
  training: Record<string, unknown>;
  validation: Record<string, number>;
  history: unknown[];
  /** Fitted after training on the validation data (absent in cards of older versions). */
  calibration?: ModelCalibration;
  /** What the images are ("em", "fluo"...): bundled models state it for pssr models. */
  modality?: string;
  /** Each training file with sha256, size, dataset, licence and attribution (train() writes it for files it can read; absent in older cards). */
  provenance?: DataFileProvenance[];
  /** Leave-one-dataset-out figures of the recipe (bundled models; docs give the commands). */
  leaveOneDatasetOut?: LeaveOneOutFigure[];
  createdAt: string;
  software: string;
}

export const CARD_FILE = "card.json";
/** The manifest of an ensemble folder (members in subfolders; see train/ensemble.ts). */
export const ENSEMBLE_FILE = "ensemble.json";

/** Writes card.json atomically (fields not given are filled with null/empty defaults). */
export function writeModelCard(dir: string, card: Partial<ModelCard>): ModelCard {
  const full: ModelCard = {
    format: "pssr-lab/model-card-v1",
    architecture: "",
    preset: "",
    spec: card.spec as ModelSpec,
    scale: 1,
    frames: 1,
    loss: "mse",
    recipe: null,
    seed: 0,
    normalization: { ...DEFAULT_NORMALIZATION },
    hrPixelSizeNm: null,
    lrPixelSizeNm: null,
    data: { hr: [] },
    training: {},
    validation: {},
    history: [],
    createdAt: new Date().toISOString(),
    software: "pssr-lab",
    ...card,
  };
  if (full.hrPixelSizeNm && !full.lrPixelSizeNm) full.lrPixelSizeNm = full.hrPixelSizeNm * full.scale;
  atomicWriteFileSync(join(dir, CARD_FILE), JSON.stringify(full, null, 1));
  return full;
}

/** Reads card.json of a model directory; null when there is none (a bare model). */
export function readModelCard(dir: string): ModelCard | null {
  const path = join(dir, CARD_FILE);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as ModelCard;
  } catch (e) {
    throw new PssrError("model-invalid", `card.json is not valid JSON (${(e as Error).message})`, { file: path });
  }
}
