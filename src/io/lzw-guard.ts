// A safety check run before geotiff's LZW decoder (3.0.5). On a damaged stream that decoder
// can follow a cycle in its dictionary, or an entry past its 4093-entry tables, and grow a
// JavaScript array until V8 aborts the whole process (an uncatchable crash, not an error).
// This walks the code stream the way geotiff's decoder does, without building any output,
// and throws when a code could send geotiff astray or when the stream would decode to far
// more bytes than the block can hold. It decodes nothing itself.

const CLEAR = 256;
const EOI = 257;
/** geotiff's dictionary arrays hold entries 0..4092. */
const GEOTIFF_TABLE_SIZE = 4093;

/**
 * Throws an Error saying why when `data` is not an LZW stream geotiff can safely decode.
 * Returns whether the stream ends without an end-of-information code (geotiff then warns on
 * the console; some writers omit the code, and the decoded length decides).
 */
export function checkLzwStream(data: Uint8Array, maxOutputBytes: number): { endsWithoutEoi: boolean } {
  const n = data.length;
  let position = 0;
  let bits = 9;
  let size = 258;
  const lengths = new Uint32Array(GEOTIFF_TABLE_SIZE);
  for (let i = 0; i < 256; i++) lengths[i] = 1;
  let old = -1;
  let out = 0;
  // The next code, MSB first; past the end of the data geotiff reads EOI.
  let ranOff = false;
  const next = (): number => {
    const a = position >> 3;
    if (a >= n) {
      ranOff = true;
      return EOI;
    }
    let v = 0;
    for (let k = 0; k < bits; k++) {
      const p = position + k;
      const byte = p >> 3;
      v = (v << 1) | (byte < n ? (data[byte] >> (7 - (p & 7))) & 1 : 0);
    }
    position += bits;
    return v;
  };
  const add = (length: number) => {
    if (size >= GEOTIFF_TABLE_SIZE) throw new Error(`LZW dictionary grows past ${GEOTIFF_TABLE_SIZE} entries without a clear code`);
    lengths[size++] = length;
  };
  let code = next();
  while (code !== EOI) {
    if (code === CLEAR) {
      size = 258;
      bits = 9;
      do code = next();
      while (code === CLEAR);
      if (code === EOI) break;
      if (code > CLEAR) throw new Error(`LZW code ${code} right after a clear code`);
      out += 1;
      old = code;
    } else if (code < size) {
      out += lengths[code];
      if (old >= 0) add(lengths[old] + 1);
      old = code;
    } else {
      // Only the entry being defined (code == size) may be used before it exists.
      if (old < 0 || code !== size) throw new Error(`LZW code ${code} is not in the dictionary (${size} entries)`);
      out += lengths[old] + 1;
      add(lengths[old] + 1);
      old = code;
    }
    if (out > maxOutputBytes) throw new Error(`LZW data decodes to more than ${maxOutputBytes} bytes`);
    if (size + 1 >= 1 << bits) {
      if (bits === 12) old = -1;
      else bits++;
    }
    code = next();
  }
  return { endsWithoutEoi: ranOff };
}
