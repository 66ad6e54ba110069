// Seeded mutations of real image files for the reader fuzz test: bit flips, truncation at every
// structure boundary (header, IFD tables, tag values, strips/tiles, PNG chunks), absurd
// dimensions and sample layouts, offsets past the end, loops in the IFD chain, and ImageJ/OME
// descriptions that promise absurd plane counts. The TIFF walk here is the fuzzer's own (a
// few lines, independent of src/io) so that a reader bug cannot hide the structure it mutates.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { Rng } from "../../src/crappify/rng.js";

export interface FuzzCase {
  /** Mutated file to read. */
  file: string;
  /** The real file it comes from. */
  source: string;
  /** The mutation, e.g. "truncate@ifd-table 1234". */
  kind: string;
}

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Where the entry starts (its tag field). */
  at: number;
  /** Where its value bytes are (inline or out of line). */
  valueAt: number;
  valueBytes: number;
}
interface Ifd {
  at: number;
  entries: Entry[];
  tableEnd: number;
  nextAt: number;
}
interface TiffLayout {
  le: boolean;
  big: boolean;
  ifds: Ifd[];
  /** Named byte offsets where a structure starts or ends. */
  boundaries: { at: number; what: string }[];
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };

/** Walks a TIFF's header and IFD chain (at most 2000 IFDs, loop-safe); null for other files. */
export function tiffLayout(b: Uint8Array): TiffLayout | null {
  if (b.length < 8 || !((b[0] === 0x49 && b[1] === 0x49) || (b[0] === 0x4d && b[1] === 0x4d))) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = b[0] === 0x49;
  const big = v.getUint16(2, le) === 43;
  const u = (at: number, n: number) => (n === 2 ? v.getUint16(at, le) : n === 4 ? v.getUint32(at, le) : Number(v.getBigUint64(at, le)));
  const boundaries = [{ at: 4, what: "magic" }, { at: big ? 16 : 8, what: "header" }];
  const ifds: Ifd[] = [];
  const seen = new Set<number>();
  let next = big ? u(8, 8) : u(4, 4);
  while (next !== 0 && !seen.has(next) && ifds.length < 2000) {
    seen.add(next);
    const head = big ? 8 : 2;
    const esz = big ? 20 : 12;
    if (next + head > b.length) break;
    const n = u(next, big ? 8 : 2);
    const tableEnd = next + head + n * esz;
    if (tableEnd + (big ? 8 : 4) > b.length) break;
    const entries: Entry[] = [];
    boundaries.push({ at: next, what: `ifd${ifds.length}` }, { at: next + head, what: `ifd${ifds.length}-count` });
    for (let i = 0; i < n; i++) {
      const at = next + head + i * esz;
      const tag = u(at, 2);
      const type = u(at + 2, 2);
      const count = u(at + 4, big ? 8 : 4);
      const valueBytes = (TYPE_SIZE[type] ?? 1) * count;
      const inline = valueBytes <= (big ? 8 : 4);
      const valueAt = inline ? at + (big ? 12 : 8) : u(at + (big ? 12 : 8), big ? 8 : 4);
      entries.push({ tag, type, count, at, valueAt, valueBytes });
      boundaries.push({ at, what: `ifd${ifds.length}-entry${tag}` });
      if (!inline && valueAt + valueBytes <= b.length) boundaries.push({ at: valueAt, what: `tag${tag}-value` }, { at: valueAt + valueBytes, what: `tag${tag}-value-end` });
    }
    boundaries.push({ at: tableEnd, what: `ifd${ifds.length}-next` }, { at: tableEnd + (big ? 8 : 4), what: `ifd${ifds.length}-end` });
    const ifd = { at: next, entries, tableEnd, nextAt: tableEnd };
    ifds.push(ifd);
    // Strip/tile data boundaries.
    const offs = entries.find((e) => e.tag === 273 || e.tag === 324);
    const cnts = entries.find((e) => e.tag === 279 || e.tag === 325);
    if (offs && cnts && offs.valueAt + offs.valueBytes <= b.length && cnts.valueAt + cnts.valueBytes <= b.length) {
      const read = (e: Entry, k: number) => u(e.valueAt + k * TYPE_SIZE[e.type], TYPE_SIZE[e.type]);
      for (let k = 0; k < Math.min(offs.count, cnts.count); k++) {
        const o = read(offs, k);
        const c = read(cnts, k);
        if (o + c <= b.length) boundaries.push({ at: o, what: `ifd${ifds.length - 1}-block${k}` }, { at: o + c, what: `ifd${ifds.length - 1}-block${k}-end` });
      }
    }
    next = u(tableEnd, big ? 8 : 4);
  }
  const uniq = new Map<number, string>();
  for (const x of boundaries) if (x.at > 0 && x.at < b.length && !uniq.has(x.at)) uniq.set(x.at, x.what);
  return { le, big, ifds, boundaries: [...uniq].sort((a, c) => a[0] - c[0]).map(([at, what]) => ({ at, what })) };
}

