// Browser-test plumbing for the widgets: a real Jupyter Server (Debian's python3-jupyter-server)
// running the project's kernel from a temporary prefix, Debian's Chromium driven by
// playwright-core, and a page that talks to the kernel with @jupyterlab/services and renders
// widget views with @jupyter-widgets/html-manager (ipywidgets' examples/web3 pattern).
import { spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { isolatedJupyter, repoRoot, startJupyterServer, stopProcess } from "../helpers.js";

export const CHROMIUM = "/usr/bin/chromium";
export const artifactsDir = join(repoRoot, "test-artifacts", "widgets");

export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-gpu", "--disable-dev-shm-usage"];

/** Builds widgets/dist when it is missing or older than widgets/src or the protocol module it bundles. */
export function ensureWidgetBundle(): void {
  const dist = join(repoRoot, "widgets", "dist", "pssr-live.js");
  const src = join(repoRoot, "widgets", "src");
  const shared = [join(repoRoot, "src", "widgets", "protocol.ts"), join(repoRoot, "src", "kernel", "widget-mime.ts")];
  const newest = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs), ...shared.map((f) => statSync(f).mtimeMs));
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest && existsSync(join(repoRoot, "widgets", "dist", "pssr-widgets.js"))) return;
  const r = spawnSync(process.execPath, [join(repoRoot, "widgets", "build.mjs"), "--no-labextension"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`widgets build failed: ${r.stdout}\n${r.stderr}`);
}

/** Chromium with a fresh profile directory (playwright passes it as --user-data-dir). */
export function launchBrowser(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1500, height: 1100 } });
}


const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>pssr-lab widgets test</title></head>
<body><div id="host"></div>
<script type="module">
import { connect } from "./pssr-live.js";
const q = new URLSearchParams(location.search);
window.pssrReady = connect({ baseUrl: location.origin + "/", token: q.get("token"), kernelName: q.get("kernel") }).then((s) => {
  window.session = s;
  window.exec = (code) => s.exec(code, document.getElementById("host")).then((r) => ({ stdout: r.stdout, stderr: r.stderr, error: r.error, views: r.views.length, updates: r.updates }));
  return true;
});
</script></body></html>`;

export interface Harness {
  work: string;
  /** A private copy of the built package (dist/src) that cells import: see startHarness. */
  pkgDir: string;
  token: string;
  baseUrl: string;
  kernelName: string;
  server: ChildProcess;
  browser: BrowserContext;
  page: Page;
  consoleErrors: string[];
  close(): Promise<void>;
}

/** Installs the kernel into a temporary prefix, starts jupyter_server and a browser page connected to a new kernel. */
export async function startHarness(): Promise<Harness> {
  ensureWidgetBundle();
  // Two folders: `work` holds the kernel's working folder and the package copy its cells import,
  // and nothing else; `aux` holds everything that keeps changing (Chromium's profile, Jupyter's
  // runtime files). The kernel's TypeScript watch program watches folders around its working
  // folder, and a change there between two cells breaks tslab's converter for good
  // ("Unexpected pending rebuildTimer"; reported to the kernel's owner).
  const work = mkdtempSync(join(tmpdir(), "pssr-widgets-test-"));
  const aux = mkdtempSync(join(tmpdir(), "pssr-widgets-aux-"));
  const prefix = join(aux, "prefix");
  const kernelName = "pssr-ts-widgets-test";
  const env = isolatedJupyter(aux, prefix, kernelName);
  // Cells import the toolkit from a private copy of dist/src: the kernel's TypeScript watch
  // program watches imported declaration files and the folders it resolved them through, and a
  // change there between cells (a concurrent `tsc` rewriting dist/) leaves tslab's converter
  // with a pending rebuild: every later cell fails with "Unexpected pending rebuildTimer".
  const pkgDir = join(work, "pkg");
  cpSync(join(repoRoot, "dist", "src"), join(pkgDir, "dist", "src"), { recursive: true });
  copyFileSync(join(repoRoot, "package.json"), join(pkgDir, "package.json"));
  // Its node_modules is a folder of our own holding links to each package: the repo's
  // node_modules folder itself sees entries come and go (tools' temp files), and any change in
  // a folder the converter watches breaks the next cell the same way.
  mkdirSync(join(pkgDir, "node_modules"));
  for (const entry of readdirSync(join(repoRoot, "node_modules"))) {
    if (entry.startsWith(".")) continue;
    symlinkSync(join(repoRoot, "node_modules", entry), join(pkgDir, "node_modules", entry));
  }
  symlinkSync(join(repoRoot, "data-samples"), join(pkgDir, "data-samples"));
  const stat = join(aux, "static");
  mkdirSync(stat);
  writeFileSync(join(stat, "pssr-test.html"), PAGE);
  copyFileSync(join(repoRoot, "widgets", "dist", "pssr-live.js"), join(stat, "pssr-live.js"));
  const root = join(work, "root");
  mkdirSync(root);
  const { server, baseUrl, token } = await startJupyterServer(["-m", "jupyter_server", `--ServerApp.root_dir=${root}`, `--ServerApp.extra_static_paths=${JSON.stringify([stat])}`], { env, what: "jupyter_server" });
  const browser = await launchBrowser(join(aux, "profile"));
  const page = browser.pages()[0] ?? (await browser.newPage());
  const consoleErrors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  await page.goto(`${baseUrl}/static/pssr-test.html?token=${token}&kernel=${kernelName}`);
  await page.evaluate(() => (window as any).pssrReady);
  mkdirSync(artifactsDir, { recursive: true });
  return {
    work,
    pkgDir,
    token,
    baseUrl,
    kernelName,
    server,
    browser,
    page,
    consoleErrors,
    async close() {
      await page.evaluate(() => (window as any).session?.shutdown()).catch(() => undefined);
      await browser.close().catch(() => undefined);
      await stopProcess(server);
      rmSync(work, { recursive: true, force: true });
      rmSync(aux, { recursive: true, force: true });
    },
  };
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  error: string | null;
  views: number;
  updates: string[][];
}

/** Runs code in the kernel from the page; widget views it displays are rendered into the page. */
export async function exec(page: Page, code: string): Promise<ExecResult> {
  const r: ExecResult = await page.evaluate((c) => (window as any).exec(c), code);
  if (r.error) throw new Error(`kernel error: ${r.error}\nstderr: ${r.stderr}`);
  return r;
}

/** A short fingerprint of a canvas's pixels (to see that it changed). */
export async function canvasHash(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (c) => {
    const d = (c as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 1) h = Math.imul(h ^ d[i], 16777619);
    return `${(c as HTMLCanvasElement).width}x${(c as HTMLCanvasElement).height}:${(h >>> 0).toString(16)}`;
  });
}

/** Polls kernel code until its stdout satisfies `ok` (the widget manager's messages are asynchronous). */
export async function waitForKernel(page: Page, code: string, ok: (stdout: string) => boolean, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    last = (await exec(page, code)).stdout;
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`kernel state never satisfied the check; last output:\n${last}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
