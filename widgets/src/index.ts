// The pssr-lab widget module: every model and view class, by the names the kernel-side
// widgets put in `_model_name` / `_view_name`.
export { WIDGET_MODULE as MODULE_NAME, WIDGET_MODULE_VERSION as MODULE_VERSION } from "../../src/widgets/protocol.js";
export { ImageCompareModel, ImageCompareView } from "./image-compare.js";
export { ErrorMapModel, ErrorMapView } from "./error-map.js";
export { FRCPlotModel, FRCPlotView } from "./frc-plot.js";
export { KymographModel, KymographView } from "./kymograph.js";
export { CrappifierTunerModel, CrappifierTunerView } from "./crappifier-tuner.js";
export { TrainingMonitorModel, TrainingMonitorView } from "./training-monitor.js";
