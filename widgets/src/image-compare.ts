// ImageCompare: 2-4 float images side by side (or as a swipe), one shared viewport (zoom with
// the wheel, pan by dragging, double-click resets), per-panel contrast (auto percentile,
// min/max, manual sliders) and LUT, a pixel readout in physical units and a scale bar.
// The kernel sends each image at a pyramid level that fits the view; when a zoom needs finer
// pixels the view stores `view` (fractions of the field) and the kernel answers with a
// custom "detail" message carrying the finer crop as binary buffers.
import { modelClass, PssrView } from "./base.js";
import type { Received } from "./base.js";
import { drawScaleBar, formatLengthNm, formatNumber, h, LUT_NAMES, minMax, percentiles, planeToCanvas, rafThrottle, toFloat32, type FloatPlane } from "./common.js";
import type { DetailMessage, ImageCompareState, PanelContrast as Contrast, PanelState as KernelPanel, ViewRect as Rect } from "../../src/widgets/protocol.js";

type PanelState = Received<KernelPanel>;

interface Detail {
  rect: Rect;
  plane: FloatPlane;
  factor: number;
  canvas: HTMLCanvasElement | null;
}

export const ImageCompareModel = modelClass("ImageCompare");

export class ImageCompareView extends PssrView<"ImageCompare"> {
  private planes: FloatPlane[] = [];
  private overview: HTMLCanvasElement[] = [];
  private details: (Detail | null)[] = [];
  private canvases: HTMLCanvasElement[] = [];
  private viewRect: Rect = { x0: 0, y0: 0, x1: 1, y1: 1 };
  private readout!: HTMLDivElement;
  private body!: HTMLDivElement;
  private controls!: HTMLDivElement;
  private sendTimer: any = null;
  private scheduleDraw = rafThrottle(() => this.draw());
  private resizeObserver: ResizeObserver | null = null;

  render(): void {
    this.body = h("div", { className: "pssr-row" });
    this.controls = h("div", { className: "pssr-controls" });
    this.readout = h("div", { className: "pssr-readout" });
    this.el.append(this.controls, this.body, this.readout);
    // Canvases are sized to the cell: refit when its width changes (JupyterLab's panels resize).
    if (typeof ResizeObserver !== "undefined") {
      // Only a change of width matters (the height follows from the fit); refitting in the next
      // frame keeps the observer from seeing its own change in the same frame.
      let lastWidth = -1;
      this.resizeObserver = new ResizeObserver((entries) => {
        const w = Math.round(entries[entries.length - 1].contentRect.width);
        if (w === lastWidth) return;
        lastWidth = w;
        requestAnimationFrame(() => this.fit());
      });
      this.resizeObserver.observe(this.el);
    }
    this.viewRect = { ...this.model.get("view") };
    this.loadPanels();
    this.listenTo(this.model, "change:panels", () => {
      this.loadPanels();
    });
    this.listenTo(this.model, "change:mode", () => this.build());
    this.listenTo(this.model, "change:view", () => {
      this.viewRect = { ...this.model.get("view") };
      this.scheduleDraw();
    });
    this.listenTo(this.model, "change:contrast", () => this.renderOverviews());
    this.listenTo(this.model, "msg:custom", (content: DetailMessage | null, buffers: DataView[]) => this.onCustom(content, buffers));
  }

  private panels(): PanelState[] {
    return this.model.get("panels") ?? [];
  }

  private loadPanels(): void {
    const panels = this.panels();
    this.planes = panels.map((p) => ({ data: toFloat32(p.data), height: p.height, width: p.width }));
    this.details = panels.map(() => null);
    const contrast: Contrast[] = [...(this.model.get("contrast") ?? [])];
    let changed = false;
    panels.forEach((_, i) => {
      if (!contrast[i]) {
        contrast[i] = { mode: "percentile", lo: 0, hi: 1, p_lo: 0.5, p_hi: 99.8, lut: "gray" };
        changed = true;
      }
    });
    if (changed) this.model.set("contrast", contrast);
    this.build();
  }

  private contrastOf(i: number): Contrast {
    return (this.model.get("contrast") ?? [])[i];
  }

  /** The [lo, hi] display range of panel i under its contrast mode. */
  private range(i: number): [number, number] {
    const c = this.contrastOf(i);
    const d = this.planes[i].data;
    if (c.mode === "minmax") return minMax(d);
    if (c.mode === "manual") return [c.lo, c.hi];
    const [lo, hi] = percentiles(d, [c.p_lo, c.p_hi]);
    return [lo, hi];
  }

