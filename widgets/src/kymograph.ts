// Kymograph: click vertices of a polyline on a time-lapse frame, double-click (or "done") to
// finish; the kernel computes the kymograph along it for every series (LR, restored, HR...)
// and sends them back side by side. Band width and mean/max are controls kept in the model.
import { modelClass, PssrView } from "./base.js";
import type { KymographState } from "../../src/widgets/protocol.js";
import { h, percentiles, planeToCanvas, toPlane, type FloatPlane, type PlaneMsg } from "./common.js";

export const KymographModel = modelClass("Kymograph");

export class KymographView extends PssrView<"Kymograph"> {
  private frame: FloatPlane | null = null;
  private frameCanvas: HTMLCanvasElement | null = null;
  private canvas!: HTMLCanvasElement;
  private draft: [number, number][] = [];
  private kymoRow!: HTMLDivElement;
  private status!: HTMLDivElement;

  render(): void {
    const size = this.model.get("view_size_px");
    this.canvas = h("canvas", { className: "pssr-canvas pssr-frame", width: size, height: size });
    this.kymoRow = h("div", { className: "pssr-row" });
    this.status = h("div", { className: "pssr-stats" });
    const width = h("input", { type: "range", min: 1, max: 25, step: 2, value: this.model.get("width_px"), className: "pssr-width" });
    // Each slider shows its value beside it, while dragging too.
    const widthValue = h("span", { className: "pssr-value pssr-width-value" });
    const showWidth = () => (widthValue.textContent = `${width.value} px`);
    width.addEventListener("input", showWidth);
    width.addEventListener("change", () => this.push({ width_px: Number(width.value) }));
    const reduce = h("select", { className: "pssr-reduce", onchange: (e: Event) => this.push({ reduce: (e.target as HTMLSelectElement).value as KymographState["reduce"] }) }, h("option", { value: "mean", textContent: "mean" }), h("option", { value: "max", textContent: "max" }));
    reduce.value = this.model.get("reduce");
    const frame = h("input", { type: "range", min: 0, max: Math.max(0, this.model.get("n_frames") - 1), step: 1, value: this.model.get("frame_index"), className: "pssr-frame-index" });
    const frameValue = h("span", { className: "pssr-value pssr-frame-value" });
    const showFrame = () => (frameValue.textContent = `${frame.value} / ${Math.max(0, this.model.get("n_frames") - 1)}`);
    frame.addEventListener("input", showFrame);
    frame.addEventListener("change", () => this.push({ frame_index: Number(frame.value) }));
    showWidth();
    showFrame();
    const controls = h(
      "div",
      { className: "pssr-controls" },
      h("label", {}, "frame", frame, frameValue),
      h("label", {}, "band width", width, widthValue),
      h("label", {}, "across the band", reduce),
      h("button", { textContent: "done", className: "pssr-done", onclick: () => this.finish() }),
      h("button", { textContent: "clear", onclick: () => ((this.draft = []), this.push({ polyline: [] })) }),
    );
    this.el.append(controls, h("div", { className: "pssr-row" }, h("div", { className: "pssr-panel" }, h("div", { className: "pssr-panel-title", textContent: "draw a line: click vertices, double-click to finish" }), this.canvas), this.kymoRow), this.status);
    this.canvas.addEventListener("click", (e) => {
      this.draft.push(this.toImage(e));
      this.drawFrame();
    });
    this.canvas.addEventListener("dblclick", (e) => {
      e.preventDefault();
      this.finish();
    });
    this.listenTo(this.model, "change:frame", () => this.loadFrame());
    this.listenTo(this.model, "change:polyline", () => this.drawFrame());
    this.listenTo(this.model, "change:kymographs change:status", () => this.drawKymographs());
    this.listenTo(this.model, "change:width_px", () => {
      width.value = String(this.model.get("width_px"));
      showWidth();
    });
    this.listenTo(this.model, "change:frame_index", () => {
      frame.value = String(this.model.get("frame_index"));
      showFrame();
    });
    this.listenTo(this.model, "change:reduce", () => (reduce.value = this.model.get("reduce")));
    this.loadFrame();
    this.drawKymographs();
  }

