// The public API of pssr-lab: what notebooks, programs and the docs import from "pssr-lab".
// Every name is listed on purpose (test/api/public-api.txt holds the same list and a test
// compares them), so a helper exported for another module inside a room stays internal.
// Names come from each room's index.ts, so a file renamed inside a room changes nothing here.

// errors: one typed error whose message names the file or problem
export {
  type ErrorCode, isPssrError, PssrError,
} from "./errors.js";

// image: the Image/Plane types and array operations (percentiles, normalisation, filters, resizing)
export {
  assertValidImage, type Axis, type AxisSelection, blockMean, type BoundaryMode, convolve2d,
  createPlane, type DType, gaussianBlur, gaussianKernel, type GaussianOptions, getPlane, type Image,
  imageFromPlanes, type Length, type LengthUnit, maximumFilter, normalizeMinMax, normalizeMinMse,
  normalizePercentile, percentile, type PercentileNormalizeOptions, percentiles, type PixelArray,
  type Plane, planeCount, planes, rescale, type RescaleOptions, resize, type ResizeMethod,
  type ResizeOptions, selectIndices, toFloat32, uniformFilter, upsampleBilinear, zoom,
} from "./image/index.js";

// io: reading and writing TIFF/OME-TIFF/ImageJ/PNG
export {
  encodePng, encodeTiff, type ImageInfo, type PngOptions, readImage, readImageInfo, type ReadOptions,
  type TiffDType, writePng, type WritePngOptions, writeTiff, type WriteTiffOptions,
} from "./io/index.js";

// crappify: recipes, noise operators, seeded RNG, noise calibration
export {
  addGaussian, addLocalvar, addPoisson, addPoissonMix, addSaltPepper, blurPsf,
  calibrate, type CalibrateOptions, type CalibrationResult, crappify, type CrappifyOptions,
  type CrappifyRecord, type CrappifyResult, describeRecipes, detectorNoise, downsample,
  DOWNSAMPLE_CONVENTIONS, type DownsampleConvention, estimateNoiseCurve, findRecipe,
  fitPoissonGaussian, gaussianPsf, listRecipes, type NoiseCurve, type NoiseCurveOptions,
  type NoiseCurvePoint, type ParamInput, type ParamSpec, type ParamValue, type PoissonGaussianFit,
  quantize, type Recipe, RECIPE_NAMES, type RecipeContext, type RecipeOutput, type RecipeSpec, Rng,
  type RngState, toRng, upsample, UPSAMPLE_METHODS, type UpsampleMethod,
} from "./crappify/index.js";

// metrics: PSNR/SSIM/MS-SSIM/evaluate, FRC, error maps, kymographs, blobs, reliability
export {
  type AgreementResult, annotatorAgreement, aucWorstFraction, type Blob, coverage,
  detectBlobs, type DetectBlobsOptions, type DetectBlobsResult, detectionScores,
  type DetectionScores, ensembleStd, errorMap, type ErrorMapOptions, type ErrorMapResult,
  errorRanking, type ErrorRanking, evaluate, type EvaluateOptions, type EvaluateResult,
  fitScaleCalibration, frc, FRC_THRESHOLDS, frcMap, type FrcMapOptions, type FrcMapResult,
  type FrcOptions, type FrcResult, type FrcStatus, type FrcThreshold, frcThresholdValue,
  intervalHalfWidth, kymograph, type KymographOptions, type KymographResult, laplaceDisagreement,
  laplaceInterval, laplaceJsdBits, type Match, matchDetections, mse, msssim, type MsssimOptions,
  nrmse, type NrmseNormalization, type Point, psnr, reliabilityDiagram, type ScaleCalibration,
  singleImageFrc, type SingleImageFrcOptions, type SingleImageFrcResult, spearman, ssim, ssimMaps,
  type SsimMaps, type SsimOptions, type XY,
} from "./metrics/index.js";

// backend: choosing the tfjs backend and its compute threads
export {
  BACKEND_NAMES, type BackendName, type BackendReport, currentBackend, describeBackends, getTf,
  selectBackend, type SelectedBackend, setThreads, type Tf, threadCount, type ThreadCount,
  wasmConvStatus,
} from "./backend/index.js";

