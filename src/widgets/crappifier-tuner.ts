// CrappifierTuner: a crappifier recipe's parameters as sliders (view: widgets/src/crappifier-tuner.ts).
// Every change crappifies a preview crop of the high-res image in the kernel and sends the
// synthetic low-res back as a binary buffer, beside a real low-res acquisition, with both
// noise curves (variance against local mean, same bins). "fit to real" runs calibrate() and
// loads the fitted `physical` recipe. The tuned recipe reads back as JSON or code for training.
// Slider drags coalesce: the widget manager keeps one update in flight and merges the rest,
// and a render always uses the latest parameters, so no stale render queues up.
import type { Image, Plane } from "../image/image.js";
import { getPlane, height as imageHeight, width as imageWidth } from "../image/image.js";
import { invalidArgument, unknownName } from "../errors.js";
import { crappify, type RecipeSpec } from "../crappify/crappify.js";
import { calibrate, estimateNoiseCurve, type CalibrationResult, type NoiseCurvePoint } from "../crappify/calibrate.js";
import { findRecipe, RECIPE_NAMES, type Recipe } from "../crappify/recipes.js";
import type { ParamSpec, ParamValue } from "../crappify/params.js";
import { Widget } from "../kernel/widget.js";
import { DISPLAY_SYMBOL, type MimeBundle } from "../kernel/display.js";
import { isImage, planeState, widgetSpec, withStaticFallback } from "./common.js";
import { DEFAULT_STATES, type SliderSpec, type TunerState } from "./protocol.js";

export type { SliderSpec, TunerState } from "./protocol.js";

export interface CrappifierTunerOptions {
  /** Recipe name or {name, params}. Default "physical". */
  recipe?: string | RecipeSpec;
  /** HR-to-LR pixel ratio. Default: the recipe's. */
  scaleFactor?: number;
  /** Seed of every preview render (the same seed each time, so only the parameters change the picture). Default 0. */
  seed?: number;
  /** Side of the high-res crop that is crappified for the preview (centred). Default 512. */
  previewPx?: number;
  /** Slider ranges overriding the defaults chosen from each parameter's default and range. */
  sliders?: Record<string, { lo: number; hi: number; log?: boolean }>;
  /** Side of the centre region whose noise curves are compared (the same region of both images). Default 256. */
  curvePx?: number;
  /** Delay before the synthetic noise curve is computed after a render (skipped when a newer render comes first). Default 80 ms. */
  curveDelayMs?: number;
  /** Parameters shown as sliders (default: every numeric, choice and boolean parameter). */
  show?: string[];
  /**
   * The real low-res image and the high-res image show the same field on registered grids (a
   * real pair). Only then does "fit to real" use the high-res image in the calibration; by
   * default the real image is calibrated alone, since equal sizes do not make a pair.
   */
  registered?: boolean;
  viewSizePx?: number;
}

/** A slider range for a parameter: log-spaced around the default for wide positive ranges. */
export function sliderFor(spec: ParamSpec, override?: { lo: number; hi: number; log?: boolean }): SliderSpec {
  const base: SliderSpec = { name: spec.name, kind: spec.kind, doc: spec.doc, unit: spec.unit };
  if (spec.kind === "choice") return { ...base, choices: [...(spec.choices ?? [])] };
  if (spec.kind === "boolean") return base;
  if (override) return { ...base, ...override };
  const d = Number(spec.default);
  const min = spec.min ?? -Infinity;
  const max = spec.max ?? Infinity;
  if (min > 0 && max / min >= 1e3 && d > 0) {
    return { ...base, lo: Math.max(min, d / 100), hi: Math.min(max, d * 100), log: true };
  }
  const span = 10 * (Math.abs(d) + 1);
  return { ...base, lo: Math.max(min, d - span), hi: Math.min(max, d + span), log: false };
}

