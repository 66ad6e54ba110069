// TrainingMonitor: live training loss and learning rate, validation PSNR/SSIM of the model
// against bilinear upsampling, the current prediction on a fixed validation patch, and a stop
// button (sets `stop_requested`; the kernel aborts the run's signal, the loop ends cleanly).
import Plotly from "plotly.js-basic-dist-min";
import { modelClass, PssrView } from "./base.js";
import { h, mergeLayout, percentiles, planeToCanvas, PLOT_CONFIG, plotTheme, rafThrottle, toPlane } from "./common.js";

export const TrainingMonitorModel = modelClass("TrainingMonitor");

export class TrainingMonitorView extends PssrView<"TrainingMonitor"> {
  private lossPlot!: HTMLDivElement;
  private valPlot!: HTMLDivElement;
  private canvas!: HTMLCanvasElement;
  private previewPanel!: HTMLDivElement;
  private status!: HTMLDivElement;
  private stop!: HTMLButtonElement;
  private schedule = rafThrottle(() => this.drawPlots());

  render(): void {
    this.lossPlot = h("div", { className: "pssr-plot pssr-loss", style: { width: "420px", height: "280px" } });
    this.valPlot = h("div", { className: "pssr-plot pssr-val", style: { width: "420px", height: "340px" } });
    this.canvas = h("canvas", { className: "pssr-canvas pssr-prediction", width: 200, height: 200 });
    // Shown only once a prediction arrives: no empty black box for runs without one.
    this.previewPanel = h("div", { className: "pssr-panel pssr-prediction-panel", style: { display: "none" } }, h("div", { className: "pssr-panel-title", textContent: "prediction (validation patch)" }), this.canvas);
    this.status = h("div", { className: "pssr-stats" });
    this.stop = h("button", { textContent: "stop training", className: "pssr-stop", onclick: () => this.push({ stop_requested: true }) });
    const titled = (title: string, plot: HTMLDivElement) => h("div", { className: "pssr-panel" }, h("div", { className: "pssr-panel-title pssr-plot-title", textContent: title }), plot);
    this.el.append(
      h("div", { className: "pssr-controls" }, h("b", { textContent: this.model.get("title") }), this.stop),
      h("div", { className: "pssr-row" }, titled("training loss and learning rate", this.lossPlot), titled("validation: model (solid) vs bilinear (dotted)", this.valPlot), this.previewPanel),
      this.status,
    );
    this.listenTo(this.model, "change:steps change:loss change:lr change:val_epochs change:val_psnr change:val_ssim change:bilinear_psnr change:bilinear_ssim", () => this.schedule());
    this.listenTo(this.model, "change:preview", () => this.drawPreview());
    this.listenTo(this.model, "change:status change:running change:stop_requested", () => this.drawStatus());
    this.drawPreview();
    this.drawStatus();
    requestAnimationFrame(() => this.drawPlots());
  }

  protected themeChanged(): void {
    this.drawPlots();
  }

  private drawStatus(): void {
    this.status.textContent = this.model.get("status");
    this.stop.disabled = !this.model.get("running") || this.model.get("stop_requested");
    this.el.dataset.running = String(this.model.get("running"));
  }

  private drawPreview(): void {
    const p = toPlane(this.model.get("preview"));
    this.previewPanel.style.display = p ? "" : "none";
    if (!p) return;
    const [lo, hi] = percentiles(p.data, [0.5, 99.8]);
    const src = planeToCanvas(p, lo, hi, "gray");
    this.canvas.width = 200;
    this.canvas.height = Math.round((200 * p.height) / p.width);
    const ctx = this.canvas.getContext("2d")!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(src, 0, 0, this.canvas.width, this.canvas.height);
    this.markDrawn("prediction");
  }

  private drawPlots(): void {
    const m = this.model;
    const theme = plotTheme(this.el);
    Plotly.react(
      this.lossPlot,
      [
        { x: m.get("steps"), y: m.get("loss"), name: "loss", type: "scatter", mode: "lines", line: { color: "#1f77b4" } },
        { x: m.get("steps"), y: m.get("lr"), name: "learning rate", type: "scatter", mode: "lines", yaxis: "y2", line: { color: "#ff7f0e", dash: "dot" } },
      ],
      mergeLayout(theme, {
        xaxis: { title: { text: "step" } },
        yaxis: { title: { text: "loss" }, tickformat: ".2~g" },
        yaxis2: { title: { text: "learning rate" }, overlaying: "y", side: "right", showgrid: false, tickformat: ".1e" },
        margin: { l: 55, r: 60, t: 30, b: 40 },
        // Above the plot area on the left, the mode bar's strip on the right: one-cycle's
        // learning-rate peak sits at the top, under any legend inside the plot.
        legend: { orientation: "h", x: 0, xanchor: "left", y: 1, yanchor: "bottom" },
      }),
      PLOT_CONFIG,
    );
    const ep = m.get("val_epochs");
    // PSNR and SSIM in two stacked panels with their own axes (twin autoscaled axes drew the
    // two bilinear lines exactly on top of each other).
    Plotly.react(
      this.valPlot,
      [
        { x: ep, y: m.get("val_psnr"), name: "PSNR model", type: "scatter", mode: "lines+markers", line: { color: "#d62728" } },
        { x: ep, y: m.get("bilinear_psnr"), name: "PSNR bilinear", type: "scatter", mode: "lines", line: { color: "#d62728", dash: "dot" } },
        { x: ep, y: m.get("val_ssim"), name: "SSIM model", type: "scatter", mode: "lines+markers", xaxis: "x2", yaxis: "y2", line: { color: "#2ca02c" } },
        { x: ep, y: m.get("bilinear_ssim"), name: "SSIM bilinear", type: "scatter", mode: "lines", xaxis: "x2", yaxis: "y2", line: { color: "#2ca02c", dash: "dot" } },
      ],
      mergeLayout(theme, {
        grid: { rows: 2, columns: 1, pattern: "independent", roworder: "top to bottom" },
        xaxis: { matches: "x2", showticklabels: false },
        xaxis2: { title: { text: "epoch" }, tickformat: "d" },
        yaxis: { title: { text: "PSNR (dB)" }, tickformat: ".1f" },
        yaxis2: { title: { text: "SSIM" }, tickformat: ".2f" },
        margin: { l: 55, r: 10, t: 30, b: 40 },
        // Below the epoch axis title: clear of both panels and of the mode bar's strip on top.
        legend: { orientation: "h", x: 0, xanchor: "left", y: -0.3, yanchor: "top" },
      }),
      PLOT_CONFIG,
    );
    this.markDrawn("curves");
  }
}
