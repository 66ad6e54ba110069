// The `pssr` subcommands and their one-line summaries: what `pssr --help` prints without loading
// any command module (each pulls in tfjs, sharp or zeromq; loading all of them took most of
// the help's start-up). A command's module is ./commands/<name>.js, exporting `run`.
export const COMMANDS = [
  { name: "info", summary: "print shape, axes, dtype, pixel size and min/max/mean of image files" },
  { name: "backend", summary: "list compute backends: available, chosen, and why not the others" },
  { name: "crappify", summary: "degrade high-res images into realistic low-res ones with a named recipe (PSSR, PSSR2, CARE, physical)" },
  { name: "calibrate", summary: "fit the physical crappifier's noise model (gain, read noise, offset) to a real low-res image" },
  { name: "train", summary: "train a restoration model (PSSR / CARE) on high-resolution images" },
  { name: "predict", summary: "restore an image with a trained model (tiled), or upsample it with a baseline" },
  { name: "export", summary: "export a model directory as a BioImage Model Zoo package (ONNX + tfjs weights)" },
  { name: "models", summary: "list the bundled pretrained models (name, modality, scale, pixel sizes, data, validation figures)" },
  { name: "evaluate", summary: "PSNR, SSIM, NRMSE, MS-SSIM of a restoration against ground truth (CARE/PSSR protocol)" },
  { name: "frc", summary: "Fourier ring correlation resolution of two images (or one, single-image FRC)" },
  { name: "errormap", summary: "NanoJ-SQUIRREL error map of a restoration against a reference (RSE, RSP)" },
  { name: "kymograph", summary: "kymograph (time x position) of a time-lapse along a polyline" },
  { name: "report", summary: "offline HTML report with interactive widgets (image comparison, error map, FRC) of a demo folder, and interval coverage" },
  { name: "kernel", summary: "the TypeScript Jupyter kernel: install | uninstall | start --connection-file F" },
  { name: "demo", summary: "train a tiny 4x model on bundled EM, restore held-out crops with it and the pretrained model, evaluate against bilinear, write an HTML report" },
] as const;

export type CommandName = (typeof COMMANDS)[number]["name"];

export function isCommandName(name: string): name is CommandName {
  return COMMANDS.some((c) => c.name === name);
}