function centreCrop(img: Image, side: number): Image {
  const h = imageHeight(img);
  const w = imageWidth(img);
  const ch = Math.min(h, side);
  const cw = Math.min(w, side);
  const r0 = (h - ch) >> 1;
  const c0 = (w - cw) >> 1;
  const Ctor = img.data.constructor as new (n: number) => any;
  const out = new Ctor(ch * cw);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) out[y * cw + x] = img.data[(r0 + y) * w + c0 + x];
  return { ...img, data: out, shape: [ch, cw], axes: "YX" };
}

function toImage(x: Plane | Image): Image {
  if (isImage(x)) return x;
  return { data: x.data, shape: [x.height, x.width], axes: "YX", pixelSize: null, dtype: "float32" };
}

function centrePlane(p: Plane, side: number): Plane {
  if (p.height <= side && p.width <= side) return p;
  const h = Math.min(side, p.height);
  const w = Math.min(side, p.width);
  const r0 = (p.height - h) >> 1;
  const c0 = (p.width - w) >> 1;
  const data = new Float32Array(h * w);
  for (let y = 0; y < h; y++) data.set(p.data.subarray((r0 + y) * p.width + c0, (r0 + y) * p.width + c0 + w), y * w);
  return { data, height: h, width: w };
}

const curvePairs = (pts: NoiseCurvePoint[]): [number, number][] => pts.map((p) => [p.mean, p.variance]);

export class CrappifierTuner extends Widget<TunerState> {
  private readonly hrCrop: Image;
  private readonly realCrop: Image;
  private readonly binEdges: number[];
  private readonly seed: number;
  private readonly options: CrappifierTunerOptions;
  /** The last calibration ("fit to real"), if any. */
  calibration: CalibrationResult | null = null;
  /** Renders done so far (each one the latest parameters at its start). */
  renders = 0;
  private generation = 0;
  private readonly curvePx: number;
  private curveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(hr: Plane | Image, realLR: Plane | Image, options: CrappifierTunerOptions = {}) {
    const spec: RecipeSpec = typeof options.recipe === "string" || options.recipe === undefined ? { name: options.recipe ?? DEFAULT_STATES.CrappifierTuner.recipe } : options.recipe;
    const recipe = findRecipe(spec.name);
    if (!recipe) throw unknownName("recipe", spec.name, RECIPE_NAMES);
    const scale = options.scaleFactor ?? recipe.defaultScaleFactor;
    const previewPx = options.previewPx ?? 512;
    const hrImg = toImage(hr);
    const hrCrop = centreCrop(hrImg, previewPx);
    const realCrop = centreCrop(toImage(realLR), Math.round(previewPx / scale));
    const realPlane = getPlane(realCrop);
    const curvePx = options.curvePx ?? 256;
    const real = estimateNoiseCurve(centrePlane(realPlane, curvePx));
    const params = CrappifierTuner.defaults(recipe, spec.params as Record<string, ParamValue> | undefined);
    super(widgetSpec("CrappifierTuner"), {
      recipe: recipe.name,
      scale_factor: scale,
      sliders: CrappifierTuner.slidersOf(recipe, options, params),
      params,
      rendered_params: {},
      preview: null,
      real: planeState(realPlane),
      real_curve: curvePairs(real.points),
      synthetic_curve: [],
      render_ms: 0,
      recipe_json: "",
      code: "",
      status: "",
      view_size_px: options.viewSizePx ?? DEFAULT_STATES.CrappifierTuner.view_size_px,
    });
    this.hrCrop = hrCrop;
    this.realCrop = realCrop;
    this.binEdges = real.binEdges;
    this.seed = options.seed ?? 0;
    this.curvePx = curvePx;
    this.options = options;
    this.noEcho.add("params");
    this.on("change:params", (_v, _old, source) => {
      if (source === "frontend") this.render();
    });
    this.on("msg:custom", (content) => {
      if (content?.type === "fit") this.fitToReal();
    });
    this.render();
  }

