// The real JupyterLab harness: the front end built by test/jupyterlab/build.mjs (JupyterLab
// from npm, cached outside the clone), served on the loopback by Debian's jupyterlab_server
// (test/jupyterlab/server/lab_server.py) with every Jupyter folder in a temporary directory,
// our kernel and the pssr-lab-widgets prebuilt extension installed into a temporary prefix by
// `pssr kernel install --prefix`, and Debian's Chromium driven by playwright-core through the
// lab's own application object (window.jupyterapp: commands, shell, notebook models).
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { repoRoot, startJupyterServer, stopProcess, type JupyterServer } from "../helpers.js";
import { createWorkspace, type Workspace } from "../notebooks/harness.js";

export const CHROMIUM = "/usr/bin/chromium";
export const artifactsDir = join(repoRoot, "test-artifacts", "jupyterlab");
/** The kernelspec name the notebooks ask for in their metadata (display name "TypeScript (pssr-lab)"). */
export const KERNEL = "pssr-ts";

/**
 * Console errors and uncaught page errors the lab may raise that are not problems, each with its
 * reason. Anything else logged at level "error", or thrown uncaught, fails the test that was running.
 */
export const CONSOLE_ALLOW: { pattern: RegExp; reason: string; frontends?: Frontend[] }[] = [
  {
    pattern: /^TypeError: Cannot read properties of undefined \(reading 'schema'\)$/,
    frontends: ["notebook"],
    reason:
      "Notebook 7 only: a race in the shortcuts plugin (its pluginChanged handler reads registry.plugins[shortcuts.id] before its own settings are loaded), reported upstream as jupyter/notebook#7862; shortcuts still work and nothing else depends on it",
  },
  {
    pattern: /^Error: No active debugger session$/,
    reason:
      "JupyterLab's debugger extension, after each cell, asks the debugger service about the kernel's session and rejects a promise uncaught when there is none; it happens with every kernel that does not debug (ours says debugger: false), and nothing the user sees changes",
  },
  {
    pattern: /^Error: A kernel is required to send debug messages\.$/,
    reason:
      "JupyterLab's debugger extension sends its debug_request through the session's kernel; when the tests shut a notebook's kernel down (before closing it) a pending query finds no kernel and rejects uncaught; the kernel is gone on purpose",
  },
  {
    pattern: /^Failed to load resource: the server responded with a status of 404 \(Not Found\)$/,
    reason:
      "Chromium's line for a 404 gives no URL; the harness records each failed response with its URL and fails on any not in HTTP_404_ALLOW",
  },
];

/** URLs that may answer 404, each with its reason (checked by the response listener). */
export const HTTP_404_ALLOW: { pattern: RegExp; reason: string }[] = [];

function allowedConsole(text: string, frontend: Frontend): boolean {
  return CONSOLE_ALLOW.some((a) => a.pattern.test(text) && (!a.frontends || a.frontends.includes(frontend)));
}


/** Which front end: JupyterLab (test/jupyterlab/app) or Notebook 7 (test/jupyterlab/notebook-app). */
export type Frontend = "lab" | "notebook";

/** The built front end's folder (static/ schemas/ themes/ [templates/]): cached, built on the first call. */
export async function frontendBuild(frontend: Frontend = "lab"): Promise<{ dir: string; built: boolean; seconds: number }> {
  const mod = await import(pathToFileURL(join(repoRoot, "test", "jupyterlab", "build.mjs")).href);
  return mod.ensureBuild(frontend === "lab" ? "app" : "notebook-app", { log: (s: string) => console.log(s) });
}

export interface Lab {
  frontend: Frontend;
  ws: Workspace;
  baseUrl: string;
  token: string;
  version: string;
  page: Page;
  browser: Browser;
  server: ChildProcess;
  /** Console errors and page errors not in CONSOLE_ALLOW, and 4xx/5xx responses, since the last take. */
  problems: string[];
  /** Every allowed console message seen, with how often (for the report). */
  allowedSeen: Map<string, number>;
  takeProblems(): string[];
  serverLog(): string;
  close(): Promise<void>;
}

/**
 * Builds (or reuses) the front end, lays out a project with the notebooks, starts the server and
 * Chromium on /lab (JupyterLab) or /tree (Notebook 7).
 */
