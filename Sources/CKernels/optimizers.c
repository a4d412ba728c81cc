#include "optimizers.h"

// No fused multiply-adds: the same rounding on every instruction set (and as the Swift
// reference it replaced).
#pragma clang fp contract(off)

#include "clones.h"

SG_CLONES void sg_adam(const float *p, const float *g, const float *m0, const float *v0,
                       float *m1, float *v1, float *out, long n, sg_adam_constants k) {
    for (long i = 0; i < n; i++) {
        float gi = g[i] + k.l2 * p[i];
        float m = k.b1 * m0[i] + k.c1 * gi;
        float v = k.b2 * v0[i] + k.c2 * gi * gi;
        m1[i] = m;
        v1[i] = v;
        out[i] = p[i] * k.shrink - k.step_size * m / (__builtin_elementwise_sqrt(v) * k.inv_bc2_sqrt + k.eps);
    }
}

SG_CLONES void sg_adam_amsgrad(const float *p, const float *g, const float *m0, const float *v0,
                               const float *x0, float *m1, float *v1, float *x1, float *out, long n,
                               sg_adam_constants k) {
    for (long i = 0; i < n; i++) {
        float gi = g[i] + k.l2 * p[i];
        float m = k.b1 * m0[i] + k.c1 * gi;
        float v = k.b2 * v0[i] + k.c2 * gi * gi;
        float x = x0[i] > v ? x0[i] : v;
        m1[i] = m;
        v1[i] = v;
        x1[i] = x;
        out[i] = p[i] * k.shrink - k.step_size * m / (__builtin_elementwise_sqrt(x) * k.inv_bc2_sqrt + k.eps);
    }
}
