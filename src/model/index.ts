// Restoration networks: PSSR's ResUNet (HR size), a PSSR2-style LR-size ResUNet with a
// pixel-shuffle head, and CARE's U-Net (optionally probabilistic).
export { ARCHITECTURES, type Architecture, type ModelSpec, forward, inputMultiple, outputChannels, receptiveFieldPx } from "./architectures.js";
export { Params, pixelShuffle, upsampleBilinearTensor, upsampleNearest2Tensor, centerChannel } from "./params.js";
export {
  PRESETS,
  SCALES,
  type Preset,
  type ModelOptions,
  RestorationModel,
  buildModel,
  modelSpec,
  readModelSpec,
  defaultArchitecture,
} from "./model.js";
export { CARD_FILE, DEFAULT_NORMALIZATION, readModelCard, writeModelCard, type ModelCalibration, type ModelCard, type NormalizationSpec } from "./card.js";