export async function startLab(options: { prefix?: string; frontend?: Frontend } = {}): Promise<Lab> {
  const frontend = options.frontend ?? "lab";
  const build = await frontendBuild(frontend);
  if (!existsSync(join(repoRoot, "widgets", "labextension", "package.json"))) {
    throw new Error("widgets/labextension is missing: run `npm run build` (it builds the prebuilt extension)");
  }
  // The project: a copy of notebooks/ with node_modules/pssr-lab, the kernel and the widgets'
  // extension installed into a temporary prefix; PSSR_QUICK=1 reaches the kernel through the server.
  const ws = createWorkspace(options.prefix ?? "pssr-jupyterlab-", KERNEL);
  const state = join(ws.root, "lab-state");
  mkdirSync(state, { recursive: true });
  const env = { ...ws.env, PSSR_JLAB_BUILD: build.dir, PSSR_JLAB_STATE: state, IPYTHONDIR: join(ws.root, "ipython"), HOME: ws.env.HOME };
  const script = join(repoRoot, "test", "jupyterlab", "server", frontend === "lab" ? "lab_server.py" : "notebook_server.py");
  let jupyter: JupyterServer;
  try {
    jupyter = await startJupyterServer([script, `--ServerApp.root_dir=${ws.project}`], { cwd: ws.root, env, what: "the lab server" });
  } catch (e) {
    ws.dispose();
    throw e;
  }
  const { server, baseUrl, token } = jupyter;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  const allowedSeen = new Map<string, number>();
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const t = m.text();
    if (allowedConsole(t, frontend)) allowedSeen.set(t, (allowedSeen.get(t) ?? 0) + 1);
    else problems.push(`console.error: ${t.slice(0, 500)}`);
  });
  page.on("pageerror", (e) => {
    const t = String(e);
    if (allowedConsole(t, frontend)) allowedSeen.set(t, (allowedSeen.get(t) ?? 0) + 1);
    else problems.push(`pageerror: ${t.slice(0, 500)}`);
  });
  page.on("response", (r) => {
    if (r.status() < 400) return;
    const u = r.url().replace(/token=[0-9a-f]+/, "token=…");
    if (r.status() === 404 && HTTP_404_ALLOW.some((a) => a.pattern.test(u))) return;
    problems.push(`HTTP ${r.status()} ${r.request().method()} ${u}`);
  });
  await page.goto(frontend === "lab" ? `${baseUrl}/lab?reset&token=${token}` : `${baseUrl}/tree?token=${token}`, { waitUntil: "domcontentloaded" });
  await page.waitForFunction(() => (window as any).jupyterapp?.commands, null, { timeout: 90_000 });
  await page.evaluate(() => (window as any).jupyterapp.restored);
  const version: string = await page.evaluate(() => (window as any).jupyterapp.version);
  mkdirSync(artifactsDir, { recursive: true });
  const lab: Lab = {
    frontend,
    ws,
    baseUrl,
    token,
    version,
    page,
    browser,
    server,
    problems,
    allowedSeen,
    takeProblems: () => problems.splice(0, problems.length),
    serverLog: jupyter.log,
    async close() {
      await page
        .evaluate(async () => {
          const app = (window as any).jupyterapp;
          await app.serviceManager.sessions.refreshRunning();
          for (const s of [...app.serviceManager.sessions.running()]) await app.serviceManager.sessions.shutdown(s.id);
        })
        .catch(() => undefined);
      await browser.close().catch(() => undefined);
      await stopProcess(server);
      ws.dispose();
    },
  };
  return lab;
}

/**
 * Opens a notebook (path relative to the project) and waits until its kernel is idle: in
 * JupyterLab with the docmanager:open command, in Notebook 7 by loading its /notebooks/ page
 * (each notebook has its own page there).
 */
export async function openNotebook(page: Page, path: string, L?: Pick<Lab, "frontend" | "baseUrl" | "token">): Promise<void> {
  if (L?.frontend === "notebook") {
    await page.goto(`${L.baseUrl}/notebooks/${path}?token=${L.token}`, { waitUntil: "domcontentloaded" });
    await page.waitForFunction(() => (window as any).jupyterapp?.shell?.currentWidget?.context, null, { timeout: 90_000 });
  } else
  await page.evaluate(async (p) => {
    const app = (window as any).jupyterapp;
    const w = await app.commands.execute("docmanager:open", { path: p, factory: "Notebook" });
    await w.context.ready;
    await w.sessionContext.ready;
  }, path);
  await page.waitForFunction(
    (p) => {
      const w = (window as any).jupyterapp.shell.currentWidget;
      const k = w?.context?.path === p ? w.sessionContext?.session?.kernel : null;
      return k && k.connectionStatus === "connected" && k.status === "idle";
    },
    path,
    { timeout: 120_000 },
  );
}