  private static defaults(recipe: Recipe, given: Record<string, ParamValue> = {}): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    for (const p of recipe.params) out[p.name] = p.default;
    return { ...out, ...given };
  }

  /** The sliders of a recipe; each range covers the value it starts from (`params`), unless the caller gave the range. */
  private static slidersOf(recipe: Recipe, o: CrappifierTunerOptions, params: Record<string, ParamValue> = {}): SliderSpec[] {
    return recipe.params
      .filter((p) => !o.show || o.show.includes(p.name))
      .map((p) => {
        const s = sliderFor(p, o.sliders?.[p.name]);
        const v = params[p.name];
        return typeof v === "number" && !o.sliders?.[p.name] ? coverValue(s, p, v) : s;
      });
  }

  /** The tuned recipe, ready for crappify() or train(). */
  recipe(): RecipeSpec & { params: Record<string, ParamValue> } {
    return { name: this.get("recipe"), params: { ...this.get("params") } };
  }

  /** The tuned recipe as a line of code. */
  code(): string {
    return `crappify(hr, ${JSON.stringify(this.recipe())}, { scaleFactor: ${this.get("scale_factor")}, seed: ${this.seed} })`;
  }

  /** Sets parameters from kernel code and re-renders. */
  setParams(params: Record<string, ParamValue>): void {
    this.set({ params: { ...this.get("params"), ...params } });
    this.render();
  }

  /**
   * Crappifies the preview crop with the current parameters and sends it; its noise curve
   * follows `curveDelayMs` later unless a newer render came first (during a drag only the
   * picture is computed, the curve once the slider rests).
   */
  render(): void {
    const t0 = performance.now();
    const params = { ...this.get("params") };
    const generation = ++this.generation;
    if (this.curveTimer) clearTimeout(this.curveTimer);
    try {
      const result = crappify(this.hrCrop, { name: this.get("recipe"), params }, { scaleFactor: this.get("scale_factor"), seed: this.seed });
      const lr = getPlane(result.lr);
      this.renders++;
      this.set({
        preview: planeState(lr),
        rendered_params: params,
        render_ms: performance.now() - t0,
        recipe_json: JSON.stringify(this.recipe(), null, 2),
        code: this.code(),
        status: `preview ${lr.height}x${lr.width} from a ${imageHeight(this.hrCrop)}x${imageWidth(this.hrCrop)} crop, seed ${this.seed}`,
      });
      this.curveTimer = setTimeout(() => {
        this.curveTimer = null;
        if (generation === this.generation) this.sendCurve(lr);
      }, this.options.curveDelayMs ?? 80);
    } catch (e) {
      this.set({ rendered_params: params, status: `crappify failed: ${(e as Error).message}`, render_ms: performance.now() - t0 });
    }
  }

  /** Computes the preview's noise curve now (also what render() schedules). */
  private sendCurve(full: Plane): void {
    const lr = centrePlane(full, this.curvePx);
    let note = "";
    let pts: NoiseCurvePoint[] = [];
    try {
      // The real image's intensity bins make the curves comparable; when the synthetic image
      // lies mostly outside them (e.g. other units), it gets bins of its own.
      pts = estimateNoiseCurve(lr, { binEdges: this.binEdges }).points;
      if (pts.length < 3) {
        pts = estimateNoiseCurve(lr).points;
        note = "; synthetic intensities outside the real image's range: its noise curve uses its own bins";
      }
    } catch (e) {
      note = `; no noise curve: ${(e as Error).message}`;
    }
    this.set({ synthetic_curve: curvePairs(pts), status: this.get("status").replace(/;.*$/, "") + note });
  }

  /** Waits until the pending noise curve (if any) has been computed and sent. */
  async settled(): Promise<void> {
    while (this.curveTimer) await new Promise((r) => setTimeout(r, 10));
  }

  /** Fits the `physical` recipe to the real acquisition (calibrate()) and shows the result. */
  fitToReal(): CalibrationResult {
    const scale = this.get("scale_factor");
    if (!Number.isInteger(scale)) throw invalidArgument(`fit to real needs an integer scale factor, got ${scale}`);
    const sameGrid = imageHeight(this.realCrop) * scale === imageHeight(this.hrCrop) && imageWidth(this.realCrop) * scale === imageWidth(this.hrCrop);
    if (this.options.registered && !sameGrid) {
      throw invalidArgument(
        `registered: the real image (${imageHeight(this.realCrop)}x${imageWidth(this.realCrop)}) must be the high-res crop (${imageHeight(this.hrCrop)}x${imageWidth(this.hrCrop)}) divided by the scale factor ${scale}`,
      );
    }
    const cal = calibrate(this.realCrop, this.options.registered ? this.hrCrop : undefined, { seed: this.seed });
    this.calibration = cal;
    const physical = findRecipe("physical")!;
    this.set({
      recipe: "physical",
      sliders: CrappifierTuner.slidersOf(physical, { ...this.options, sliders: { ...fittedRanges(cal.recipe.params), ...this.options.sliders } }),
      params: CrappifierTuner.defaults(physical, cal.recipe.params),
    });
    this.render();
    this.set({ status: `${this.get("status")}, fitted to the real image: gain ${cal.fit.gain.toPrecision(3)}, read noise variance ${cal.fit.readNoiseVariance.toPrecision(3)}, curve mismatch ${(cal.curveMismatch * 100).toFixed(1)}%` });
    return cal;
  }
  /** The live view, plus a static PNG and a text line for where it cannot be drawn (a saved notebook without widget state, GitHub, nbconvert). */
  override [DISPLAY_SYMBOL](): MimeBundle {
    const preview = this.get("preview");
    return withStaticFallback(super[DISPLAY_SYMBOL](), `CrappifierTuner (synthetic | real low-res): ${this.code()}`, preview ? [preview, this.get("real")] : [this.get("real")]);
  }
}

