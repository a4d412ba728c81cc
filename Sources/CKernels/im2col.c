// im2col / col2im tap loops (see im2col.h). The portable loops are the definition; the
// AVX-512 ones, picked at run time, handle strides 1 and 2 (every DCGAN layer) with masked
// loads and stores, which never touch memory outside their mask.

#include "im2col.h"
#include <stdlib.h>

static void im2col_tap_portable(const float *planes, long plane_stride, long row_step, long stride,
                                float *dst, long images, long oh, long ow) {
    for (long b = 0; b < images; b++) {
        const float *p = planes + b * plane_stride;
        for (long r = 0; r < oh; r++, dst += ow) {
            const float *s = p + r * row_step;
            for (long c = 0; c < ow; c++) dst[c] = s[c * stride];
        }
    }
}

static void col2im_tap_portable(const float *src, float *planes, long plane_stride, long row_step, long stride,
                                long images, long oh, long ow) {
    for (long b = 0; b < images; b++) {
        float *p = planes + b * plane_stride;
        for (long r = 0; r < oh; r++, src += ow) {
            float *d = p + r * row_step;
            for (long c = 0; c < ow; c++) d[c * stride] += src[c];
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define SG_AVX512 __attribute__((target("avx512f")))

static inline __mmask16 low_bits(long n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

SG_AVX512 static void im2col_tap_avx512(const float *planes, long plane_stride, long row_step, long stride,
                                        float *dst, long images, long oh, long ow) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (long b = 0; b < images; b++) {
        const float *p = planes + b * plane_stride;
        for (long r = 0; r < oh; r++, dst += ow) {
            const float *s = p + r * row_step;
            for (long c = 0; c < ow; c += 16) {
                long n = ow - c < 16 ? ow - c : 16;
                __mmask16 m = low_bits(n);
                __m512 v;
                if (stride == 1) {
                    v = _mm512_maskz_loadu_ps(m, s + c);
                } else {
                    // 16 outputs read the even floats of a span of 2n − 1.
                    long span = 2 * n - 1;
                    __m512 lo = _mm512_maskz_loadu_ps(low_bits(span), s + 2 * c);
                    __m512 hi = _mm512_maskz_loadu_ps(low_bits(span > 16 ? span - 16 : 0), s + 2 * c + 16);
                    v = _mm512_permutex2var_ps(lo, even, hi);
                }
                _mm512_mask_storeu_ps(dst + c, m, v);
            }
        }
    }
}

SG_AVX512 static void col2im_tap_avx512(const float *src, float *planes, long plane_stride, long row_step, long stride,
                                        long images, long oh, long ow) {
    // Lane 2k takes source float k (stride 2); the odd lanes are masked off.
    const __m512i spread = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    for (long b = 0; b < images; b++) {
        float *p = planes + b * plane_stride;
        for (long r = 0; r < oh; r++, src += ow) {
            float *d = p + r * row_step;
            if (stride == 1) {
                for (long c = 0; c < ow; c += 16) {
                    __mmask16 m = low_bits(ow - c);
                    __m512 x = _mm512_maskz_loadu_ps(m, src + c);
                    __m512 y = _mm512_maskz_loadu_ps(m, d + c);
                    _mm512_mask_storeu_ps(d + c, m, _mm512_add_ps(x, y));
                }
            } else {
                for (long c = 0; c < ow; c += 8) {
                    long n = ow - c < 8 ? ow - c : 8;
                    __m512 x = _mm512_permutexvar_ps(spread, _mm512_maskz_loadu_ps(low_bits(n), src + c));
                    __mmask16 m = low_bits(2 * n - 1);
                    __m512 y = _mm512_maskz_loadu_ps(m, d + 2 * c);
                    y = _mm512_mask_add_ps(y, m & 0x5555, y, x);
                    _mm512_mask_storeu_ps(d + 2 * c, m, y);
                }
            }
        }
    }
}

// SWIFTGAN_PORTABLE_KERNELS=1 forces the portable loops (to test them on an AVX-512 machine).
static int has_avx512(void) {
    static int known = -1;
    if (known < 0) {
        const char *off = getenv("SWIFTGAN_PORTABLE_KERNELS");
        known = (off && off[0] == '1') ? 0 : (__builtin_cpu_supports("avx512f") ? 1 : 0);
    }
    return known;
}
#endif

void sg_im2col_tap(const float *planes, long plane_stride, long row_step, long stride,
                   float *dst, long images, long oh, long ow) {
#ifdef SG_AVX512
    if ((stride == 1 || stride == 2) && has_avx512()) {
        im2col_tap_avx512(planes, plane_stride, row_step, stride, dst, images, oh, ow);
        return;
    }
#endif
    im2col_tap_portable(planes, plane_stride, row_step, stride, dst, images, oh, ow);
}

void sg_col2im_tap(const float *src, float *planes, long plane_stride, long row_step, long stride,
                   long images, long oh, long ow) {
#ifdef SG_AVX512
    if ((stride == 1 || stride == 2) && has_avx512()) {
        col2im_tap_avx512(src, planes, plane_stride, row_step, stride, images, oh, ow);
        return;
    }
#endif
    col2im_tap_portable(src, planes, plane_stride, row_step, stride, images, oh, ow);
}
