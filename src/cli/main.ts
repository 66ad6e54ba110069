#!/usr/bin/env node
// The `pssr` command: a thin dispatcher. Each subcommand lives in ./commands/<name>.ts and
// exports `run(args: string[]): Promise<number>`; it is imported only when called, and the
// help is printed from the light table in command-table.ts, so `pssr --help` loads no command.
import { isPssrError } from "../errors.js";
import { COMMANDS, isCommandName } from "./command-table.js";

interface CommandModule {
  run(args: string[]): Promise<number>;
}

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

function help(): void {
  const lines = ["usage: pssr <command> [options]   (pssr <command> --help for a command's options)", "", "commands:"];
  for (const { name, summary } of COMMANDS) lines.push(`  ${name.padEnd(10)} ${summary}`);
  lines.push("", "global options: --backend NAME (or PSSR_BACKEND), --threads N (or PSSR_THREADS; default: the cores this process may use), --verbose, --allow-partial (read the complete planes of a truncated file, with a warning)");
  console.log(lines.join("\n"));
}

export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes("--verbose");
  // --allow-partial: every image read reads what a truncated file holds (with a warning).
  if (argv.includes("--allow-partial")) (await import("../io/read.js")).setReadDefaults({ allowPartial: true });
  let args = argv.filter((a) => a !== "--verbose" && a !== "--allow-partial");
  // --threads N / --threads=N: compute threads of every command (a global option, like --verbose).
  const at = args.findIndex((a) => a === "--threads" || a.startsWith("--threads="));
  if (at >= 0) {
    const value = args[at].startsWith("--threads=") ? args[at].slice(10) : args[at + 1];
    args = args.filter((_, i) => i !== at && !(i === at + 1 && args[at] === "--threads"));
    try {
      const { parseThreadCount, setThreadCount } = await import("../backend/threads.js");
      setThreadCount(parseThreadCount(value ?? "", "--threads"));
    } catch (e) {
      console.error(`pssr${args[0] ? ` ${args[0]}` : ""}: ${(e as Error).message}`);
      return 1;
    }
  }
  const name = args[0];
  if (!name || name === "--help" || name === "-h" || name === "help") {
    help();
    return 0;
  }
  if (name === "--version") {
    const { readFileSync } = await import("node:fs");
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    console.log(pkg.version);
    return 0;
  }
  if (!isCommandName(name)) {
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
