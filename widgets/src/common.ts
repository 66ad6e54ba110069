// Shared drawing helpers for the views: float images from binary buffers, contrast and LUTs,
// colour bars, scale bars. Everything runs client side on typed arrays; nothing is base64.

/** A float image as the kernel sends it: `data` arrives as a DataView over float32 samples. */
export interface PlaneMsg {
  data: DataView | ArrayBuffer | Float32Array | null;
  height: number;
  width: number;
}

export interface FloatPlane {
  data: Float32Array;
  height: number;
  width: number;
}

/** The float32 samples of a buffer (copied only when the view is not 4-byte aligned). */
export function toFloat32(v: DataView | ArrayBuffer | Float32Array | null | undefined): Float32Array {
  if (!v) return new Float32Array(0);
  if (v instanceof Float32Array) return v;
  if (v instanceof ArrayBuffer) return new Float32Array(v);
  if (v.byteOffset % 4 === 0) return new Float32Array(v.buffer, v.byteOffset, v.byteLength >> 2);
  return new Float32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

export function toPlane(m: PlaneMsg | null | undefined): FloatPlane | null {
  if (!m || !m.data) return null;
  const data = toFloat32(m.data);
  if (data.length !== m.height * m.width) return null;
  return { data, height: m.height, width: m.width };
}

/** numpy-style linear-interpolated percentile over finite samples (a regular subsample of at most 65536: display use only). */
export function percentiles(data: Float32Array, ps: number[]): number[] {
  const stride = Math.max(1, Math.floor(data.length / 65536));
  const s = new Float32Array(Math.ceil(data.length / stride));
  let n = 0;
  for (let i = 0; i < data.length; i += stride) if (Number.isFinite(data[i])) s[n++] = data[i];
  const v = s.subarray(0, n).sort();
  return ps.map((p) => {
    if (n === 0) return 0;
    const x = ((n - 1) * p) / 100;
    const i = Math.floor(x);
    return i + 1 < n ? v[i] + (x - i) * (v[i + 1] - v[i]) : v[n - 1];
  });
}

export function minMax(data: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

// LUTs as control points [t, r, g, b], linearly interpolated to 256 entries.
const LUT_POINTS: Record<string, number[][]> = {
  gray: [[0, 0, 0, 0], [1, 255, 255, 255]],
  magma: [[0, 0, 0, 4], [0.25, 81, 18, 124], [0.5, 183, 55, 121], [0.75, 252, 137, 97], [1, 252, 253, 191]],
  viridis: [[0, 68, 1, 84], [0.25, 59, 82, 139], [0.5, 33, 145, 140], [0.75, 94, 201, 98], [1, 253, 231, 37]],
  fire: [[0, 0, 0, 0], [0.33, 180, 0, 40], [0.66, 255, 140, 0], [1, 255, 255, 200]],
  green: [[0, 0, 0, 0], [1, 0, 255, 0]],
  magenta: [[0, 0, 0, 0], [1, 255, 0, 255]],
};
export const LUT_NAMES = Object.keys(LUT_POINTS);
const lutCache = new Map<string, Uint8Array>();

/** 256 x RGB table of a named LUT (unknown names give gray). */
export function lut(name: string): Uint8Array {
  const key = LUT_POINTS[name] ? name : "gray";
  let t = lutCache.get(key);
  if (t) return t;
  const pts = LUT_POINTS[key];
  t = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    let k = 0;
    while (k < pts.length - 2 && x > pts[k + 1][0]) k++;
    const [t0, ...a] = pts[k];
    const [t1, ...b] = pts[k + 1];
    const f = t1 > t0 ? Math.min(1, Math.max(0, (x - t0) / (t1 - t0))) : 0;
    for (let c = 0; c < 3; c++) t[i * 3 + c] = Math.round(a[c] + f * (b[c] - a[c]));
  }
  lutCache.set(key, t);
  return t;
}

/** Maps a float plane through [lo, hi] and a LUT into a canvas of the plane's own size. */
export function planeToCanvas(p: FloatPlane, lo: number, hi: number, lutName: string, canvas?: HTMLCanvasElement): HTMLCanvasElement {
  const c = canvas ?? document.createElement("canvas");
  if (c.width !== p.width) c.width = p.width;
  if (c.height !== p.height) c.height = p.height;
  const ctx = c.getContext("2d")!;
  const img = ctx.createImageData(p.width, p.height);
  const out = img.data;
  const table = lut(lutName);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const d = p.data;
  for (let i = 0, j = 0; i < d.length; i++, j += 4) {
    let v = (d[i] - lo) * scale;
    v = v < 0 ? 0 : v > 255 ? 255 : v;
    const k = (v | 0) * 3;
    out[j] = table[k];
    out[j + 1] = table[k + 1];
    out[j + 2] = table[k + 2];
    out[j + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

/** A vertical colour bar for [lo, hi]: its caption on top (never over a tick label), five ticks in one format. */
export function colorBar(lo: number, hi: number, lutName: string, heightPx: number, label = "", textColor = themeColors().text): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.width = 70;
  c.height = heightPx;
  c.className = "pssr-colorbar";
  const ctx = c.getContext("2d")!;
  const table = lut(lutName);
  // The caption needs a line of its own above the bar; the ticks sit beside it.
  const barTop = label ? 20 : 8;
  const barH = heightPx - barTop - 8;
  for (let y = 0; y < barH; y++) {
    const k = Math.round((255 * (barH - 1 - y)) / Math.max(1, barH - 1)) * 3;
    ctx.fillStyle = `rgb(${table[k]},${table[k + 1]},${table[k + 2]})`;
    ctx.fillRect(0, barTop + y, 14, 1);
  }
  ctx.fillStyle = textColor;
  ctx.font = "10px sans-serif";
  const values = [4, 3, 2, 1, 0].map((i) => lo + ((hi - lo) * i) / 4);
  const labels = formatTicks(values);
  // Where each text went ([x0, y0, x1, y1] from the font's own metrics): tests check no two overlap.
  const boxes: number[][] = [];
  const text = (s: string, x: number, y: number) => {
    ctx.fillText(s, x, y);
    const m = ctx.measureText(s);
    boxes.push([x, y - m.actualBoundingBoxAscent, x + m.width, y + m.actualBoundingBoxDescent]);
  };
  values.forEach((_, i) => {
    const y = barTop + (barH * i) / 4;
    ctx.fillRect(14, y, 4, 1);
    text(labels[i], 20, y + 3);
  });
  if (label) text(label, 0, 10);
  c.dataset.ticks = JSON.stringify(labels);
  c.dataset.textBoxes = JSON.stringify(boxes);
  return c;
}

/** Labels for evenly spaced tick values, all in one format (same decimals, or all exponential). */
export function formatTicks(values: number[]): string[] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return values.map(String);
  const maxAbs = Math.max(...finite.map(Math.abs));
  const step = finite.length > 1 ? Math.abs(finite[1] - finite[0]) : maxAbs;
  if (maxAbs !== 0 && (maxAbs >= 1e5 || maxAbs < 1e-3)) return values.map((v) => v.toExponential(2));
  // Enough decimals to tell neighbouring ticks apart, at most 4.
  const decimals = step > 0 ? Math.min(4, Math.max(0, Math.ceil(-Math.log10(step)) + 1)) : 2;
  return values.map((v) => v.toFixed(decimals));
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
}

/** A length for a scale bar about `targetNm` long: 1, 2 or 5 times a power of ten (nm). */
export function niceLengthNm(targetNm: number): number {
  const p = 10 ** Math.floor(Math.log10(targetNm));
  for (const m of [5, 2, 1]) if (m * p <= targetNm) return m * p;
  return p;
}

export function formatLengthNm(nm: number): string {
  return nm >= 1000 ? `${formatNumber(nm / 1000)} µm` : `${formatNumber(nm)} nm`;
}

/**
 * Draws a scale bar in the lower-left corner; `nmPerCanvasPx` is the current zoom. `canvasPxPerCssPx`
 * (> 1 when the canvas is shown smaller than its pixels) keeps the label at 10 CSS px.
 */
export function drawScaleBar(ctx: CanvasRenderingContext2D, nmPerCanvasPx: number, canvasWidth: number, canvasHeight: number, canvasPxPerCssPx = 1): void {
  if (!(nmPerCanvasPx > 0)) return;
  const k = Math.max(1, canvasPxPerCssPx);
  const lengthNm = niceLengthNm(nmPerCanvasPx * canvasWidth * 0.2);
  const px = lengthNm / nmPerCanvasPx;
  ctx.save();
  ctx.fillStyle = "rgba(0,0,0,0.45)";
  ctx.fillRect(6 * k, canvasHeight - 26 * k, px + 12 * k, 20 * k);
  ctx.fillStyle = "#fff";
  ctx.fillRect(12 * k, canvasHeight - 12 * k, px, 4 * k);
  ctx.font = `${Math.round(10 * k)}px sans-serif`;
  ctx.fillText(formatLengthNm(lengthNm), 12 * k, canvasHeight - 15 * k);
  ctx.restore();
}

/** Small DOM builder. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, any> = {}, ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k in el && k !== "list") (el as any)[k] = v;
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null) el.append(c);
  return el;
}

/** Runs `fn` at most once per animation frame, with the latest arguments. */
export function rafThrottle<A extends unknown[]>(fn: (...a: A) => void): (...a: A) => void {
  let pending: A | null = null;
  return (...a: A) => {
    const first = pending === null;
    pending = a;
    if (first) {
      requestAnimationFrame(() => {
        const args = pending!;
        pending = null;
        fn(...args);
      });
    }
  };
}

// Colours come from JupyterLab's theme variables (so a dark theme gives light text on dark
// boxes); the second value of each var() is the light fallback used by offline reports.
export const STYLE = `
.pssr-widget { font: var(--jp-ui-font-size1, 12px)/1.4 var(--jp-ui-font-family, system-ui, sans-serif); color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color0, #fff); }
.pssr-row { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
.pssr-panel { display: flex; flex-direction: column; gap: 2px; min-width: 0; }
.pssr-panel-title { font-weight: 600; color: var(--jp-ui-font-color1, #222); }
.pssr-canvas { border: 1px solid var(--jp-border-color1, #bbb); image-rendering: pixelated; cursor: crosshair; display: block; background: #111; }
.pssr-controls { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.pssr-controls label { display: inline-flex; gap: 4px; align-items: center; }
.pssr-widget select, .pssr-widget button {
  font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
  border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; padding: 1px 6px; min-height: 22px;
}
.pssr-widget button { cursor: pointer; }
.pssr-widget button:hover:not(:disabled) { background: var(--jp-layout-color2, #eee); }
.pssr-widget button:disabled { color: var(--jp-ui-font-color3, #999); cursor: default; }
.pssr-widget select:focus, .pssr-widget button:focus-visible { outline: 1px solid var(--jp-brand-color1, #1976d2); outline-offset: -1px; }
.pssr-widget input[type="range"] { accent-color: var(--jp-brand-color1, #1976d2); }
.pssr-widget summary { cursor: pointer; }
.pssr-value { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 11px; min-width: 4em; }
.pssr-readout { font-family: var(--jp-code-font-family, ui-monospace, monospace); font-size: 11px; min-height: 1.4em; display: flex; flex-wrap: wrap; gap: 0 16px; max-width: 100%; }
.pssr-readout > span { white-space: nowrap; }
.pssr-stats { font-family: var(--jp-code-font-family, ui-monospace, monospace); }
.pssr-code { background: var(--jp-layout-color2, #f6f6f6); color: var(--jp-ui-font-color1, #222); border: 1px solid var(--jp-border-color2, #ddd); padding: 4px; font-size: 11px; max-width: 640px; white-space: pre-wrap; }
.pssr-plot { width: 480px; height: 300px; }
.pssr-placeholder { display: flex; align-items: center; justify-content: center; text-align: center; color: var(--jp-ui-font-color2, #555); border: 1px dashed var(--jp-border-color1, #bbb); padding: 8px; box-sizing: border-box; }
.pssr-slider-row { display: grid; grid-template-columns: 150px 200px 80px; gap: 6px; align-items: center; }
.pssr-busy { color: var(--jp-warn-color1, #a60); }
`;

/** The colours of the theme the element sits in (JupyterLab's variables; light ones without them). */
export interface ThemeColors {
  text: string;
  textMuted: string;
  background: string;
  border: string;
  grid: string;
}

export function themeColors(el: Element = document.body): ThemeColors {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return {
    text: v("--jp-ui-font-color1", "#222"),
    textMuted: v("--jp-ui-font-color2", "#555"),
    background: v("--jp-layout-color0", "#fff"),
    border: v("--jp-border-color1", "#bbb"),
    grid: v("--jp-border-color2", "#e0e0e0"),
  };
}

/**
 * Layout keys that make a plotly figure follow the theme, read when it is drawn: background,
 * text, grid and axis colours, the legend box and the mode bar.
 */
export function plotTheme(el: Element): Record<string, unknown> {
  const t = themeColors(el);
  const axis = { color: t.text, gridcolor: t.grid, linecolor: t.border, zerolinecolor: t.border, automargin: true };
  return {
    paper_bgcolor: t.background,
    plot_bgcolor: t.background,
    font: { color: t.text, size: 11 },
    xaxis: axis,
    yaxis: axis,
    xaxis2: axis,
    yaxis2: axis,
    legend: { bgcolor: "rgba(0,0,0,0)", font: { color: t.text } },
    modebar: { bgcolor: "rgba(0,0,0,0)", color: t.textMuted, activecolor: t.text },
  };
}

/** Merges plain objects key by key (the layout of a plot onto the theme's). */
export function mergeLayout(base: Record<string, any>, over: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = v && typeof v === "object" && !Array.isArray(v) && base[k] && typeof base[k] === "object" ? mergeLayout(base[k], v) : v;
  }
  return out;
}

/**
 * Plotly's config for our plots: the mode bar only while the pointer is over the plot, no logo,
 * and only its save / zoom / pan / reset buttons (a short bar that stays clear of legends in the
 * top strip; drag-zoom and double-click reset work without it).
 */
export const PLOT_CONFIG = { displaylogo: false, displayModeBar: "hover", responsive: false, modeBarButtonsToRemove: ["zoomIn2d", "zoomOut2d", "autoScale2d", "select2d", "lasso2d"] };

let styleInjected = false;
export function injectStyle(): void {
  if (styleInjected || typeof document === "undefined") return;
  styleInjected = true;
  const s = document.createElement("style");
  s.textContent = STYLE;
  document.head.appendChild(s);
}
