/*
 * pssr-lab's convolution kernels for the tfjs WebAssembly backend: forward convolution, its
 * filter gradient and its input gradient as one cache-blocked GEMM (Goto's loop order: pack a
 * KC x NC block of B, then MC x KC blocks of A, then a 4 x 8 register-blocked micro-kernel in
 * WebAssembly SIMD128) whose A operand is packed straight from the NHWC image ("implicit
 * im2col"): no im2col matrix, no transposed copies, nothing to repack per call except the blocks.
 *
 * Built by native/build.mjs (clang --target=wasm32 -msimd128). The module imports the tfjs
 * backend's own memory, so its pointers are the tfjs tensors' heap offsets. It must not own
 * any linear memory: no static data (the build checks there is no data section) and no stack
 * (the build exports __stack_pointer; src/backend/conv-wasm.ts points it at a malloc'd block).
 *
 * Geometry and sizes come in an int32 block `g` written by the caller (see G_* below).
 * Row-major throughout: images [n, h, w, c], filters [kh, kw, cin, cout] (tfjs's layouts).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/* Register block (4 x 8: 8 accumulators, fits x64's 16 vector registers without spills). */
#define MR 4
#define NR 8
/* Cache blocks: A block MC x KC (64 KiB) in L2, B panel KC x NR (8 KiB) in L1. */
#define KC 256
#define MC 64
#define NC 512

/* Workspace layout (floats): packed A, packed B, an edge tile. */
#define WS_A 0
#define WS_B (WS_A + MC * KC)
#define WS_TILE (WS_B + KC * NC)
#define WS_FLOATS (WS_TILE + MR * NR)

/* Geometry block. */
enum {
  G_N, G_H, G_W, G_CIN, G_KH, G_KW, G_SH, G_SW, G_DH, G_DW, G_PT, G_PL, G_HO, G_WO, G_COUT, G_LEN
};

EXPORT(workspace_floats) int workspace_floats(void) { return WS_FLOATS; }
EXPORT(geometry_ints) int geometry_ints(void) { return G_LEN; }

/* ---- micro-kernel: C[m x n] (= or +=) Ap (kc x MR, k-major) * Bp (kc x NR) ---- */
static inline void micro(int kc, const float* restrict ap, const float* restrict bp, float* restrict c, int ldc, int m, int n,
                         int accumulate, float* restrict tile) {
  v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    v128_t a = wasm_v128_load32_splat(ap);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a, b1));
    a = wasm_v128_load32_splat(ap + 1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a, b1));
    a = wasm_v128_load32_splat(ap + 2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a, b1));
    a = wasm_v128_load32_splat(ap + 3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a, b1));
    ap += MR;
    bp += NR;
  }
  if (m == MR && n == NR) {
#define STORE_ROW(r, x0, x1)                                           \
  {                                                                    \
    float* p = c + (r) * ldc;                                          \
    if (accumulate) {                                                  \
      x0 = wasm_f32x4_add(x0, wasm_v128_load(p));                      \
      x1 = wasm_f32x4_add(x1, wasm_v128_load(p + 4));                  \
    }                                                                  \
    wasm_v128_store(p, x0);                                            \
    wasm_v128_store(p + 4, x1);                                        \
  }
    STORE_ROW(0, c00, c01)
    STORE_ROW(1, c10, c11)
    STORE_ROW(2, c20, c21)
    STORE_ROW(3, c30, c31)
    return;
  }
  wasm_v128_store(tile + 0, c00);
  wasm_v128_store(tile + 4, c01);
  wasm_v128_store(tile + 8, c10);
  wasm_v128_store(tile + 12, c11);
  wasm_v128_store(tile + 16, c20);
  wasm_v128_store(tile + 20, c21);
  wasm_v128_store(tile + 24, c30);
  wasm_v128_store(tile + 28, c31);
  for (int r = 0; r < m; r++) {
    for (int j = 0; j < n; j++) c[r * ldc + j] = accumulate ? c[r * ldc + j] + tile[r * NR + j] : tile[r * NR + j];
  }
}

