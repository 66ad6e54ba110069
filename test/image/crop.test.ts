// cropPlane: a rectangle of a plane, pixel (y, x) of the crop being (r0 + y, c0 + x) of the source.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cropPlane } from "../../src/image/crop.js";
import { PssrError } from "../../src/errors.js";

const plane = { data: Float32Array.from({ length: 7 * 5 }, (_, i) => i * 1.5), height: 7, width: 5 };

test("cropPlane takes rows [r0, r1) and columns [c0, c1); the whole plane is returned as is", () => {
  for (const [rows, cols] of [[[1, 6], [2, 4]], [[0, 7], [1, 5]], [[3, 5], [0, 5]], [[6, 7], [4, 5]]] as [[number, number], [number, number]][]) {
    const c = cropPlane(plane, rows, cols);
    assert.equal(c.height, rows[1] - rows[0]);
    assert.equal(c.width, cols[1] - cols[0]);
    for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) assert.equal(c.data[y * c.width + x], plane.data[(rows[0] + y) * 5 + cols[0] + x]);
    assert.notEqual(c.data.buffer, plane.data.buffer, "a copy");
  }
  assert.equal(cropPlane(plane, [0, 7], [0, 5]), plane);
});

test("cropPlane refuses an empty or out-of-bounds region", () => {
  assert.throws(() => cropPlane(plane, [2, 2], [0, 5]), PssrError);
  assert.throws(() => cropPlane(plane, [0, 8], [0, 5]), PssrError);
  assert.throws(() => cropPlane(plane, [0, 7], [-1, 3]), PssrError);
});
