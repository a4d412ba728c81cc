#ifndef SWIFTGAN_VECTOR_MATH_H
#define SWIFTGAN_VECTOR_MATH_H

// out[i] = f(a[i]) for i < n, for the engine's transcendental functions. Each is compiled
// several times (AVX-512, AVX2, baseline) and the best one for the running CPU is chosen
// when the program loads, so a portable build still uses the machine's vector width.
// a and out may be the same buffer.

void sg_vexp(const float *a, float *out, long n);
void sg_vlog(const float *a, float *out, long n);
void sg_vsqrt(const float *a, float *out, long n);
void sg_vtanh(const float *a, float *out, long n);
void sg_vsigmoid(const float *a, float *out, long n);
void sg_vsoftplus(const float *a, float *out, long n);
void sg_vlog_sigmoid(const float *a, float *out, long n);

#endif
