// Rich output for notebook cells: display_data / update_display_data / clear_output on iopub.
// A value renders richly when it has a `[Symbol.for("Jupyter.display")]()` method returning a
// mime bundle (the convention of Deno's kernel); plain objects whose keys are all mime types
// are taken as bundles; anything else shows as util.inspect text. JSON mime types (widget
// views, plotly figures, application/json) carry objects, not strings, as the front ends expect.
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import type { Image } from "../image/image.js";
import type { PngOptions } from "../io/write.js";
import { findKernel } from "./context.js";

export type MimeBundle = Record<string, unknown>;

/** Deno's rich-display protocol, also used by widgets. */
export const DISPLAY_SYMBOL: unique symbol = Symbol.for("Jupyter.display") as any;

export interface Displayable {
  [DISPLAY_SYMBOL](): MimeBundle | Promise<MimeBundle>;
}

export interface DisplayOptions {
  /** Gives the output a display id so later `update` calls replace it in place. */
  displayId?: string | true;
  metadata?: Record<string, unknown>;
}

const MIME_KEY = /^[a-z]+\/[-+.\w]+$/i;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
}

/** True for `{ "text/html": ..., "text/plain": ... }`: a plain object whose keys are all mime types. */
export function isMimeBundle(v: unknown): v is MimeBundle {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => MIME_KEY.test(k));
}

export function hasDisplayMethod(v: unknown): v is Displayable {
  return v !== null && (typeof v === "object" || typeof v === "function") && typeof (v as any)[DISPLAY_SYMBOL] === "function";
}

/** text/plain for any value, as util.inspect shows it (strings unquoted when displayed). */
export function plainText(value: unknown): string {
  // Async hooks (used by the kernel) make inspect list a promise's internal symbols.
  if (value instanceof Promise) return "Promise { <pending or settled: await it to see the value> }";
  return inspect(value, { depth: 4, maxArrayLength: 100, breakLength: 100 });
}

/** The mime bundle a value is shown with (always with a text/plain entry); async only when its display method is. */
export function toMimeBundle(value: unknown): MimeBundle | Promise<MimeBundle> {
  if (hasDisplayMethod(value)) {
    const b = value[DISPLAY_SYMBOL]();
    return b instanceof Promise ? b.then((x) => finishBundle(x, value)) : finishBundle(b, value);
  }
  if (isMimeBundle(value)) return finishBundle(value, value);
  if (isImage(value)) return image(value);
  if (value instanceof Uint8Array && isPng(value)) return finishBundle({ "image/png": value }, value);
  return { "text/plain": plainText(value) };
}

function finishBundle(b: MimeBundle, value: unknown): MimeBundle {
  const bundle: MimeBundle = { ...b };
  for (const [k, v] of Object.entries(bundle)) {
    // Binary image data travels base64-encoded in JSON.
    if (v instanceof Uint8Array) bundle[k] = Buffer.from(v).toString("base64");
  }
  if (!("text/plain" in bundle)) bundle["text/plain"] = hasDisplayMethod(value) ? plainText(value) : `<${Object.keys(bundle)[0]}>`;
  return bundle;
}

