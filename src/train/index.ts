// Training: losses, schedules, the patch pipeline, the loop and the model card.
export * from "./losses.js";
export * from "./schedule.js";
export * from "./data.js";
export { train, hasCheckpoint, type TrainOptions, type TrainResult, type ProgressEvent, type ValidationMetrics } from "./train.js";
export { calibrateOnValidation } from "./train.js";
export { DEFAULT_BUDGET_MINUTES, planBudget, presetTrainingDefaults, patchesHeld, stepsToCoverData, type TrainingPlan, type MeasuredSpeeds } from "./budget.js";
export { notBetterThanBilinear } from "./validation.js";
export type { TrainCallbacks, TrainBeginEvent, EpochBeginEvent, StepEvent, ValidateEvent, CheckpointEvent, EpochEndEvent, TrainEndEvent } from "./callbacks.js";
export { trainEnsemble, resolveModelDirs, memberSeed, ENSEMBLE_FILE, type EnsembleManifest } from "./ensemble.js";
export { APPEARANCE_PRESETS, EM_AUGMENT, EM_NOISE_RANGES, FLUO_AUGMENT, augmentPlanes, checkAugmentSpec, drawAugment, intensityAugment, type AugmentSpec, type AugmentDraw } from "./augment.js";
