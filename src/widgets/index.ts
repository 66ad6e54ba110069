// Kernel-side pssr-lab widgets (views in widgets/src, module "pssr-lab-widgets").
export { WIDGET_MODULE, WIDGET_MODULE_VERSION, WIDGET_STATE_MIME, WIDGET_VIEW_MIME, DEFAULT_STATES, WIDGET_NAMES, type PlaneState, type ViewRect, type SliderSpec, type WidgetName, type WidgetStates } from "./protocol.js";
export { pyramidCrop, levelFactor } from "./common.js";
export { ImageCompare, type CompareImage, type ImageCompareOptions } from "./image-compare.js";
export { ErrorMap, type ErrorMapWidgetOptions } from "./error-map.js";
export { FRCPlot, type FrcCurveSpec, type FrcPlotOptions } from "./frc-plot.js";
export { Kymograph, type KymographSeries, type KymographWidgetOptions } from "./kymograph.js";
export { CrappifierTuner, sliderFor, type CrappifierTunerOptions } from "./crappifier-tuner.js";
export { TrainingMonitor, type MonitorEvent, type TrainingMonitorOptions } from "./training-monitor.js";
export { renderWidgetReport, writeWidgetReport, widgetState, defaultBundlePath, type ReportItem, type WidgetReportOptions } from "./report.js";
export { reliabilityDiagramSvg, type CoverageSeries } from "./reliability.js";
