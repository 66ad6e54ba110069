// FRCPlot: several Fourier ring correlation curves (e.g. bilinear, restoration, high-res) with
// their threshold curves and the resolution where each crosses (view: widgets/src/frc-plot.ts).
// When built from image pairs the kernel keeps them, so choosing another threshold in the
// view recomputes every curve.
import type { Image, Plane } from "../image/image.js";
import { invalidArgument } from "../errors.js";
import { frc, singleImageFrc, FRC_THRESHOLDS, type FrcResult, type FrcThreshold } from "../metrics/frc.js";
import { Widget } from "../kernel/widget.js";
import { DISPLAY_SYMBOL, type MimeBundle } from "../kernel/display.js";
import { asPlane, widgetSpec, withStaticFallback } from "./common.js";
import { DEFAULT_STATES, type FrcCurveState as CurveState, type FrcPlotState } from "./protocol.js";

export type { FrcPlotState } from "./protocol.js";

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

export class FRCPlot extends Widget<FrcPlotState> {
  private readonly specs: FrcCurveSpec[];
  private readonly options: FrcPlotOptions;
  results: FrcResult[] = [];

  constructor(curves: readonly FrcCurveSpec[], options: FrcPlotOptions = {}) {
    if (!Array.isArray(curves) || curves.length === 0) throw invalidArgument("FRCPlot needs at least one curve");
    const threshold = options.threshold ?? DEFAULT_STATES.FRCPlot.threshold;
    if (!FRC_THRESHOLDS.includes(threshold)) throw invalidArgument(`unknown FRC threshold ${threshold}; valid: ${FRC_THRESHOLDS.join(", ")}`);
    const results = FRCPlot.compute(curves, threshold, options);
    super(widgetSpec("FRCPlot"), {
      title: options.title ?? DEFAULT_STATES.FRCPlot.title,
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
    const bundle = withStaticFallback(super[DISPLAY_SYMBOL](), `FRCPlot ${this.get("title")} (${this.get("threshold")} threshold): ${res}`, []);
    return { ...bundle, "image/svg+xml": frcSvg(this.get("curves"), this.get("threshold"), this.get("title")) };
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

/**
 * The curves as a small SVG line chart (image/svg+xml of the static copy): frequency 0 to the
 * data's end on x, FRC -0.1 to 1.05 on y, tick labels on both axes, each curve and the threshold
 * curves as polylines, a legend on the right.
 */
export function frcSvg(curves: readonly CurveState[], threshold: string, title: string): string {
  const W = 640;
  const H = 300;
  const m = { l: 44, r: 210, t: 24, b: 36 };
  const fMax = Math.max(0, ...curves.map((c) => c.freq[c.freq.length - 1] ?? 0)) || 0.5;
  const X = (f: number) => m.l + (f / fMax) * (W - m.l - m.r);
  const Y = (v: number) => H - m.b - ((v + 0.1) / 1.15) * (H - m.t - m.b);
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
  const line = (xs: number[], ys: (number | null)[], color: string, dash: string, cls: string) => {
    const pts = xs.map((x, i) => (ys[i] === null || !Number.isFinite(ys[i]) ? null : `${X(x).toFixed(2)},${Y(ys[i] as number).toFixed(2)}`)).filter((p) => p !== null);
    return `<polyline class="${cls}" fill="none" stroke="${color}" stroke-width="${dash ? 1 : 2}"${dash ? ` stroke-dasharray="${dash}"` : ""} points="${pts.join(" ")}"/>`;
  };
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`, `<rect width="${W}" height="${H}" fill="#fff"/>`];
  out.push(`<text x="${m.l}" y="14" font-weight="bold">${esc(title)}</text>`);
  out.push(`<line x1="${m.l}" y1="${Y(-0.1)}" x2="${X(fMax)}" y2="${Y(-0.1)}" stroke="#444"/><line x1="${m.l}" y1="${Y(-0.1)}" x2="${m.l}" y2="${Y(1.05)}" stroke="#444"/>`);
  const step = fMax > 0.3 ? 0.1 : 0.05;
  for (let f = 0; f <= fMax + 1e-9; f += step) out.push(`<text class="xtick" x="${X(f).toFixed(2)}" y="${Y(-0.1) + 14}" text-anchor="middle">${f.toFixed(2)}</text>`);
  for (let v = 0; v <= 1 + 1e-9; v += 0.2) out.push(`<text class="ytick" x="${m.l - 4}" y="${(Y(v) + 4).toFixed(2)}" text-anchor="end">${v.toFixed(1)}</text>`);
  out.push(`<text x="${(m.l + X(fMax)) / 2}" y="${H - 4}" text-anchor="middle">spatial frequency (cycles/px)</text>`);
  const legend: [string, string, string][] = [];
  curves.forEach((c, i) => {
    const color = colors[i % colors.length];
    out.push(line(c.freq, c.frc, color, "", "curve"));
    out.push(line(c.freq, c.threshold, color, "3,3", "threshold"));
    legend.push([c.name, color, ""], [`${c.name}: ${threshold} threshold`, color, "3,3"]);
  });
  legend.forEach(([name, color, dash], i) => {
    const y = m.t + 10 + i * 16;
    out.push(`<line x1="${W - m.r + 10}" y1="${y - 4}" x2="${W - m.r + 30}" y2="${y - 4}" stroke="${color}" stroke-width="${dash ? 1 : 2}"${dash ? ` stroke-dasharray="${dash}"` : ""}/><text x="${W - m.r + 34}" y="${y}">${esc(name)}</text>`);
  });
  out.push("</svg>");
  return out.join("");
}
