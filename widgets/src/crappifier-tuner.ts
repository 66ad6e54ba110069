// CrappifierTuner: the recipe's parameters as sliders. Each change goes to the kernel, which
// crappifies a preview crop and sends it back (binary) with its noise curve; the view shows it
// beside a real low-res acquisition and both noise curves. While the kernel is busy the widget
// manager holds at most one pending update and merges later slider moves into it, so a drag
// never builds a backlog of stale renders. "fit to real" asks the kernel to run calibrate().
import Plotly from "plotly.js-basic-dist-min";
import { modelClass, PssrView } from "./base.js";
import type { SliderSpec } from "../../src/widgets/protocol.js";
import { formatNumber, h, mergeLayout, percentiles, planeToCanvas, PLOT_CONFIG, plotTheme, themeColors, toPlane } from "./common.js";

export const CrappifierTunerModel = modelClass("CrappifierTuner");

const STEPS = 1000;

export class CrappifierTunerView extends PssrView<"CrappifierTuner"> {
  private previewCanvas!: HTMLCanvasElement;
  private realCanvas!: HTMLCanvasElement;
  private plot!: HTMLDivElement;
  private json!: HTMLPreElement;
  private status!: HTMLDivElement;
  private inputs = new Map<string, { input: HTMLInputElement | HTMLSelectElement; value: HTMLSpanElement; spec: SliderSpec }>();
  private plotPending = false;
  private realDrawn: unknown = null;
  private scratch = document.createElement("canvas");

  render(): void {
    const size = this.model.get("view_size_px");
    this.previewCanvas = h("canvas", { className: "pssr-canvas pssr-preview", width: size, height: size });
    this.realCanvas = h("canvas", { className: "pssr-canvas pssr-real", width: size, height: size });
    this.plot = h("div", { className: "pssr-plot", style: { width: "440px", height: "280px" } });
    this.json = h("pre", { className: "pssr-code" });
    this.status = h("div", { className: "pssr-stats" });
    const sliders = h("div", { className: "pssr-sliders" });
    const buildSliders = () => {
      this.inputs.clear();
      sliders.replaceChildren(...(this.model.get("sliders") as SliderSpec[]).map((s) => this.slider(s)));
    };
    buildSliders();
    const fit = h("button", { textContent: "fit to real", className: "pssr-fit", onclick: () => this.send({ type: "fit" }) });
    this.el.append(
      h("div", { className: "pssr-row" }, h("div", {}, h("div", { className: "pssr-panel-title", textContent: `recipe ${this.model.get("recipe")}` }), sliders, h("div", { className: "pssr-controls" }, fit)), h("div", { className: "pssr-panel" }, h("div", { className: "pssr-panel-title pssr-plot-title", textContent: "noise curve" }), this.plot)),
      h(
        "div",
        { className: "pssr-row" },
        h("div", { className: "pssr-panel" }, h("div", { className: "pssr-panel-title", textContent: "synthetic low-res (crappified)" }), this.previewCanvas),
        h("div", { className: "pssr-panel" }, h("div", { className: "pssr-panel-title", textContent: "real low-res acquisition" }), this.realCanvas),
      ),
      this.status,
      h("details", {}, h("summary", { textContent: "tuned recipe (JSON and code)" }), this.json),
    );
    this.listenTo(this.model, "change:preview", () => this.drawImages());
    this.listenTo(this.model, "change:real_curve change:synthetic_curve", () => this.schedulePlot());
    this.listenTo(this.model, "change:params", () => this.syncInputs());
    this.listenTo(this.model, "change:sliders", buildSliders);
    const title = this.el.querySelector(".pssr-panel-title")!;
    this.listenTo(this.model, "change:recipe", () => (title.textContent = `recipe ${this.model.get("recipe")}`));
    this.listenTo(this.model, "change:recipe_json change:code change:status change:render_ms", () => this.drawText());
    this.drawImages();
    this.drawText();
    requestAnimationFrame(() => this.drawPlot());
  }

  private toSlider(s: SliderSpec, v: number): number {
    const lo = s.lo ?? 0;
    const hi = s.hi ?? 1;
    const t = s.log ? (Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo || 1);
    return Math.round(Math.min(1, Math.max(0, t)) * STEPS);
  }

