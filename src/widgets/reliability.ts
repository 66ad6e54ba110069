// The reliability diagram (nominal vs observed coverage of central intervals) as a small,
// dependency-free SVG: for notebooks (kernel.svg), reports and docs alike.
export interface CoverageSeries {
  name: string;
  points: { nominal: number; observed: number }[];
  /** CSS colour; defaults cycle through a short palette. */
  color?: string;
  /** Draw the line dashed (e.g. raw scales, beside the calibrated ones in the same colour). */
  dashed?: boolean;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#e377c2"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * An SVG reliability diagram: the diagonal (perfect calibration), a +-5 point band around it,
 * and each series' observed coverage against the nominal level, both axes 0..1.
 */
export function reliabilityDiagramSvg(series: CoverageSeries[], options: { title?: string; sizePx?: number } = {}): string {
  const S = options.sizePx ?? 320;
  const m = { l: 48, r: 12, t: 28, b: 40 };
  const w = S - m.l - m.r;
  const hgt = S - m.t - m.b;
  const X = (v: number) => (m.l + v * w).toFixed(1);
  const Y = (v: number) => (m.t + (1 - v) * hgt).toFixed(1);
  const parts: string[] = [];
  // Wide enough for the longest legend entry (about 6.5 px per character at 11 px).
  const width = Math.max(S, Math.ceil(m.l + 24 + 6.5 * Math.max(0, ...series.map((x) => x.name.length))));
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${S + 18 * series.length}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect x="0" y="0" width="100%" height="100%" fill="white"/>`);
  if (options.title) parts.push(`<text x="${S / 2}" y="16" text-anchor="middle" font-size="12">${esc(options.title)}</text>`);
  // +-5 points band and the diagonal.
  parts.push(`<polygon points="${X(0)},${Y(0.05)} ${X(0.95)},${Y(1)} ${X(1)},${Y(1)} ${X(1)},${Y(0.95)} ${X(0.05)},${Y(0)} ${X(0)},${Y(0)}" fill="#eee"/>`);
  parts.push(`<line x1="${X(0)}" y1="${Y(0)}" x2="${X(1)}" y2="${Y(1)}" stroke="#888" stroke-dasharray="4 3"/>`);
  for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    parts.push(`<line x1="${X(t)}" y1="${Y(0)}" x2="${X(t)}" y2="${(m.t + hgt + 4).toFixed(1)}" stroke="#333"/><text x="${X(t)}" y="${(m.t + hgt + 15).toFixed(1)}" text-anchor="middle">${t}</text>`);
    parts.push(`<line x1="${(m.l - 4).toFixed(1)}" y1="${Y(t)}" x2="${X(0)}" y2="${Y(t)}" stroke="#333"/><text x="${(m.l - 6).toFixed(1)}" y="${(Number(Y(t)) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  parts.push(`<rect x="${X(0)}" y="${Y(1)}" width="${w}" height="${hgt}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${m.l + w / 2}" y="${S - 6}" text-anchor="middle">nominal level P of the central interval</text>`);
  parts.push(`<text transform="translate(12 ${m.t + hgt / 2}) rotate(-90)" text-anchor="middle">observed coverage</text>`);
  series.forEach((s, i) => {
    const c = s.color ?? PALETTE[i % PALETTE.length];
    const pts = [...s.points].sort((a, b) => a.nominal - b.nominal);
    const dash = s.dashed ? ` stroke-dasharray="5 3"` : "";
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5"${dash} points="${pts.map((p) => `${X(p.nominal)},${Y(p.observed)}`).join(" ")}"/>`);
    for (const p of pts) parts.push(`<circle cx="${X(p.nominal)}" cy="${Y(p.observed)}" r="3" fill="${c}"><title>${esc(s.name)}: P ${p.nominal} observed ${p.observed.toFixed(3)}</title></circle>`);
    const ly = S + 4 + 18 * i;
    parts.push(`<line x1="${m.l}" y1="${ly}" x2="${m.l + 18}" y2="${ly}" stroke="${c}" stroke-width="2"${dash}/><text x="${m.l + 24}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}
