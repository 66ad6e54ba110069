// `pssr --help` comes from the light command table: it lists every command module, and it
// loads none of them (each pulls in tfjs, sharp or zeromq).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { COMMANDS } from "../../src/cli/command-table.js";
import { repoRoot, runCli } from "../helpers.js";

const commandsDir = join(repoRoot, "dist", "src", "cli", "commands");

test("the command table and the commands folder name the same commands, each module has run()", async () => {
  const modules = readdirSync(commandsDir).filter((f) => f.endsWith(".js")).map((f) => f.replace(/\.js$/, "")).sort();
  assert.deepEqual(COMMANDS.map((c) => c.name).sort(), modules);
  for (const name of modules) {
    const mod = (await import(join(commandsDir, `${name}.js`))) as { run?: unknown };
    assert.equal(typeof mod.run, "function", `${name}.js exports no run()`);
  }
});

test("pssr --help lists every command with its summary", () => {
  const r = runCli(["--help"]);
  assert.equal(r.status, 0, r.stderr);
  for (const { name, summary } of COMMANDS) assert.ok(r.stdout.includes(`  ${name.padEnd(10)} ${summary}`), `${name} missing from --help`);
});

test("pssr --help imports no command module and no tfjs", () => {
  const dir = mkdtempSync(join(tmpdir(), "pssr-help-"));
  try {
    const log = join(dir, "loaded.txt");
    writeFileSync(log, "");
    // An ESM load hook appends every module URL the process loads to `log`.
    writeFileSync(join(dir, "hooks.mjs"), `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context); }\n`);
    writeFileSync(join(dir, "register.mjs"), `import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n`);
    const r = spawnSync(process.execPath, ["--import", join(dir, "register.mjs"), join(repoRoot, "dist", "src", "cli", "main.js"), "--help"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const loaded = readFileSync(log, "utf8").split("\n").filter(Boolean);
    assert.ok(loaded.some((u) => u.endsWith("/cli/main.js")), "the hook saw nothing");
    const heavy = loaded.filter((u) => u.includes("/cli/commands/") || u.includes("/node_modules/"));
    assert.deepEqual(heavy, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