export interface CellReport {
  index: number;
  type: string;
  executionCount: number | null;
  blank: boolean;
  errors: string[];
  widgetViews: number;
  stderr: string;
}

/** Per-cell summary of the current notebook's model and DOM. */
export async function cellReports(page: Page): Promise<CellReport[]> {
  return page.evaluate(() => {
    const nb = (window as any).jupyterapp.shell.currentWidget.content;
    return nb.widgets.map((c: any, index: number) => {
      const m = c.model;
      const outs = m.type === "code" ? m.outputs.toJSON() : [];
      return {
        index,
        type: m.type,
        executionCount: m.type === "code" ? m.executionCount : null,
        blank: m.sharedModel.getSource().trim() === "",
        errors: outs.filter((o: any) => o.output_type === "error").map((o: any) => `${o.ename}: ${o.evalue}`),
        widgetViews: outs.filter((o: any) => o.data && "application/vnd.jupyter.widget-view+json" in o.data).length,
        stderr: outs
          .filter((o: any) => o.output_type === "stream" && o.name === "stderr")
          .map((o: any) => (Array.isArray(o.text) ? o.text.join("") : o.text))
          .join(""),
      };
    });
  });
}

/** True while any code cell of the current notebook waits or runs (its prompt reads [*]). */
export async function pendingCells(page: Page): Promise<number> {
  return page.evaluate(() => {
    const nb = (window as any).jupyterapp.shell.currentWidget.content;
    return nb.widgets.filter((c: any) => c.model.type === "code" && /\*/.test(c.node.querySelector(".jp-InputPrompt")?.textContent ?? "")).length;
  });
}

/** What the lab shows as the kernel's status: the session's display status and the status bar's text. */
export async function kernelStatus(page: Page): Promise<{ display: string; bar: string }> {
  return page.evaluate(() => {
    const w = (window as any).jupyterapp.shell.currentWidget;
    const bar = document.querySelector(".jp-StatusBar-Widget .jp-StatusBar-TextItem[title*='ernel'], #jp-main-statusbar [data-status]")?.textContent ?? "";
    return { display: String(w?.sessionContext?.kernelDisplayStatus ?? ""), bar };
  });
}

/** Runs every cell with the lab's "Run All" command and waits until no cell is pending. */
export async function runAll(page: Page, timeoutMs: number, onTick?: () => Promise<void>): Promise<number> {
  const t0 = Date.now();
  await page.evaluate(() => {
    void (window as any).jupyterapp.commands.execute("notebook:run-all-cells");
  });
  await page.waitForFunction(() => document.querySelectorAll(".jp-Notebook .jp-InputPrompt").length > 0);
  // the command marks every code cell [*] synchronously; then wait for all to finish
  for (;;) {
    if (onTick) await onTick();
    const pending = await pendingCells(page);
    const reports = await cellReports(page);
    const unrun = reports.filter((c) => c.type === "code" && !c.blank && c.executionCount === null).length;
    if (pending === 0 && unrun === 0) break;
    if (Date.now() - t0 > timeoutMs) throw new Error(`Run All did not finish in ${timeoutMs / 1000} s: ${pending} cells pending, ${unrun} not run`);
    await new Promise((r) => setTimeout(r, onTick ? 100 : 500));
  }
  return (Date.now() - t0) / 1000;
}

/** Widget views in the current notebook: rendered ones, and those that show "Error displaying widget". */
export async function widgetViews(page: Page): Promise<{ rendered: number; failed: string[] }> {
  return page.evaluate(() => {
    const nb = (window as any).jupyterapp.shell.currentWidget.content.node as HTMLElement;
    const outputs = Array.from(nb.querySelectorAll(".jp-OutputArea-output")) as HTMLElement[];
    const failed = outputs.filter((o) => /Error displaying widget/.test(o.textContent ?? "")).map((o) => (o.textContent ?? "").slice(0, 200));
    return { rendered: nb.querySelectorAll(".pssr-widget").length, failed };
  });
}

