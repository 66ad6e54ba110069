// Parsers for the metadata microscopy TIFFs carry in their ImageDescription: ImageJ's
// "key=value" lines and OME-XML. Both are small, regular text formats, so they are read
// with plain string parsing (no XML library): only the attributes pssr needs are extracted.
import { parseLengthUnit, type Length, type LengthUnit } from "../image/image.js";

/** The ImageJ description as key -> value (numbers and booleans converted). */
export type ImageJDescription = Record<string, string | number | boolean>;

/** Parses an ImageJ description ("ImageJ=1.53c\nimages=3\nchannels=3\n..."); null if it is not one. */
export function parseImageJDescription(text: string): ImageJDescription | null {
  if (!text.startsWith("ImageJ=")) return null;
  const out: ImageJDescription = {};
  for (const line of text.split(/\r?\n/)) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const raw = line.slice(eq + 1).trim();
    if (raw === "true" || raw === "false") out[key] = raw === "true";
    else if (raw !== "" && key !== "ImageJ" && Number.isFinite(Number(raw))) out[key] = Number(raw);
    else out[key] = raw;
  }
  return out;
}

/** A physical length from a value and a unit spelling; inches become cm; null when unusable. */
export function lengthFrom(value: number, unitText: string): Length | null {
  if (!Number.isFinite(value) || value <= 0) return null;
  const t = unitText.trim().toLowerCase();
  if (t === "inch" || t === "in" || t === "inches") return { value: value * 2.54, unit: "cm" };
  if (t === "angstrom" || t === "å" || t === "\\u00c5") return { value: value / 10, unit: "nm" };
  const unit: LengthUnit | null = parseLengthUnit(unitText);
  return unit ? { value, unit } : null;
}

/** Seconds per unit for the time units ImageJ (tunit=) and OME (TimeIncrementUnit) use. */
export function secondsPer(unitText: string | undefined): number | null {
  const t = (unitText ?? "s").trim().replace(/\\u00B5/gi, "µ").replace(/μ/g, "µ").toLowerCase();
  const table: Record<string, number> = {
    s: 1, sec: 1, secs: 1, second: 1, seconds: 1,
    ms: 1e-3, msec: 1e-3, millisecond: 1e-3, milliseconds: 1e-3,
    "µs": 1e-6, us: 1e-6, microsecond: 1e-6, microseconds: 1e-6,
    ns: 1e-9,
    min: 60, mins: 60, minute: 60, minutes: 60,
    h: 3600, hr: 3600, hour: 3600, hours: 3600,
  };
  return table[t] ?? null;
}

// ---------------------------------------------------------------- OME-XML

/** One TiffData element: which IFD (of which file) holds which planes. */
export interface OmeTiffData {
  ifd: number;
  /** Planes stored from `ifd` on; null when the element does not say (then: all the rest). */
  planeCount: number | null;
  firstZ: number;
  firstC: number;
  firstT: number;
  /** The file named in the UUID child, when there is one. */
  fileName: string | null;
  uuid: string | null;
}

export interface OmePixels {
  dimensionOrder: string;
  sizeX: number;
  sizeY: number;
  sizeZ: number;
  sizeC: number;
  sizeT: number;
  type: string;
  physicalSizeX: Length | null;
  physicalSizeY: Length | null;
  physicalSizeZ: Length | null;
  timeIncrementS: number | null;
  tiffData: OmeTiffData[];
}

export interface OmeImage {
  id: string;
  name: string | null;
  pixels: OmePixels;
}

export interface OmeDocument {
  uuid: string | null;
  /** Set when the XML only points at a companion file (`<BinaryOnly MetadataFile=...>`). */
  binaryOnlyMetadataFile: string | null;
  images: OmeImage[];
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    }
    return XML_ENTITIES[e] ?? m;
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    const name = m[1].includes(":") ? m[1].slice(m[1].indexOf(":") + 1) : m[1];
    out[name] = unescapeXml(m[3] ?? m[4] ?? "");
  }
  return out;
}

