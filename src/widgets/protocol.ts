// The pssr-lab widget protocol: what the kernel-side widgets (src/widgets) and the browser views
// (widgets/src) agree on. The front-end module's name and version, the MIME types, each widget's
// state as the kernel sends it, and the default state a browser model starts from. Both builds
// compile this one file (tsc into dist/, esbuild into the browser bundles), so it has no runtime
// imports beyond the dependency-free MIME module; type imports are erased.
import type { FrcThreshold } from "../metrics/frc.js";
import type { ParamSpec, ParamValue } from "../crappify/params.js";

export { WIDGET_STATE_MIME, WIDGET_VIEW_MIME } from "../kernel/widget-mime.js";

/** The front-end module every pssr widget names in `_model_module` / `_view_module` (and widgets/package.json's name). */
export const WIDGET_MODULE = "pssr-lab-widgets";
export const WIDGET_MODULE_VERSION = "0.1.0";

/** The widgets: `<name>Model` and `<name>View` are the front-end classes. */
export const WIDGET_NAMES = ["ImageCompare", "ErrorMap", "FRCPlot", "Kymograph", "CrappifierTuner", "TrainingMonitor"] as const;
export type WidgetName = (typeof WIDGET_NAMES)[number];

/** A plane as widget state: float32 samples (a binary buffer, never base64) plus its shape. */
export interface PlaneState {
  data: Float32Array;
  height: number;
  width: number;
}

/** A region as fractions of the field of view (0..1 on both axes). */
export interface ViewRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

// ---- ImageCompare ---------------------------------------------------------------------------

/** One panel: a pyramid level of the image plus what the view needs to map it to the full grid. */
export interface PanelState extends PlaneState {
  name: string;
  /** Full-resolution pixels per level pixel. */
  factor: number;
  full_height: number;
  full_width: number;
  /** Size of one full-resolution pixel, nm (null when unknown). */
  pixel_size_nm: number | null;
}

export interface PanelContrast {
  mode: "percentile" | "minmax" | "manual";
  lo: number;
  hi: number;
  p_lo: number;
  p_hi: number;
  lut: string;
}

export interface ImageCompareState {
  panels: PanelState[];
  mode: "side" | "swipe";
  view: ViewRect;
  contrast: PanelContrast[];
  view_size_px: number;
  swipe: number;
}

/** The kernel's answer to a zoom (`custom` message; one binary buffer per listed panel, in order). */
export interface DetailMessage {
  type: "detail";
  rect: ViewRect;
  panels: { index: number; height: number; width: number; factor: number; rect: ViewRect }[];
}

// ---- ErrorMap -------------------------------------------------------------------------------

export interface ErrorMapState {
  title: string;
  map: PlaneState;
  rse: number;
  rsp: number;
  sigma_px: number;
  alpha: number;
  beta: number;
  at_upper_bound: boolean;
  lut: string;
  vmax_percentile: number;
  view_size_px: number;
  flag_map: PlaneState | null;
  flag_label: string;
  flag_percentile: number;
}

// ---- FRCPlot --------------------------------------------------------------------------------

export interface FrcCurveState {
  name: string;
  freq: number[];
  frc: number[];
  threshold: number[];
  crossing: number | null;
  resolution_px: number | null;
  resolution_nm: number | null;
}

export interface FrcPlotState {
  title: string;
  curves: FrcCurveState[];
  threshold: FrcThreshold;
  thresholds: readonly FrcThreshold[];
  pixel_size_nm: number | null;
}

// ---- Kymograph ------------------------------------------------------------------------------

export interface KymographState {
  frame: PlaneState;
  frame_index: number;
  n_frames: number;
  polyline: [number, number][];
  width_px: number;
  reduce: "mean" | "max";
  kymographs: (PlaneState & { name: string })[];
  length_px: number;
  status: string;
  view_size_px: number;
}

// ---- CrappifierTuner ------------------------------------------------------------------------

export interface SliderSpec {
  name: string;
  kind: ParamSpec["kind"];
  lo?: number;
  hi?: number;
  log?: boolean;
  choices?: string[];
  unit?: string;
  doc: string;
}