/** PNG chunk boundaries (signature, then each chunk's length, type, data, CRC). */
function pngBoundaries(b: Uint8Array): { at: number; what: string }[] {
  const out = [{ at: 8, what: "signature" }];
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 8;
  while (at + 8 <= b.length) {
    const len = v.getUint32(at);
    const type = String.fromCharCode(...b.subarray(at + 4, at + 8));
    out.push({ at, what: `chunk-${type}` }, { at: at + 8, what: `${type}-data` });
    at += 12 + len;
    if (at <= b.length) out.push({ at: at - 4, what: `${type}-crc` });
  }
  return out.filter((x) => x.at < b.length);
}

function writeUint(b: Uint8Array, at: number, bytes: number, value: number, le: boolean): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (bytes === 2) v.setUint16(at, value & 0xffff, le);
  else if (bytes === 4) v.setUint32(at, value >>> 0, le);
  else v.setBigUint64(at, BigInt(Math.max(0, Math.floor(value))), le);
}

/** Sets an entry to one LONG (or LONG8 in BigTIFF) value, inline. */
function setEntry(b: Uint8Array, lay: TiffLayout, e: Entry, value: number): void {
  writeUint(b, e.at + 2, 2, lay.big ? 16 : 4, lay.le);
  writeUint(b, e.at + 4, lay.big ? 8 : 4, 1, lay.le);
  writeUint(b, e.at + (lay.big ? 12 : 8), lay.big ? 8 : 4, value, lay.le);
}

const ABSURD = [0, 1, 65535, 100000, 2 ** 31 - 1, 2 ** 32 - 1];

/** One random structural mutation of a TIFF; returns its name, or null when it does not apply. */
function mutateTiff(b: Uint8Array, lay: TiffLayout, rng: Rng, pick: <T>(a: readonly T[]) => T): string | null {
  const ifd = pick(lay.ifds);
  const find = (...tags: number[]) => ifd.entries.filter((e) => tags.includes(e.tag));
  const choice = rng.nextUint32() % 7;
  if (choice === 0) {
    const e = find(256, 257);
    if (e.length === 0) return null;
    const dims = rng.uniform() < 0.5 ? [100000, 100000] : [pick(ABSURD), pick(ABSURD)];
    e.forEach((x, i) => setEntry(b, lay, x, dims[i % 2]));
    return `dims ${dims.join("x")} ifd@${ifd.at}`;
  }
  if (choice === 1) {
    const e = find(258, 277, 278, 322, 323, 339, 284, 317, 259, 262);
    if (e.length === 0) return null;
    const x = pick(e);
    const value = pick([0, 2, 3, 7, 13, 24, 64, 255, 1000, 65535, 2 ** 32 - 1]);
    setEntry(b, lay, x, value);
    return `field tag${x.tag}=${value}`;
  }
  if (choice === 2) {
    const e = find(273, 324, 279, 325);
    if (e.length === 0) return null;
    const x = pick(e);
    const value = pick([b.length, b.length + 1, b.length + 4096, 2 ** 32 - 1, 2 ** 31, 0]);
    const k = x.count > 1 ? rng.nextUint32() % x.count : 0;
    const size = TYPE_SIZE[x.type] ?? 4;
    if (x.valueAt + (k + 1) * size > b.length || (size !== 2 && size !== 4 && size !== 8)) return null;
    writeUint(b, x.valueAt + k * size, size, value, lay.le);
    return `offset tag${x.tag}[${k}]=${value}`;
  }
  if (choice === 3) {
    // A tag's out-of-line value pointer past the end.
    const e = ifd.entries.filter((x) => x.valueBytes > (lay.big ? 8 : 4));
    if (e.length === 0) return null;
    const x = pick(e);
    writeUint(b, x.at + (lay.big ? 12 : 8), lay.big ? 8 : 4, pick([b.length, b.length + 100, 2 ** 32 - 2]), lay.le);
    return `pointer tag${x.tag} past end`;
  }
  if (choice === 4) {
    // A loop: this IFD's next pointer goes back to itself or an earlier IFD.
    const i = lay.ifds.indexOf(ifd);
    const target = lay.ifds[rng.nextUint32() % (i + 1)];
    writeUint(b, ifd.nextAt, lay.big ? 8 : 4, target.at, lay.le);
    return `loop ifd${i}->ifd${lay.ifds.indexOf(target)}`;
  }
  if (choice === 5) {
    writeUint(b, ifd.nextAt, lay.big ? 8 : 4, pick([b.length, b.length + 2, 2 ** 32 - 1, 1, 3]), lay.le);
    return `next-ifd past end/odd`;
  }
  // Entry count of the IFD absurd.
  writeUint(b, ifd.at, lay.big ? 8 : 2, pick([0, 1, 4000, 65535]), lay.le);
  return `entry-count ifd@${ifd.at}`;
}

