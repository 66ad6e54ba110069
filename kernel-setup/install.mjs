#!/usr/bin/env node
// Installs the pssr-lab kernelspec without the `pssr` command on PATH (same options as
// `pssr kernel install`): node kernel-setup/install.mjs [--user | --prefix DIR] [--name NAME] [--check]
// Needs the build (dist/); the installer itself is src/kernel/install.ts.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/src/cli/commands/kernel.js", import.meta.url));
if (!existsSync(cli)) {
  console.error("pssr-lab is not built: run `npx tsc -p .` (or npm run build) in the package folder first");
  process.exit(1);
}
const { run } = await import(cli);
const args = process.argv.slice(2);
process.exitCode = await run(args[0] === "uninstall" ? args : ["install", ...args]);