export interface TunerState {
  recipe: string;
  scale_factor: number;
  sliders: SliderSpec[];
  params: Record<string, ParamValue>;
  rendered_params: Record<string, ParamValue>;
  preview: PlaneState | null;
  real: PlaneState;
  real_curve: [number, number][];
  synthetic_curve: [number, number][];
  render_ms: number;
  recipe_json: string;
  code: string;
  status: string;
  view_size_px: number;
}

// ---- TrainingMonitor ------------------------------------------------------------------------

export interface MonitorState {
  title: string;
  steps: number[];
  loss: number[];
  lr: number[];
  val_epochs: number[];
  val_psnr: number[];
  val_ssim: number[];
  bilinear_psnr: number[];
  bilinear_ssim: number[];
  preview: PlaneState | null;
  status: string;
  running: boolean;
  stop_requested: boolean;
}

// ---- all of them ----------------------------------------------------------------------------

export interface WidgetStates {
  ImageCompare: ImageCompareState;
  ErrorMap: ErrorMapState;
  FRCPlot: FrcPlotState;
  Kymograph: KymographState;
  CrappifierTuner: TunerState;
  TrainingMonitor: MonitorState;
}

/** A state before the kernel's arrives: images not yet sent are null. */
export type DefaultState<S> = { [K in keyof S]: S[K] extends PlaneState ? S[K] | null : S[K] };

/**
 * What a browser model holds before the kernel's state arrives, and what the kernel-side widget
 * uses where its options say nothing. The kernel sends every key when it opens the comm, so these
 * never override it; they only have to agree with it (test/widgets/look.test.ts checks they do).
 * The monitor starts `running: true` (the two sides once disagreed, the browser saying false): it
 * is made for a run about to start, its stop button must work from the first step, and only
 * `finish()` ends a run (false). The kernel's value was the right one.
 */
export const DEFAULT_STATES: { readonly [K in WidgetName]: Readonly<DefaultState<WidgetStates[K]>> } = {
  ImageCompare: { panels: [], mode: "side", view: { x0: 0, y0: 0, x1: 1, y1: 1 }, contrast: [], view_size_px: 384, swipe: 0.5 },
  ErrorMap: {
    title: "error map (NanoJ-SQUIRREL)",
    map: null,
    rse: 0,
    rsp: 0,
    sigma_px: 0,
    alpha: 1,
    beta: 0,
    at_upper_bound: false,
    lut: "magma",
    vmax_percentile: 99.5,
    view_size_px: 384,
    flag_map: null,
    flag_label: "uncertainty",
    flag_percentile: 90,
  },
  // The kernel lists metrics/frc.ts's FRC_THRESHOLDS; the look test checks this list is that one.
  FRCPlot: { title: "Fourier ring correlation", curves: [], threshold: "1/7", thresholds: ["1/7", "half-bit", "one-bit", "3sigma"], pixel_size_nm: null },
  Kymograph: { frame: null, frame_index: 0, n_frames: 1, polyline: [], width_px: 1, reduce: "mean", kymographs: [], length_px: 0, status: "draw a line on the frame", view_size_px: 384 },
  CrappifierTuner: {
    recipe: "physical",
    scale_factor: 1,
    sliders: [],
    params: {},
    rendered_params: {},
    preview: null,
    real: null,
    real_curve: [],
    synthetic_curve: [],
    render_ms: 0,
    recipe_json: "",
    code: "",
    status: "",
    view_size_px: 320,
  },
  TrainingMonitor: {
    title: "training",
    steps: [],
    loss: [],
    lr: [],
    val_epochs: [],
    val_psnr: [],
    val_ssim: [],
    bilinear_psnr: [],
    bilinear_ssim: [],
    preview: null,
    status: "waiting for the first step",
    running: true,
    stop_requested: false,
  },
};

/** The `_model_*` / `_view_*` names of a widget (front-end classes `<name>Model`, `<name>View`). */
export function widgetClassNames(name: WidgetName): { modelName: string; viewName: string; module: string; moduleVersion: string } {
  return { modelName: `${name}Model`, viewName: `${name}View`, module: WIDGET_MODULE, moduleVersion: WIDGET_MODULE_VERSION };
}
