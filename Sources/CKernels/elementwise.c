// Memory-bound elementwise loops in C so that Swift can hand chunks of them to several
// threads without losing vectorization (a Swift closure passed across threads is no longer
// inlined into its loop).

#include "elementwise.h"

#include <stdint.h>
#include <string.h>

#include "clones.h"

SG_CLONES void sg_add(const float *a, const float *b, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] + b[i];
}
SG_CLONES void sg_sub(const float *a, const float *b, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] - b[i];
}
SG_CLONES void sg_mul(const float *a, const float *b, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] * b[i];
}
SG_CLONES void sg_div(const float *a, const float *b, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] / b[i];
}
SG_CLONES void sg_add_scalar(const float *a, float s, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] + s;
}
SG_CLONES void sg_mul_scalar(const float *a, float s, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] * s;
}
// slope 0 is relu (negative inputs give 0, not -0 · x). NaN stays NaN, as in PyTorch, so
// a diverging run is caught at the first loss rather than hidden by the activation.
SG_CLONES void sg_leaky_relu(const float *a, float slope, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] <= 0.0f ? (slope == 0.0f ? 0.0f : a[i] * slope) : a[i];
}
// Its gradient gy · (x > 0 ? 1 : slope), written as a select so that it vectorizes; the
// same numbers as the multiply (x NaN takes the slope side, as x > 0 is false).
SG_CLONES void sg_leaky_relu_backward(const float *gy, const float *x, float slope, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = x[i] > 0.0f ? gy[i] : gy[i] * slope;
}

static inline uint64_t sg_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// Inverted dropout: eight xoshiro256** generators side by side (word k of lane l is
// state[8k + l]), so the loop over lanes vectorizes. Each 64-bit draw gives two 24-bit
// uniforms k; an element is kept when k > t_minus_1 (k >= ceil(p * 2^24)), tested by the sign
// bit of t_minus_1 - k, without a branch. mask = scale or 0, out = x * mask. Draws 16
// elements per round; the tail takes the first lanes of one more round. Integer work and a
// multiply by 0 or scale: the same numbers under every instruction set.
SG_CLONES void sg_dropout(const float *x, uint64_t *state, uint64_t t_minus_1, float scale,
                          float *mask, float *out, long n) {
    uint64_t s0[8], s1[8], s2[8], s3[8];
    for (int l = 0; l < 8; l++) { s0[l] = state[l]; s1[l] = state[8 + l]; s2[l] = state[16 + l]; s3[l] = state[24 + l]; }
    for (long i = 0; i < n; i += 16) {
        float m[16];
        for (int l = 0; l < 8; l++) {
            uint64_t r = sg_rotl(s1[l] * 5, 7) * 9;
            uint64_t t = s1[l] << 17;
            s2[l] ^= s0[l]; s3[l] ^= s1[l]; s1[l] ^= s2[l]; s0[l] ^= s3[l];
            s2[l] ^= t; s3[l] = sg_rotl(s3[l], 45);
            m[l] = scale * (float)(int32_t)((t_minus_1 - (r >> 40)) >> 63);
            m[8 + l] = scale * (float)(int32_t)((t_minus_1 - ((r >> 16) & 0xFFFFFF)) >> 63);
        }
        long k = n - i < 16 ? n - i : 16;
        for (long j = 0; j < k; j++) { mask[i + j] = m[j]; out[i + j] = x[i + j] * m[j]; }
    }
    for (int l = 0; l < 8; l++) { state[l] = s0[l]; state[8 + l] = s1[l]; state[16 + l] = s2[l]; state[24 + l] = s3[l]; }
}

// Maxout over groups of `pieces` consecutive floats: y[g] is the group's maximum and
// arg[g] the first piece reaching it. A NaN wins and stays (the first NaN), as in
// PyTorch's max, so a diverging discriminator shows up at once. The loops are written
// once and instantiated for small constant piece counts: with `pieces` known the compiler
// vectorizes across groups (about 10x faster than the loop over a variable count).
static inline __attribute__((always_inline)) void maxout_groups(const float *x, long groups, const long pieces,
                                                                float *y, int32_t *arg) {
    for (long g = 0; g < groups; g++) {
        const float *xs = x + g * pieces;
        float best = xs[0];
        int32_t a = 0;
        for (long p = 1; p < pieces; p++) {
            float v = xs[p];
            int take = (v > best || v != v) && best == best;
            best = take ? v : best;
            a = take ? (int32_t)p : a;
        }
        y[g] = best;
        arg[g] = a;
    }
}
SG_CLONES void sg_maxout(const float *x, long groups, long pieces, float *y, int32_t *arg) {
    switch (pieces) {
    case 2: maxout_groups(x, groups, 2, y, arg); break;
    case 3: maxout_groups(x, groups, 3, y, arg); break;
    case 4: maxout_groups(x, groups, 4, y, arg); break;
    case 5: maxout_groups(x, groups, 5, y, arg); break;
    default: maxout_groups(x, groups, pieces, y, arg);
    }
}

// Maxout's gradient: each group's gy goes to its winning piece, the other pieces get 0.
SG_CLONES void sg_maxout_scatter(const float *gy, const int32_t *arg, long groups, long pieces, float *gx) {
    // Zeroing the whole block first and then storing one value per group is several
    // times faster than a select per piece.
    memset(gx, 0, sizeof(float) * (size_t)(groups * pieces));
    for (long g = 0; g < groups; g++) gx[g * pieces + arg[g]] = gy[g];
}

// The adjoint of the scatter (and so its gradient): each group's winning piece.
SG_CLONES void sg_maxout_gather(const float *gx, const int32_t *arg, long groups, long pieces, float *gy) {
    for (long g = 0; g < groups; g++) gy[g] = gx[g * pieces + arg[g]];
}
