// pssr-lab's own code (test/jupyterlab): prebuilt ("federated") lab extensions such as pssr-lab-widgets.
// Each one is a module federation container, a remoteEntry script that defines
// window._JUPYTERLAB[<package name>]. It must be loaded and given our share scope before the
// application's own modules run, so that both sides agree on one copy of every shared package
// (@jupyterlab/*, @lumino/*, @jupyter-widgets/base, ...).

function addScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.async = true;
    script.addEventListener("load", () => resolve(), { once: true });
    script.addEventListener("error", () => reject(new Error(`prebuilt extension script failed to load: ${url}`)), { once: true });
    script.src = url;
    document.head.append(script);
  });
}

/**
 * Loads and initialises the containers of `extensions` (page config `federated_extensions`:
 * { name, load, extension?, mimeExtension?, style? }) from `baseUrl` (`fullLabextensionsUrl`).
 * Returns the entries whose container is ready; a failed one is reported on the console.
 */
export async function joinFederatedExtensions(extensions, baseUrl) {
  // registers the host's own shared modules in the "default" scope first
  await __webpack_init_sharing__("default");
  const root = baseUrl.replace(/\/+$/, "");
  const results = await Promise.allSettled(
    extensions.map(async (entry) => {
      await addScript(`${root}/${entry.name}/${entry.load}`);
      const container = window._JUPYTERLAB?.[entry.name];
      if (!container) throw new Error(`prebuilt extension ${entry.name}: its script defined no container`);
      await container.init(__webpack_share_scopes__.default);
      return entry;
    }),
  );
  const ready = [];
  for (const r of results) {
    if (r.status === "fulfilled") ready.push(r.value);
    else console.error(r.reason);
  }
  return ready;
}

/** The module `exposed` (e.g. "./extension") of the ready container `name`. */
export async function federatedModule(name, exposed) {
  const factory = await window._JUPYTERLAB[name].get(exposed);
  return factory();
}
