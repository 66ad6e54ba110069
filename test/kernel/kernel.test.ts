// The kernel against real Jupyter clients: jupyter_client (test/ref/kernel_client.py),
// jupyter_client's Session for signing (test/ref/kernel_security.py), `jupyter kernelspec list`
// for the installed kernelspec, jupyter_server's REST + websocket path (what JupyterLab uses),
// and nbconvert/nbclient executing a notebook with a widget.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isolatedJupyter, python, repoRoot, runCli } from "../helpers.js";

const KERNEL = "pssr-ts-test";
let work = "";
let env: NodeJS.ProcessEnv = {};

function runRef(script: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(python, [join(repoRoot, "test", "ref", script), ...args], {
    encoding: "utf8",
    env: { ...env, ...extraEnv },
    cwd: work,
    timeout: 150_000,
  });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function passed(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("ok "))
    .map((l) => l.slice(3).trim());
}

describe("kernel with Jupyter clients", () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), "pssr-kernel-test-"));
    env = isolatedJupyter(work, join(work, "prefix"), KERNEL);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("cells import pssr-lab from any folder and shorthand properties see earlier cells", () => {
    // A folder outside the package (no node_modules) and the notebooks folder inside the checkout:
    // tslab's Node10 type resolution ignores package self-references, so both need the kernel's help.
    const elsewhere = join(work, "elsewhere");
    mkdirSync(elsewhere, { recursive: true });
    for (const cwd of [elsewhere, join(repoRoot, "notebooks")]) {
      const r = runRef("kernel_cells.py", [
        KERNEL,
        cwd,
        'import { percentile } from "pssr-lab";\npercentile([1, 2, 3, 4], 50)',
        'import { inKernel } from "pssr-lab/kernel";\ninKernel()',
        "const recipe = 7;",
        "({ recipe, twice: recipe * 2 })",
        "let q = 0;\n({ q } = { q: 5 });\nq",
        'import { percentile as p50 } from "pssr-lab";\np50("not numbers", 50)',
      ]);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { status: string; text: string | null; ename: string | null; evalue: string | null }[];
      assert.equal(out[0].text, "2.5", JSON.stringify(out[0]));
      assert.equal(out[1].text, "true", JSON.stringify(out[1]));
      assert.equal(out[3].text, "{ recipe: 7, twice: 14 }", JSON.stringify(out[3]));
      assert.equal(out[4].text, "5", JSON.stringify(out[4]));
      // still type-checked against the real declarations
      assert.equal(out[5].status, "error");
      assert.equal(out[5].ename, "TypeScriptError");
      assert.match(out[5].evalue ?? "", /ArrayLike<number>/);
    }
  });

  test("files appearing in the notebook folder between cells do not break the kernel", () => {
    const folder = join(work, "busy-folder");
    mkdirSync(folder, { recursive: true });
    const r = runRef("kernel_cells.py", [
      KERNEL,
      folder,
      'import { percentile } from "pssr-lab";',
      'import missing from "not-installed-yet";',
      "#!mkfiles node_modules/@types/extra/index.d.ts node_modules/not-installed-yet/index.d.ts runs/model/checkpoint.json",
      "2 + 2",
      "#!mkfiles node_modules/another/index.d.ts runs/model/weights.bin",
      "percentile([1, 2, 3], 50) + 1",
    ]);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { status: string; text: string | null; evalue: string | null }[];
    assert.equal(out[0].status, "ok", JSON.stringify(out[0]));
    assert.equal(out[1].status, "error"); // the missing module is a type error, as it should be
    assert.equal(out[3].text, "4", JSON.stringify(out[3]));
    assert.equal(out[5].text, "3", JSON.stringify(out[5]));
  });

  test("the kernelspec is where jupyter looks, with absolute paths", () => {
    const dir = join(work, "prefix", "share", "jupyter", "kernels", KERNEL);
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
    assert.equal(spec.language, "typescript");
    assert.equal(spec.interrupt_mode, "message");
    assert.match(spec.display_name, /TypeScript/);
    assert.match(spec.display_name, /pssr-lab/);
    assert.ok(existsSync(spec.argv[0]) && existsSync(spec.argv[1]), spec.argv.join(" "));
    assert.ok(existsSync(join(dir, "logo-32x32.png")) && existsSync(join(dir, "logo-64x64.png")));
    // jupyter_client's own discovery finds it
    const list = spawnSync(python, ["-m", "jupyter_client.kernelspecapp", "list", "--json"], { encoding: "utf8", env });
    assert.equal(list.status, 0, list.stderr);
    const found = JSON.parse(list.stdout).kernelspecs[KERNEL];
    assert.ok(found, list.stdout);
    assert.equal(found.spec.display_name, spec.display_name);
  });

  test("pssr kernel install --check starts the kernel and gets kernel_info", () => {
    const r = runCli(["kernel", "install", "--check", "--prefix", join(work, "prefix"), "--name", KERNEL], { env });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /answered kernel_info \(pssr-lab/);
    assert.match(r.stdout, /heartbeat answered/);
  });

  test("jupyter_client: execute, errors, completion, comms with buffers, widgets, input, interrupt, shutdown", () => {
    const r = runRef("kernel_client.py", [KERNEL, join(repoRoot, "dist", "src", "kernel", "api.js")], { PSSR_KERNEL_INTERRUPT_GRACE_MS: "500" });
    const ok = passed(r.stdout);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    for (const name of [
      "kernel_info",
      "execute_result",
      "silent_and_user_expressions",
      "errors",
      "complete_inspect_is_complete_history",
      "display",
      "comms_binary",
      "widgets",
      "stdin_input",
      "heartbeat_during_sync_cell",
      "interrupt",
      "stop_on_error",
      "shutdown",
    ]) {
      assert.ok(ok.includes(name), `check ${name} did not pass:\n${r.stdout}\n${r.stderr}`);
    }
  });

  test("signing: wrong key and unsigned messages are dropped, empty key warns", () => {
    const dir = join(work, "security");
    mkdirSync(dir);
    const r = runRef("kernel_security.py", [KERNEL, dir]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(passed(r.stdout), ["wrong_key_not_executed", "empty_key_warning"]);
    assert.ok(!existsSync(join(dir, "marker-wrong-key")));
    assert.ok(existsSync(join(dir, "marker-good")));
  });

  test("jupyter_server: REST start, websocket execute, binary widget update (JupyterLab's path)", () => {
    const root = join(work, "server-root");
    mkdirSync(root);
    const r = runRef("kernel_server.py", [KERNEL, root]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(passed(r.stdout), ["server_execute", "server_widget_binary", "server_shutdown"]);
  });

  test("nbconvert executes a notebook that creates a widget and reads its state", () => {
    const cell = (source: string) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: KERNEL, display_name: "TypeScript (pssr-lab)", language: "typescript" } },
      cells: [
        cell(
          'const slider = new kernel.Widget({ modelName: "IntSliderModel", modelModule: "@jupyter-widgets/controls",\n' +
            '  modelModuleVersion: "2.0.0", viewName: "IntSliderView" }, { value: 5, min: 0, max: 10, description: "steps" });\n' +
            "slider",
        ),
        cell('slider.set({ value: slider.get("value") + 1 });\nconsole.log("now", slider.get("value"));\nslider.get("value")'),
        cell('display(kernel.markdown("**done**"));'),
      ],
    };
    const dir = join(work, "nb");
    mkdirSync(dir);
    writeFileSync(join(dir, "widget.ipynb"), JSON.stringify(nb));
    const r = spawnSync(
      "/usr/bin/jupyter-nbconvert",
      ["--execute", "--to", "notebook", `--ExecutePreprocessor.kernel_name=${KERNEL}`, "--ExecutePreprocessor.timeout=120", "--output", "out.ipynb", "widget.ipynb"],
      { encoding: "utf8", env, cwd: dir, timeout: 150_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(readFileSync(join(dir, "out.ipynb"), "utf8"));
    // nbformat may store text as a list of lines
    const text = (v: string | string[]) => (Array.isArray(v) ? v.join("") : v);
    const [c1, c2, c3] = out.cells;
    const view = c1.outputs.find((o: any) => o.output_type === "execute_result").data["application/vnd.jupyter.widget-view+json"];
    assert.equal(view.version_major, 2);
    assert.equal(view.version_minor, 1);
    const result2 = c2.outputs.find((o: any) => o.output_type === "execute_result");
    assert.equal(text(result2.data["text/plain"]), "6");
    assert.equal(text(c2.outputs.find((o: any) => o.output_type === "stream").text), "now 6\n");
    assert.equal(text(c3.outputs[0].data["text/markdown"]), "**done**");
    // nbclient tracked the widget through its comm messages and saved its final state
    const saved = out.metadata.widgets["application/vnd.jupyter.widget-state+json"].state[view.model_id];
    assert.equal(saved.model_name, "IntSliderModel");
    assert.equal(saved.model_module, "@jupyter-widgets/controls");
    assert.equal(saved.state.value, 6);
    assert.equal(saved.state.description, "steps");
  });

  test("--user installs into $JUPYTER_DATA_DIR with the labextension; uninstall removes the kernelspec", () => {
    const ext = join(work, "fake-labextension");
    mkdirSync(join(ext, "static"), { recursive: true });
    writeFileSync(join(ext, "package.json"), JSON.stringify({ name: "@pssr/widgets-test", jupyterlab: { _build: { load: "static/remoteEntry.js" } } }));
    writeFileSync(join(ext, "static", "remoteEntry.js"), "// test");
    const data = join(work, "user-data");
    const userEnv = { ...env, JUPYTER_DATA_DIR: data, PSSR_LABEXTENSION_DIR: ext };
    const r = runCli(["kernel", "install", "--user", "--name", "pssr-user-test"], { env: userEnv });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(data, "kernels", "pssr-user-test", "kernel.json")));
    assert.equal(readFileSync(join(data, "labextensions", "@pssr", "widgets-test", "static", "remoteEntry.js"), "utf8"), "// test");
    const u = runCli(["kernel", "uninstall", "--user", "--name", "pssr-user-test"], { env: userEnv });
    assert.equal(u.status, 0, u.stderr);
    assert.ok(!existsSync(join(data, "kernels", "pssr-user-test")));
    const bad = runCli(["kernel", "install", "--prefix", data, "--name", "bad name/.."], { env: userEnv });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /kernel name/);
  });

  test("pssr kernel uninstall removes the kernelspec", () => {
    const dir = join(work, "prefix", "share", "jupyter", "kernels", KERNEL);
    const r = runCli(["kernel", "uninstall", "--prefix", join(work, "prefix"), "--name", KERNEL], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!existsSync(dir));
  });
});
