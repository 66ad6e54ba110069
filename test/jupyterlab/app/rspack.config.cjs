// pssr-lab's build of the JupyterLab front end for the lab tests (see ../README.md).
// Written for this project after JupyterLab's staging build; what it keeps: the handlebars
// entry (upstream/index.js lists the plugins of package.json's jupyterlab.extensions), the
// federation container "CORE_FEDERATION" that prebuilt extensions such as pssr-lab-widgets
// join, and schemas/themes copied next to the bundle. Left out: watch mode, linked packages,
// bundle analysis, licence reports and source maps (a test fixture, not a release).
const fs = require("fs");
const path = require("path");
const Handlebars = require("handlebars");
const HtmlWebpackPlugin = require("html-webpack-plugin");
const rspack = require("@rspack/core");
const merge = require("webpack-merge").default;
const baseConfig = require("@jupyter/builder/lib/webpack.config.base");
const { Build } = require("@jupyter/builder");
const pkg = require("./package.json");

const jlab = pkg.jupyterlab;
const here = __dirname;
const upstream = path.join(here, "upstream");
const buildDir = path.resolve(here, jlab.buildDir); // static/: bundle + index.html (the server's template)
const outputDir = path.resolve(here, jlab.outputDir); // schemas/, themes/, style.js
const extensionPackages = [...new Set([...Object.keys(jlab.extensions), ...Object.keys(jlab.mimeExtensions)])];

fs.rmSync(buildDir, { recursive: true, force: true });
fs.mkdirSync(buildDir, { recursive: true });

// Schemas and themes of every extension package, and style.js importing their styles.
const assetConfigs = Build.ensureAssets({ packageNames: extensionPackages, output: outputDir });

// The entry: upstream's index.js is a handlebars template over the extension lists.
const template = Handlebars.compile(fs.readFileSync(path.join(upstream, "index.js"), "utf8"));
fs.writeFileSync(path.join(buildDir, "index.out.js"), template({ jupyterlab_extensions: jlab.extensions, jupyterlab_mime_extensions: jlab.mimeExtensions }));
fs.copyFileSync(path.join(upstream, "bootstrap.js"), path.join(buildDir, "bootstrap.js"));
fs.copyFileSync(path.join(outputDir, "style.js"), path.join(buildDir, "style.js"));
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
    entry: { main: [path.join(upstream, "publicpath.js"), path.join(buildDir, "bootstrap.js")] },
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
      new HtmlWebpackPlugin({ chunksSortMode: "none", template: path.join(upstream, "templates", "template.html"), title: jlab.name || "JupyterLab" }),
      new rspack.container.ModuleFederationPlugin({ library: { type: "var", name: ["_JUPYTERLAB", "CORE_LIBRARY_FEDERATION"] }, name: "CORE_FEDERATION", shared }),
    ],
  }),
].concat(assetConfigs);
