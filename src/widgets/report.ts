// Standalone HTML reports of widgets: one file holding the widgets' state (the
// application/vnd.jupyter.widget-state+json schema, buffers base64-encoded as that schema
// requires), a view placeholder per widget, and the ES bundle widgets/dist/pssr-widgets.js
// (@jupyter-widgets/html-manager + our views + plotly) inlined once for all widgets, so it
// renders offline. By default both travel gzip-compressed (float buffers byte-shuffled first,
// which makes them compress better) and a small inline script restores the standard state
// element and runs the bundle with the browser's own DecompressionStream: a third of the size.
// Zoom detail and other kernel round trips are absent in a report: views show what the
// state holds (ImageCompare's overview level, at most `overviewPx` per side).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PssrError } from "../errors.js";
import { atomicWriteFile } from "../io/atomic.js";
import { removeBuffers } from "../kernel/buffers.js";
import type { Widget } from "../kernel/widget.js";
import { packageRoot } from "../paths.js";
import { WIDGET_STATE_MIME, WIDGET_VIEW_MIME } from "./protocol.js";

export interface ReportItem {
  widget: Widget<any>;
  heading?: string;
  caption?: string;
}

export interface WidgetReportOptions {
  title?: string;
  /** A paragraph under the title (plain text). */
  intro?: string;
  /** Trusted HTML placed under the intro (e.g. a metrics table); not escaped. */
  preambleHtml?: string;
  /** The front-end bundle to inline. Default: widgets/dist/pssr-widgets.js of this package. */
  bundlePath?: string;
  /**
   * gzip the bundle and the state (default true). false writes both as plain text (the state
   * readable by other widget tools), several times larger.
   */
  compress?: boolean;
}

export { WIDGET_STATE_MIME };

type WidgetStateDoc = { version_major: 2; version_minor: 0; state: Record<string, any> };

/** The widget-state document (schema v2) of some widgets, each buffer's bytes passed to `encode`. */
function stateDoc(widgets: readonly Widget<any>[], encode: (bytes: Uint8Array) => Record<string, unknown>): WidgetStateDoc {
  const state: Record<string, unknown> = {};
  for (const w of widgets) {
    const { state: json, bufferPaths, buffers } = removeBuffers(w.fullState());
    state[w.modelId] = {
      model_name: w.modelName,
      model_module: w.modelModule,
      model_module_version: w.modelModuleVersion,
      state: json,
      buffers: buffers.map((b, i) => ({ path: bufferPaths[i], ...encode(b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) })),
    };
  }
  return { version_major: 2, version_minor: 0, state };
}