/** Appends a new description promising absurd plane counts and points tag 270 at it. */
function mutateDescription(b: Uint8Array, lay: TiffLayout, rng: Rng, pick: <T>(a: readonly T[]) => T): { bytes: Uint8Array; kind: string } | null {
  const e = lay.ifds[0]?.entries.find((x) => x.tag === 270);
  if (!e || e.valueAt + e.valueBytes > b.length) return null;
  let text = new TextDecoder().decode(b.subarray(e.valueAt, e.valueAt + e.valueBytes)).replace(/\0+$/, "");
  const huge = String(pick([0, 1000, 100000, 1e9, 4294967297]));
  if (text.startsWith("ImageJ=")) {
    const key = pick(["images", "frames", "slices", "channels"]);
    text = new RegExp(`^${key}=`, "m").test(text) ? text.replace(new RegExp(`^${key}=.*$`, "m"), `${key}=${huge}`) : `${text}\n${key}=${huge}\nimages=${huge}`;
  } else if (text.includes("<OME")) {
    const key = pick(["SizeT", "SizeZ", "SizeC", "SizeX", "PlaneCount", "IFD"]);
    text = text.replace(new RegExp(`${key}="\\d+"`, "g"), `${key}="${huge}"`);
  } else if (text.startsWith("{")) {
    text = `{"shape": [${huge}, 256, 256]}`;
  } else return null;
  const add = new TextEncoder().encode(text + "\0");
  const out = new Uint8Array(b.length + add.length);
  out.set(b);
  out.set(add, b.length);
  writeUint(out, e.at + 4, lay.big ? 8 : 4, add.length, lay.le);
  writeUint(out, e.at + (lay.big ? 12 : 8), lay.big ? 8 : 4, b.length, lay.le);
  void rng;
  return { bytes: out, kind: `description ${text.slice(0, 20).replace(/\s+/g, " ")}… ${huge}` };
}

export interface CorpusOptions {
  seed: number;
  /** Total number of files; with everyBoundary, the number of random mutations after all the truncations. */
  count: number;
  dir: string;
  /** Sources (real files); see defaultSources. */
  sources: string[];
  /** Every structure boundary of every source (else a seeded sample of them). */
  everyBoundary?: boolean;
}

/**
 * The real files the fuzz starts from: the shared formats and EM samples (files up to 1.5 MB;
 * of each folder of PNG slices only the first).
 */
