// pssr-lab's build of the JupyterLab front end for the lab tests (see ../README.md).
// Every file of this app is pssr-lab's own: src/ holds the entry (start.js: prebuilt extensions
// join the share scope, then lab.js gathers the plugins and starts JupyterLab) and the page
// template (index.html); this config writes build/extensions.js, the list of bundled extension
// packages, from package.json's jupyterlab.extensions / mimeExtensions. The federation container
// "CORE_FEDERATION" is what prebuilt extensions such as pssr-lab-widgets join; schemas and
// themes are copied next to the bundle. No watch mode, linked packages, bundle analysis,
// licence reports or source maps (a test fixture, not a release).
const fs = require("fs");
const path = require("path");
const HtmlWebpackPlugin = require("html-webpack-plugin");
const rspack = require("@rspack/core");
const merge = require("webpack-merge").default;
const baseConfig = require("@jupyter/builder/lib/webpack.config.base");
const { Build } = require("@jupyter/builder");
const pkg = require("./package.json");

const jlab = pkg.jupyterlab;
const here = __dirname;
const src = path.join(here, "src");
const generated = path.join(here, "build"); // build/extensions.js (not hashed by ../build.mjs: an output)
const buildDir = path.resolve(here, jlab.buildDir); // static/: bundle + index.html (the server's template)
const outputDir = path.resolve(here, jlab.outputDir); // schemas/, themes/, style.js
const extensionPackages = [...new Set([...Object.keys(jlab.extensions), ...Object.keys(jlab.mimeExtensions)])];

for (const d of [buildDir, generated]) {
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
}

// Schemas and themes of every extension package, and style.js importing their styles.
const assetConfigs = Build.ensureAssets({ packageNames: extensionPackages, output: outputDir });

// build/extensions.js: each bundled extension package as [name, () => its module]; the loaders
// are thunks so that lab.js evaluates them only after the prebuilt extensions joined the share
// scope, and can report one that throws without losing the others. A value in package.json's
// lists is a module path inside the package ("" for its main module).
const loaders = (list) =>
  Object.entries(list)
    .map(([name, sub]) => `  [${JSON.stringify(name)}, () => require(${JSON.stringify(sub ? `${name}/${sub}` : name)})],`)
    .join("\n");
fs.writeFileSync(
  path.join(generated, "extensions.js"),
  [
    "// Written by rspack.config.cjs (pssr-lab) from package.json's jupyterlab lists; not edited by hand.",
    `import ${JSON.stringify(path.join(outputDir, "style.js"))}; // every extension package's stylesheet (Build.ensureAssets)`,
    `export const bundledExtensions = [\n${loaders(jlab.extensions)}\n];`,
    `export const bundledMimeExtensions = [\n${loaders(jlab.mimeExtensions)}\n];`,
    "",
  ].join("\n"),
);
fs.copyFileSync(path.join(here, "package.json"), path.join(buildDir, "package.json"));

// Module federation: every pinned core package is shared at its resolved range; the
// dependencies of bundled extensions too unless the range above already covers them; the
// singletons once only. Prebuilt extensions then find @jupyter-widgets/base here.
const shared = {};
for (const [name, requiredVersion] of Object.entries(pkg.overrides)) if (!name.startsWith("@microsoft/")) shared[name] = { requiredVersion };
for (const name of extensionPackages) {
  const meta = require(`${name}/package.json`);
  if (!shared[name]) shared[name] = { requiredVersion: meta.version };
  for (const [dep, requiredVersion] of Object.entries(meta.dependencies ?? {})) if (!shared[dep]) shared[dep] = { requiredVersion };
  for (const [dep, config] of Object.entries(meta.jupyterlab?.sharedPackages ?? {})) {
    if (config === false) delete shared[dep];
    else if (!(dep in pkg.overrides)) {
      const { bundled, ...rest } = config;
      shared[dep] = bundled === undefined ? rest : { ...rest, import: bundled };
    }
  }
}
for (const name of jlab.singletonPackages) shared[name] = { ...shared[name], singleton: true };

module.exports = [
  merge(baseConfig, {
    mode: "production",
    devtool: false,
    entry: { main: path.join(src, "start.js") },
    resolve: { alias: { "pssr-lab-generated": generated } },
    output: {
      path: buildDir,
      publicPath: "{{page_config.fullStaticUrl}}/",
      // the ?v= query lets jupyter_server send cache headers for these immutable files
      filename: "[name].[contenthash].js?v=[contenthash]",
    },
    optimization: {
      minimize: true,
      splitChunks: { chunks: "all", cacheGroups: { jlab_core: { test: /[\\/]node_modules[\\/]@(jupyterlab|lumino(?!\/datagrid))[\\/]/, name: "jlab_core" } } },
    },
    externals: ["ws"],
    plugins: [
      new HtmlWebpackPlugin({ chunksSortMode: "none", template: path.join(src, "index.html"), title: jlab.name || "JupyterLab" }),
      new rspack.container.ModuleFederationPlugin({ library: { type: "var", name: ["_JUPYTERLAB", "CORE_LIBRARY_FEDERATION"] }, name: "CORE_FEDERATION", shared }),
    ],
  }),
].concat(assetConfigs);