/* Stores the 4 x 4 transpose of rows x0..x3 as 4 k-major groups of MR (= 4) floats. */
static inline void store_transposed(float* d, v128_t x0, v128_t x1, v128_t x2, v128_t x3) {
  v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);
  v128_t t2 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
  wasm_v128_store(d + 0, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
  wasm_v128_store(d + 4, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
  wasm_v128_store(d + 8, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
  wasm_v128_store(d + 12, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
}

static inline v128_t load_or_zero(const float* p) { return p ? wasm_v128_load(p) : wasm_f32x4_splat(0.0f); }

/* ---- A packing: MR-row panels, each kc x MR (k-major), rows past m zero ---- */

/* A[i, k] = a[i * lda + k] (a plain row-major matrix). */
static void pack_a_plain(const float* a, int lda, int i0, int mc, int k0, int kc, float* ap) {
  for (int ir = 0; ir < mc; ir += MR) {
    float* panel = ap + ir * kc;
    int rows = mc - ir < MR ? mc - ir : MR;
    if (rows == MR) {
      const float* r0 = a + (i0 + ir) * lda + k0;
      const float* r1 = r0 + lda;
      const float* r2 = r1 + lda;
      const float* r3 = r2 + lda;
      int k = 0;
      for (; k + 4 <= kc; k += 4) {
        store_transposed(panel + k * MR, wasm_v128_load(r0 + k), wasm_v128_load(r1 + k), wasm_v128_load(r2 + k), wasm_v128_load(r3 + k));
      }
      for (; k < kc; k++) {
        panel[k * MR + 0] = r0[k];
        panel[k * MR + 1] = r1[k];
        panel[k * MR + 2] = r2[k];
        panel[k * MR + 3] = r3[k];
      }
      continue;
    }
    for (int r = 0; r < MR; r++) {
      if (r < rows) {
        const float* src = a + (i0 + ir + r) * lda + k0;
        for (int k = 0; k < kc; k++) panel[k * MR + r] = src[k];
      } else {
        for (int k = 0; k < kc; k++) panel[k * MR + r] = 0.0f;
      }
    }
  }
}

/*
 * Forward im2col: rows are output pixels (b, oy, ox), columns (ty, tx, c) of the filter.
 * A[i, k] = x[b, oy*sh - pt + ty*dh, ox*sw - pl + tx*dw, c], zero outside the image.
 * Four rows at a time: within one tap each row is a contiguous run of channels (or zeros).
 */
static void pack_a_im2col(const float* x, const int* g, int i0, int mc, int k0, int kc, float* ap) {
  const int h = g[G_H], w = g[G_W], cin = g[G_CIN], kw = g[G_KW];
  const int sh = g[G_SH], sw = g[G_SW], dh = g[G_DH], dw = g[G_DW], pt = g[G_PT], pl = g[G_PL];
  const int ho = g[G_HO], wo = g[G_WO];
  for (int ir = 0; ir < mc; ir += MR) {
    float* panel = ap + ir * kc;
    int rows = mc - ir < MR ? mc - ir : MR;
    /* Per row: its image, and the input position of tap (0, 0); rows past mc read nothing. */
    const float* xb0 = 0; const float* xb1 = 0; const float* xb2 = 0; const float* xb3 = 0;
    int y0 = 0, y1 = 0, y2 = 0, y3 = 0, x0 = 0, x1 = 0, x2 = 0, x3 = 0;
#define ROW_SETUP(r, xb, yy, xx)                                   \
    if ((r) < rows) {                                              \
      int i = i0 + ir + (r);                                       \
      int b = i / (ho * wo);                                       \
      int rem = i - b * ho * wo;                                   \
      int oy = rem / wo;                                           \
      xb = x + b * h * w * cin;                                    \
      yy = oy * sh - pt;                                           \
      xx = (rem - oy * wo) * sw - pl;                              \
    }
    ROW_SETUP(0, xb0, y0, x0)
    ROW_SETUP(1, xb1, y1, x1)
    ROW_SETUP(2, xb2, y2, x2)
    ROW_SETUP(3, xb3, y3, x3)
#undef ROW_SETUP
    int tap = k0 / cin;
    int c = k0 - tap * cin;
    int kk = 0;
    while (kk < kc) {
      int ty = tap / kw, tx = tap - ty * kw;
      int run = cin - c;
      if (run > kc - kk) run = kc - kk;
      int oy = ty * dh, ox = tx * dw;
#define ROW_SRC(xb, yy, xx) \
      ((xb) && yy + oy >= 0 && yy + oy < h && xx + ox >= 0 && xx + ox < w ? (xb) + ((yy + oy) * w + xx + ox) * cin + c : 0)
      const float* s0 = ROW_SRC(xb0, y0, x0);
      const float* s1 = ROW_SRC(xb1, y1, x1);
      const float* s2 = ROW_SRC(xb2, y2, x2);
      const float* s3 = ROW_SRC(xb3, y3, x3);
#undef ROW_SRC
      float* d = panel + kk * MR;
      int j = 0;
      for (; j + 4 <= run; j += 4) {
        store_transposed(d + j * MR, load_or_zero(s0 ? s0 + j : 0), load_or_zero(s1 ? s1 + j : 0), load_or_zero(s2 ? s2 + j : 0),
                         load_or_zero(s3 ? s3 + j : 0));
      }
      for (; j < run; j++) {
        d[j * MR + 0] = s0 ? s0[j] : 0.0f;
        d[j * MR + 1] = s1 ? s1[j] : 0.0f;
        d[j * MR + 2] = s2 ? s2[j] : 0.0f;
        d[j * MR + 3] = s3 ? s3[j] : 0.0f;
      }
      kk += run;
      tap++;
      c = 0;
    }
  }
}

/*
 * Filter-gradient im2col, transposed: rows are filter entries (ty, tx, c), columns output
 * pixels (b, oy, ox). A[i, k] = x[b, oy*sh - pt + ty*dh, ox*sw - pl + tx*dw, c].
 */
static void pack_a_im2col_t(const float* x, const int* g, int i0, int mc, int k0, int kc, float* ap) {
  const int h = g[G_H], w = g[G_W], cin = g[G_CIN], kw = g[G_KW];
  const int sh = g[G_SH], sw = g[G_SW], dh = g[G_DH], dw = g[G_DW], pt = g[G_PT], pl = g[G_PL];
  const int ho = g[G_HO], wo = g[G_WO];
  for (int ir = 0; ir < mc; ir += MR) {
    float* panel = ap + ir * kc;
    int rows = mc - ir < MR ? mc - ir : MR;
    /* Row r reads channel c_r at tap offset (oy_r, ox_r); the 4 rows are one vector load
       when they are 4 consecutive channels of one tap. */
    int ch[MR], offy[MR], offx[MR];
    for (int r = 0; r < MR; r++) {
      int i = i0 + ir + (r < rows ? r : 0);
      int tap = i / cin;
      ch[r] = i - tap * cin;
      int ty = tap / kw, tx = tap - ty * kw;
      offy[r] = ty * dh - pt;
      offx[r] = tx * dw - pl;
    }
    int contiguous = rows == MR && offy[3] == offy[0] && offx[3] == offx[0] && ch[3] == ch[0] + 3;
    int b = k0 / (ho * wo);
    int rem = k0 - b * ho * wo;
    int oy = rem / wo;
    int ox = rem - oy * wo;
    for (int kk = 0; kk < kc; kk++) {
      const float* xb = x + (long)b * h * w * cin;
      float* d = panel + kk * MR;
      if (contiguous) {
        int iy = oy * sh + offy[0], ix = ox * sw + offx[0];
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
          wasm_v128_store(d, wasm_v128_load(xb + (iy * w + ix) * cin + ch[0]));
        } else {
          wasm_v128_store(d, wasm_f32x4_splat(0.0f));
        }
      } else {
        for (int r = 0; r < MR; r++) {
          int iy = oy * sh + offy[r], ix = ox * sw + offx[r];
          d[r] = (r < rows && iy >= 0 && iy < h && ix >= 0 && ix < w) ? xb[(iy * w + ix) * cin + ch[r]] : 0.0f;
        }
      }
      if (++ox == wo) {
        ox = 0;
        if (++oy == ho) {
          oy = 0;
          b++;
        }
      }
    }
  }
}

/* ---- B packing: NR-column panels, each kc x NR, columns past n zero ---- */

/* B[k, j] = b[k * sk + j * sj]. */
static void pack_b(const float* b, int sk, int sj, int k0, int kc, int j0, int nc, float* bp) {
  for (int jr = 0; jr < nc; jr += NR) {
    float* dst = bp + jr * kc;
    int cols = nc - jr < NR ? nc - jr : NR;
    for (int k = 0; k < kc; k++) {
      const float* src = b + (long)(k0 + k) * sk + (long)(j0 + jr) * sj;
      if (cols == NR && sj == 1) {
        wasm_v128_store(dst, wasm_v128_load(src));
        wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
      } else {
        int j = 0;
        for (; j < cols; j++) dst[j] = src[j * sj];
        for (; j < NR; j++) dst[j] = 0.0f;
      }
      dst += NR;
    }
  }
}

enum { A_PLAIN, A_IM2COL, A_IM2COL_T };

/*
 * Rows [r0, r1) of C[M x N] (ldc) = (or += when accumulate) A[M x K] * B[K x N], with A given
 * by `a_kind` (A_PLAIN: `a` row-major with row stride lda; the others: image `a` and geometry
 * `g`) and B[k, j] = b[k * sbk + j * sbj]. Each element's sum runs over the same K blocks in
 * the same order whatever the row range, so threads that split the rows give the same bits.
 */
static void gemm(int r0, int r1, int N, int K, int a_kind, const float* a, int lda, const int* g, const float* b, int sbk, int sbj, float* c, int ldc,
                 int accumulate, float* ws) {
  float* ap = ws + WS_A;
  float* bp = ws + WS_B;
  float* tile = ws + WS_TILE;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      pack_b(b, sbk, sbj, pc, kc, jc, nc, bp);
      int acc = accumulate || pc > 0;
      for (int ic = r0; ic < r1; ic += MC) {
        int mc = r1 - ic < MC ? r1 - ic : MC;
        if (a_kind == A_PLAIN) pack_a_plain(a, lda, ic, mc, pc, kc, ap);
        else if (a_kind == A_IM2COL) pack_a_im2col(a, g, ic, mc, pc, kc, ap);
        else pack_a_im2col_t(a, g, ic, mc, pc, kc, ap);
        for (int jr = 0; jr < nc; jr += NR) {
          int n = nc - jr < NR ? nc - jr : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int m = mc - ir < MR ? mc - ir : MR;
            micro(kc, ap + ir * kc, bp + jr * kc, c + (long)(ic + ir) * ldc + jc + jr, ldc, m, n, acc, tile);
          }
        }
      }
    }
  }
  if (K == 0 && !accumulate) {
    for (int i = r0; i < r1; i++) for (int j = 0; j < N; j++) c[(long)i * ldc + j] = 0.0f;
  }
}

