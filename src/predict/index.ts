// Restoration: tiled, blended prediction of 2D images, stacks and time-lapses, plus baselines.
export * from "./predict.js";
export { loadModel, loadModelDir, type LoadedModel } from "./load.js";
export * from "./chunks.js";
export { matchPixelSize, checkPixelSizeNm, PIXEL_SIZE_TOLERANCE, type PixelSizeMatch } from "./resample.js";