  private setContrast(i: number, patch: Partial<Contrast>): void {
    const all: Contrast[] = (this.model.get("contrast") ?? []).map((c: Contrast) => ({ ...c }));
    all[i] = { ...all[i], ...patch };
    this.push({ contrast: all });
  }

  private build(): void {
    this.body.replaceChildren();
    this.controls.replaceChildren();
    this.canvases = [];
    const panels = this.panels();
    if (panels.length === 0) return;
    const size = this.model.get("view_size_px");
    const aspect = panels[0].full_height / panels[0].full_width;
    const cw = size;
    const ch = Math.max(16, Math.round(size * aspect));
    const swipe = this.model.get("mode") === "swipe" && panels.length >= 2;
    const modeSel = h(
      "select",
      { className: "pssr-mode", onchange: (e: Event) => this.push({ mode: (e.target as HTMLSelectElement).value as ImageCompareState["mode"] }) },
      h("option", { value: "side", textContent: "side by side" }),
      h("option", { value: "swipe", textContent: "swipe" }),
    );
    modeSel.value = swipe ? "swipe" : "side";
    this.controls.append(h("label", {}, "layout", modeSel), h("button", { textContent: "reset view", onclick: () => this.setView({ x0: 0, y0: 0, x1: 1, y1: 1 }) }));
    const nCanvases = swipe ? 1 : panels.length;
    for (let k = 0; k < nCanvases; k++) {
      const canvas = h("canvas", { className: "pssr-canvas", width: cw, height: ch });
      canvas.dataset.panel = String(k);
      this.attachPointer(canvas);
      this.canvases.push(canvas);
      const title = swipe ? `${panels[0].name} | ${panels[1].name}` : panels[k].name;
      const col = h("div", { className: "pssr-panel" }, h("div", { className: "pssr-panel-title", textContent: title }), canvas);
      col.style.width = `${cw}px`;
      this.body.append(col);
    }
    // Four panels as 2x2, fewer in one row.
    this.body.style.display = "grid";
    this.body.style.gridTemplateColumns = `repeat(${nCanvases === 4 ? 2 : nCanvases}, auto)`;
    this.body.style.justifyContent = "start";
    if (swipe) {
      const s = h("input", { type: "range", min: 0, max: 1, step: 0.001, value: this.model.get("swipe"), className: "pssr-swipe" });
      s.addEventListener("input", () => {
        this.model.set("swipe", Number(s.value));
        this.scheduleDraw();
      });
      s.addEventListener("change", () => this.model.save_changes());
      this.body.append(h("label", {}, "swipe", s));
    }
    // Per-panel contrast controls.
    panels.forEach((p, i) => {
      const c = this.contrastOf(i);
      const [dlo, dhi] = minMax(this.planes[i].data);
      const mode = h(
        "select",
        { className: `pssr-contrast-mode`, onchange: (e: Event) => this.setContrast(i, { mode: (e.target as HTMLSelectElement).value as Contrast["mode"] }) },
        ...["percentile", "minmax", "manual"].map((m) => h("option", { value: m, textContent: m })),
      );
      mode.value = c.mode;
      const lutSel = h("select", { className: "pssr-lut", onchange: (e: Event) => this.setContrast(i, { lut: (e.target as HTMLSelectElement).value }) }, ...LUT_NAMES.map((m) => h("option", { value: m, textContent: m })));
      lutSel.value = c.lut;
      const step = (dhi - dlo) / 200 || 1;
      const [rlo, rhi] = this.range(i);
      const lo = h("input", { type: "range", min: dlo, max: dhi, step, value: rlo, className: "pssr-lo" });
      const hi = h("input", { type: "range", min: dlo, max: dhi, step, value: rhi, className: "pssr-hi" });
      const manual = () => this.setContrast(i, { mode: "manual", lo: Number(lo.value), hi: Number(hi.value) });
      lo.addEventListener("input", manual);
      hi.addEventListener("input", manual);
      const box = h("div", { className: "pssr-controls pssr-panel-controls", "data-panel": i }, mode, lutSel, h("label", {}, "min", lo), h("label", {}, "max", hi));
      lo.style.width = hi.style.width = "70px";
      // Side by side: each panel's controls under its canvas; swipe: all of them on top.
      const col = swipe ? null : this.body.children[i];
      if (col) col.append(box);
      else this.controls.append(h("b", { textContent: p.name }), box);
    });
    this.fit();
    this.renderOverviews();
  }

