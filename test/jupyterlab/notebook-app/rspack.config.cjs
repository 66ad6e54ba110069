// pssr-lab's build of the Jupyter Notebook 7 front end for the tests (see ../README.md).
// Written for this project after the notebook repository's app build: upstream/index.template.js
// (a handlebars template) gets each page's plugin list from package.json's jupyterlab.plugins;
// one page template per Notebook page; the federation container "CORE_FEDERATION" that prebuilt
// extensions (pssr-lab-widgets) join; schemas and themes beside the bundle. No watch mode,
// licence report or source maps.
const fs = require("fs");
const path = require("path");
const Handlebars = require("handlebars");
const HtmlWebpackPlugin = require("html-webpack-plugin");
const rspack = require("@rspack/core");
const merge = require("webpack-merge").default;
const baseConfig = require("@jupyter/builder/lib/webpack.config.base");
const { Build } = require("@jupyter/builder");
const pkg = require("./package.json");

const here = __dirname;
const upstream = path.join(here, "upstream");
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

// The entry: per page, `true` loads every plugin of a package, a list only those ids.
Handlebars.registerHelper("json", (context) => JSON.stringify(context));
Handlebars.registerHelper("ispage", (key, page) => key === page);
Handlebars.registerHelper("list_plugins", function () {
  return Object.entries(this)
    .map(([name, which]) => (which === true ? `require('${name}'),` : `require('${name}').default.filter(({ id }) => ${JSON.stringify(which)}.includes(id)),`))
    .join("\n");
});
const template = Handlebars.compile(fs.readFileSync(path.join(upstream, "index.template.js"), "utf8"));
fs.writeFileSync(path.join(work, "index.js"), template({ notebook_plugins: plugins, notebook_mime_extensions: mimeExtensions }));
fs.copyFileSync(path.join(upstream, "style.js"), path.join(work, "extraStyle.js"));
fs.writeFileSync(path.join(work, "bootstrap.js"), 'import("./index.js");\n');
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

const pages = ["consoles", "edit", "error", "notebooks", "terminals", "tree"].map(
  (name) =>
    new HtmlWebpackPlugin({
      chunksSortMode: "none",
      template: path.join(upstream, "templates", `${name}_template.html`),
      title: name,
      filename: path.join(templatesDir, `${name}.html`),
    }),
);

module.exports = [
  merge(baseConfig, {
    mode: "production",
    devtool: false,
    entry: [path.join(upstream, "publicpath.js"), path.join(work, "bootstrap.js")],
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
    resolve: { fallback: { util: false } },
    plugins: [...pages, new rspack.container.ModuleFederationPlugin({ library: { type: "var", name: ["_JUPYTERLAB", "CORE_LIBRARY_FEDERATION"] }, name: "CORE_FEDERATION", shared })],
  }),
].concat(assetConfigs);