/** The widget-state document (schema v2) of some widgets. */
export function widgetState(widgets: readonly Widget<any>[]): WidgetStateDoc {
  return stateDoc(widgets, (bytes) => ({ encoding: "base64", data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64") }));
}

/**
 * The state packed for a compressed report: gzip of [u32 LE length of the JSON][JSON][buffers],
 * the JSON being the state document whose buffers say where their bytes lie ({offset, length,
 * shuffle}). Buffers whose length is a multiple of 4 (float32 images) are byte-shuffled: all
 * first bytes, then all second bytes..., which gzip compresses about a sixth better.
 */
export function packWidgetState(widgets: readonly Widget<any>[]): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const doc = stateDoc(widgets, (bytes) => {
    const shuffle = bytes.length % 4 === 0 ? 4 : 1;
    const out = Buffer.alloc(bytes.length);
    const n = bytes.length / shuffle;
    for (let k = 0; k < shuffle; k++) for (let i = 0; i < n; i++) out[k * n + i] = bytes[i * shuffle + k];
    parts.push(out);
    const entry = { offset, length: bytes.length, shuffle };
    offset += bytes.length;
    return entry;
  });
  const json = Buffer.from(JSON.stringify(doc), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32LE(json.length, 0);
  return gzipSync(Buffer.concat([head, json, ...parts]), { level: 9 });
}

// Runs first in a compressed report: inflates the packed state into the standard
// widget-state element, then the bundle into an inline module (which renders the views).
const UNPACK_SCRIPT = `(async () => {
  const fail = (msg) => { document.body.dataset.widgetsError = msg; const p = document.createElement("p"); p.className = "pssr-report-error"; p.textContent = msg; document.body.prepend(p); };
  if (typeof DecompressionStream === "undefined") return fail("This report needs a browser with DecompressionStream (Chrome 80, Firefox 113, Safari 16.4 or newer) to show its interactive views.");
  try {
    const inflate = async (id) => {
      const b64 = document.getElementById(id).textContent.trim();
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      return new Uint8Array(await new Response(new Blob([bin]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
    };
    const packed = await inflate("pssr-state-gz");
    const jsonLen = new DataView(packed.buffer).getUint32(0, true);
    const doc = JSON.parse(new TextDecoder().decode(packed.subarray(4, 4 + jsonLen)));
    const blob = packed.subarray(4 + jsonLen);
    for (const m of Object.values(doc.state)) {
      m.buffers = m.buffers.map((b) => {
        const src = blob.subarray(b.offset, b.offset + b.length);
        const out = new Uint8Array(b.length);
        const n = b.length / b.shuffle;
        for (let k = 0; k < b.shuffle; k++) for (let i = 0; i < n; i++) out[i * b.shuffle + k] = src[k * n + i];
        let s = "";
        for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode.apply(null, out.subarray(i, i + 0x8000));
        return { path: b.path, encoding: "base64", data: btoa(s) };
      });
    }
    const state = document.createElement("script");
    state.type = "${WIDGET_STATE_MIME}";
    state.textContent = JSON.stringify(doc);
    document.getElementById("pssr-state-gz").replaceWith(state);
    const code = new TextDecoder().decode(await inflate("pssr-bundle-gz"));
    const mod = document.createElement("script");
    mod.type = "module";
    mod.textContent = code;
    document.body.append(mod);
  } catch (e) {
    fail("The report's widgets could not be unpacked: " + (e && e.message ? e.message : e));
  }
})();`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** JSON that is safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c");
}

export function defaultBundlePath(): string {
  return join(packageRoot(), "widgets", "dist", "pssr-widgets.js");
}

/** The report as an HTML string. */
export function renderWidgetReport(items: readonly (ReportItem | Widget<any>)[], options: WidgetReportOptions = {}): string {
  const list: ReportItem[] = items.map((x) => ("widget" in x ? x : { widget: x as Widget<any> }));
  const bundlePath = options.bundlePath ?? defaultBundlePath();
  if (!existsSync(bundlePath)) {
    throw new PssrError("file-not-found", `the widgets' front-end bundle is not built (run npm run build:widgets)`, { file: bundlePath });
  }
  const compress = options.compress ?? true;
  const bundleText = readFileSync(bundlePath, "utf8");
  // An inline script ends at the first "</script" (and "<!--" changes how it is parsed): those
  // sequences occur only in strings, regular expressions or comments of the bundle, where
  // "<\/" and "<\x21--" mean the same. (Compressed, it is base64 and has neither.)
  const bundle = compress ? "" : bundleText.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\x21--");
  const title = options.title ?? "pssr-lab report";
  const sections = list
    .map((it) => {
      const view = scriptJson({ model_id: it.widget.modelId, version_major: 2, version_minor: 0 });
      return (
        `<section>${it.heading ? `<h2>${escapeHtml(it.heading)}</h2>` : ""}` +
        `<script type="${WIDGET_VIEW_MIME}">${view}</script>` +
        `${it.caption ? `<p class="caption">${escapeHtml(it.caption)}</p>` : ""}</section>`
      );
    })
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.5 system-ui, sans-serif; margin: 24px; color: #222; }
section { margin: 24px 0; }
.caption { color: #555; max-width: 60em; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${options.intro ? `<p>${escapeHtml(options.intro)}</p>` : ""}
${options.preambleHtml ?? ""}
${compress ? `<script type="application/gzip" id="pssr-state-gz">${packWidgetState(list.map((i) => i.widget)).toString("base64")}</script>` : `<script type="${WIDGET_STATE_MIME}">${scriptJson(widgetState(list.map((i) => i.widget)))}</script>`}
${sections}
<p class="caption">Interactive views rendered offline from the embedded widget state (pssr-lab, @jupyter-widgets/html-manager).</p>
${compress ? `<script type="application/gzip" id="pssr-bundle-gz">${gzipSync(Buffer.from(bundleText, "utf8"), { level: 9 }).toString("base64")}</script>\n<script>${UNPACK_SCRIPT}</script>` : `<script type="module">${bundle}</script>`}
</body>
</html>
`;
}

/** Writes the report to `path` (atomically); returns the path. */
export async function writeWidgetReport(items: readonly (ReportItem | Widget<any>)[], path: string, options: WidgetReportOptions = {}): Promise<string> {
  await atomicWriteFile(path, Buffer.from(renderWidgetReport(items, options)));
  return path;
}
