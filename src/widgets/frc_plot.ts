// FRCPlot: several Fourier ring correlation curves (e.g. bilinear, restoration, high-res) with
// their threshold curves and the resolution where each crosses (view: widgets/src/frcplot.ts).
// When built from image pairs the kernel keeps them, so choosing another threshold in the
// view recomputes every curve.
import type { Image, Plane } from "../image/image.js";
import { invalidArgument } from "../errors.js";
import { frc, singleImageFrc, FRC_THRESHOLDS, type FrcResult, type FrcThreshold } from "../metrics/frc.js";
import { Widget } from "../kernel/widget.js";
import { DISPLAY_SYMBOL, type MimeBundle } from "../kernel/display.js";
import { asPlane, widgetSpec, withStaticFallback } from "./common.js";

/** One curve: two independent images of the same field, one image (single-image FRC), or a result. */
export type FrcCurveSpec =
  | { name: string; a: Plane | Image; b: Plane | Image }
  | { name: string; image: Plane | Image }
  | { name: string; result: FrcResult };

export interface FrcPlotOptions {
  threshold?: FrcThreshold;
  pixelSizeNm?: number | null;
  tukeyAlpha?: number;
  title?: string;
}

interface CurveState {
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
  curves: CurveState[];
  threshold: FrcThreshold;
  thresholds: readonly FrcThreshold[];
  pixel_size_nm: number | null;
}

export class FRCPlot extends Widget<FrcPlotState> {
  private readonly specs: FrcCurveSpec[];
  private readonly options: FrcPlotOptions;
  results: FrcResult[] = [];

  constructor(curves: readonly FrcCurveSpec[], options: FrcPlotOptions = {}) {
    if (!Array.isArray(curves) || curves.length === 0) throw invalidArgument("FRCPlot needs at least one curve");
    const threshold = options.threshold ?? "1/7";
    if (!FRC_THRESHOLDS.includes(threshold)) throw invalidArgument(`unknown FRC threshold ${threshold}; valid: ${FRC_THRESHOLDS.join(", ")}`);
    const results = FRCPlot.compute(curves, threshold, options);
    super(widgetSpec("FRCPlot"), {
      title: options.title ?? "Fourier ring correlation",
      curves: results.map((r, i) => curveState(curves[i].name, r)),
      threshold,
      thresholds: FRC_THRESHOLDS,
      pixel_size_nm: options.pixelSizeNm ?? null,
    });
    this.specs = [...curves];
    this.options = options;
    this.results = results;
    this.on("change:threshold", (t) => {
      if (!FRC_THRESHOLDS.includes(t)) return;
      this.results = FRCPlot.compute(this.specs, t, this.options);
      this.set({ curves: this.results.map((r, i) => curveState(this.specs[i].name, r)) });
    });
  }

  private static compute(curves: readonly FrcCurveSpec[], threshold: FrcThreshold, o: FrcPlotOptions): FrcResult[] {
    const opts = { threshold, pixelSizeNm: o.pixelSizeNm ?? null, tukeyAlpha: o.tukeyAlpha };
    return curves.map((c) => {
      if ("result" in c) return c.result;
      if ("image" in c) return singleImageFrc(asPlane(c.image, c.name), opts);
      return frc(asPlane(c.a, `${c.name} (a)`), asPlane(c.b, `${c.name} (b)`), opts);
    });
  }
  /** The live view, plus a static PNG and a text line for where it cannot be drawn (a saved notebook without widget state, GitHub, nbconvert). */
  override [DISPLAY_SYMBOL](): MimeBundle {
    const res = this.get("curves").map((c) => `${c.name} ${c.resolution_px === null ? "no crossing" : `${c.resolution_px.toFixed(2)} px`}`).join(", ");
    return withStaticFallback(super[DISPLAY_SYMBOL](), `FRCPlot ${this.get("title")} (${this.get("threshold")} threshold): ${res}`, []);
  }
}

function curveState(name: string, r: FrcResult): CurveState {
  const finite = (v: number) => (Number.isFinite(v) ? v : null) as number;
  return {
    name,
    freq: r.curve.map((c) => c[0]),
    frc: r.curve.map((c) => finite(c[1])),
    threshold: r.thresholdCurve.map((c) => finite(c[1])),
    crossing: r.crossingFrequency,
    resolution_px: r.resolutionPx,
    resolution_nm: r.resolutionNm,
  };
}
