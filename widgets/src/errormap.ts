// ErrorMap: the NanoJ-SQUIRREL error map with a colour bar and the RSE / RSP readouts; the
// display ceiling (a percentile of the map) is a slider whose value is kept in the model.
import { modelClass, PssrView } from "./base.js";
import { colorBar, formatNumber, h, percentiles, planeToCanvas, themeColors, toPlane, type FloatPlane } from "./common.js";

export const ErrorMapModel = modelClass("ErrorMapModel", "ErrorMapView", {
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
});

export class ErrorMapView extends PssrView {
  private plane: FloatPlane | null = null;
  private row!: HTMLDivElement;
  private stats!: HTMLDivElement;
  private slider!: HTMLInputElement;
  private sliderValue!: HTMLSpanElement;

  render(): void {
    this.row = h("div", { className: "pssr-row" });
    this.stats = h("div", { className: "pssr-stats" });
    this.slider = h("input", { type: "range", min: 50, max: 100, step: 0.1, value: this.model.get("vmax_percentile"), className: "pssr-vmax" });
    this.sliderValue = h("span", { className: "pssr-value" });
    this.slider.addEventListener("input", () => this.push({ vmax_percentile: Number(this.slider.value) }));
    this.el.append(h("div", { className: "pssr-panel-title", textContent: this.model.get("title") }), this.row, h("div", { className: "pssr-controls" }, h("label", {}, "colour ceiling (percentile)", this.slider, this.sliderValue)), this.stats);
    this.listenTo(this.model, "change:map", () => this.update());
    this.listenTo(this.model, "change:vmax_percentile change:lut change:rse change:rsp", () => this.draw());
    this.update();
  }

  protected themeChanged(): void {
    this.draw();
  }

  update(): void {
    this.plane = toPlane(this.model.get("map"));
    this.draw();
  }

  private draw(): void {
    const p = this.plane;
    this.row.replaceChildren();
    if (!p) return;
    const pct = this.model.get("vmax_percentile") as number;
    this.slider.value = String(pct);
    this.sliderValue.textContent = pct.toFixed(1);
    const [vmax] = percentiles(p.data, [pct]);
    const lutName = this.model.get("lut") as string;
    const src = planeToCanvas(p, 0, vmax, lutName);
    const size = this.model.get("view_size_px") as number;
    const canvas = h("canvas", { className: "pssr-canvas", width: size, height: Math.round((size * p.height) / p.width) });
    const ctx = canvas.getContext("2d")!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
    this.row.append(canvas, colorBar(0, vmax, lutName, canvas.height, "|error|", themeColors(this.el).text));
    const m = this.model;
    this.stats.textContent =
      `RSE ${formatNumber(m.get("rse"))}   RSP ${formatNumber(m.get("rsp"))}   sigma ${formatNumber(m.get("sigma_px"))} px` +
      `   alpha ${formatNumber(m.get("alpha"))}   beta ${formatNumber(m.get("beta"))}` +
      (m.get("at_upper_bound") ? "   (sigma at the top of its range: the restoration may be over-blurred)" : "");
    this.markDrawn("errormap");
  }
}