  /**
   * Display size of the canvases: at most view_size_px, the columns within the widget's width,
   * and the rows within 85% of the window's height (a 2x2 view fits the screen). The pixels of
   * the canvas stay at view_size_px; pointer positions go through getBoundingClientRect.
   */
  private fit(): void {
    const n = this.canvases.length;
    if (n === 0) return;
    const panels = this.panels();
    const size = this.model.get("view_size_px");
    const aspect = panels[0].full_height / panels[0].full_width;
    const cols = n === 4 ? 2 : n;
    const rows = Math.ceil(n / cols);
    const gap = 8;
    const avail = this.el.clientWidth || size * cols + gap * (cols - 1);
    let w = Math.min(size, Math.floor((avail - gap * (cols - 1)) / cols) - 2);
    // Room each row needs besides the image: title and per-panel contrast controls.
    const perRowExtraPx = 90;
    const winH = typeof window !== "undefined" && window.innerHeight ? window.innerHeight : 1000;
    const maxH = (winH * 0.85 - this.controls.offsetHeight - 40) / rows - perRowExtraPx;
    w = Math.max(96, Math.min(w, Math.floor(maxH / aspect)));
    const hgt = Math.round(w * aspect);
    this.canvases.forEach((c) => {
      c.style.width = `${w}px`;
      c.style.height = `${hgt}px`;
      const col = c.parentElement as HTMLElement;
      if (col) col.style.width = `${w + 2}px`;
    });
  }

  remove(): any {
    this.resizeObserver?.disconnect();
    return super.remove();
  }

  private renderOverviews(): void {
    this.overview = this.planes.map((p, i) => {
      const [lo, hi] = this.range(i);
      return planeToCanvas(p, lo, hi, this.contrastOf(i)?.lut ?? "gray");
    });
    this.details.forEach((d, i) => {
      if (d) {
        const [lo, hi] = this.range(i);
        d.canvas = planeToCanvas(d.plane, lo, hi, this.contrastOf(i)?.lut ?? "gray");
      }
    });
    this.draw();
  }

  private drawPanel(ctx: CanvasRenderingContext2D, i: number, W: number, H: number): void {
    const v = this.viewRect;
    const ov = this.overview[i];
    if (!ov) return;
    ctx.imageSmoothingEnabled = false;
    const sw = (v.x1 - v.x0) * ov.width;
    const sh = (v.y1 - v.y0) * ov.height;
    ctx.drawImage(ov, v.x0 * ov.width, v.y0 * ov.height, sw, sh, 0, 0, W, H);
    const d = this.details[i];
    if (d?.canvas) {
      // Where the detail crop's field lands on the canvas.
      const fx = (x: number) => ((x - v.x0) / (v.x1 - v.x0)) * W;
      const fy = (y: number) => ((y - v.y0) / (v.y1 - v.y0)) * H;
      ctx.drawImage(d.canvas, fx(d.rect.x0), fy(d.rect.y0), fx(d.rect.x1) - fx(d.rect.x0), fy(d.rect.y1) - fy(d.rect.y0));
    }
  }

  private draw(): void {
    const panels = this.panels();
    if (this.canvases.length === 0 || this.overview.length === 0) return;
    const swipe = this.model.get("mode") === "swipe" && panels.length >= 2;
    this.canvases.forEach((canvas, k) => {
      const ctx = canvas.getContext("2d")!;
      const W = canvas.width;
      const H = canvas.height;
      ctx.clearRect(0, 0, W, H);
      if (swipe) {
        this.drawPanel(ctx, 1, W, H);
        const x = this.model.get("swipe") * W;
        ctx.save();
        ctx.beginPath();
        ctx.rect(0, 0, x, H);
        ctx.clip();
        this.drawPanel(ctx, 0, W, H);
        ctx.restore();
        ctx.fillStyle = "#ff0";
        ctx.fillRect(x - 1, 0, 2, H);
      } else {
        this.drawPanel(ctx, k, W, H);
      }
      const p = panels[swipe ? 0 : k];
      if (p.pixel_size_nm) {
        const nmPerCanvasPx = ((this.viewRect.x1 - this.viewRect.x0) * p.full_width * p.pixel_size_nm) / W;
        drawScaleBar(ctx, nmPerCanvasPx, W, H, W / (canvas.clientWidth || W));
      }
    });
    this.markDrawn("image");
  }

  private setView(r: Rect, sendNow = false): void {
    this.viewRect = r;
    this.scheduleDraw();
    clearTimeout(this.sendTimer);
    const send = () => this.push({ view: { ...this.viewRect } });
    if (sendNow) send();
    else this.sendTimer = setTimeout(send, 120);
  }