/** Elements named `name` (any namespace prefix) inside `xml`: their start tag and inner text. */
function elements(xml: string, name: string): { attrs: Record<string, string>; inner: string }[] {
  const out: { attrs: Record<string, string>; inner: string }[] = [];
  const open = new RegExp(`<(?:[\\w-]+:)?${name}(?=[\\s/>])([^>]*?)(/?)>`, "g");
  let m: RegExpExecArray | null;
  while ((m = open.exec(xml)) !== null) {
    const attrs = attributes(m[1]);
    if (m[2] === "/") {
      out.push({ attrs, inner: "" });
      continue;
    }
    const close = new RegExp(`</(?:[\\w-]+:)?${name}\\s*>`, "g");
    close.lastIndex = open.lastIndex;
    const c = close.exec(xml);
    const end = c ? c.index : xml.length;
    out.push({ attrs, inner: xml.slice(open.lastIndex, end) });
    open.lastIndex = c ? close.lastIndex : xml.length;
  }
  return out;
}

function intAttr(attrs: Record<string, string>, key: string, fallback: number): number {
  const v = attrs[key];
  if (v === undefined || v.trim() === "") return fallback;
  const n = Number(v);
  return Number.isInteger(n) ? n : fallback;
}

/** OME's default length unit is the micrometre. */
function physicalSize(attrs: Record<string, string>, axis: "X" | "Y" | "Z"): Length | null {
  const v = attrs[`PhysicalSize${axis}`];
  if (v === undefined) return null;
  return lengthFrom(Number(v), attrs[`PhysicalSize${axis}Unit`] ?? "µm");
}

/** True when `text` looks like OME-XML. */
export function isOmeXml(text: string): boolean {
  return /<(?:[\w-]+:)?OME[\s>]/.test(text);
}

/** Parses the parts of an OME-XML document that say how planes map to IFDs, and calibration. */
export function parseOmeXml(xml: string): OmeDocument {
  const root = /<(?:[\w-]+:)?OME(?=[\s>])([^>]*)>/.exec(xml);
  const rootAttrs = root ? attributes(root[1]) : {};
  const binaryOnly = elements(xml, "BinaryOnly")[0];
  const images: OmeImage[] = [];
  for (const img of elements(xml, "Image")) {
    const px = elements(img.inner, "Pixels")[0];
    if (!px) continue;
    const a = px.attrs;
    const tiffData: OmeTiffData[] = elements(px.inner, "TiffData").map((td) => {
      const uuid = elements(td.inner, "UUID")[0];
      const count = td.attrs.PlaneCount;
      return {
        ifd: intAttr(td.attrs, "IFD", 0),
        planeCount: count === undefined ? null : intAttr(td.attrs, "PlaneCount", 1),
        firstZ: intAttr(td.attrs, "FirstZ", 0),
        firstC: intAttr(td.attrs, "FirstC", 0),
        firstT: intAttr(td.attrs, "FirstT", 0),
        fileName: uuid?.attrs.FileName ?? null,
        uuid: uuid ? uuid.inner.trim() : null,
      };
    });
    const ti = a.TimeIncrement === undefined ? NaN : Number(a.TimeIncrement);
    const tUnit = secondsPer(a.TimeIncrementUnit ?? "s");
    images.push({
      id: img.attrs.ID ?? `Image:${images.length}`,
      name: img.attrs.Name ?? null,
      pixels: {
        dimensionOrder: (a.DimensionOrder ?? "XYZCT").toUpperCase(),
        sizeX: intAttr(a, "SizeX", 0),
        sizeY: intAttr(a, "SizeY", 0),
        sizeZ: intAttr(a, "SizeZ", 1),
        sizeC: intAttr(a, "SizeC", 1),
        sizeT: intAttr(a, "SizeT", 1),
        type: a.Type ?? "",
        physicalSizeX: physicalSize(a, "X"),
        physicalSizeY: physicalSize(a, "Y"),
        physicalSizeZ: physicalSize(a, "Z"),
        timeIncrementS: Number.isFinite(ti) && ti > 0 && tUnit !== null ? ti * tUnit : null,
        tiffData,
      },
    });
  }
  return {
    uuid: rootAttrs.UUID ?? null,
    binaryOnlyMetadataFile: binaryOnly?.attrs.MetadataFile ?? null,
    images,
  };
}
