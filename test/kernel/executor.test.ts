// The executor's shortcuts around tslab's converter (blank cells are not converted; repeated
// conversions come from a cache) must not change what cells do: the judge is the behaviour of
// the uncached path (values, side effects run again, type errors that follow redeclared types).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { ConvertCache, Executor, isBlankCode, type CellOutcome } from "../../src/kernel/executor.js";

function value(o: CellOutcome): unknown {
  assert.ok(o.ok, o.ok ? "" : o.error.evalue);
  return o.hasValue ? o.value : undefined;
}

describe("executor shortcuts", () => {
  const ex = new Executor();
  after(() => ex.close());

  test("blank and comment-only cells run nothing and keep earlier declarations", async () => {
    assert.equal(value(await ex.execute("const keptA = 5;", "c1")), undefined);
    for (const blank of ["", "  \n\t", "// just a note", "/* block */\n// and line\n"]) {
      const o = await ex.execute(blank, "blank");
      assert.deepEqual(o, { ok: true, hasValue: false });
    }
    assert.equal(value(await ex.execute("keptA * 2", "c2")), 10);
  });

  test("a repeated cell runs again each time (side effects, new values)", async () => {
    await ex.execute("let counter = 0;", "c3");
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) seen.push(value(await ex.execute("counter += 1; counter", "c4")));
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test("the same cell after a redeclared type is checked against the new type", async () => {
    await ex.execute("type Unit = number;", "c5");
    const bad = await ex.execute('const u1: Unit = "nm"; u1', "c6");
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? "" : bad.error.evalue, /not assignable/);
    await ex.execute("type Unit = string;", "c7");
    assert.equal(value(await ex.execute('const u1: Unit = "nm"; u1', "c6")), "nm");
  });

  test("a repeated cell with a type error reports it every time", async () => {
    for (let i = 0; i < 2; i++) {
      const o = await ex.execute("const wrong: number = 'x';", "c8");
      assert.equal(o.ok, false);
    }
  });
});

describe("ConvertCache and isBlankCode", () => {
  test("cells that import, require, export or reference files are never cached", () => {
    assert.equal(ConvertCache.cacheable("1 + 1"), true);
    assert.equal(ConvertCache.cacheable('import { x } from "./m";'), false);
    assert.equal(ConvertCache.cacheable('const m = require("fs");'), false);
    assert.equal(ConvertCache.cacheable("const p = import('./m');"), false);
    assert.equal(ConvertCache.cacheable('/// <reference path="a.d.ts" />\n1'), false);
    assert.equal(ConvertCache.cacheable("export const a = 1;"), false);
  });

  test("declarations that import files make every cell uncacheable, except the kernel's own prelude types", () => {
    const own = "/pkg/dist/src/kernel";
    const prelude = `declare const kernel: typeof import("${own}/api.js");\ndeclare const k2: typeof import("./dist/src/kernel/api");\n`;
    assert.equal(ConvertCache.declarationsCacheable(prelude, own, "/pkg"), true);
    assert.equal(ConvertCache.declarationsCacheable(prelude, own, "/elsewhere"), false);
    assert.equal(ConvertCache.declarationsCacheable('declare const f: typeof import("./utils")["f"];\n', own, "/pkg"), false);
    assert.equal(ConvertCache.declarationsCacheable('import { f } from "./utils";\ndeclare const q = 1;\n', own, "/pkg"), false);
    assert.equal(ConvertCache.declarationsCacheable("declare const q = 1;\n", own, "/pkg"), true);
  });

  test("keys on both the declarations and the code; evicts the least recently used", () => {
    const c = new ConvertCache(2);
    const r = (output: string) => ({ output, diagnostics: [] });
    c.set("d1", "a", r("A1"));
    c.set("d2", "a", r("A2"));
    assert.equal(c.get("d1", "a")?.output, "A1");
    assert.equal(c.get("d2", "a")?.output, "A2");
    assert.equal(c.get("d1", "b"), undefined);
    // "d1|a" was used before "d2|a": adding a third entry evicts "d1|a".
    c.set("d3", "c", r("C"));
    assert.equal(c.size, 2);
    assert.equal(c.get("d1", "a"), undefined);
    assert.equal(c.get("d2", "a")?.output, "A2");
    // A declaration that ends where the code would start is not confused with another split.
    c.set("x", "yz", r("1"));
    assert.equal(c.get("xy", "z"), undefined);
  });

  test("blank means only whitespace and comments", () => {
    assert.equal(isBlankCode(""), true);
    assert.equal(isBlankCode(" \n"), true);
    assert.equal(isBlankCode("// a\n/* b */"), true);
    assert.equal(isBlankCode("1"), false);
    assert.equal(isBlankCode("// a\nx"), false);
    assert.equal(isBlankCode("/* a */ ;"), false);
    assert.equal(isBlankCode("a / b"), false);
  });
});