  private attachPointer(canvas: HTMLCanvasElement): void {
    const frac = (e: MouseEvent) => {
      const b = canvas.getBoundingClientRect();
      const u = (e.clientX - b.left) / b.width;
      const w = (e.clientY - b.top) / b.height;
      const v = this.viewRect;
      return { u, w, x: v.x0 + u * (v.x1 - v.x0), y: v.y0 + w * (v.y1 - v.y0) };
    };
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const f = frac(e);
      const v = this.viewRect;
      const k = e.deltaY < 0 ? 1 / 1.25 : 1.25;
      const p = this.panels()[0];
      const minSpan = Math.min(1, 8 / Math.max(p.full_width, p.full_height) * Math.max(1, p.full_width / p.full_height));
      const span = Math.min(1, Math.max(minSpan, (v.x1 - v.x0) * k));
      const spanY = Math.min(1, Math.max(minSpan * ((v.y1 - v.y0) / (v.x1 - v.x0)), (v.y1 - v.y0) * (span / (v.x1 - v.x0))));
      this.setView(clampRect({ x0: f.x - f.u * span, y0: f.y - f.w * spanY, x1: f.x - f.u * span + span, y1: f.y - f.w * spanY + spanY }));
    });
    let drag: { x: number; y: number; v: Rect } | null = null;
    canvas.addEventListener("mousedown", (e) => {
      drag = { x: e.clientX, y: e.clientY, v: { ...this.viewRect } };
    });
    window.addEventListener("mouseup", () => {
      drag = null;
    });
    canvas.addEventListener("dblclick", () => this.setView({ x0: 0, y0: 0, x1: 1, y1: 1 }, true));
    canvas.addEventListener("mousemove", (e) => {
      const f = frac(e);
      if (drag) {
        const b = canvas.getBoundingClientRect();
        const dx = ((e.clientX - drag.x) / b.width) * (drag.v.x1 - drag.v.x0);
        const dy = ((e.clientY - drag.y) / b.height) * (drag.v.y1 - drag.v.y0);
        this.setView(clampRect({ x0: drag.v.x0 - dx, y0: drag.v.y0 - dy, x1: drag.v.x1 - dx, y1: drag.v.y1 - dy }));
      }
      // One entry per panel; the entries wrap as whole lines rather than run off the right edge.
      this.readout.replaceChildren(
        ...this.panels().map((p, i) => {
          const col = Math.min(p.full_width - 1, Math.max(0, Math.floor(f.x * p.full_width)));
          const row = Math.min(p.full_height - 1, Math.max(0, Math.floor(f.y * p.full_height)));
          const where = p.pixel_size_nm ? `x ${formatLengthNm((col + 0.5) * p.pixel_size_nm)}, y ${formatLengthNm((row + 0.5) * p.pixel_size_nm)}` : `x ${col} px, y ${row} px`;
          return h("span", { textContent: `${p.name}: ${where} = ${formatNumber(this.valueAt(i, f.x, f.y))}` });
        }),
      );
    });
  }

  /** The finest value available at field fraction (x, y): the detail crop when it covers it. */
  private valueAt(i: number, x: number, y: number): number {
    const d = this.details[i];
    if (d && x >= d.rect.x0 && x < d.rect.x1 && y >= d.rect.y0 && y < d.rect.y1) {
      const c = Math.floor(((x - d.rect.x0) / (d.rect.x1 - d.rect.x0)) * d.plane.width);
      const r = Math.floor(((y - d.rect.y0) / (d.rect.y1 - d.rect.y0)) * d.plane.height);
      return d.plane.data[r * d.plane.width + c];
    }
    const p = this.planes[i];
    const c = Math.min(p.width - 1, Math.floor(x * p.width));
    const r = Math.min(p.height - 1, Math.floor(y * p.height));
    return p.data[r * p.width + c];
  }

  private onCustom(content: DetailMessage | null, buffers: DataView[]): void {
    if (content?.type !== "detail") return;
    this.details = this.panels().map(() => null);
    content.panels.forEach((p, k) => {
      const plane = { data: toFloat32(buffers[k]), height: p.height, width: p.width };
      const [lo, hi] = this.range(p.index);
      this.details[p.index] = { rect: p.rect ?? content.rect, plane, factor: p.factor, canvas: planeToCanvas(plane, lo, hi, this.contrastOf(p.index)?.lut ?? "gray") };
    });
    this.el.dataset.detailFactor = String(content.panels[0]?.factor ?? "");
    this.draw();
  }
}

function clampRect(r: Rect): Rect {
  const w = Math.min(1, r.x1 - r.x0);
  const hgt = Math.min(1, r.y1 - r.y0);
  const x0 = Math.min(1 - w, Math.max(0, r.x0));
  const y0 = Math.min(1 - hgt, Math.max(0, r.y0));
  return { x0, y0, x1: x0 + w, y1: y0 + hgt };
}
