// Memory-bound elementwise loops in C so that Swift can hand chunks of them to several
// threads without losing vectorization (a Swift closure passed across threads is no longer
// inlined into its loop).

#include "elementwise.h"

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
