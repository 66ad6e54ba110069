// pssr-lab's own code (test/jupyterlab): gathers one Notebook 7 page's plugins and starts the app.
// Notebook 7 is several pages (tree, notebooks, edit), each a NotebookApp with its own plugin
// set: the plugins listed for every page ("/") plus those of this page (page config
// `notebookPage`, written by the page template). The lists come from package.json's
// jupyterlab.plugins through the generated module "pssr-lab-generated/extensions" (see
// ../rspack.config.cjs); a package's entry there is `true` (all its plugins) or a list of ids.
import { NotebookApp } from "@jupyter-notebook/application";
import { JupyterPluginRegistry, PageConfig } from "@jupyterlab/coreutils";
import { IServiceManager } from "@jupyterlab/services";
import { bundledMimeExtensions, pagePlugins, pluginListsJson } from "pssr-lab-generated/extensions";
import { federatedModule } from "./federation.js";

function pluginsOf(module) {
  const exported = module && Object.prototype.hasOwnProperty.call(module, "__esModule") ? module.default : module;
  return Array.isArray(exported) ? exported : [exported];
}

/** `federated`: the ready entries of page config `federated_extensions` (see ./federation.js). */
export async function startNotebook(federated) {
  const page = `/${PageConfig.getOption("notebookPage")}`;
  // [package, its plugins to offer, whether they are mime renderers]
  const sources = [];
  const bundled = [...(pagePlugins["/"] ?? []), ...(page !== "/" ? (pagePlugins[page] ?? []) : [])];
  for (const [packageName, load, ids] of bundled) {
    try {
      const all = pluginsOf(load());
      sources.push([packageName, ids ? all.filter((p) => ids.includes(p.id)) : all, false]);
    } catch (e) {
      console.error(`bundled extension ${packageName} failed to load:`, e);
    }
  }
  for (const [packageName, load] of bundledMimeExtensions) {
    try {
      sources.push([packageName, pluginsOf(load()), true]);
    } catch (e) {
      console.error(`bundled mime extension ${packageName} failed to load:`, e);
    }
  }
  const wanted = [];
  for (const e of federated) {
    if (e.extension) wanted.push({ packageName: e.name, exposed: e.extension, mime: false });
    if (e.mimeExtension) wanted.push({ packageName: e.name, exposed: e.mimeExtension, mime: true });
    if (e.style && !PageConfig.Extension.isDisabled(e.name)) wanted.push({ packageName: e.name, exposed: e.style, styleOnly: true });
  }
  const loaded = await Promise.allSettled(wanted.map((w) => federatedModule(w.packageName, w.exposed)));
  loaded.forEach((r, i) => {
    if (r.status === "rejected") console.error(`prebuilt extension ${wanted[i].packageName} (${wanted[i].exposed}) failed:`, r.reason);
    else if (!wanted[i].styleOnly) sources.push([wanted[i].packageName, pluginsOf(r.value), wanted[i].mime]);
  });

  // disabledExtensions in the page config (a plugin id, or a package name for all its plugins)
  const plugins = [];
  const mimePlugins = [];
  const catalogue = [];
  for (const [packageName, list, mime] of sources) {
    for (const plugin of list) {
      const enabled = !PageConfig.Extension.isDisabled(plugin.id);
      catalogue.push({
        id: plugin.id,
        description: plugin.description,
        requires: plugin.requires ?? [],
        optional: plugin.optional ?? [],
        provides: plugin.provides ?? null,
        autoStart: plugin.autoStart,
        enabled,
        extension: packageName,
      });
      if (enabled) (mime ? mimePlugins : plugins).push(plugin);
    }
  }
  // tree-extension's load-plugins reads this to show every page's plugins in the settings editor
  PageConfig.setOption("allPlugins", pluginListsJson);

  const pluginRegistry = new JupyterPluginRegistry();
  pluginRegistry.registerPlugins(plugins);
  const serviceManager = await pluginRegistry.resolveRequiredService(IServiceManager);
  const app = new NotebookApp({ pluginRegistry, serviceManager, mimeExtensions: mimePlugins, availablePlugins: catalogue });
  if (String(PageConfig.getOption("exposeAppInBrowser")).toLowerCase() === "true") window.jupyterapp = app;
  await app.start();
}
