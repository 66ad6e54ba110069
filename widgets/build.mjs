// Builds the widgets' front end from widgets/src, two packagings from one source:
//   dist/pssr-widgets.js  ES module: html-manager + our views + plotly (offline HTML reports)
//   dist/pssr-live.js     ES module: the above + @jupyterlab/services (a page talking to a live kernel; tests)
//   lib/plugin.js         our sources and the shared protocol module (src/widgets/protocol.ts) as
//                         one ES module, npm packages left as imports: input of the JupyterLab build
//   labextension/         prebuilt JupyterLab 4 / Notebook 7 extension (@jupyter/builder, rspack),
//                         @jupyter-widgets/base shared as a non-bundled singleton
// usage: node widgets/build.mjs [--no-labextension]
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const t0 = Date.now();

const common = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  minify: true,
  legalComments: "none",
  // html-manager pulls in the controls' stylesheets and fonts; pssr views inject their own style.
  loader: { ".css": "empty", ".woff": "empty", ".woff2": "empty", ".ttf": "empty", ".eot": "empty", ".svg": "empty" },
  define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
  logLevel: "warning",
};
await build({ ...common, entryPoints: [join(here, "src", "embed.ts")], outfile: join(here, "dist", "pssr-widgets.js") });
await build({ ...common, entryPoints: [join(here, "src", "live.ts")], outfile: join(here, "dist", "pssr-live.js") });

rmSync(join(here, "lib"), { recursive: true, force: true });
// Bundled (our files only): the views import the protocol module from ../src/widgets, outside this package.
await build({ entryPoints: [join(here, "src", "plugin.ts")], outfile: join(here, "lib", "plugin.js"), format: "esm", platform: "browser", target: "es2020", bundle: true, packages: "external", logLevel: "warning" });

if (!process.argv.includes("--no-labextension")) {
  rmSync(join(here, "labextension"), { recursive: true, force: true });
  const r = spawnSync(
    process.execPath,
    [join(root, "node_modules", "@jupyter", "builder", "lib", "build-labextension.js"), "--core-package-file", join(root, "node_modules", "@jupyterlab", "core-meta", "core.package.json"), here],
    { stdio: "inherit", cwd: here },
  );
  if (r.status !== 0) {
    console.error("the JupyterLab extension build failed");
    process.exit(r.status ?? 1);
  }
}
console.log(`widgets built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
