// pssr-lab's build of the Jupyter Notebook 7 front end for the tests (see ../README.md).
// Every file of this app is pssr-lab's own: src/ holds the entry (start.js: prebuilt extensions
// join the share scope, then notebook.js starts the page's NotebookApp) and one page template
// (page.html) from which this config makes templates/{tree,notebooks,edit}.html; it writes
// build/extensions.js, each page's bundled plugins, from package.json's jupyterlab.plugins.
// The federation container "CORE_FEDERATION" is what prebuilt extensions (pssr-lab-widgets)
// join; schemas and themes beside the bundle. No watch mode, licence report or source maps.
const fs = require("fs");
const path = require("path");
const HtmlWebpackPlugin = require("html-webpack-plugin");
const rspack = require("@rspack/core");
const merge = require("webpack-merge").default;
const baseConfig = require("@jupyter/builder/lib/webpack.config.base");
const { Build } = require("@jupyter/builder");
const pkg = require("./package.json");

const here = __dirname;
const src = path.join(here, "src");
const work = path.join(here, "build"); // generated entry files
const staticDir = path.join(here, "static");
const templatesDir = path.join(here, "templates");
const { plugins, mimeExtensions } = pkg.jupyterlab;

for (const d of [work, staticDir, templatesDir]) {
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
}

// Packages with JupyterLab metadata: their schemas, themes and styles are collected.
const names = Object.keys(pkg.dependencies).filter((name) => require(`${name}/package.json`).jupyterlab !== undefined);
const extensionPackages = [...new Set([...Object.values(plugins).flatMap((page) => Object.keys(page)), ...Object.keys(mimeExtensions)])];

// build/extensions.js: per page, [package, () => its module, the plugin ids to keep or null for
// all]; the loaders are thunks so that notebook.js evaluates them only after the prebuilt
// extensions joined the share scope. The raw lists go along for tree-extension's load-plugins.
const load = (name) => `() => require(${JSON.stringify(name)})`;
const pageLists = Object.entries(plugins).map(
  ([page, list]) =>
    `  ${JSON.stringify(page)}: [\n` +
    Object.entries(list)
      .map(([name, which]) => `    [${JSON.stringify(name)}, ${load(name)}, ${which === true ? "null" : JSON.stringify(which)}],\n`)
      .join("") +
    "  ],",
);
fs.writeFileSync(
  path.join(work, "extensions.js"),
  [
    "// Written by rspack.config.cjs (pssr-lab) from package.json's jupyterlab lists; not edited by hand.",
    `import ${JSON.stringify(path.join(work, "style.js"))}; // every extension package's stylesheet (Build.ensureAssets)`,
    `export const pagePlugins = {\n${pageLists.join("\n")}\n};`,
    `export const bundledMimeExtensions = [\n${Object.keys(mimeExtensions).map((name) => `  [${JSON.stringify(name)}, ${load(name)}],`).join("\n")}\n];`,
    `export const pluginListsJson = ${JSON.stringify(JSON.stringify(plugins))};`,
    "",
  ].join("\n"),
);
const assetConfigs = Build.ensureAssets({ packageNames: names, output: work, schemaOutput: here, themeOutput: here });

// Module federation, as in the lab's build (../app/rspack.config.cjs).
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
for (const name of pkg.jupyterlab.singletonPackages) if (shared[name]) shared[name].singleton = true;

// The pages notebook_server.py serves; `bodyPage`: the page's name also goes on <body data-notebook>.
const pages = [
  { page: "tree", title: "Home", icon: "favicon.ico" },
  { page: "notebooks", title: "Notebook", icon: "favicon-notebook.ico", bodyPage: true },
  { page: "edit", title: "Edit", icon: "favicon-file.ico", bodyPage: true },
].map(
  (options) =>
    new HtmlWebpackPlugin({ ...options, chunksSortMode: "none", template: path.join(src, "page.html"), filename: path.join(templatesDir, `${options.page}.html`) }),
);

module.exports = [
  merge(baseConfig, {
    mode: "production",
    devtool: false,
    entry: path.join(src, "start.js"),
    output: {
      path: staticDir,
      publicPath: "{{page_config.fullStaticUrl}}/",
      library: { type: "var", name: ["_JUPYTERLAB", "CORE_OUTPUT"] },
      filename: "[name].[contenthash].js?v=[contenthash]",
    },
    optimization: {
      minimize: true,
      splitChunks: { chunks: "all", cacheGroups: { jlab_core: { test: /[\\/]node_modules[\\/]@(jupyterlab|jupyter-notebook|lumino(?!\/datagrid))[\\/]/, name: "notebook_core" } } },
    },
    resolve: { fallback: { util: false }, alias: { "pssr-lab-generated": work } },
    plugins: [...pages, new rspack.container.ModuleFederationPlugin({ library: { type: "var", name: ["_JUPYTERLAB", "CORE_LIBRARY_FEDERATION"] }, name: "CORE_FEDERATION", shared })],
  }),
].concat(assetConfigs);
