// ImageCompare: 2 to 4 images side by side or as a swipe, with one synchronised viewport,
// per-panel contrast and LUT, a pixel readout in physical units and a scale bar
// (view: widgets/src/image-compare.ts). Each image is sent at the pyramid level whose longer
// side fits `overviewPx`; when the front end zooms in (state `view`, fractions of the field),
// the kernel answers with a custom "detail" message: the visible crop of every panel at the
// level the view needs, as binary buffers. An 8192x8192 restoration thus costs one 1024x1024
// overview plus crops of about the view's size.
import type { Image, Plane } from "../image/image.js";
import { invalidArgument } from "../errors.js";
import { Widget } from "../kernel/widget.js";
import { DISPLAY_SYMBOL, type MimeBundle } from "../kernel/display.js";
import { asPlane, levelFactor, pixelSizeNmOf, pyramidCrop, widgetSpec, withStaticFallback } from "./common.js";
import { DEFAULT_STATES, type DetailMessage, type ImageCompareState, type PanelContrast, type PanelState, type ViewRect } from "./protocol.js";

export type { ImageCompareState, ViewRect } from "./protocol.js";

const DEFAULTS = DEFAULT_STATES.ImageCompare;

export interface CompareImage {
  name: string;
  image: Plane | Image;
  /** Full-resolution pixel size in nm (default: the Image's own, or derived from the largest panel's). */
  pixelSizeNm?: number | null;
}

export interface ImageCompareOptions {
  mode?: "side" | "swipe";
  /** Canvas width of a panel in CSS pixels. Default 384. */
  viewSizePx?: number;
  /** Longest side of the first level sent (a power-of-two block mean of the image). Default 1024. */
  overviewPx?: number;
  /** Pixel size in nm of the largest panel; the others' follow from their size. */
  pixelSizeNm?: number | null;
  /** Initial contrast of every panel. Default "percentile" (0.5-99.8). */
  contrast?: "percentile" | "minmax";
  lut?: string;
}

export class ImageCompare extends Widget<ImageCompareState> {
  private readonly full: Plane[];
  /** How many detail messages were sent, and what the last one held (for tests and curiosity). */
  detailsSent = 0;
  lastDetail: DetailMessage["panels"] = [];

  constructor(images: readonly CompareImage[], options: ImageCompareOptions = {}) {
    if (!Array.isArray(images) || images.length < 1 || images.length > 4) throw invalidArgument(`ImageCompare takes 1 to 4 images, got ${images?.length}`);
    const full = images.map((im, i) => asPlane(im.image, `image ${i} (${im.name})`));
    const overviewPx = options.overviewPx ?? 1024;
    const widest = full.reduce((a, p) => Math.max(a, p.width), 0);
    // nm per pixel of the widest panel, from the option or the first image that states its own.
    let refNm = options.pixelSizeNm ?? null;
    images.forEach((im, i) => {
      const own = im.pixelSizeNm ?? pixelSizeNmOf(im.image);
      if (refNm === null && own !== null) refNm = (own * full[i].width) / widest;
    });
    const panels: PanelState[] = full.map((p, i) => {
      const factor = levelFactor(p.height, p.width, overviewPx);
      const level = pyramidCrop(p, factor);
      const own = images[i].pixelSizeNm ?? pixelSizeNmOf(images[i].image);
      return {
        name: images[i].name,
        data: level.data,
        height: level.height,
        width: level.width,
        factor,
        full_height: p.height,
        full_width: p.width,
        pixel_size_nm: own ?? (refNm !== null ? (refNm * widest) / p.width : null),
      };
    });
    const c: PanelContrast = { mode: options.contrast ?? "percentile", lo: 0, hi: 1, p_lo: 0.5, p_hi: 99.8, lut: options.lut ?? "gray" };
    super(widgetSpec("ImageCompare"), {
      panels,
      mode: options.mode ?? DEFAULTS.mode,
      view: { ...DEFAULTS.view },
      contrast: panels.map(() => ({ ...c })),
      view_size_px: options.viewSizePx ?? DEFAULTS.view_size_px,
      swipe: DEFAULTS.swipe,
    });
    this.full = full;
    this.on("change:view", (v, _old, source) => {
      if (source === "frontend") this.sendDetail(v);
    });
  }

  /** Zooms every panel to `view` (fractions of the field) and sends the crops it needs. */
  zoomTo(view: ViewRect): void {
    this.set({ view });
    this.sendDetail(view);
  }

  private sendDetail(v: ViewRect): void {
    const viewPx = this.get("view_size_px");
    const panels = this.get("panels");
    const out: DetailMessage["panels"] = [];
    const buffers: Float32Array[] = [];
    this.full.forEach((p, i) => {
      const visible = Math.max(1, (v.x1 - v.x0) * p.width);
      let f = 1;
      while (visible / (f * 2) >= viewPx) f *= 2;
      if (f >= panels[i].factor) return;
      const c0 = Math.max(0, Math.floor((v.x0 * p.width) / f) * f);
      const c1 = Math.min(p.width, Math.ceil((v.x1 * p.width) / f) * f);
      const r0 = Math.max(0, Math.floor((v.y0 * p.height) / f) * f);
      const r1 = Math.min(p.height, Math.ceil((v.y1 * p.height) / f) * f);
      if (c1 <= c0 || r1 <= r0) return;
      const crop = pyramidCrop(p, f, r0, r1, c0, c1);
      out.push({ index: i, height: crop.height, width: crop.width, factor: f, rect: { x0: c0 / p.width, x1: c1 / p.width, y0: r0 / p.height, y1: r1 / p.height } });
      buffers.push(crop.data);
    });
    this.detailsSent++;
    this.lastDetail = out;
    const message: DetailMessage = { type: "detail", rect: v, panels: out };
    this.send(message, buffers);
  }
  /** The live view, plus a static PNG and a text line for where it cannot be drawn (a saved notebook without widget state, GitHub, nbconvert). */
  override [DISPLAY_SYMBOL](): MimeBundle {
    return withStaticFallback(super[DISPLAY_SYMBOL](), `ImageCompare: ${this.get("panels").map((p) => p.name).join(" | ")}`, this.full);
  }
}
