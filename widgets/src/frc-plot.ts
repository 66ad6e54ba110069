// FRCPlot: several FRC curves with their threshold curves and the resolution marked (plotly,
// bundled). Choosing another threshold asks the kernel to recompute (it holds the images).
import Plotly from "plotly.js-basic-dist-min";
import { modelClass, PssrView } from "./base.js";
import type { FrcCurveState as Curve, FrcPlotState } from "../../src/widgets/protocol.js";
import { formatNumber, h, mergeLayout, PLOT_CONFIG, plotTheme } from "./common.js";

export const FRCPlotModel = modelClass("FRCPlot");

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

function sameNumbers(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-9 * Math.max(1, Math.abs(v)));
}

export class FRCPlotView extends PssrView<"FRCPlot"> {
  private plot!: HTMLDivElement;
  private summary!: HTMLDivElement;
  private title!: HTMLDivElement;

  render(): void {
    const sel = h("select", { className: "pssr-threshold", onchange: (e: Event) => this.push({ threshold: (e.target as HTMLSelectElement).value as FrcPlotState["threshold"] }) }, ...this.model.get("thresholds").map((t) => h("option", { value: t, textContent: t })));
    sel.value = this.model.get("threshold");
    this.plot = h("div", { className: "pssr-plot", style: { width: "640px", height: "320px" } });
    this.summary = h("div", { className: "pssr-stats" });
    // The title is page text above the plot, where plotly's mode bar cannot cover it.
    this.title = h("div", { className: "pssr-panel-title pssr-plot-title", textContent: this.model.get("title") });
    this.el.append(this.title, h("div", { className: "pssr-controls" }, h("label", {}, "threshold", sel)), this.plot, this.summary);
    this.listenTo(this.model, "change:title", () => (this.title.textContent = this.model.get("title")));
    this.listenTo(this.model, "change:curves change:threshold", () => {
      sel.value = this.model.get("threshold");
      this.draw();
    });
    // plotly measures its container: draw once the view is in the document.
    requestAnimationFrame(() => this.draw());
  }

  protected themeChanged(): void {
    this.draw();
  }

  private draw(): void {
    const curves: Curve[] = this.model.get("curves") ?? [];
    const thr = this.model.get("threshold");
    const data: any[] = [];
    const shapes: any[] = [];
    // Threshold curves that are the same for every curve (1/7 always; the others for images of
    // one size) are drawn once; otherwise one per curve, each named in the legend.
    const same = curves.every((c) => sameNumbers(c.threshold, curves[0].threshold) && sameNumbers(c.freq, curves[0].freq));
    curves.forEach((c, i) => {
      const color = COLORS[i % COLORS.length];
      data.push({ x: c.freq, y: c.frc, type: "scatter", mode: "lines", name: c.name, line: { color, width: 2 } });
      if (!same) data.push({ x: c.freq, y: c.threshold, type: "scatter", mode: "lines", name: `${c.name}: ${thr} threshold`, line: { color, width: 1, dash: "dot" } });
      if (c.crossing !== null) {
        shapes.push({ type: "line", x0: c.crossing, x1: c.crossing, y0: 0, y1: 1, yref: "paper", line: { color, dash: "dash", width: 1 } });
      }
    });
    if (same && curves.length) data.push({ x: curves[0].freq, y: curves[0].threshold, type: "scatter", mode: "lines", name: `${thr} threshold`, line: { color: "#888", width: 1.5, dash: "dot" } });
    // The axis ends where the data does: 0.25 cycles/px for single-image FRC, 0.5 for two images.
    const fMax = Math.max(0, ...curves.map((c) => c.freq[c.freq.length - 1] ?? 0)) || 0.5;
    const layout = mergeLayout(plotTheme(this.el), {
      xaxis: { title: { text: "spatial frequency (cycles/px)" }, range: [0, fMax], tickformat: ".2f" },
      yaxis: { title: { text: "FRC" }, range: [-0.1, 1.05], tickformat: ".1f" },
      shapes,
      margin: { l: 50, r: 10, t: 30, b: 45 },
      // Right of the plot area, under the mode bar's strip (the top margin): never over the
      // curves, and the mode bar (shown on hover) never over the legend.
      legend: { x: 1.02, xanchor: "left", y: 1, yanchor: "top" },
    });
    Plotly.react(this.plot, data, layout, PLOT_CONFIG);
    this.summary.textContent = curves
      .map((c) => `${c.name}: ${c.resolution_px === null ? "no crossing" : `${formatNumber(c.resolution_px)} px` + (c.resolution_nm ? ` (${formatNumber(c.resolution_nm)} nm)` : "")}`)
      .join("   ");
    this.markDrawn("frc");
  }

  remove(): any {
    Plotly.purge(this.plot);
    return super.remove();
  }
}
