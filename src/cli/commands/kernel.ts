// `pssr kernel`: the Jupyter kernel (start, as the kernelspec runs it) and its installation.
import { parseCommandArgs } from "../args.js";
import { invalidArgument } from "../../errors.js";


const USAGE = `usage:
  pssr kernel install [--user | --prefix DIR] [--name NAME] [--display-name TEXT] [--check]
  pssr kernel install --check [--user | --prefix DIR] [--name NAME]   (verify an installation)
  pssr kernel uninstall [--user | --prefix DIR] [--name NAME]
  pssr kernel start --connection-file FILE     (what kernel.json runs; also: pssr kernel -f FILE)

--user (default) installs into $JUPYTER_DATA_DIR or ~/.local/share/jupyter; --prefix DIR into
DIR/share/jupyter, as \`jupyter kernelspec install --prefix\` does. The default name is pssr-ts.`;

export async function run(args: string[]): Promise<number> {
  const sub = args[0];
  if (sub === "-f" || sub === "--connection-file" || sub === "start") {
    const rest = sub === "start" ? args.slice(1) : args;
    const p = parseCommandArgs(rest, { "connection-file": { type: "string", short: "f" } }, USAGE);
    if (!p) return 0;
    const file = (p.values["connection-file"] as string | undefined) ?? p.positionals[0];
    if (!file) throw invalidArgument(`kernel start needs --connection-file FILE`);
    const { startKernel } = await import("../../kernel/main.js");
    const restart = await startKernel(file);
    void restart;
    // Leave no timers or sockets keeping the process alive.
    setTimeout(() => process.exit(0), 100).unref();
    return 0;
  }
  if (sub === "install" || sub === "uninstall") {
    const p = parseCommandArgs(
      args.slice(1),
      {
        user: { type: "boolean" },
        prefix: { type: "string" },
        name: { type: "string" },
        "display-name": { type: "string" },
        check: { type: "boolean" },
      },
      USAGE,
    );
    if (!p) return 0;
    const { installKernelspec, uninstallKernelspec, checkKernelspec } = await import("../../kernel/install.js");
    const where = {
      prefix: p.values.prefix as string | undefined,
      user: Boolean(p.values.user),
      name: (p.values.name as string | undefined) ?? "pssr-ts",
    };
    if (where.prefix && where.user) throw invalidArgument("give either --user or --prefix, not both");
    if (sub === "uninstall") {
      const removed = uninstallKernelspec(where);
      console.log(removed ? `removed ${removed}` : `no kernelspec named ${where.name} there; nothing removed`);
      return 0;
    }
    if (p.values.check) {
      const report = await checkKernelspec(where);
      for (const line of report.lines) console.log(line);
      return report.ok ? 0 : 1;
    }
    const result = installKernelspec({ ...where, displayName: p.values["display-name"] as string | undefined });
    console.log(`installed kernelspec ${where.name} in ${result.kernelDir}`);
    if (result.labextensionDir) console.log(`installed the widgets' JupyterLab extension in ${result.labextensionDir}`);
    else console.log("(no prebuilt widgets JupyterLab extension found in widgets/labextension; skipped)");
    return 0;
  }
  if (sub === undefined || sub === "--help" || sub === "-h") {
    console.log(USAGE);
    return sub === undefined ? 2 : 0;
  }
  throw invalidArgument(`unknown kernel subcommand "${sub}"`);
}
