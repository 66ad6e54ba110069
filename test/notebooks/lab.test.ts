// The course lab (notebooks/lab): the solutions notebook runs clean and every check passes; the
// student notebook as handed out fails each check with its friendly LabCheckError (and nothing
// else breaks); typical mistakes get the hint written for them; and the two notebooks differ only
// in the exercise cells.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { repoRoot } from "../helpers.js";
import { createWorkspace, errorsOf, execute, failure, text, type Cell, type Notebook, type Workspace } from "./harness.js";

const EXERCISES = 7;
let ws: Workspace;

const tagged = (c: Cell, tag: string) => (c.metadata.tags ?? []).includes(tag);
const committed = (name: string): Notebook => JSON.parse(readFileSync(join(repoRoot, "notebooks", "lab", name), "utf8"));

describe("course lab", { concurrency: false }, () => {
  before(() => {
    ws = createWorkspace("pssr-lab-nb-", "pssr-ts-labtest");
  });

  after(() => ws?.dispose());

  test("student and solutions notebooks differ only in the exercise cells", () => {
    const student = committed("lab.ipynb");
    const solutions = committed("lab-solutions.ipynb");
    assert.equal(student.cells.length, solutions.cells.length);
    let exercises = 0;
    student.cells.forEach((c, i) => {
      const s = solutions.cells[i];
      assert.equal(c.cell_type, s.cell_type, `cell ${i}`);
      if (tagged(c, "exercise")) {
        exercises++;
        assert.ok(tagged(s, "exercise"), `cell ${i} is an exercise in both`);
        assert.match(text(c.source), /TODO/, `student cell ${i} says what to do`);
        assert.notEqual(text(c.source), text(s.source), `cell ${i} has a solution`);
      } else {
        assert.equal(text(c.source), text(s.source), `cell ${i} is shared`);
      }
    });
    assert.equal(exercises, EXERCISES);
    assert.equal(student.cells.filter((c) => tagged(c, "check")).length, EXERCISES);
  });

  test("the solutions notebook runs and every check passes", { timeout: 600_000 }, () => {
    const ex = execute(ws, "lab/lab-solutions.ipynb");
    console.log(`# lab-solutions: ${ex.seconds.toFixed(1)} s`);
    assert.equal(ex.status, 0, failure("lab-solutions", ex));
    const nb = ex.notebook!;
    assert.deepEqual(errorsOf(nb), []);
    const checks = nb.cells.filter((c) => tagged(c, "check"));
    assert.equal(checks.length, EXERCISES);
    for (const [k, c] of checks.entries()) {
      const out = (c.outputs ?? []).filter((o) => o.output_type === "stream").map((o) => text(o.text)).join("");
      assert.match(out, new RegExp(`^✔ Exercise ${k + 1}: `, "m"), `check ${k + 1} printed ${JSON.stringify(out)}`);
    }
  });

  test("the student notebook fails each check with its friendly message, and nothing else", { timeout: 300_000 }, () => {
    const ex = execute(ws, "lab/lab.ipynb", { allowErrors: true });
    assert.equal(ex.status, 0, failure("lab", ex));
    const nb = ex.notebook!;
    const errors = errorsOf(nb);
    const checkCells = nb.cells.map((c, i) => (tagged(c, "check") ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(
      errors.map((e) => e.cell),
      checkCells,
      `errors only in the check cells: ${JSON.stringify(errors)}`,
    );
    errors.forEach((e, k) => {
      assert.equal(e.ename, "LabCheckError", JSON.stringify(e));
      assert.match(e.evalue, new RegExp(`^Exercise ${k + 1}: not done yet: \`\\w+\` is still undefined\\. `), e.evalue);
    });
  });

  test("typical mistakes get their hints", { timeout: 300_000 }, () => {
    // The solutions with the exercise cells replaced by common wrong answers.
    const wrong: Record<number, string> = {
      1: 'const lr: Image | undefined = crappify(hr, "pssr-em", { scaleFactor: 4, seed: 5 }).lr;',
      2:
        "const up: Plane | undefined = upsampleBilinear(getPlane(lr!), 4);\n" +
        "const score: EvaluateResult | undefined = evaluate(getPlane(hr), up);",
      3: "const result: TrainResult | undefined = undefined;",
      4:
        "const restored: Image | undefined = { data: upsampleBilinear(getPlane(lrHeldOut), 4).data, shape: [256, 256], axes: \"YX\", pixelSize: null, dtype: \"float32\" };\n" +
        "const restoredScore: EvaluateResult | undefined = undefined;",
      5:
        "const found: Blob[] | undefined = detectBlobs(upFrame, { diameterPx: 20, thresholdRel: 0.1 }).blobs;\n" +
        "const scores: DetectionScores | undefined = detectionScores(reference, found, { radiusPx: 8 });",
      6: 'const answers: Record<string, string> | undefined = { q1: "a", q2: "c", q3: "b" };',
      7:
        "const pretrained: LoadedModel | undefined = await loadModel(PRETRAINED);\n" +
        "const pretrainedScore: EvaluateResult | undefined = evaluate(getPlane(predictImage(pretrained!.model, lrHeldOut, { normalization: pretrained!.card!.normalization }).image), getPlane(hrHeldOut));\n" +
        'const tuned: TrainResult | undefined = await train({ sources, outDir: tunedDir, recipe: "pssr-em", model: { preset: "tiny", scale: 4 }, ...FINE_TUNE, seed: 1 });',
    };
    const nb = committed("lab-solutions.ipynb");
    let k = 0;
    for (const c of nb.cells) if (tagged(c, "exercise")) c.source = `// a wrong answer\n${wrong[++k]}`;
    writeFileSync(join(ws.project, "lab", "lab-mistakes.ipynb"), JSON.stringify(nb));
    const ex = execute(ws, "lab/lab-mistakes.ipynb", { allowErrors: true });
    assert.equal(ex.status, 0, failure("lab-mistakes", ex));
    const errors = errorsOf(ex.notebook!);
    const byExercise = new Map(errors.map((e) => [Number(/^Exercise (\d)/.exec(e.evalue)?.[1]), e]));
    for (const e of errors) assert.equal(e.ename, "LabCheckError", `only friendly errors: ${JSON.stringify(e)}`);
    assert.match(byExercise.get(1)?.evalue ?? "", /made with seed 5; use seed: 0/);
    assert.match(byExercise.get(2)?.evalue ?? "", /prediction and ground truth swapped/);
    assert.match(byExercise.get(3)?.evalue ?? "", /not done yet: `result` is still undefined/);
    assert.match(byExercise.get(4)?.evalue ?? "", /is the bilinear upsampling; restore with the trained model/);
    assert.match(byExercise.get(5)?.evalue ?? "", /precision and recall are swapped/);
    assert.match(byExercise.get(6)?.evalue ?? "", /1 of 3 right so far[\s\S]*q1: not "a"[\s\S]*q3: not "b"/);
    assert.match(byExercise.get(7)?.evalue ?? "", /the fine-tuned model started from scratch: pass init: PRETRAINED/);
  });
});
