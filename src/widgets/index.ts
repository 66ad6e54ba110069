// Kernel-side pssr-lab widgets (views in widgets/src, module "pssr-lab-widgets").
export { WIDGET_MODULE, WIDGET_MODULE_VERSION, pyramidCrop, levelFactor, type PlaneState } from "./common.js";
export { ImageCompare, type CompareImage, type ImageCompareOptions, type ViewRect } from "./image_compare.js";
export { ErrorMap, type ErrorMapWidgetOptions } from "./error_map.js";
export { FRCPlot, type FrcCurveSpec, type FrcPlotOptions } from "./frc_plot.js";
export { Kymograph, type KymographSeries, type KymographWidgetOptions } from "./kymograph.js";
export { CrappifierTuner, sliderFor, type CrappifierTunerOptions, type SliderSpec } from "./crappifier_tuner.js";
export { TrainingMonitor, type MonitorEvent, type TrainingMonitorOptions } from "./training_monitor.js";
export { renderWidgetReport, writeWidgetReport, widgetState, defaultBundlePath, WIDGET_STATE_MIME, type ReportItem, type WidgetReportOptions } from "./report.js";
export { reliabilityDiagramSvg, type CoverageSeries } from "./reliability.js";
