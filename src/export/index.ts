// BioImage Model Zoo packages: export (ONNX + tfjs weights) and running packages on onnxruntime-node.
export { exportBioimageio, BIOIMAGEIO_FORMAT_VERSION, type ExportOptions as BioimageioExportOptions, type ExportResult as BioimageioExportResult } from "./bioimageio.js";
export { modelToOnnx, traceToOnnx, ONNX_OPSET, type OnnxExport } from "./onnx.js";
export { openModelPackage, isModelPackage, predictWithPackage, packageFromModel, packageFromModelDir, type ModelPackage, type PackagePrediction } from "./package.js";
export { encodeNpy, decodeNpy } from "./npy.js";