  private fromSlider(s: SliderSpec, k: number): number {
    const lo = s.lo ?? 0;
    const hi = s.hi ?? 1;
    const t = k / STEPS;
    let v = s.log ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo);
    if (s.kind === "integer") return Math.round(v);
    // Rounded to a tenth of the local step: a nudge by one step never loses itself in rounding
    // (an offset of 64078 stays 64078.2, not 64080).
    const stepSize = s.log ? v * (Math.exp((Math.log(hi) - Math.log(lo)) / STEPS) - 1) : (hi - lo) / STEPS;
    const decimals = stepSize > 0 ? Math.min(12, Math.max(0, Math.ceil(-Math.log10(stepSize)) + 1)) : 4;
    return Number(v.toFixed(decimals));
  }

  private slider(s: SliderSpec): HTMLElement {
    const params = this.model.get("params") ?? {};
    const value = h("span", { className: "pssr-value" });
    let input: HTMLInputElement | HTMLSelectElement;
    if (s.kind === "choice" || s.kind === "boolean") {
      const choices = s.kind === "boolean" ? ["false", "true"] : (s.choices ?? []);
      input = h("select", {}, ...choices.map((c) => h("option", { value: c, textContent: c })));
      input.value = String(params[s.name]);
      input.addEventListener("change", () => this.setParam(s, s.kind === "boolean" ? input.value === "true" : input.value));
    } else {
      input = h("input", { type: "range", min: 0, max: STEPS, step: 1, value: this.toSlider(s, Number(params[s.name])) });
      input.addEventListener("input", () => {
        const v = this.fromSlider(s, Number(input.value));
        value.textContent = show(s, v);
        this.setParam(s, v);
      });
      value.textContent = show(s, Number(params[s.name]));
    }
    input.dataset.param = s.name;
    input.title = s.doc;
    this.inputs.set(s.name, { input, value, spec: s });
    return h("div", { className: "pssr-slider-row" }, h("span", { textContent: s.unit ? `${s.name} (${s.unit})` : s.name, title: s.doc }), input, value);
  }

  private setParam(s: SliderSpec, v: number | string | boolean): void {
    this.el.dataset.pending = "1";
    this.el.dataset.lastParam = JSON.stringify({ name: s.name, value: v });
    this.push({ params: { ...(this.model.get("params") ?? {}), [s.name]: v } });
  }

  private syncInputs(): void {
    const params = this.model.get("params") ?? {};
    for (const [name, { input, value, spec }] of this.inputs) {
      if (document.activeElement === input) continue;
      if (input instanceof HTMLSelectElement) input.value = String(params[name]);
      else {
        input.value = String(this.toSlider(spec, Number(params[name])));
        value.textContent = show(spec, Number(params[name]));
      }
    }
  }

  private drawImages(): void {
    const t0 = performance.now();
    const realMsg = this.model.get("real");
    const real = toPlane(realMsg);
    const prev = toPlane(this.model.get("preview"));
    if (!real || !prev) return;
    // Each image with its own auto contrast: a recipe may work in other units than the real
    // acquisition (the noise curves compare the numbers). The real one is drawn once.
    const pairs: [HTMLCanvasElement, typeof prev][] = [[this.previewCanvas, prev]];
    if (this.realDrawn !== realMsg) pairs.push([this.realCanvas, real]);
    this.realDrawn = realMsg;
    for (const [canvas, p] of pairs) {
      const [lo, hi] = percentiles(p.data, [0.5, 99.8]);
      const src = planeToCanvas(p, lo, hi, "gray", this.scratch);
      const ctx = canvas.getContext("2d")!;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
    }
    delete this.el.dataset.pending;
    this.el.dataset.drawMs = (performance.now() - t0).toFixed(2);
    this.markDrawn("preview");
  }

  private schedulePlot(): void {
    if (this.plotPending) return;
    this.plotPending = true;
    // The noise-curve plot waits for the next frame so the image is on screen first.
    requestAnimationFrame(() => {
      this.plotPending = false;
      this.drawPlot();
    });
  }

  private drawPlot(): void {
    const real = (this.model.get("real_curve") ?? []) as [number, number][];
    const syn = (this.model.get("synthetic_curve") ?? []) as [number, number][];
    const trace = (pts: [number, number][], name: string, color: string) => ({ x: pts.map((p) => p[0]), y: pts.map((p) => p[1]), name, type: "scatter", mode: "lines+markers", line: { color } });
    // The real curve in the theme's text colour (black on white, light on a dark theme).
    const layout = mergeLayout(plotTheme(this.el), {
      xaxis: { title: { text: "local mean" }, tickformat: "~s" },
      yaxis: { title: { text: "noise variance" }, tickformat: "~s" },
      margin: { l: 55, r: 10, t: 30, b: 40 },
      // Right of the plot area, under the mode bar's strip: never over the curves or the mode bar.
      legend: { x: 1.02, xanchor: "left", y: 1, yanchor: "top" },
    });
    Plotly.react(this.plot, [trace(real, "real low-res", themeColors(this.el).text), trace(syn, "synthetic", "#d62728")], layout, PLOT_CONFIG);
  }

  protected themeChanged(): void {
    this.drawPlot();
  }

  private drawText(): void {
    this.json.textContent = `${this.model.get("recipe_json")}\n\n${this.model.get("code")}`;
    const ms = this.model.get("render_ms");
    this.status.textContent = `${this.model.get("status") ?? ""}${ms ? `  (kernel render ${ms.toFixed(1)} ms)` : ""}`;
  }
}

function show(s: SliderSpec, v: number): string {
  return s.kind === "integer" ? String(Math.round(v)) : formatNumber(v);
}
