// The convolution pool's control block (an Int32Array on a SharedArrayBuffer), shared by the
// main thread (conv-pool.ts) and its workers (conv-worker.ts).
export const CTRL = {
  /** Bumped once per call; workers wait for it to change. */
  GEN: 0,
  /** Workers done with the current call. */
  DONE: 1,
  /** Index of the call in CONV_CALL_NAMES, or FN_STOP / FN_EXIT_FOR_TEST. */
  FN: 2,
  /** The first worker (1-based) whose call threw, else 0. */
  ERROR: 3,
  FN_STOP: -1,
  FN_EXIT_FOR_TEST: -2,
  ARGS: 8,
  ARG_COUNT: 16,
  /** [r0, r1) of thread i at RANGES + 2i. */
  RANGES: 32,
  /** DEAD + i is 1 once worker i stopped; after the ranges of MAX_THREADS threads. */
  DEAD: 32 + 2 * 257,
  LENGTH: 32 + 3 * 257,
} as const;
