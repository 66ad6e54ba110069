// Standalone HTML reports of widgets: one file holding the widgets' state (the
// application/vnd.jupyter.widget-state+json schema, buffers base64-encoded as that schema
// requires), a view placeholder per widget, and the ES bundle widgets/dist/pssr-widgets.js
// (@jupyter-widgets/html-manager + our views + plotly) inlined, so it renders offline.
// Zoom detail and other kernel round trips are absent in a report: views show what the
// state holds (ImageCompare's overview level, at most `overviewPx` per side).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PssrError } from "../errors.js";
import { atomicWriteFile } from "../io/atomic.js";
import { removeBuffers } from "../kernel/buffers.js";
import type { Widget } from "../kernel/widget.js";
import { packageRoot } from "../paths.js";

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
}

export const WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json";

/** The widget-state document (schema v2) of some widgets. */
export function widgetState(widgets: readonly Widget<any>[]): { version_major: 2; version_minor: 0; state: Record<string, unknown> } {
  const state: Record<string, unknown> = {};
  for (const w of widgets) {
    const { state: json, bufferPaths, buffers } = removeBuffers(w.fullState());
    state[w.modelId] = {
      model_name: w.modelName,
      model_module: w.modelModule,
      model_module_version: w.modelModuleVersion,
      state: json,
      buffers: buffers.map((b, i) => ({
        path: bufferPaths[i],
        encoding: "base64",
        data: Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).toString("base64"),
      })),
    };
  }
  return { version_major: 2, version_minor: 0, state };
}

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
  // An inline script ends at the first "</script" (and "<!--" changes how it is parsed): those
  // sequences occur only in strings, regular expressions or comments of the bundle, where
  // "<\/" and "<\x21--" mean the same.
  const bundle = readFileSync(bundlePath, "utf8").replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\x21--");
  const title = options.title ?? "pssr-lab report";
  const sections = list
    .map((it) => {
      const view = scriptJson({ model_id: it.widget.modelId, version_major: 2, version_minor: 0 });
      return (
        `<section>${it.heading ? `<h2>${escapeHtml(it.heading)}</h2>` : ""}` +
        `<script type="application/vnd.jupyter.widget-view+json">${view}</script>` +
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
<script type="${WIDGET_STATE_MIME}">${scriptJson(widgetState(list.map((i) => i.widget)))}</script>
${sections}
<p class="caption">Interactive views rendered offline from the embedded widget state (pssr-lab, @jupyter-widgets/html-manager).</p>
<script type="module">${bundle}</script>
</body>
</html>
`;
}

/** Writes the report to `path` (atomically); returns the path. */
export async function writeWidgetReport(items: readonly (ReportItem | Widget<any>)[], path: string, options: WidgetReportOptions = {}): Promise<string> {
  await atomicWriteFile(path, Buffer.from(renderWidgetReport(items, options)));
  return path;
}