/**
 * The slider with a range that holds `v` away from its ends (a calibrated gain of 1236 on the
 * default 0.01..100 range sat pinned at the top, and a nudge of the thumb threw it to 67).
 * A value at the parameter's own limit (0 for a non-negative one) may stay at the range's end.
 */
export function coverValue(s: SliderSpec, spec: ParamSpec, v: number): SliderSpec {
  if (s.lo === undefined || s.hi === undefined || !Number.isFinite(v)) return s;
  const min = spec.min ?? -Infinity;
  const max = spec.max ?? Infinity;
  const t = s.log ? (v > 0 ? (Math.log(v) - Math.log(s.lo)) / (Math.log(s.hi) - Math.log(s.lo)) : -1) : (v - s.lo) / (s.hi - s.lo || 1);
  const inside = t >= 0 && t <= 1 && (t >= 0.05 || s.lo <= min) && (t <= 0.95 || s.hi >= max);
  if (inside) return s;
  // A parameter that may be 0 keeps 0 reachable (linear from 0); other positive ones get a decade each way.
  const r = min === 0 && v > 0 ? { lo: 0, hi: 10 * v } : (fittedRanges({ [spec.name]: v })[spec.name] ?? { lo: v - 10 * (Math.abs(v) + 1), hi: v + 10 * (Math.abs(v) + 1) });
  const lo = Math.max(min, r.lo);
  const hi = Math.min(max, r.hi);
  return { ...s, lo, hi, log: Boolean(r.log) && lo > 0 };
}

/** Slider ranges centred on fitted values (a decade each way for positive ones). */
function fittedRanges(params: Record<string, ParamValue>): Record<string, { lo: number; hi: number; log?: boolean }> {
  const out: Record<string, { lo: number; hi: number; log?: boolean }> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== "number") continue;
    if (v > 0 && k !== "bitDepth" && k !== "offsetAdu") out[k] = { lo: v / 10, hi: v * 10, log: true };
    else if (k === "offsetAdu") out[k] = { lo: v - 100, hi: v + 100 };
  }
  return out;
}
