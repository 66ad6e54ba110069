// The crappifier's one random number generator: xoshiro128** (Blackman & Vigna 2018) on 32-bit
// integer arithmetic (Math.imul, >>>), so the same seed gives the same stream on every platform
// and JavaScript engine. Normal deviates use the 128-layer ziggurat of Marsaglia & Tsang (2000)
// with the layer index and the value taken from disjoint bits (Doornik 2005's fix); Poisson
// deviates use multiplication of uniforms for lambda < 10 and the PTRS transformed rejection of
// Hörmann (1993) above, the same split numpy's samplers use. All are exact samplers: no Gaussian
// approximation at any lambda. The integer stream is bit-identical everywhere; the rare tail
// paths use Math.log/exp, which V8 (Node, Chrome) computes identically on every platform.
import { invalidArgument } from "../errors.js";

/** Everything needed to continue a stream exactly where it stopped (JSON-serialisable). */
export interface RngState {
  algorithm: "xoshiro128**";
  /** The four 32-bit words of the generator state, as unsigned integers. */
  words: [number, number, number, number];
}

const TWO_POW_MINUS_32 = 2 ** -32;

// Ziggurat tables for the standard normal, 128 layers, 25-bit signed values (Marsaglia & Tsang 2000).
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_M = 2 ** 24;
const ZIG_K = new Int32Array(128);
const ZIG_W = new Float64Array(128);
const ZIG_F = new Float64Array(128);
(() => {
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  ZIG_K[0] = Math.floor((dn / q) * ZIG_M);
  ZIG_K[1] = 0;
  ZIG_W[0] = q / ZIG_M;
  ZIG_W[127] = dn / ZIG_M;
  ZIG_F[0] = 1;
  ZIG_F[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_K[i + 1] = Math.floor((dn / tn) * ZIG_M);
    tn = dn;
    ZIG_F[i] = Math.exp(-0.5 * dn * dn);
    ZIG_W[i] = dn / ZIG_M;
  }
})();
const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** SplitMix32 step (used only to expand a seed into four non-zero words). */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Lanczos-free log-gamma (Stirling series with upward shift below 7), as used by PTRS. */
export function logGamma(x: number): number {
  if (x === 1 || x === 2) return 0;
  const coefficients = [
    8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4,
    8.417508417508418e-4, -1.917526917526918e-3, 6.41025641025641e-3, -2.955065359477124e-2,
    1.796443723688307e-1, -1.3924322169059,
  ];
  const shift = x < 7 ? Math.floor(7 - x) : 0;
  let x0 = x + shift;
  const x2 = 1 / (x0 * x0);
  let series = coefficients[9];
  for (let k = 8; k >= 0; k--) series = series * x2 + coefficients[k];
  let gl = series / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * Math.log(x0) - x0;
  for (let k = 1; k <= shift; k++) {
    gl -= Math.log(x0 - 1);
    x0 -= 1;
  }
  return gl;
}

