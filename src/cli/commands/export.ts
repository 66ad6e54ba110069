// `pssr export MODEL -o OUT.zip --format bioimageio`: a BioImage Model Zoo package of a model directory.
import { existsSync, statSync } from "node:fs";
import { selectBackend } from "../../backend/index.js";
import { invalidArgument, PssrError } from "../../errors.js";
import { exportBioimageio, type Author } from "../../export/bioimageio.js";
import { intOption, outputOption, parseCommandArgs } from "../args.js";
import { guardOutputs } from "../outputs.js";
import { resolveModelPath } from "../../model/registry.js";


const usage = `usage: pssr export MODEL_DIR|NAME -o OUT.zip [--format bioimageio] [options]

Writes a BioImage Model Zoo model package (format_version 0.5.7; docs/EXPORT.md): rdf.yaml,
README.md from the model card, cover.png, weights.onnx (opset 17) and tfjs_weights.zip, test
tensors (.npy) computed by the tfjs model. Runs in Fiji/deepImageJ, napari, ilastik, and in
\`pssr predict OUT.zip IN -o OUT\`.
  -o, --output FILE     the package (.zip); never the model directory or its files (--out is an alias)
  --format bioimageio   the only format
  --name TEXT           package name (5-128 characters; default from the architecture)
  --description TEXT    one-paragraph description
  --author "NAME[;AFFILIATION]"   repeatable (default "pssr-lab user")
  --license SPDX        licence of the package (default CC-BY-4.0)
  --test-image FILE     LR image to cut the test input from (default: the card's first training
                        image, crappified with the card's recipe and seed)
  --test-size N         test input side in LR pixels (default 64, raised to the smallest valid size)
  --backend NAME        compute backend for the test output (or PSSR_BACKEND)`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    args,
    {
      output: { type: "string", short: "o" },
      out: { type: "string" },
      format: { type: "string" },
      name: { type: "string" },
      description: { type: "string" },
      author: { type: "string", multiple: true },
      license: { type: "string" },
      "test-image": { type: "string" },
      "test-size": { type: "string" },
      backend: { type: "string" },
    },
    usage,
  );
  if (!parsed) return 0;
  const v = parsed.values;
  if (parsed.positionals.length !== 1) throw invalidArgument(`expected one MODEL_DIR`);
  const out = outputOption(v, true);
  const format = (v.format as string | undefined) ?? "bioimageio";
  if (format !== "bioimageio") throw invalidArgument(`unknown --format "${format}"; valid: bioimageio`);
  // A bare name (pssr-em-4x) is a bundled model (pssr models lists them); a path wins.
  const model = resolveModelPath(parsed.positionals[0]);
  if (!existsSync(model) || !statSync(model).isDirectory()) {
    throw new PssrError("file-not-found", `no model directory "${model}" (give a directory written by pssr train, or a name pssr models lists)`);
  }
  // The model directory and the test image are inputs: the package may not land on or inside them.
  guardOutputs([model, v["test-image"] as string | undefined], [{ path: out, option: "-o" }]);
  if (!out.toLowerCase().endsWith(".zip")) throw invalidArgument(`-o ${out}: a model package is a .zip file`);
  const authors: Author[] = ((v.author as string[] | undefined) ?? []).map((a) => {
    const [name, affiliation] = a.split(";").map((s) => s.trim());
    if (!name) throw invalidArgument(`--author needs a name, got "${a}"`);
    return affiliation ? { name, affiliation } : { name };
  });
  const { name: backend } = await selectBackend({ name: (v.backend as string | undefined) ?? null });
  const r = await exportBioimageio(model, out, {
    name: v.name as string | undefined,
    description: v.description as string | undefined,
    authors: authors.length ? authors : undefined,
    license: v.license as string | undefined,
    testImage: v["test-image"] as string | undefined,
    testSizePx: v["test-size"] === undefined ? undefined : intOption(v["test-size"], "test-size", 64, 8),
    onWarning: (m) => console.error(`warning: ${m}`),
  });
  console.log(`wrote ${out} (bioimageio 0.5.7: ${r.files.join(", ")}; halo ${r.haloPx} px, test input ${r.testInputShape.join("x")}, backend ${backend})`);
  return 0;
}