// model: network builders and presets, model cards
export {
  type Architecture, ARCHITECTURES, buildModel, DEFAULT_NORMALIZATION, defaultArchitecture,
  type ModelCalibration, type ModelCard, type ModelOptions, modelSpec, type ModelSpec,
  type NormalizationSpec, type Preset, PRESETS, readModelCard, receptiveFieldPx, RestorationModel,
  SCALES, writeModelCard,
} from "./model/index.js";

// train: patch pipeline, training loop and its callbacks, wall-clock budgets, ensembles
export {
  APPEARANCE_PRESETS, type AugmentSpec, drawBatch, EM_AUGMENT, EM_NOISE_RANGES, type EnsembleManifest,
  FLUO_AUGMENT, hasCheckpoint, LOSSES, type LossName, makePair,
  type PairOptions, type PairPlanes, type PatchBatch, planBudget, type ProgressEvent,
  resolveModelDirs, type Schedule, type ScheduleName, sourceFromImage, type SourceImage, train,
  type TrainCallbacks, trainEnsemble, type TrainingPlan, type TrainOptions, type TrainResult,
  type ValidationMetrics,
} from "./train/index.js";

// model registry: named (bundled) models and the provenance of training data
export {
  isModelName, listModels, MODELS_DIR_ENV, modelLeaveOneOut, modelModality, modelProvenance,
  modelsDir, type NamedModel, resolveModelPath, trainedOn,
} from "./model/registry.js";
export {
  type DataFileProvenance, dataProvenance, knownDataset,
} from "./model/provenance.js";

// predict: tiled and ensemble restoration, pixel-size matching, OME-Zarr chunks
export {
  type Baseline, BASELINE_METHODS, type ChunkedOptions, type ChunkedOutputInfo, chunkGrid,
  type ChunkGrid, DISAGREEMENT_MEASURES, type DisagreementMeasure, type EnsembleMemberOptions,
  type EnsemblePrediction, initChunkedOutput, type LoadedModel, loadModel, loadModelDir, matchPixelSize,
  type PixelSizeMatch, predictBaseline, predictChunks, predictEnsemble, predictImage,
  type Prediction, predictionInterval, type PredictOptions, type TileOptions,
} from "./predict/index.js";

// zarr: OME-Zarr volumes
export {
  createOmeZarr, type CreateOptions, isZarrPath, type NgffAxis, type OmeZarrImage, openOmeZarr,
  readOmeZarr, readPlaneRegion, writeOmeZarr, writePlaneRegion, type ZarrCompressor,
} from "./zarr/index.js";

// export: BioImage Model Zoo packages and ONNX
export {
  BIOIMAGEIO_FORMAT_VERSION, type BioimageioExportOptions, type BioimageioExportResult, decodeNpy,
  encodeNpy, exportBioimageio, isModelPackage, type ModelPackage, modelToOnnx, ONNX_OPSET,
  type OnnxExport, openModelPackage, packageFromModel, packageFromModelDir, type PackagePrediction,
  predictWithPackage,
} from "./export/index.js";

// widgets: the notebook widgets and offline reports
export {
  type CompareImage, type CoverageSeries, CrappifierTuner, type CrappifierTunerOptions, ErrorMap,
  type ErrorMapWidgetOptions, type FrcCurveSpec, FRCPlot, type FrcPlotOptions, ImageCompare,
  type ImageCompareOptions, Kymograph, type KymographSeries, type KymographWidgetOptions,
  type MonitorEvent, pyramidCrop, reliabilityDiagramSvg, renderWidgetReport, type ReportItem,
  type SliderSpec, TrainingMonitor, type TrainingMonitorOptions, type ViewRect,
  type WidgetReportOptions, writeWidgetReport,
} from "./widgets/index.js";

// demo: the pipeline behind `pssr demo`
export {
  BASELINES, DEMO_HELD_OUT, DEMO_TRAIN, type DemoOptions, type DemoResult, type Restorer, runDemo,
} from "./demo/pipeline.js";

// paths: the installed package and its bundled samples
export {
  packageRoot, samplePath,
} from "./paths.js";

// kernel: display, comms, widgets and the interrupt signal inside the pssr-lab Jupyter kernel
export * as kernel from "./kernel/api.js";