/*
 * y[n, ho, wo, cout] = conv(x[n, h, w, cin], filter[kh, kw, cin, cout]) (+ bias[cout] or a
 * scalar bias when bias_len is 1) (then ReLU when relu), for output pixels [r0, r1).
 */
EXPORT(conv2d) void conv2d(const float* x, const float* filter, const float* bias, int bias_len, int relu, float* y, const int* g, float* ws, int r0,
                           int r1) {
  const int cout = g[G_COUT], K = g[G_KH] * g[G_KW] * g[G_CIN];
  const int pointwise = g[G_KH] == 1 && g[G_KW] == 1 && g[G_SH] == 1 && g[G_SW] == 1 && g[G_PT] == 0 && g[G_PL] == 0 &&
                        g[G_HO] == g[G_H] && g[G_WO] == g[G_W];
  if (pointwise) gemm(r0, r1, cout, K, A_PLAIN, x, K, g, filter, cout, 1, y, cout, 0, ws);
  else gemm(r0, r1, cout, K, A_IM2COL, x, 0, g, filter, cout, 1, y, cout, 0, ws);
  if (bias_len == 0 && !relu) return;
  const long total = (long)r1 * cout;
  for (long p = (long)r0 * cout; p < total; p += cout) {
    float* row = y + p;
    for (int o = 0; o < cout; o++) {
      float v = row[o] + (bias_len == cout ? bias[o] : bias_len == 1 ? bias[0] : 0.0f);
      row[o] = relu && v < 0.0f ? 0.0f : v;
    }
  }
}

