// ErrorMap: the NanoJ-SQUIRREL error map with a colour bar and the RSE / RSP readouts; the
// display ceiling (a percentile of the map) is a slider whose value is kept in the model.
import { modelClass, PssrView } from "./base.js";
import { colorBar, formatNumber, h, percentiles, planeToCanvas, themeColors, toPlane, type FloatPlane } from "./common.js";

export const ErrorMapModel = modelClass("ErrorMap");

export class ErrorMapView extends PssrView<"ErrorMap"> {
  private plane: FloatPlane | null = null;
  private row!: HTMLDivElement;
  private stats!: HTMLDivElement;
  private slider!: HTMLInputElement;
  private sliderValue!: HTMLSpanElement;
  private flag: FloatPlane | null = null;
  private flagSlider!: HTMLInputElement;
  private flagControls!: HTMLDivElement;

  render(): void {
    this.row = h("div", { className: "pssr-row" });
    this.stats = h("div", { className: "pssr-stats" });
    this.slider = h("input", { type: "range", min: 50, max: 100, step: 0.1, value: this.model.get("vmax_percentile"), className: "pssr-vmax" });
    this.sliderValue = h("span", { className: "pssr-value" });
    this.slider.addEventListener("input", () => this.push({ vmax_percentile: Number(this.slider.value) }));
    this.el.append(h("div", { className: "pssr-panel-title", textContent: this.model.get("title") }), this.row, h("div", { className: "pssr-controls" }, h("label", {}, "colour ceiling (percentile)", this.slider, this.sliderValue)), this.stats);
    // Uncertainty overlay: regions above a percentile of the map are outlined in cyan.
    this.flagSlider = h("input", { type: "range", min: 50, max: 99.9, step: 0.1, value: this.model.get("flag_percentile"), className: "pssr-flag" });
    this.flagSlider.addEventListener("input", () => this.push({ flag_percentile: Number(this.flagSlider.value) }));
    this.flagControls = h("div", { className: "pssr-controls" }, h("label", {}, `flag where ${this.model.get("flag_label")} is above its percentile`, this.flagSlider));
    this.el.append(this.flagControls);
    this.listenTo(this.model, "change:map change:flag_map", () => this.update());
    this.listenTo(this.model, "change:vmax_percentile change:lut change:rse change:rsp change:flag_percentile", () => this.draw());
    this.update();
  }

  protected themeChanged(): void {
    this.draw();
  }

  update(): void {
    this.plane = toPlane(this.model.get("map"));
    this.flag = toPlane(this.model.get("flag_map"));
    this.draw();
  }

  private draw(): void {
    const p = this.plane;
    this.row.replaceChildren();
    if (!p) return;
    const pct = this.model.get("vmax_percentile");
    this.slider.value = String(pct);
    this.sliderValue.textContent = pct.toFixed(1);
    const [vmax] = percentiles(p.data, [pct]);
    const lutName = this.model.get("lut");
    const src = planeToCanvas(p, 0, vmax, lutName);
    const size = this.model.get("view_size_px");
    const canvas = h("canvas", { className: "pssr-canvas", width: size, height: Math.round((size * p.height) / p.width) });
    const ctx = canvas.getContext("2d")!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
    this.row.append(canvas, colorBar(0, vmax, lutName, canvas.height, "|error|", themeColors(this.el).text));
    const m = this.model;
    const fl = this.flag && this.flag.height === p.height && this.flag.width === p.width ? this.flag : null;
    this.flagControls.style.display = fl ? "" : "none";
    let flagText = "";
    if (fl) {
      const fp = m.get("flag_percentile") as number;
      this.flagSlider.value = String(fp);
      const [thr] = percentiles(fl.data, [fp]);
      const [worst] = percentiles(p.data, [90]);
      const sx = canvas.width / p.width;
      const sy = canvas.height / p.height;
      ctx.fillStyle = "rgba(0, 255, 255, 0.35)";
      let flagged = 0;
      let hits = 0;
      let bad = 0;
      for (let y = 0; y < p.height; y++) {
        for (let x = 0; x < p.width; x++) {
          const i = y * p.width + x;
          const on = fl.data[i] > thr;
          if (p.data[i] >= worst) {
            bad++;
            if (on) hits++;
          }
          if (!on) continue;
          flagged++;
          ctx.fillRect(x * sx, y * sy, Math.max(1, sx), Math.max(1, sy));
        }
      }
      flagText =
        `\nflagged ${((100 * flagged) / p.data.length).toFixed(1)} % of the area (${m.get("flag_label")} above its ${fp.toFixed(1)} th percentile); ` +
        `it covers ${bad ? ((100 * hits) / bad).toFixed(1) : "-"} % of the worst 10 % |error| pixels. ` +
        "A flag marks where the restoration is less reliable; no flag is not a guarantee, and no restored value is fit for intensity quantification.";
    }
    this.stats.textContent =
      `RSE ${formatNumber(m.get("rse"))}   RSP ${formatNumber(m.get("rsp"))}   sigma ${formatNumber(m.get("sigma_px"))} px` +
      `   alpha ${formatNumber(m.get("alpha"))}   beta ${formatNumber(m.get("beta"))}` +
      (m.get("at_upper_bound") ? "   (sigma at the top of its range: the restoration may be over-blurred)" : "") +
      flagText;
    this.markDrawn("errormap");
  }
}
