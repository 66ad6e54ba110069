// A model directory: the network plus its card.
import { RestorationModel } from "../model/model.js";
import { readModelCard, type ModelCard } from "../model/card.js";
import { getTf, type Tf } from "../backend/tf.js";
import { resolveModelPath } from "../model/registry.js";

export interface LoadedModel {
  model: RestorationModel;
  card: ModelCard | null;
}

/** Loads model.json/weights.bin and card.json (if any) from `dir`. Bad files: PssrError("model-invalid"). */
export async function loadModelDir(dir: string, tf: Tf = getTf()): Promise<LoadedModel> {
  const card = readModelCard(dir);
  const model = await RestorationModel.load(dir, tf);
  return { model, card };
}

/** loadModelDir by name or path: "pssr-em-4x" is the bundled models/pssr-em-4x (pssr models lists them); a path wins. */
export async function loadModel(nameOrDir: string, tf: Tf = getTf()): Promise<LoadedModel> {
  return loadModelDir(resolveModelPath(nameOrDir), tf);
}
