// Kymograph: the user draws a polyline on a frame of a time-lapse; the kernel computes the
// kymograph along it (metrics/kymograph.ts) for every series given (LR, restored, HR...) and
// sends them back side by side (view: widgets/src/kymograph.ts). Series of other sizes than
// the first get the line scaled to their grid (pixel centres mapped: x' = (x + 0.5) s - 0.5).
import type { Image } from "../image/image.js";
import { getPlane, planeCount, height as imageHeight, width as imageWidth } from "../image/image.js";
import { invalidArgument } from "../errors.js";
import { kymograph, type KymographResult, type Point } from "../metrics/kymograph.js";
import { Widget } from "../kernel/widget.js";
import { DISPLAY_SYMBOL, type MimeBundle } from "../kernel/display.js";
import { planeState, widgetSpec, withStaticFallback } from "./common.js";
import { DEFAULT_STATES, type KymographState } from "./protocol.js";

export type { KymographState } from "./protocol.js";

const DEFAULTS = DEFAULT_STATES.Kymograph;

export interface KymographSeries {
  name: string;
  /** A (T, Y, X) time-lapse. */
  stack: Image;
}

export interface KymographWidgetOptions {
  polyline?: Point[];
  widthPx?: number;
  reduce?: "mean" | "max";
  frameIndex?: number;
  viewSizePx?: number;
}

export class Kymograph extends Widget<KymographState> {
  private readonly series: KymographSeries[];
  results: KymographResult[] = [];

  constructor(series: readonly KymographSeries[], options: KymographWidgetOptions = {}) {
    if (!Array.isArray(series) || series.length === 0) throw invalidArgument("Kymograph needs at least one series");
    const first = series[0].stack;
    const n = planeCount(first);
    const frameIndex = Math.min(n - 1, Math.max(0, options.frameIndex ?? 0));
    super(widgetSpec("Kymograph"), {
      frame: planeState(getPlane(first, frameIndex)),
      frame_index: frameIndex,
      n_frames: n,
      polyline: [],
      width_px: options.widthPx ?? DEFAULTS.width_px,
      reduce: options.reduce ?? DEFAULTS.reduce,
      kymographs: [],
      length_px: 0,
      status: DEFAULTS.status,
      view_size_px: options.viewSizePx ?? DEFAULTS.view_size_px,
    });
    this.series = [...series];
    this.on("change:polyline", () => this.compute());
    this.on("change:width_px", () => this.compute());
    this.on("change:reduce", () => this.compute());
    this.on("change:frame_index", (t) => {
      const k = Math.min(n - 1, Math.max(0, Math.round(Number(t))));
      this.set({ frame: planeState(getPlane(first, k)) });
    });
    if (options.polyline) this.set({ polyline: options.polyline.map((p) => [p[0], p[1]] as [number, number]) });
  }

  /** Recomputes the kymographs for the current line, width and reduction. */
  compute(): void {
    const line = this.get("polyline") ?? [];
    if (line.length < 2) {
      this.results = [];
      this.set({ kymographs: [], length_px: 0, status: DEFAULTS.status });
      return;
    }
    const w0 = imageWidth(this.series[0].stack);
    const h0 = imageHeight(this.series[0].stack);
    try {
      this.results = this.series.map((s) => {
        const sx = imageWidth(s.stack) / w0;
        const sy = imageHeight(s.stack) / h0;
        const pts: Point[] = line.map(([x, y]) => [(x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5]);
        return kymograph(s.stack, pts, { widthPx: this.get("width_px"), reduce: this.get("reduce") });
      });
      const r0 = this.results[0];
      this.set({
        kymographs: this.results.map((r, i) => ({ name: this.series[i].name, ...planeState(r.kymograph) })),
        length_px: r0.lengthPx,
        status: `${line.length} vertices, ${r0.lengthPx.toFixed(1)} px long, ${r0.kymograph.height} frames, width ${r0.widthPx} px (${r0.reduce})`,
      });
    } catch (e) {
      this.set({ status: `could not compute: ${(e as Error).message}` });
    }
  }
  /** The live view, plus a static PNG and a text line for where it cannot be drawn (a saved notebook without widget state, GitHub, nbconvert). */
  override [DISPLAY_SYMBOL](): MimeBundle {
    const names = this.series.map((s) => s.name).join(", ");
    return withStaticFallback(super[DISPLAY_SYMBOL](), `Kymograph of ${names}: frame ${this.get("frame_index")}${this.results.length ? " and the kymographs along the drawn line" : ""}`, [this.get("frame"), ...this.results.map((r) => r.kymograph)]);
  }
}