/* Rows [r0, r1) (filter entries (ty, tx, c)) of dw[kh, kw, cin, cout] = sum over pixels of
   im2col(x)^T * dy[n, ho, wo, cout]. */
EXPORT(conv2d_backprop_filter) void conv2d_backprop_filter(const float* x, const float* dy, float* dw, const int* g, float* ws, int r0, int r1) {
  const int cout = g[G_COUT], K = g[G_N] * g[G_HO] * g[G_WO];
  gemm(r0, r1, cout, K, A_IM2COL_T, x, 0, g, dy, cout, 1, dw, cout, 0, ws);
}

/*
 * Rows [r0, r1) of cols[count, kh*kw*cin] = dy[n*ho*wo, cout] * filter[kh*kw*cin, cout]^T for
 * the output pixels [p0, p0 + count): the input gradient's columns, before col2im.
 */
EXPORT(conv2d_backprop_input_cols) void conv2d_backprop_input_cols(const float* dy, const float* filter, float* cols, int p0, const int* g, float* ws,
                                                                   int r0, int r1) {
  const int cout = g[G_COUT], taps = g[G_KH] * g[G_KW] * g[G_CIN];
  gemm(r0, r1, taps, cout, A_PLAIN, dy + (long)p0 * cout, cout, g, filter, 1, cout, cols, taps, 0, ws);
}