function isPng(b: Uint8Array): boolean {
  return b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function newDisplayId(): string {
  return randomBytes(8).toString("hex");
}

/** Values the executor does not echo as a cell result (what display() returns). */
export const NO_RESULT_SYMBOL: unique symbol = Symbol.for("pssr.kernel.noResult") as any;

/** Display sends still in flight (async display methods); the executor waits for them before replying. */
const pending = new Set<Promise<void>>();
export async function flushDisplays(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}

/** A displayed output that can be replaced in place (update_display_data). */
export class DisplayHandle {
  readonly [NO_RESULT_SYMBOL] = true;
  constructor(
    readonly displayId: string,
    /** Settles when the output was sent. */
    readonly sent: Promise<void> = Promise.resolve(),
  ) {}

  /** Replaces the output shown under this display id, wherever it is. */
  update(value: unknown, options: { metadata?: Record<string, unknown> } = {}): DisplayHandle {
    return new DisplayHandle(this.displayId, publishDisplay(value, { metadata: options.metadata, displayId: this.displayId }, true));
  }
}

function publishDisplay(value: unknown, options: DisplayOptions, update: boolean): Promise<void> {
  const send = (bundle: MimeBundle) => {
    const kernel = findKernel();
    if (!kernel) {
      // Outside a kernel (plain node): show the text form.
      console.log(String(bundle["text/plain"]));
      return;
    }
    const content: Record<string, unknown> = { data: bundle, metadata: options.metadata ?? {}, transient: {} };
    if (typeof options.displayId === "string") content.transient = { display_id: options.displayId };
    kernel.publish(update ? "update_display_data" : "display_data", content);
  };
  const b = toMimeBundle(value);
  if (!(b instanceof Promise)) {
    send(b);
    return Promise.resolve();
  }
  const p = b.then(send);
  pending.add(p);
  p.catch((e) => console.error(e)).finally(() => pending.delete(p));
  return p;
}

/**
 * Shows `value` below the current cell: a mime bundle object, a value with a
 * `[Symbol.for("Jupyter.display")]()` method (widgets, figures), PNG bytes, or anything else as text.
 * With `displayId` (a string, or true for a new one) the returned handle's `update` replaces
 * the output in place.
 */
export function display(value: unknown, options: DisplayOptions = {}): DisplayHandle {
  const id = typeof options.displayId === "string" ? options.displayId : newDisplayId();
  const withId = options.displayId === undefined ? undefined : id;
  return new DisplayHandle(id, publishDisplay(value, { ...options, displayId: withId }, false));
}

/** Clears the output of the current cell; with `wait`, only when new output arrives. */
export function clearOutput(wait = false): void {
  findKernel()?.publish("clear_output", { wait });
}

/** Bundle constructors: each returns a displayable bundle, e.g. `display(html("<b>hi</b>"))`. */
export function html(source: string): MimeBundle {
  return { "text/html": source, "text/plain": "<HTML>" };
}

export function markdown(source: string): MimeBundle {
  return { "text/markdown": source, "text/plain": source };
}

export function svg(source: string): MimeBundle {
  return { "image/svg+xml": source, "text/plain": "<SVG>" };
}

export function latex(source: string): MimeBundle {
  return { "text/latex": source, "text/plain": source };
}

export function json(value: unknown): MimeBundle {
  return { "application/json": value, "text/plain": plainText(value) };
}

/** PNG bytes, optionally with a display size in CSS pixels. */
export function png(bytes: Uint8Array): MimeBundle {
  return { "image/png": Buffer.from(bytes).toString("base64"), "text/plain": `<PNG image, ${bytes.length} bytes>` };
}

export function jpeg(bytes: Uint8Array): MimeBundle {
  return { "image/jpeg": Buffer.from(bytes).toString("base64"), "text/plain": `<JPEG image, ${bytes.length} bytes>` };
}

/** A plotly figure ({data, layout}) for JupyterLab's plotly renderer (application/vnd.plotly.v1+json). */
export function plotly(figure: { data: unknown[]; layout?: Record<string, unknown>; config?: Record<string, unknown> }): MimeBundle {
  return { "application/vnd.plotly.v1+json": figure, "text/plain": `<Plotly figure, ${figure.data.length} trace(s)>` };
}

/** Options of the PNG rendering of an Image: which plane, and io/write's auto-contrast percentiles. */
export interface ImageDisplayOptions extends PngOptions {
  /** Which YX plane (C-order index over the leading axes); default 0. */
  plane?: number;
}

/** True for an `Image` (src/image/image.ts): typed data with shape and axes. */
export function isImage(v: unknown): v is Image {
  if (v === null || typeof v !== "object") return false;
  const o = v as Record<string, unknown>;
  return typeof o.axes === "string" && Array.isArray(o.shape) && ArrayBuffer.isView(o.data) && typeof o.dtype === "string";
}

/**
 * A PNG bundle of one plane of an `Image`: 8-bit auto-contrast by src/io/write.ts `encodePng`
 * (sharp). Loaded lazily so that the kernel does not load sharp until an image is shown.
 * An Image that is the last expression of a cell, or passed to display(), is shown this way.
 */
export async function image(img: Image, options: ImageDisplayOptions = {}): Promise<MimeBundle> {
  const [{ getPlane }, { encodePng }] = await Promise.all([import("../image/image.js"), import("../io/write.js")]);
  const { plane = 0, ...pngOptions } = options;
  const bytes = await encodePng(getPlane(img, plane), pngOptions);
  const size = img.shape.join("x");
  return {
    "image/png": bytes.toString("base64"),
    "text/plain": `<Image ${img.axes} ${size} ${img.dtype}${img.shape.length > 2 ? `, plane ${plane}` : ""}>`,
  };
}
