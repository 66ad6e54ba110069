// Public API of pssr-lab: what notebooks and other programs import.
export * from "./errors.js";
export * from "./image/index.js";
export * from "./io/index.js";
export * from "./crappify/index.js";
export * from "./metrics/index.js";
export { runDemo, BASELINES, DEMO_HELD_OUT, DEMO_TRAIN, type DemoOptions, type DemoResult, type Restorer } from "./demo/pipeline.js";
export { packageRoot, samplePath } from "./paths.js";
export * as kernel from "./kernel/api.js";
export * from "./backend/index.js";
export * from "./model/index.js";
export * from "./train/index.js";
export * from "./predict/index.js";
export * from "./widgets/index.js";
export * from "./zarr/index.js";
export * from "./export/index.js";
// Named (bundled) models and training-data provenance (issue 18); loadModel comes with ./predict.
export { listModels, modelsDir, resolveModelPath, isModelName, modelProvenance, modelModality, modelLeaveOneOut, trainedOn, MODELS_DIR_ENV, type NamedModel } from "./model/registry.js";
export { dataProvenance, knownDataset, type DataFileProvenance } from "./model/provenance.js";
