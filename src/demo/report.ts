// A self-contained HTML report: a metrics table and image panels as embedded PNGs, readable
// offline in any browser, and the page's fallback where widgets cannot run (src/widgets/report.ts
// embeds the interactive widgets).
import { encodePng } from "../io/write.js";
import type { Plane } from "../image/image.js";

export interface ReportPanel {
  title: string;
  plane: Plane;
  caption?: string;
}

export interface ReportRow {
  image: string;
  method: string;
  psnr: number;
  ssim: number;
  nrmse: number;
  msssim: number | null;
}

export interface ReportSection {
  heading: string;
  panels: ReportPanel[];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function fmt(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? "n/a" : v.toFixed(digits);
}

/** Renders the metrics table as fixed-width text (for the terminal). */
export function metricsTable(rows: readonly ReportRow[]): string {
  const header = ["image", "method", "PSNR (dB)", "SSIM", "NRMSE", "MS-SSIM"];
  const body = rows.map((r) => [r.image, r.method, fmt(r.psnr, 2), fmt(r.ssim, 4), fmt(r.nrmse, 4), fmt(r.msssim, 4)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

export interface HtmlReportOptions {
  title: string;
  intro: string;
  rows: readonly ReportRow[];
  sections: readonly ReportSection[];
  notes?: readonly string[];
}

/** The metrics table as an HTML <table> (numbers only; names escaped). */
export function metricsTableHtml(rows: readonly ReportRow[]): string {
  const body = rows
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.image)}</td><td>${escapeHtml(r.method)}</td><td>${fmt(r.psnr, 2)}</td><td>${fmt(r.ssim, 4)}</td><td>${fmt(r.nrmse, 4)}</td><td>${fmt(r.msssim, 4)}</td></tr>`,
    )
    .join("\n");
  return `<table class="metrics" style="border-collapse:collapse"><thead><tr><th>image</th><th>method</th><th>PSNR (dB)</th><th>SSIM</th><th>NRMSE</th><th>MS-SSIM</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Builds the HTML document (images inlined as PNG data URLs, nearest-neighbour magnified). */
export async function renderHtmlReport(options: HtmlReportOptions): Promise<string> {
  const sections: string[] = [];
  for (const s of options.sections) {
    const figs: string[] = [];
    for (const p of s.panels) {
      const png = await encodePng(p.plane);
      figs.push(
        `<figure><img alt="${escapeHtml(p.title)}" src="data:image/png;base64,${png.toString("base64")}" width="256" height="${Math.round((256 * p.plane.height) / p.plane.width)}"><figcaption><b>${escapeHtml(p.title)}</b>${p.caption ? `<br>${escapeHtml(p.caption)}` : ""}</figcaption></figure>`,
      );
    }
    sections.push(`<section><h2>${escapeHtml(s.heading)}</h2><div class="row">${figs.join("")}</div></section>`);
  }
  const notes = (options.notes ?? []).map((n) => `<li>${escapeHtml(n)}</li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}
td:first-child,td:nth-child(2),th:first-child,th:nth-child(2){text-align:left}
.row{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}img{image-rendering:pixelated;border:1px solid #888}
figcaption{font-size:90%;max-width:256px}
</style></head><body>
<h1>${escapeHtml(options.title)}</h1>
<p>${escapeHtml(options.intro)}</p>
<h2>Metrics</h2>
${metricsTableHtml(options.rows)}
${sections.join("\n")}
${notes ? `<h2>Notes</h2><ul>${notes}</ul>` : ""}
</body></html>
`;
}