export function defaultSources(sharedData: string, extra: string[] = []): string[] {
  const walk = (d: string): string[] => {
    const names = readdirSync(d).sort();
    const firstPng = names.find((n) => /\.png$/i.test(n));
    return names.flatMap((n) => {
      const p = join(d, n);
      if (statSync(p).isDirectory()) return walk(p);
      if (/\.png$/i.test(n)) return n === firstPng ? [p] : [];
      return /\.(tiff?|jpe?g)$/i.test(n) && statSync(p).size <= 1_500_000 ? [p] : [];
    });
  };
  return [...walk(join(sharedData, "formats")), ...walk(join(sharedData, "em")), ...extra];
}

/** Writes the seeded corpus into `dir` and returns its cases (same seed, same files). */
export function makeCorpus(options: CorpusOptions): FuzzCase[] {
  const rng = Rng.fromSeed(options.seed);
  const pick = <T>(a: readonly T[]): T => a[rng.nextUint32() % a.length];
  mkdirSync(options.dir, { recursive: true });
  const originals = options.sources.map((s) => ({ path: s, bytes: new Uint8Array(readFileSync(s)) }));
  const cases: FuzzCase[] = [];
  const emit = (src: string, bytes: Uint8Array, kind: string) => {
    const ext = /\.(png|jpe?g)$/i.exec(src)?.[0] ?? ".tif";
    const file = join(options.dir, `${String(cases.length).padStart(5, "0")}-${basename(src).replace(/\.[^.]+$/, "").slice(0, 40)}${ext}`);
    writeFileSync(file, bytes);
    cases.push({ file, source: src, kind });
  };
  // 1. Truncation at structure boundaries (and one byte either side).
  const cuts: { src: (typeof originals)[number]; at: number; what: string }[] = [];
  for (const o of originals) {
    const lay = tiffLayout(o.bytes);
    const bounds = lay ? lay.boundaries : /\.png$/i.test(o.path) ? pngBoundaries(o.bytes) : [{ at: 2, what: "soi" }, { at: o.bytes.length >> 1, what: "half" }];
    for (const x of bounds) for (const d of [0, -1, 1]) if (x.at + d > 0 && x.at + d < o.bytes.length) cuts.push({ src: o, at: x.at + d, what: x.what + (d ? `${d > 0 ? "+" : ""}${d}` : "") });
  }
  const truncations = options.everyBoundary ? cuts : cuts.filter(() => rng.uniform() < (options.count * 0.3) / Math.max(cuts.length, 1));
  for (const c of truncations) if (cases.length < options.count || options.everyBoundary) emit(c.src.path, c.src.bytes.subarray(0, c.at), `truncate@${c.what} ${c.at}`);
  // 2. Random mutations until the count is reached (with everyBoundary: `count` more).
  const target = options.everyBoundary ? cases.length + options.count : options.count;
  let guard = 0;
  while (cases.length < target && guard++ < options.count * 20) {
    const o = pick(originals);
    const lay = tiffLayout(o.bytes);
    const r = rng.uniform();
    if (r < 0.35 || !lay) {
      const b = o.bytes.slice();
      const flips = 1 + (rng.nextUint32() % 8);
      const head = Math.min(b.length, lay ? Math.max(4096, (lay.ifds[0]?.tableEnd ?? 0) + 64) : 4096);
      for (let k = 0; k < flips; k++) {
        const at = rng.uniform() < 0.6 ? rng.nextUint32() % head : rng.nextUint32() % b.length;
        b[at] ^= 1 << (rng.nextUint32() % 8);
      }
      emit(o.path, b, `bitflip x${flips}`);
    } else if (r < 0.85) {
      const b = o.bytes.slice();
      const kind = mutateTiff(b, tiffLayout(b)!, rng, pick);
      if (kind) emit(o.path, b, kind);
    } else if (r < 0.93) {
      const m = mutateDescription(o.bytes, lay, rng, pick);
      if (m) emit(o.path, m.bytes, m.kind);
    } else {
      // Two at once: a structural change, then a description promising absurd plane counts.
      const b = o.bytes.slice();
      const first = mutateTiff(b, tiffLayout(b)!, rng, pick);
      const after = tiffLayout(b);
      const m = first && after ? mutateDescription(b, after, rng, pick) : null;
      if (m) emit(o.path, m.bytes, `combo ${first} + ${m.kind}`);
    }
  }
  return cases;
}
