// ErrorMap: NanoJ-SQUIRREL's error map of a restoration against a reference, with a colour bar
// and the RSE / RSP readouts (metrics/errormap.ts computes it; view: widgets/src/error-map.ts).
import type { Image, Plane } from "../image/image.js";
import { errorMap, type ErrorMapOptions, type ErrorMapResult } from "../metrics/errormap.js";
import { blockMean } from "../image/block-mean.js";
import { invalidArgument } from "../errors.js";
import { Widget } from "../kernel/widget.js";
import { DISPLAY_SYMBOL, type MimeBundle } from "../kernel/display.js";
import { asPlane, levelFactor, planeState, pyramidCrop, widgetSpec, withStaticFallback } from "./common.js";
import { DEFAULT_STATES, type ErrorMapState } from "./protocol.js";

export type { ErrorMapState } from "./protocol.js";

const DEFAULTS = DEFAULT_STATES.ErrorMap;

export interface ErrorMapWidgetOptions extends ErrorMapOptions {
  title?: string;
  /** LUT of the map. Default "magma". */
  lut?: string;
  /** Colour ceiling as a percentile of the map. Default 99.5. */
  vmaxPercentile?: number;
  /** Longest side of the map sent to the view (block-mean level). Default 1024. */
  maxPx?: number;
  viewSizePx?: number;
  /**
   * An uncertainty map of the restoration (ensemble disagreement, Laplace scale) to overlay:
   * regions above a percentile threshold (a slider in the view) are outlined on the error map,
   * so one sees whether the flags land on the real errors. On the restoration's grid or the map's.
   */
  uncertainty?: Plane | Image;
  uncertaintyLabel?: string;
  /** Initial flag threshold, a percentile of the uncertainty map. Default 90. */
  flagPercentile?: number;
}

export class ErrorMap extends Widget<ErrorMapState> {
  readonly result: ErrorMapResult;

  /** Computes the error map of `restored` against `reference` (or shows a computed `result`). */
  constructor(reference: Plane | Image | ErrorMapResult, restored?: Plane | Image, options: ErrorMapWidgetOptions = {}) {
    const result = restored === undefined ? (reference as ErrorMapResult) : errorMap(asPlane(restored, "the restoration"), asPlane(reference as Plane | Image, "the reference"), options);
    const m = result.map;
    const f = levelFactor(m.height, m.width, options.maxPx ?? 1024);
    let flag: Plane | null = null;
    if (options.uncertainty) {
      const u = asPlane(options.uncertainty, "the uncertainty map");
      const k = u.height / m.height;
      if (!Number.isInteger(k) || k < 1 || u.width !== k * m.width) throw invalidArgument(`the uncertainty map (${u.height}x${u.width}) must be on the restoration's or the error map's grid (${m.height}x${m.width})`);
      // Same grid as the error map: block means of the finer map, as the error map does.
      flag = blockMean(u, k);
    }
    super(widgetSpec("ErrorMap"), {
      title: options.title ?? DEFAULTS.title,
      map: planeState(f > 1 ? pyramidCrop(m, f) : m),
      rse: result.rse,
      rsp: result.rsp,
      sigma_px: result.sigmaPx,
      alpha: result.alpha,
      beta: result.beta,
      at_upper_bound: result.atUpperBound,
      lut: options.lut ?? DEFAULTS.lut,
      vmax_percentile: options.vmaxPercentile ?? DEFAULTS.vmax_percentile,
      view_size_px: options.viewSizePx ?? DEFAULTS.view_size_px,
      flag_map: flag ? planeState(f > 1 ? pyramidCrop(flag, f) : flag) : null,
      flag_label: options.uncertaintyLabel ?? DEFAULTS.flag_label,
      flag_percentile: options.flagPercentile ?? DEFAULTS.flag_percentile,
    });
    this.result = result;
  }
  /** The live view, plus a static PNG and a text line for where it cannot be drawn (a saved notebook without widget state, GitHub, nbconvert). */
  override [DISPLAY_SYMBOL](): MimeBundle {
    return withStaticFallback(super[DISPLAY_SYMBOL](), `ErrorMap ${this.get("title")}: RSE ${this.result.rse.toPrecision(4)}, RSP ${this.result.rsp.toPrecision(4)}`, [this.result.map]);
  }
}
