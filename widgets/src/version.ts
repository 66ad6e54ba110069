// The front-end module the kernel-side widgets name in `_model_module` / `_view_module`.
// Keep in step with src/widgets/spec.ts (kernel side) and widgets/package.json.
export const MODULE_NAME = "pssr-lab-widgets";
export const MODULE_VERSION = "0.1.0";