/*
 * Scatters (col2im) the columns of output pixels [p0, p0 + count) into dx[n, h, w, cin] (which
 * the caller zeroed). Any stride, dilation and padding. One thread: taps of pixels overlap.
 */
EXPORT(conv2d_backprop_input_scatter) void conv2d_backprop_input_scatter(float* dx, const float* cols, int p0, int count, const int* g) {
  const int h = g[G_H], w = g[G_W], cin = g[G_CIN], kh = g[G_KH], kw = g[G_KW];
  const int sh = g[G_SH], sw = g[G_SW], dh = g[G_DH], dw = g[G_DW], pt = g[G_PT], pl = g[G_PL];
  const int ho = g[G_HO], wo = g[G_WO];
  const int taps = kh * kw * cin;
  for (int q = 0; q < count; q++) {
    int p = p0 + q;
    int b = p / (ho * wo);
    int rem = p - b * ho * wo;
    int oy = rem / wo;
    int ox = rem - oy * wo;
    const float* src = cols + (long)q * taps;
    for (int ty = 0; ty < kh; ty++) {
      int iy = oy * sh - pt + ty * dh;
      if (iy < 0 || iy >= h) continue;
      for (int tx = 0; tx < kw; tx++) {
        int ix = ox * sw - pl + tx * dw;
        if (ix < 0 || ix >= w) continue;
        float* d = dx + (((long)b * h + iy) * w + ix) * cin;
        const float* s = src + (ty * kw + tx) * cin;
        int c = 0;
        for (; c + 4 <= cin; c += 4) wasm_v128_store(d + c, wasm_f32x4_add(wasm_v128_load(d + c), wasm_v128_load(s + c)));
        for (; c < cin; c++) d[c] += s[c];
      }
    }
  }
}

/* out[kh, kw, cout, cin] = filter[kh-1-i, kw-1-j, cin, cout]: the stride-1 input gradient is a
   forward convolution of dy with this filter. 4 x 4 blocks transposed in registers. */
EXPORT(flip_swap_filter) void flip_swap_filter(const float* filter, float* out, int kh, int kw, int cin, int cout) {
  for (int i = 0; i < kh; i++) {
    for (int j = 0; j < kw; j++) {
      const float* s = filter + ((kh - 1 - i) * kw + (kw - 1 - j)) * cin * cout;
      float* d = out + (i * kw + j) * cout * cin;
      int c = 0;
      for (; c + 4 <= cin; c += 4) {
        int o = 0;
        for (; o + 4 <= cout; o += 4) {
          v128_t x0 = wasm_v128_load(s + c * cout + o), x1 = wasm_v128_load(s + (c + 1) * cout + o);
          v128_t x2 = wasm_v128_load(s + (c + 2) * cout + o), x3 = wasm_v128_load(s + (c + 3) * cout + o);
          v128_t t0 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);
          v128_t t2 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
          wasm_v128_store(d + o * cin + c, wasm_i32x4_shuffle(t0, t1, 0, 1, 4, 5));
          wasm_v128_store(d + (o + 1) * cin + c, wasm_i32x4_shuffle(t0, t1, 2, 3, 6, 7));
          wasm_v128_store(d + (o + 2) * cin + c, wasm_i32x4_shuffle(t2, t3, 0, 1, 4, 5));
          wasm_v128_store(d + (o + 3) * cin + c, wasm_i32x4_shuffle(t2, t3, 2, 3, 6, 7));
        }
        for (; o < cout; o++) {
          for (int cc = c; cc < c + 4; cc++) d[o * cin + cc] = s[cc * cout + o];
        }
      }
      for (; c < cin; c++) {
        for (int o = 0; o < cout; o++) d[o * cin + c] = s[c * cout + o];
      }
    }
  }
}

