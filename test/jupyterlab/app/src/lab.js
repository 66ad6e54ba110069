// pssr-lab's own code (test/jupyterlab): gathers the plugins and starts JupyterLab.
// Plugins come from the packages bundled in this build (the generated module
// "pssr-lab-generated/extensions", written by ../rspack.config.cjs from package.json's
// jupyterlab.extensions / mimeExtensions) and from the prebuilt extensions the server lists;
// a prebuilt extension with the same package name as a bundled one replaces it.
import { JupyterLab } from "@jupyterlab/application";
import { JupyterPluginRegistry, PageConfig } from "@jupyterlab/coreutils";
import { IConnectionStatus, IServiceManager } from "@jupyterlab/services";
import { bundledExtensions, bundledMimeExtensions } from "pssr-lab-generated/extensions";
import { federatedModule } from "./federation.js";

/** A module's plugins: its default export (ES module) or its exports (CommonJS), one or a list. */
function pluginsOf(module) {
  const exported = module && Object.prototype.hasOwnProperty.call(module, "__esModule") ? module.default : module;
  return Array.isArray(exported) ? exported : [exported];
}

/**
 * Sorts every plugin of the given modules into enabled (returned, per kind), disabled and
 * deferred by the page config's disabledExtensions / deferredExtensions (a plugin id, or a
 * package name for all its plugins), and records each for the plugin manager.
 */
function classify(sources) {
  const out = { plugins: [], mimePlugins: [], catalogue: [], disabledIds: [], deferredIds: [] };
  for (const { packageName, module, mime } of sources) {
    for (const plugin of pluginsOf(module)) {
      const enabled = !PageConfig.Extension.isDisabled(plugin.id);
      out.catalogue.push({
        id: plugin.id,
        description: plugin.description,
        requires: plugin.requires ?? [],
        optional: plugin.optional ?? [],
        provides: plugin.provides ?? null,
        autoStart: plugin.autoStart,
        enabled,
        extension: packageName,
      });
      if (!enabled) {
        out.disabledIds.push(plugin.id);
        continue;
      }
      if (PageConfig.Extension.isDeferred(plugin.id)) out.deferredIds.push(plugin.id);
      (mime ? out.mimePlugins : out.plugins).push(plugin);
    }
  }
  return out;
}

/** `federated`: the ready entries of page config `federated_extensions` (see ./federation.js). */
export async function startLab(federated) {
  const replaced = new Set(federated.filter((e) => e.extension || e.mimeExtension).map((e) => e.name));
  const sources = [];
  // bundled: a package that fails to evaluate is reported and left out, the rest still start
  for (const [list, mime] of [[bundledMimeExtensions, true], [bundledExtensions, false]]) {
    for (const [packageName, load] of list) {
      if (replaced.has(packageName)) continue;
      try {
        sources.push({ packageName, module: load(), mime });
      } catch (e) {
        console.error(`bundled extension ${packageName} failed to load:`, e);
      }
    }
  }
  const wanted = [];
  for (const e of federated) {
    if (e.mimeExtension) wanted.push({ packageName: e.name, exposed: e.mimeExtension, mime: true });
    if (e.extension) wanted.push({ packageName: e.name, exposed: e.extension, mime: false });
    // a disabled package's stylesheet stays out too
    if (e.style && !PageConfig.Extension.isDisabled(e.name)) wanted.push({ packageName: e.name, exposed: e.style, styleOnly: true });
  }
  const loaded = await Promise.allSettled(wanted.map((w) => federatedModule(w.packageName, w.exposed)));
  loaded.forEach((r, i) => {
    if (r.status === "rejected") console.error(`prebuilt extension ${wanted[i].packageName} (${wanted[i].exposed}) failed:`, r.reason);
    else if (!wanted[i].styleOnly) sources.push({ packageName: wanted[i].packageName, module: r.value, mime: wanted[i].mime });
  });

  const { plugins, mimePlugins, catalogue, disabledIds, deferredIds } = classify(sources);
  const pluginRegistry = new JupyterPluginRegistry();
  pluginRegistry.registerPlugins(plugins);
  // the service manager and connection status are plugins too (services-extension): resolve them first
  const serviceManager = await pluginRegistry.resolveRequiredService(IServiceManager);
  const connectionStatus = await pluginRegistry.resolveOptionalService(IConnectionStatus);
  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager,
    connectionStatus,
    mimeExtensions: mimePlugins,
    disabled: { matches: disabledIds, patterns: PageConfig.Extension.disabled },
    deferred: { matches: deferredIds, patterns: PageConfig.Extension.deferred },
    availablePlugins: catalogue,
  });
  if (String(PageConfig.getOption("exposeAppInBrowser")).toLowerCase() === "true") window.jupyterapp = lab;
  await lab.start({ ignorePlugins: deferredIds, bubblingKeydown: true });
}
