// The exports of our convolution module (native/conv.c) and one table of how each is called, so
// that the main thread (in place, in tfjs's heap) and the pool's workers (in the pool's shared
// memory) run exactly the same calls. `ws` is the calling thread's workspace; [r0, r1) the rows
// of the output it computes (the whole output in place).

export interface ConvExports {
  workspace_floats(): number;
  geometry_ints(): number;
  conv2d(x: number, filter: number, bias: number, biasLen: number, relu: number, y: number, g: number, ws: number, r0: number, r1: number): void;
  conv2d_backprop_filter(x: number, dy: number, dw: number, g: number, ws: number, r0: number, r1: number): void;
  conv2d_backprop_input_cols(dy: number, filter: number, cols: number, p0: number, g: number, ws: number, r0: number, r1: number): void;
  conv2d_backprop_input_scatter(dx: number, cols: number, p0: number, count: number, g: number): void;
  flip_swap_filter(filter: number, out: number, kh: number, kw: number, cin: number, cout: number): void;
  conv2d_cout1(x: number, filter: number, bias: number, biasLen: number, relu: number, y: number, g: number, r0: number, r1: number): void;
  conv2d_backprop_filter_cout1(x: number, dy: number, dw: number, g: number): void;
  conv2d_backprop_input_cout1(dy: number, filter: number, dx: number, g: number, r0: number, r1: number): void;
  __stack_pointer: WebAssembly.Global;
}

type Call = (e: ConvExports, a: ArrayLike<number>, ws: number, r0: number, r1: number) => void;

/** Every call the kernels make; the index of a name is what the pool sends its workers. */
export const CONV_CALLS = {
  conv2d: (e, a, ws, r0, r1) => e.conv2d(a[0], a[1], a[2], a[3], a[4], a[5], a[6], ws, r0, r1),
  conv2d_cout1: (e, a, _ws, r0, r1) => e.conv2d_cout1(a[0], a[1], a[2], a[3], a[4], a[5], a[6], r0, r1),
  backprop_filter: (e, a, ws, r0, r1) => e.conv2d_backprop_filter(a[0], a[1], a[2], a[3], ws, r0, r1),
  // Accumulates every pixel into each filter entry in one loop: not split (one thread).
  backprop_filter_cout1: (e, a) => e.conv2d_backprop_filter_cout1(a[0], a[1], a[2], a[3]),
  backprop_input_cols: (e, a, ws, r0, r1) => e.conv2d_backprop_input_cols(a[0], a[1], a[2], a[3], a[4], ws, r0, r1),
  // Taps of neighbouring pixels add into the same dx: not split (one thread).
  backprop_input_scatter: (e, a) => e.conv2d_backprop_input_scatter(a[0], a[1], a[2], a[3], a[4]),
  backprop_input_cout1: (e, a, _ws, r0, r1) => e.conv2d_backprop_input_cout1(a[0], a[1], a[2], a[3], r0, r1),
} satisfies Record<string, Call>;

export type ConvCallName = keyof typeof CONV_CALLS;
export const CONV_CALL_NAMES = Object.keys(CONV_CALLS) as ConvCallName[];
/** Calls a worker must not split (see above): the main thread runs them whole. */
export const UNSPLIT_CALLS: ReadonlySet<ConvCallName> = new Set(["backprop_filter_cout1", "backprop_input_scatter"]);

/** Bytes of stack each thread's instance gets (our code uses little: a few small arrays). */
export const STACK_BYTES = 64 * 1024;