/* ---- one output channel (a network's last convolution): vectorised over input channels ---- */

static inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

/* Output rows [r0, r1) of n*ho of y[n, ho, wo, 1] = conv(x, filter[kh, kw, cin, 1]) (+ bias[0])
   (then ReLU). */
EXPORT(conv2d_cout1) void conv2d_cout1(const float* x, const float* filter, const float* bias, int bias_len, int relu, float* y, const int* g, int r0,
                                       int r1) {
  const int h = g[G_H], w = g[G_W], cin = g[G_CIN], kh = g[G_KH], kw = g[G_KW];
  const int sh = g[G_SH], sw = g[G_SW], dh = g[G_DH], dw = g[G_DW], pt = g[G_PT], pl = g[G_PL];
  const int ho = g[G_HO], wo = g[G_WO];
  const float b0 = bias_len > 0 ? bias[0] : 0.0f;
  for (int row = r0; row < r1; row++) {
    const int b = row / ho, oy = row - b * ho;
    const float* xb = x + b * h * w * cin;
    {
      float* yr = y + (b * ho + oy) * wo;
      for (int ox = 0; ox < wo; ox++) {
        /* one vector sum over every tap and channel, reduced once per pixel */
        v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
        float tail = 0.0f;
        for (int ty = 0; ty < kh; ty++) {
          int iy = oy * sh - pt + ty * dh;
          if (iy < 0 || iy >= h) continue;
          for (int tx = 0; tx < kw; tx++) {
            int ix = ox * sw - pl + tx * dw;
            if (ix < 0 || ix >= w) continue;
            const float* a = xb + (iy * w + ix) * cin;
            const float* f = filter + (ty * kw + tx) * cin;
            int c = 0;
            for (; c + 16 <= cin; c += 16) {
              s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + c), wasm_v128_load(f + c)));
              s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + c + 4), wasm_v128_load(f + c + 4)));
              s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + c + 8), wasm_v128_load(f + c + 8)));
              s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + c + 12), wasm_v128_load(f + c + 12)));
            }
            for (; c + 4 <= cin; c += 4) s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + c), wasm_v128_load(f + c)));
            for (; c < cin; c++) tail += a[c] * f[c];
          }
        }
        float s = b0 + hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3))) + tail;
        yr[ox] = relu && s < 0.0f ? 0.0f : s;
      }
    }
  }
}

/* dw[kh, kw, cin, 1] = sum over output pixels of x[pixel + tap, c] * dy[pixel]; row by row so
   that the input rows a tap reads stay in cache. */
