// TrainingMonitor: live training loss and learning rate, validation PSNR/SSIM of the model
// against bilinear upsampling, the current prediction on a fixed validation patch, and a stop
// button (sets `stop_requested`; the kernel aborts the run's signal, the loop ends cleanly).
import Plotly from "plotly.js-dist-min";
import { modelClass, PssrView } from "./base.js";
import { h, percentiles, planeToCanvas, rafThrottle, toPlane } from "./common.js";

export const TrainingMonitorModel = modelClass("TrainingMonitorModel", "TrainingMonitorView", {
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
  status: "",
  running: false,
  stop_requested: false,
});

export class TrainingMonitorView extends PssrView {
  private lossPlot!: HTMLDivElement;
  private valPlot!: HTMLDivElement;
  private canvas!: HTMLCanvasElement;
  private status!: HTMLDivElement;
  private stop!: HTMLButtonElement;
  private schedule = rafThrottle(() => this.drawPlots());

  render(): void {
    this.lossPlot = h("div", { className: "pssr-plot pssr-loss", style: { width: "420px", height: "260px" } });
    this.valPlot = h("div", { className: "pssr-plot pssr-val", style: { width: "420px", height: "260px" } });
    this.canvas = h("canvas", { className: "pssr-canvas pssr-prediction", width: 200, height: 200 });
    this.status = h("div", { className: "pssr-stats" });
    this.stop = h("button", { textContent: "stop training", className: "pssr-stop", onclick: () => this.push({ stop_requested: true }) });
    this.el.append(
      h("div", { className: "pssr-controls" }, h("b", { textContent: this.model.get("title") }), this.stop),
      h("div", { className: "pssr-row" }, this.lossPlot, this.valPlot, h("div", { className: "pssr-panel" }, h("div", { className: "pssr-panel-title", textContent: "prediction (validation patch)" }), this.canvas)),
      this.status,
    );
    this.listenTo(this.model, "change:steps change:loss change:lr change:val_epochs change:val_psnr change:val_ssim", () => this.schedule());
    this.listenTo(this.model, "change:preview", () => this.drawPreview());
    this.listenTo(this.model, "change:status change:running change:stop_requested", () => this.drawStatus());
    this.drawPreview();
    this.drawStatus();
    requestAnimationFrame(() => this.drawPlots());
  }

  private drawStatus(): void {
    this.status.textContent = this.model.get("status");
    this.stop.disabled = !this.model.get("running") || this.model.get("stop_requested");
    this.el.dataset.running = String(this.model.get("running"));
  }

  private drawPreview(): void {
    const p = toPlane(this.model.get("preview"));
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
    Plotly.react(
      this.lossPlot,
      [
        { x: m.get("steps"), y: m.get("loss"), name: "loss", type: "scatter", mode: "lines", line: { color: "#1f77b4" } },
        { x: m.get("steps"), y: m.get("lr"), name: "learning rate", type: "scatter", mode: "lines", yaxis: "y2", line: { color: "#999", dash: "dot" } },
      ],
      { title: { text: "training loss" }, xaxis: { title: { text: "step" } }, yaxis: { title: { text: "loss" } }, yaxis2: { overlaying: "y", side: "right", showgrid: false, tickformat: ".1e" }, margin: { l: 50, r: 55, t: 35, b: 40 }, legend: { x: 0.5, y: 0.98 } },
      { displaylogo: false },
    );
    const ep = m.get("val_epochs");
    Plotly.react(
      this.valPlot,
      [
        { x: ep, y: m.get("val_psnr"), name: "PSNR model", type: "scatter", mode: "lines+markers", line: { color: "#d62728" } },
        { x: ep, y: m.get("bilinear_psnr"), name: "PSNR bilinear", type: "scatter", mode: "lines", line: { color: "#d62728", dash: "dot" } },
        { x: ep, y: m.get("val_ssim"), name: "SSIM model", type: "scatter", mode: "lines+markers", yaxis: "y2", line: { color: "#2ca02c" } },
        { x: ep, y: m.get("bilinear_ssim"), name: "SSIM bilinear", type: "scatter", mode: "lines", yaxis: "y2", line: { color: "#2ca02c", dash: "dot" } },
      ],
      { title: { text: "validation" }, xaxis: { title: { text: "epoch" } }, yaxis: { title: { text: "PSNR (dB)" } }, yaxis2: { title: { text: "SSIM" }, overlaying: "y", side: "right" }, margin: { l: 50, r: 50, t: 35, b: 40 }, legend: { x: 0.02, y: 0.98 } },
      { displaylogo: false },
    );
    this.markDrawn("curves");
  }
}
