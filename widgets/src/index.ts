// The pssr-lab widget module: every model and view class, by the names the kernel-side
// widgets put in `_model_name` / `_view_name`.
export { MODULE_NAME, MODULE_VERSION } from "./version.js";
export { ImageCompareModel, ImageCompareView } from "./imagecompare.js";
export { ErrorMapModel, ErrorMapView } from "./errormap.js";
export { FRCPlotModel, FRCPlotView } from "./frcplot.js";
export { KymographModel, KymographView } from "./kymograph.js";
export { CrappifierTunerModel, CrappifierTunerView } from "./tuner.js";
export { TrainingMonitorModel, TrainingMonitorView } from "./monitor.js";