EXPORT(conv2d_backprop_filter_cout1) void conv2d_backprop_filter_cout1(const float* x, const float* dy, float* dwt, const int* g) {
  const int n = g[G_N], h = g[G_H], w = g[G_W], cin = g[G_CIN], kh = g[G_KH], kw = g[G_KW];
  const int sh = g[G_SH], sw = g[G_SW], dh = g[G_DH], dw = g[G_DW], pt = g[G_PT], pl = g[G_PL];
  const int ho = g[G_HO], wo = g[G_WO];
  for (int i = 0; i < kh * kw * cin; i++) dwt[i] = 0.0f;
  for (int b = 0; b < n; b++) {
    const float* xb = x + b * h * w * cin;
    for (int oy = 0; oy < ho; oy++) {
      const float* dyr = dy + (b * ho + oy) * wo;
      for (int ty = 0; ty < kh; ty++) {
        int iy = oy * sh - pt + ty * dh;
        if (iy < 0 || iy >= h) continue;
        const float* xr = xb + iy * w * cin;
        for (int tx = 0; tx < kw; tx++) {
          /* output columns whose input column ox*sw - pl + tx*dw lies inside the image */
          int off = tx * dw - pl;
          int ox0 = off >= 0 ? 0 : (-off + sw - 1) / sw;
          int ox1 = (w - 1 - off) < 0 ? 0 : (w - 1 - off) / sw + 1;
          if (ox1 > wo) ox1 = wo;
          float* d = dwt + (ty * kw + tx) * cin;
          int c = 0;
          for (; c + 16 <= cin; c += 16) {
            v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
            for (int ox = ox0; ox < ox1; ox++) {
              v128_t gv = wasm_v128_load32_splat(dyr + ox);
              const float* xs = xr + (ox * sw + off) * cin + c;
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xs), gv));
              a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(xs + 4), gv));
              a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(xs + 8), gv));
              a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(xs + 12), gv));
            }
            wasm_v128_store(d + c, wasm_f32x4_add(wasm_v128_load(d + c), a0));
            wasm_v128_store(d + c + 4, wasm_f32x4_add(wasm_v128_load(d + c + 4), a1));
            wasm_v128_store(d + c + 8, wasm_f32x4_add(wasm_v128_load(d + c + 8), a2));
            wasm_v128_store(d + c + 12, wasm_f32x4_add(wasm_v128_load(d + c + 12), a3));
          }
          for (; c + 4 <= cin; c += 4) {
            v128_t a0 = wasm_f32x4_splat(0.0f);
            for (int ox = ox0; ox < ox1; ox++) {
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xr + (ox * sw + off) * cin + c), wasm_v128_load32_splat(dyr + ox)));
            }
            wasm_v128_store(d + c, wasm_f32x4_add(wasm_v128_load(d + c), a0));
          }
          for (; c < cin; c++) {
            float s = 0.0f;
            for (int ox = ox0; ox < ox1; ox++) s += xr[(ox * sw + off) * cin + c] * dyr[ox];
            d[c] += s;
          }
        }
      }
    }
  }
}

/* Input rows [r0, r1) of n*h of dx[n, h, w, cin] = sum over taps of dy[pixel the tap came from]
   * filter[tap, c]. */
EXPORT(conv2d_backprop_input_cout1) void conv2d_backprop_input_cout1(const float* dy, const float* filter, float* dx, const int* g, int r0, int r1) {
  const int h = g[G_H], w = g[G_W], cin = g[G_CIN], kh = g[G_KH], kw = g[G_KW];
  const int sh = g[G_SH], sw = g[G_SW], dh = g[G_DH], dw = g[G_DW], pt = g[G_PT], pl = g[G_PL];
  const int ho = g[G_HO], wo = g[G_WO];
  for (int row = r0; row < r1; row++) {
    const int b = row / h, iy = row - b * h;
    {
      for (int ix = 0; ix < w; ix++) {
        float* d = dx + ((b * h + iy) * w + ix) * cin;
        /* channel blocks of 16 (then 4, then 1) accumulate in registers over the taps */
        for (int c0 = 0; c0 < cin;) {
          int width = cin - c0 >= 16 ? 16 : cin - c0 >= 4 ? 4 : 1;
          v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
          float a = 0.0f;
          for (int ty = 0; ty < kh; ty++) {
            int ny = iy + pt - ty * dh;
            if (ny < 0 || ny % sh) continue;
            int oy = ny / sh;
            if (oy >= ho) continue;
            for (int tx = 0; tx < kw; tx++) {
              int nx = ix + pl - tx * dw;
              if (nx < 0 || nx % sw) continue;
              int ox = nx / sw;
              if (ox >= wo) continue;
              const float* gp = dy + (b * ho + oy) * wo + ox;
              const float* f = filter + (ty * kw + tx) * cin + c0;
              if (width == 1) {
                a += *gp * f[0];
                continue;
              }
              v128_t gv = wasm_v128_load32_splat(gp);
              a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(gv, wasm_v128_load(f)));
              if (width == 16) {
                a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(gv, wasm_v128_load(f + 4)));
                a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(gv, wasm_v128_load(f + 8)));
                a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(gv, wasm_v128_load(f + 12)));
              }
            }
          }
          if (width == 1) {
            d[c0] = a;
          } else {
            wasm_v128_store(d + c0, a0);
            if (width == 16) {
              wasm_v128_store(d + c0 + 4, a1);
              wasm_v128_store(d + c0 + 8, a2);
              wasm_v128_store(d + c0 + 12, a3);
            }
          }
          c0 += width;
        }
      }
    }
  }
}
