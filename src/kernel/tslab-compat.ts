// `import * as tslab from "tslab"` inside our kernel: the same display API as tslab's
// public module (display.html/png/..., newDisplay()), sent through this kernel.
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { display as show, type DisplayHandle } from "./display.js";

export interface TslabDisplay {
  javascript(s: string): void;
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
  gif(b: Uint8Array): void;
  pdf(b: Uint8Array): void;
  text(s: string): void;
  raw(contentType: string, b: string | Uint8Array): void;
}

function makeDisplay(displayId?: string): TslabDisplay {
  let handle: DisplayHandle | null = null;
  const raw = (contentType: string, b: string | Uint8Array) => {
    const data = typeof b === "string" ? b : Buffer.from(b).toString("base64");
    const bundle = { [contentType]: data };
    // Like tslab: the first call of a newDisplay() shows, later calls replace it.
    if (handle) handle.update(bundle);
    else if (displayId) handle = show(bundle, { displayId });
    else show(bundle);
  };
  const d: TslabDisplay = {
    javascript: (s) => raw("text/javascript", s),
    html: (s) => raw("text/html", s),
    markdown: (s) => raw("text/markdown", s),
    latex: (s) => raw("text/latex", s),
    svg: (s) => raw("image/svg+xml", s),
    png: (b) => raw("image/png", b),
    jpeg: (b) => raw("image/jpeg", b),
    gif: (b) => raw("image/gif", b),
    pdf: (b) => raw("application/pdf", b),
    text: (s) => raw("text/plain", s),
    raw,
  };
  return d;
}

export function tslabModule(): Record<string, unknown> {
  const req = createRequire(import.meta.url);
  let tslabVersion = "?";
  let tsVersion = "?";
  try {
    tslabVersion = (req("tslab/package.json") as { version: string }).version;
    tsVersion = (req("@tslab/typescript-for-tslab") as { version: string }).version;
  } catch {
    // versions stay unknown
  }
  return {
    versions: { tslab: tslabVersion, typescript: tsVersion, node: process.version },
    display: makeDisplay(),
    newDisplay: () => makeDisplay(randomBytes(8).toString("hex")),
  };
}