/** A screenshot of the whole notebook: first cell active, scrolled to the top, the viewport grown to the notebook's height. */
export async function screenshotNotebook(page: Page, file: string): Promise<void> {
  const vp = page.viewportSize()!;
  const toTop = () =>
    page.evaluate(() => {
      const app = (window as any).jupyterapp;
      const panel = app.shell.currentWidget;
      panel.content.activeCellIndex = 0;
      // whichever element scrolls (the windowed list's outer node) goes back to the top
      for (const el of [panel.node, ...Array.from(panel.node.querySelectorAll("*"))] as HTMLElement[]) if (el.scrollTop > 0) el.scrollTop = 0;
      const inner = panel.node.querySelector(".jp-WindowedPanel-inner") as HTMLElement | null;
      return (inner ?? panel.content.node).scrollHeight;
    });
  await page.evaluate(() => (window as any).jupyterapp.shell.collapseLeft?.());
  const h = await toTop();
  await page.setViewportSize({ width: vp.width, height: Math.min(Math.max(vp.height, h + 200), 30_000) });
  await page.waitForTimeout(800);
  await toTop();
  await page.waitForTimeout(200);
  await page.screenshot({ path: file });
  await page.setViewportSize(vp);
}

/**
 * Appends a code cell to the current notebook and runs it with the lab's run-cell command,
 * without waiting for it; `tag` marks the cell's node (data-pssr-test) for selectors.
 */
export async function startCell(page: Page, code: string, tag?: string): Promise<number> {
  return page.evaluate(
    async ({ src, tag }) => {
      const app = (window as any).jupyterapp;
      const nb = app.shell.currentWidget.content;
      const index = nb.model.cells.length;
      nb.model.sharedModel.insertCell(index, { cell_type: "code", source: src });
      nb.activeCellIndex = index;
      if (tag) nb.widgets[index].node.setAttribute("data-pssr-test", tag);
      void app.commands.execute("notebook:run-cell");
      return index;
    },
    { src: code, tag },
  );
}

/** Waits until cell `index` has finished; returns what it printed on stdout and its error, if any. */
export async function waitCell(page: Page, index: number, timeoutMs = 60_000): Promise<{ stdout: string; error: string | null }> {
  await page.waitForFunction(
    (i) => {
      const c = (window as any).jupyterapp.shell.currentWidget.content.widgets[i];
      return c && c.model.executionCount !== null && !/\*/.test(c.node.querySelector(".jp-InputPrompt")?.textContent ?? "");
    },
    index,
    { timeout: timeoutMs },
  );
  const outs = await page.evaluate((i) => (window as any).jupyterapp.shell.currentWidget.content.widgets[i].model.outputs.toJSON(), index);
  const err = outs.find((o: any) => o.output_type === "error");
  const stdout = outs
    .filter((o: any) => o.output_type === "stream" && o.name === "stdout")
    .map((o: any) => (Array.isArray(o.text) ? o.text.join("") : o.text))
    .join("");
  return { stdout, error: err ? `${err.ename}: ${err.evalue}` : null };
}

/** Appends a code cell, runs it and returns what it printed (stdout); a cell error throws. */
export async function runCell(page: Page, code: string, timeoutMs = 60_000, tag?: string): Promise<string> {
  const r = await waitCell(page, await startCell(page, code, tag), timeoutMs);
  if (r.error) throw new Error(`cell failed: ${r.error}`);
  return r.stdout;
}

/** The spread of a canvas's pixel values (0 when it is blank or uniform). */
export async function canvasRange(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const cv = c as HTMLCanvasElement;
    const d = cv.getContext("2d")!.getImageData(0, 0, cv.width, cv.height).data;
    let lo = 255;
    let hi = 0;
    for (let i = 0; i < d.length; i += 4) {
      lo = Math.min(lo, d[i]);
      hi = Math.max(hi, d[i]);
    }
    return hi - lo;
  });
}

/** Runs `code` in a new cell until its stdout satisfies `ok` (widget messages are asynchronous). */
export async function waitForKernelState(page: Page, code: string, ok: (stdout: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    last = await runCell(page, code);
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`kernel state never satisfied the check; last output:\n${last}`);
    await page.waitForTimeout(300);
  }
}

/** A short fingerprint of a canvas's pixels (to see that it changed). */
export async function canvasHash(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (c) => {
    const cv = c as HTMLCanvasElement;
    const d = cv.getContext("2d")!.getImageData(0, 0, cv.width, cv.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 1) h = Math.imul(h ^ d[i], 16777619);
    return `${cv.width}x${cv.height}:${(h >>> 0).toString(16)}`;
  });
}

export function readJson(file: string): any {
  return JSON.parse(readFileSync(file, "utf8"));
}

