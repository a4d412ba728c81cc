#ifndef SWIFTGAN_OPTIMIZERS_H
#define SWIFTGAN_OPTIMIZERS_H

// The fused Adam update over n floats, compiled per instruction set like elementwise.h
// (Swift's SIMD8 version went through SSE with a scalar square root per lane: 11 % of a
// W2 step). Per element, with g' = g + l2·p:
//   m1 = b1·m0 + c1·g'        v1 = b2·v0 + c2·g'²
//   AMSGrad only: x1 = max(x0, v1), used below in place of v1
//   out = p·shrink − step_size·m1 / (sqrt(v1)·inv_bc2_sqrt + eps)
// m0/m1, v0/v1 and x0/x1 may be the same buffer (each element is read before it is written).
typedef struct {
    float l2, shrink, b1, c1, b2, c2, step_size, inv_bc2_sqrt, eps;
} sg_adam_constants;

void sg_adam(const float *p, const float *g, const float *m0, const float *v0,
             float *m1, float *v1, float *out, long n, sg_adam_constants k);
void sg_adam_amsgrad(const float *p, const float *g, const float *m0, const float *v0,
                     const float *x0, float *m1, float *v1, float *x1, float *out, long n,
                     sg_adam_constants k);

#endif
