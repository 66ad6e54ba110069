// FRCPlot: several FRC curves with their threshold curves and the resolution marked (plotly,
// bundled). Choosing another threshold asks the kernel to recompute (it holds the images).
import Plotly from "plotly.js-dist-min";
import { modelClass, PssrView } from "./base.js";
import { formatNumber, h } from "./common.js";

interface Curve {
  name: string;
  freq: number[];
  frc: number[];
  threshold: number[];
  crossing: number | null;
  resolution_px: number | null;
  resolution_nm: number | null;
}

export const FRCPlotModel = modelClass("FRCPlotModel", "FRCPlotView", {
  title: "Fourier ring correlation",
  curves: [],
  threshold: "1/7",
  thresholds: ["1/7", "half-bit", "one-bit", "3sigma"],
  pixel_size_nm: null,
});

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

export class FRCPlotView extends PssrView {
  private plot!: HTMLDivElement;
  private summary!: HTMLDivElement;

  render(): void {
    const sel = h("select", { className: "pssr-threshold", onchange: (e: Event) => this.push({ threshold: (e.target as HTMLSelectElement).value }) }, ...(this.model.get("thresholds") as string[]).map((t) => h("option", { value: t, textContent: t })));
    sel.value = this.model.get("threshold");
    this.plot = h("div", { className: "pssr-plot", style: { width: "560px", height: "340px" } });
    this.summary = h("div", { className: "pssr-stats" });
    this.el.append(h("div", { className: "pssr-controls" }, h("label", {}, "threshold", sel)), this.plot, this.summary);
    this.listenTo(this.model, "change:curves change:threshold", () => {
      sel.value = this.model.get("threshold");
      this.draw();
    });
    // plotly measures its container: draw once the view is in the document.
    requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    const curves: Curve[] = this.model.get("curves") ?? [];
    const thr = this.model.get("threshold") as string;
    const data: any[] = [];
    const shapes: any[] = [];
    curves.forEach((c, i) => {
      const color = COLORS[i % COLORS.length];
      data.push({ x: c.freq, y: c.frc, type: "scatter", mode: "lines", name: c.name, line: { color, width: 2 } });
      data.push({ x: c.freq, y: c.threshold, type: "scatter", mode: "lines", name: `${c.name} ${thr}`, line: { color, width: 1, dash: "dot" }, showlegend: i === 0 || thr !== "1/7" });
      if (c.crossing !== null) {
        shapes.push({ type: "line", x0: c.crossing, x1: c.crossing, y0: 0, y1: 1, yref: "paper", line: { color, dash: "dash", width: 1 } });
      }
    });
    const layout = {
      title: { text: this.model.get("title") },
      xaxis: { title: { text: "spatial frequency (cycles/px)" }, range: [0, 0.5] },
      yaxis: { title: { text: "FRC" }, range: [-0.1, 1.05] },
      shapes,
      margin: { l: 50, r: 10, t: 40, b: 45 },
      legend: { x: 0.6, y: 0.98 },
    };
    Plotly.react(this.plot, data, layout, { displaylogo: false, responsive: false, staticPlot: false });
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
