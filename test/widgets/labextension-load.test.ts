// The prebuilt JupyterLab extension loaded the way JupyterLab loads a federated extension:
// Chromium runs static/remoteEntry.*.js (it defines window._JUPYTERLAB["pssr-lab-widgets"]),
// the page initialises the container with a shared scope that offers one @jupyter-widgets/base
// (the host's), gets "./extension" and activates the plugin with a registry. The registered
// views must subclass the host's DOMWidgetView: the singleton was used, not a bundled copy.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { after, before, test } from "node:test";
import type { BrowserContext } from "playwright-core";
import { repoRoot } from "../helpers.js";
import { ensureWidgetBundle, launchBrowser } from "./harness.js";

const work = mkdtempSync(join(tmpdir(), "pssr-labext-"));
let server: Server;
let browser: BrowserContext;
let origin = "";

const PAGE = `<!doctype html><html><head><meta charset="utf-8"></head><body><script type="module">
import * as live from "/dist/pssr-live.js";
window.loadExtension = async (entry) => {
  await new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = "/labextension/" + entry;
    s.onload = resolve;
    s.onerror = () => reject(new Error("remoteEntry did not load"));
    document.head.appendChild(s);
  });
  const container = window._JUPYTERLAB["pssr-lab-widgets"];
  const base = live.widgetsBase;
  let baseRequested = 0;
  const scope = { "@jupyter-widgets/base": { "6.0.12": { get: () => { baseRequested++; return Promise.resolve(() => base); }, loaded: 1, from: "@jupyter-widgets/jupyterlab-manager", eager: false } } };
  await container.init(scope);
  const factory = await container.get("./extension");
  const mod = factory();
  const plugin = mod.default ?? mod;
  const registered = [];
  const registry = { registerWidget: (w) => registered.push(w) };
  if (!plugin.requires.includes(base.IJupyterWidgetRegistry)) throw new Error("the plugin does not require the host's IJupyterWidgetRegistry token");
  plugin.activate({}, registry);
  const w = registered[0];
  const exportsObj = typeof w.exports === "function" ? await w.exports() : await w.exports;
  const views = Object.keys(exportsObj).filter((k) => k.endsWith("View"));
  return {
    id: plugin.id,
    name: w.name,
    version: w.version,
    baseRequested,
    views,
    allSubclassHostView: views.every((k) => exportsObj[k].prototype instanceof base.DOMWidgetView),
    allModelsSubclassHostModel: Object.keys(exportsObj).filter((k) => k.endsWith("Model")).every((k) => exportsObj[k].prototype instanceof base.DOMWidgetModel),
  };
};
window.pageReady = true;
</script></body></html>`;

before(async () => {
  ensureWidgetBundle();
  if (!existsSync(join(repoRoot, "widgets", "labextension", "package.json"))) {
    const b = spawnSync(process.execPath, [join(repoRoot, "widgets", "build.mjs")], { encoding: "utf8" });
    assert.equal(b.status, 0, b.stdout + b.stderr);
  }
  const types: Record<string, string> = { ".js": "text/javascript", ".json": "application/json", ".html": "text/html" };
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
      return;
    }
    const rel = normalize(url.pathname).replace(/^\/+/, "");
    if (!/^(dist|labextension)\//.test(rel) || rel.includes("..")) {
      res.writeHead(404).end();
      return;
    }
    const file = join(repoRoot, "widgets", rel);
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await launchBrowser(join(work, "profile"));
});

after(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  rmSync(work, { recursive: true, force: true });
});

test("the JupyterLab build loads as a federated extension and registers its views on the shared @jupyter-widgets/base", async () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "widgets", "labextension", "package.json"), "utf8"));
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(`${m.text()} ${m.location().url}`));
  await page.goto(origin + "/");
  await page.waitForFunction(() => (window as any).pageReady === true);
  const r = await page.evaluate((entry) => (window as any).loadExtension(entry), pkg.jupyterlab._build.load);
  assert.equal(r.id, "pssr-lab-widgets:plugin");
  assert.equal(r.name, "pssr-lab-widgets");
  assert.equal(r.version, pkg.version);
  assert.ok(r.baseRequested >= 1, "the extension took @jupyter-widgets/base from the shared scope");
  assert.deepEqual([...r.views].sort(), ["CrappifierTunerView", "ErrorMapView", "FRCPlotView", "ImageCompareView", "KymographView", "TrainingMonitorView"]);
  assert.equal(r.allSubclassHostView, true);
  assert.equal(r.allModelsSubclassHostModel, true);
  assert.deepEqual(errors, []);
  await page.close();
});