/**
 * Seeded pseudo-random generator. `Rng.fromSeed(seed)` accepts any integer 0..2^53-1;
 * `getState()` / `Rng.fromState()` save and restore the exact position in the stream.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(words: readonly number[]) {
    this.s0 = words[0] | 0;
    this.s1 = words[1] | 0;
    this.s2 = words[2] | 0;
    this.s3 = words[3] | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A generator seeded from a non-negative integer (up to 2^53-1). */
  static fromSeed(seed: number): Rng {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
      throw invalidArgument(`seed must be an integer in 0..${MAX_SEED}, got ${seed}`);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const st = { s: lo ^ Math.imul(hi, 0x27d4eb2d) };
    const words = [splitmix32(st), splitmix32(st), splitmix32(st), splitmix32(st)];
    const rng = new Rng(words);
    return rng;
  }

  /** Restores a generator saved with `getState()`. */
  static fromState(state: RngState): Rng {
    if (!state || state.algorithm !== "xoshiro128**" || !Array.isArray(state.words) || state.words.length !== 4) {
      throw invalidArgument(`not an xoshiro128** RNG state: ${JSON.stringify(state)}`);
    }
    for (const w of state.words) {
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) throw invalidArgument(`RNG state word ${w} is not a uint32`);
    }
    return new Rng(state.words);
  }

  /** A fresh seed drawn from the platform's entropy (for callers that gave none; record it). */
  static randomSeed(): number {
    const words = new Uint32Array(2);
    globalThis.crypto.getRandomValues(words);
    return (words[0] & 0x1fffff) * 2 ** 32 + words[1];
  }

  getState(): RngState {
    return {
      algorithm: "xoshiro128**",
      words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0],
    };
  }

  /** Moves this generator to a saved state (so a caller's generator continues after a sub-call). */
  setStateFrom(state: RngState): void {
    const other = Rng.fromState(state);
    this.s0 = other.s0;
    this.s1 = other.s1;
    this.s2 = other.s2;
    this.s3 = other.s3;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const t = Math.imul(s1, 5);
    const result = Math.imul((t << 7) | (t >>> 25), 9);
    const shifted = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= shifted;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result >>> 0;
  }

  /** Uniform on [0, 1) with 32-bit resolution. */
  uniform(): number {
    return this.nextUint32() * TWO_POW_MINUS_32;
  }

  /** Uniform on the open interval (0, 1): never 0, so log() is always finite. */
  uniformOpen(): number {
    return (this.nextUint32() + 0.5) * TWO_POW_MINUS_32;
  }

  /** Uniform on [lo, hi). */
  uniformRange(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal deviate (ziggurat; one 32-bit draw in ~98.8% of calls). */
  normal(): number {
    for (;;) {
      const j = this.nextUint32() | 0;
      const iz = j & 127;
      const hz = j >> 7; // signed 25-bit value, independent of the layer bits
      if ((hz < 0 ? -hz : hz) < ZIG_K[iz]) return hz * ZIG_W[iz];
      if (iz === 0) {
        // Base strip: sample the tail beyond R (Marsaglia 1964).
        let x: number;
        let y: number;
        do {
          x = -Math.log(this.uniformOpen()) / ZIG_R;
          y = -Math.log(this.uniformOpen());
        } while (y + y < x * x);
        return hz > 0 ? ZIG_R + x : -ZIG_R - x;
      }
      const x = hz * ZIG_W[iz];
      if (ZIG_F[iz] + this.uniform() * (ZIG_F[iz - 1] - ZIG_F[iz]) < Math.exp(-0.5 * x * x)) return x;
    }
  }

  /**
   * Poisson deviate with mean `lambda` (>= 0). Exact: product of uniforms below 10, PTRS
   * (Hörmann 1993, "The transformed rejection method for generating Poisson random variables")
   * at and above 10.
   */
  poisson(lambda: number): number {
    if (!(lambda >= 0) || lambda === Infinity) throw invalidArgument(`Poisson mean must be finite and >= 0, got ${lambda}`);
    if (lambda === 0) return 0;
    if (lambda < 10) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let prod = this.uniform();
      while (prod > limit) {
        k++;
        prod *= this.uniform();
      }
      return k;
    }
    return this.poissonPtrs(lambda);
  }

  private poissonPtrs(lambda: number): number {
    const slam = Math.sqrt(lambda);
    const loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const logInvAlpha = Math.log(1.1239 + 1.1328 / (b - 3.4));
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.uniform() - 0.5;
      const v = this.uniformOpen();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + logInvAlpha - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logGamma(k + 1)) return k;
    }
  }
}

/** Accepts a seed, an Rng or a saved state; returns the generator and the seed to record. */
export function toRng(source: number | Rng | RngState | undefined): { rng: Rng; seed: number | null } {
  if (source instanceof Rng) return { rng: source, seed: null };
  if (source === undefined) {
    const seed = Rng.randomSeed();
    return { rng: Rng.fromSeed(seed), seed };
  }
  if (typeof source === "number") return { rng: Rng.fromSeed(source), seed: source };
  return { rng: Rng.fromState(source), seed: null };
}
