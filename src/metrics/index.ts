// Public API of the metrics room: pixel metrics, FRC, error maps, kymographs, blob counts.
export { mse, psnr, nrmse, ssim, ssimMaps, msssim, evaluate, MSSSIM_WEIGHTS } from "./pixel.js";
export type { NrmseNormalization, SsimOptions, SsimMaps, MsssimOptions, EvaluateOptions, EvaluateResult } from "./pixel.js";
export {
  frc,
  singleImageFrc,
  frcMap,
  frcRingSums,
  frcFromRingSums,
  frcThresholdValue,
  findCrossing,
  tukeyWindow,
  checkerboardCorrection,
  FRC_THRESHOLDS,
} from "./frc.js";
export type { FrcThreshold, FrcOptions, FrcResult, FrcStatus, RingSums, SingleImageFrcOptions, SingleImageFrcResult, FrcMapOptions, FrcMapResult } from "./frc.js";
export { forEachPairSpectrum } from "./fft.js";
export { errorMap } from "./errormap.js";
export type { ErrorMapOptions, ErrorMapResult } from "./errormap.js";
export { minimizeBounded } from "./minimize.js";
export type { MinimizeResult } from "./minimize.js";
export { kymograph } from "./kymograph.js";
export type { Point, KymographOptions, KymographResult } from "./kymograph.js";
export { detectBlobs, blobResponse, matchDetections, detectionScores, annotatorAgreement } from "./blobs.js";
export type { Blob, DetectBlobsOptions, DetectBlobsResult, XY, Match, DetectionScores, AgreementResult } from "./blobs.js";
export { assertSameShape, assertFinite } from "./validate.js";
export {
  laplaceJsdBits,
  laplaceDisagreement,
  ensembleStd,
  laplaceQuantileFactor,
  fitScaleCalibration,
  intervalHalfWidth,
  laplaceInterval,
  coverage,
  reliabilityDiagram,
  rankData,
  spearman,
  aucWorstFraction,
  errorRanking,
  CALIBRATION_LEVELS,
} from "./uncertainty.js";
export type { ScaleCalibration, ErrorRanking } from "./uncertainty.js";
