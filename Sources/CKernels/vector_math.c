// Vectorizable single-precision exp / log and the functions built on them, the same
// algorithms as TensorCore's FastMath (Cephes' expf/logf by S. Moshier: reduction by powers
// of two, then a short polynomial), written in C so that each loop can be compiled for
// several instruction sets and picked at load time (target_clones). Baseline x86-64 has
// only 4-wide SSE2 without FMA; AVX-512 does 16 lanes with FMA.

#include "vector_math.h"
#include <stdint.h>
#include <string.h>

#include "clones.h"

static inline float bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t float_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float fmin_(float a, float b) { return a < b ? a : b; }
static inline float fmax_(float a, float b) { return a > b ? a : b; }
static inline float fabs_(float a) { return bits_to_float(float_to_bits(a) & 0x7FFFFFFFu); }

// e^x; saturates above 88.37, flushes to 0 below -87.34, NaN propagates.
static inline float sg_exp(float x) {
    float xc = fmin_(fmax_(x, -87.33654f), 88.37626f);
    float t = xc * 1.44269504088896341f;
    // Adding 1.5 * 2^23 rounds t to the nearest integer n and leaves n in the low mantissa bits.
    float big = t + 12582912.0f;
    float n = big - 12582912.0f;
    uint32_t n_bits = float_to_bits(big) - 0x4B400000u;
    float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    float y = p * bits_to_float((n_bits + 127u) << 23);
    return x != x ? x : (x < -87.33654f ? 0.0f : y);
}

// Natural log; log(0) = -inf, log(x < 0) = NaN, log(inf) = inf.
static inline float sg_log(float x) {
    int sub = x < 1.17549435e-38f;
    float xs = sub ? x * 8388608.0f : x;
    uint32_t bits = float_to_bits(xs);
    float e = (float)((int32_t)((bits >> 23) & 0xFF) - 126) - (sub ? 23.0f : 0.0f);
    float m = bits_to_float((bits & 0x007FFFFFu) | 0x3F000000u);  // [0.5, 1)
    int small = m < 0.707106781186547524f;
    e = small ? e - 1.0f : e;
    m = small ? m + m - 1.0f : m - 1.0f;
    float z = m * m;
    float y = 7.0376836292e-2f;
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m * z;
    y += -2.12194440e-4f * e;
    y += -0.5f * z;
    float r = m + y + 0.693359375f * e;
    float inf = bits_to_float(0x7F800000u), nan = bits_to_float(0x7FC00000u);
    return x == 0.0f ? -inf : ((x < 0.0f || x != x) ? nan : (x == inf ? inf : r));
}

// log(1 + u) for u in [0, 1], with Goldberg's correction for the rounding of 1 + u.
static inline float sg_log1p_unit(float u) {
    float w = 1.0f + u;
    float d = w - 1.0f;
    float l = sg_log(w);
    return d == 0.0f ? u : l * (u / (d == 0.0f ? 1.0f : d));
}

SG_CLONES void sg_vexp(const float *a, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = sg_exp(a[i]);
}

SG_CLONES void sg_vlog(const float *a, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = sg_log(a[i]);
}

SG_CLONES void sg_vsqrt(const float *a, float *out, long n) {
    // The elementwise builtin is the IEEE square root without errno handling, so it
    // vectorizes (sqrtf may not: it has to set errno for negative inputs).
    for (long i = 0; i < n; i++) out[i] = __builtin_elementwise_sqrt(a[i]);
}

SG_CLONES void sg_vtanh(const float *a, float *out, long n) {
    for (long i = 0; i < n; i++) {
        float x = a[i];
        float e = sg_exp(-2.0f * fabs_(x));
        float t = (1.0f - e) / (1.0f + e);
        out[i] = x < 0.0f ? -t : t;
    }
}

SG_CLONES void sg_vsigmoid(const float *a, float *out, long n) {
    for (long i = 0; i < n; i++) {
        float x = a[i];
        float e = sg_exp(-fabs_(x));
        float s = 1.0f / (1.0f + e);
        out[i] = x >= 0.0f ? s : e * s;
    }
}

SG_CLONES void sg_vsoftplus(const float *a, float *out, long n) {
    for (long i = 0; i < n; i++) {
        float x = a[i];
        out[i] = fmax_(x, 0.0f) + sg_log1p_unit(sg_exp(-fabs_(x)));
    }
}

SG_CLONES void sg_vlog_sigmoid(const float *a, float *out, long n) {
    for (long i = 0; i < n; i++) {
        float x = a[i];
        out[i] = fmin_(x, 0.0f) - sg_log1p_unit(sg_exp(-fabs_(x)));
    }
}
