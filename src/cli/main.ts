#!/usr/bin/env node
// The `pssr` command: a thin dispatcher. Each subcommand lives in ./commands/<name>.ts and
// exports `run(args: string[]): Promise<number>` plus a one-line `summary`; it is imported
// only when called so that `pssr --help` starts fast.
import { isPssrError } from "../errors.js";
import { setReadDefaults } from "../io/read.js";

interface CommandModule {
  summary: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS = [
  "info",
  "backend",
  "crappify",
  "calibrate",
  "train",
  "predict",
  "export",
  "models",
  "evaluate",
  "frc",
  "errormap",
  "kymograph",
  "report",
  "kernel",
  "demo",
] as const;

async function loadCommand(name: string): Promise<CommandModule | null> {
  try {
    return (await import(`./commands/${name}.js`)) as CommandModule;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" && String((e as Error).message).includes(`commands/${name}.js`)) {
      return null;
    }
    throw e;
  }
}

async function help(): Promise<void> {
  const lines = ["usage: pssr <command> [options]   (pssr <command> --help for a command's options)", "", "commands:"];
  for (const name of COMMANDS) {
    const mod = await loadCommand(name).catch(() => null);
    if (mod) lines.push(`  ${name.padEnd(10)} ${mod.summary}`);
  }
  lines.push("", "global options: --backend NAME (or PSSR_BACKEND), --verbose, --allow-partial (read the complete planes of a truncated file, with a warning)");
  console.log(lines.join("\n"));
}

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  // --allow-partial: every image read reads what a truncated file holds (with a warning).
  if (argv.includes("--allow-partial")) setReadDefaults({ allowPartial: true });
  const args = argv.filter((a) => a !== "--verbose" && a !== "--allow-partial");
  const name = args[0];
  if (!name || name === "--help" || name === "-h" || name === "help") {
    await help();
    return 0;
  }
  if (name === "--version") {
    const { readFileSync } = await import("node:fs");
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    console.log(pkg.version);
    return 0;
  }
  if (!(COMMANDS as readonly string[]).includes(name)) {
    console.error(`pssr: unknown command "${name}"; run pssr --help for the list`);
    return 2;
  }
  try {
    const mod = await loadCommand(name);
    if (!mod) {
      console.error(`pssr: the ${name} command is not available in this build`);
      return 2;
    }
    return await mod.run(args.slice(1));
  } catch (e) {
    if (isPssrError(e)) {
      // An argument error is one line naming the option and the rule, then where the options are.
      const hint = e.code === "invalid-argument" && !e.file ? `; see \`pssr ${name} --help\`` : "";
      console.error(`pssr ${name}: ${e.message}${hint}`);
      if (verbose && e.stack) console.error(e.stack);
      return 1;
    }
    console.error(`pssr ${name}: internal error: ${(e as Error)?.message ?? String(e)}`);
    if (verbose) console.error((e as Error)?.stack);
    else console.error("(run again with --verbose for the stack trace)");
    return 70;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    process.exitCode = 70;
  },
);