  private toImage(e: MouseEvent): [number, number] {
    const b = this.canvas.getBoundingClientRect();
    const f = this.frame;
    if (!f) return [0, 0];
    const x = ((e.clientX - b.left) / b.width) * f.width - 0.5;
    const y = ((e.clientY - b.top) / b.height) * f.height - 0.5;
    return [Math.round(Math.min(f.width - 1, Math.max(0, x)) * 10) / 10, Math.round(Math.min(f.height - 1, Math.max(0, y)) * 10) / 10];
  }

  private finish(): void {
    // A double click also adds two clicks' vertices at the same place: drop repeats.
    const pts = this.draft.filter((p, i, a) => i === 0 || Math.hypot(p[0] - a[i - 1][0], p[1] - a[i - 1][1]) > 0.5);
    this.draft = [];
    if (pts.length >= 2) this.push({ polyline: pts });
    this.drawFrame();
  }

  private loadFrame(): void {
    this.frame = toPlane(this.model.get("frame"));
    if (!this.frame) return;
    const [lo, hi] = percentiles(this.frame.data, [0.5, 99.8]);
    this.frameCanvas = planeToCanvas(this.frame, lo, hi, "gray");
    const size = this.model.get("view_size_px");
    this.canvas.width = size;
    this.canvas.height = Math.round((size * this.frame.height) / this.frame.width);
    this.drawFrame();
  }

  private drawFrame(): void {
    const ctx = this.canvas.getContext("2d")!;
    if (!this.frameCanvas || !this.frame) return;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.frameCanvas, 0, 0, this.canvas.width, this.canvas.height);
    const sx = this.canvas.width / this.frame.width;
    const sy = this.canvas.height / this.frame.height;
    const line = (pts: [number, number][], color: string) => {
      if (pts.length === 0) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = Math.max(1.5, this.model.get("width_px") * sx);
      ctx.globalAlpha = 0.7;
      ctx.beginPath();
      pts.forEach(([x, y], i) => (i ? ctx.lineTo((x + 0.5) * sx, (y + 0.5) * sy) : ctx.moveTo((x + 0.5) * sx, (y + 0.5) * sy)));
      ctx.stroke();
      ctx.globalAlpha = 1;
      ctx.fillStyle = color;
      for (const [x, y] of pts) ctx.fillRect((x + 0.5) * sx - 2, (y + 0.5) * sy - 2, 4, 4);
    };
    line(this.model.get("polyline") ?? [], "#0f0");
    line(this.draft, "#ff0");
    this.markDrawn("frame");
  }

  private drawKymographs(): void {
    const ks: (PlaneMsg & { name: string })[] = this.model.get("kymographs") ?? [];
    this.kymoRow.replaceChildren();
    for (const k of ks) {
      const p = toPlane(k);
      if (!p) continue;
      const [lo, hi] = percentiles(p.data, [0.5, 99.8]);
      const src = planeToCanvas(p, lo, hi, "gray");
      // Every series spans the same line and the same frames: show them at one size so
      // positions and times line up across panels whatever each series' pixel grid.
      const c = h("canvas", { className: "pssr-canvas pssr-kymo", width: 240, height: Math.round(p.height * Math.max(2, Math.min(6, 240 / p.height))) });
      const ctx = c.getContext("2d")!;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(src, 0, 0, c.width, c.height);
      this.kymoRow.append(h("div", { className: "pssr-panel" }, h("div", { className: "pssr-panel-title", textContent: `${k.name} (x: position, y: time)` }), c));
    }
    this.status.textContent = this.model.get("status") ?? "";
    if (ks.length) this.markDrawn("kymographs");
  }
}
