#ifndef SWIFTGAN_ELEMENTWISE_H
#define SWIFTGAN_ELEMENTWISE_H

// Same-shape elementwise arithmetic over n floats, compiled per instruction set like
// vector_math.h. Callers split long buffers over threads; each call handles one chunk.

void sg_add(const float *a, const float *b, float *out, long n);
void sg_sub(const float *a, const float *b, float *out, long n);
void sg_mul(const float *a, const float *b, float *out, long n);
void sg_div(const float *a, const float *b, float *out, long n);
void sg_add_scalar(const float *a, float s, float *out, long n);
void sg_mul_scalar(const float *a, float s, float *out, long n);
void sg_leaky_relu(const float *a, float slope, float *out, long n);
void sg_leaky_relu_backward(const float *gy, const float *x, float slope, float *out, long n);

#include <stdint.h>
// Inverted dropout with eight xoshiro256** lanes (state: 32 words, word k of lane l at
// 8k + l; advanced in place): mask = scale where a 24-bit uniform k > t_minus_1, else 0;
// out = x * mask.
void sg_dropout(const float *x, uint64_t *state, uint64_t t_minus_1, float scale, float *mask, float *out, long n);

// Maxout over groups of `pieces` consecutive floats (y[g] = max, arg[g] = first winning
// piece; NaN wins), its gradient (gy to the winning piece, 0 elsewhere) and that
// scatter's adjoint (the winning piece of each group).
void sg_maxout(const float *x, long groups, long pieces, float *y, int32_t *arg);
void sg_maxout_scatter(const float *gy, const int32_t *arg, long groups, long pieces, float *gx);
void sg_maxout_gather(const float *gx, const int32_t *arg, long groups, long pieces, float *gy);

#endif
