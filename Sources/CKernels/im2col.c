// im2col / col2im tap loops (see im2col.h). The portable loops are the definition; the
// AVX-512 ones, picked at run time, handle strides 1 and 2 (every DCGAN layer) with masked
// loads and stores, which never touch memory outside their mask.

#include "im2col.h"
#include "clones.h"
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

// ---- blocked layout ----
// The runs are whole vectors when nb is 16; the loops are written for the compiler to
// vectorize (SG_CLONES builds them for AVX-512, AVX2 and baseline). Each kernel is one
// always-inlined loop nest, entered with a literal 16 so that case compiles to whole-vector
// moves, and with nb otherwise.

#define SG_INLINE static inline __attribute__((always_inline))

SG_INLINE void im2col_runs(const float *planes, long pw, long nb, long sh, long sw,
                           float *dst, long oh, long ow) {
    if (sw == 1) {
        long run = ow * nb;
        for (long r = 0; r < oh; r++, dst += run) {
            const float *s = planes + r * sh * pw * nb;
            for (long t = 0; t < run; t++) dst[t] = s[t];
        }
        return;
    }
    for (long r = 0; r < oh; r++) {
        const float *s = planes + r * sh * pw * nb;
        for (long c = 0; c < ow; c++, dst += nb) {
            const float *sc = s + c * sw * nb;
            for (long b = 0; b < nb; b++) dst[b] = sc[b];
        }
    }
}

SG_INLINE void col2im_runs(const float *src, float *planes, long pw, long nb, long sh, long sw,
                           long oh, long ow) {
    if (sw == 1) {
        long run = ow * nb;
        for (long r = 0; r < oh; r++, src += run) {
            float *d = planes + r * sh * pw * nb;
            for (long t = 0; t < run; t++) d[t] += src[t];
        }
        return;
    }
    for (long r = 0; r < oh; r++) {
        float *d = planes + r * sh * pw * nb;
        for (long c = 0; c < ow; c++, src += nb) {
            float *dc = d + c * sw * nb;
            for (long b = 0; b < nb; b++) dc[b] += src[b];
        }
    }
}

SG_CLONES void sg_im2col_blocked(const float *planes, long pw, long nb, long sh, long sw,
                                 float *dst, long oh, long ow) {
    if (nb == 16) im2col_runs(planes, pw, 16, sh, sw, dst, oh, ow);
    else im2col_runs(planes, pw, nb, sh, sw, dst, oh, ow);
}

SG_CLONES void sg_col2im_blocked(const float *src, float *planes, long pw, long nb, long sh, long sw,
                                 long oh, long ow) {
    if (nb == 16) col2im_runs(src, planes, pw, 16, sh, sw, oh, ow);
    else col2im_runs(src, planes, pw, nb, sh, sw, oh, ow);
}

SG_CLONES static void to_blocked_portable(const float *src, long src_stride, long n, long nb, float *dst) {
    if (nb == 1) {
        for (long p = 0; p < n; p++) dst[p] = src[p];
        return;
    }
    for (long p = 0; p < n; p++, dst += nb)
        for (long b = 0; b < nb; b++) dst[b] = src[b * src_stride + p];
}

SG_CLONES static void from_blocked_portable(const float *src, long n, long nb, float *dst, long dst_stride, float bias) {
    if (nb == 1) {
        for (long p = 0; p < n; p++) dst[p] = src[p] + bias;
        return;
    }
    for (long b = 0; b < nb; b++) {
        float *d = dst + b * dst_stride;
        for (long p = 0; p < n; p++) d[p] = src[p * nb + b] + bias;
    }
}

#ifdef SG_AVX512
// r[q] = column q of the 16x16 block whose rows are r[0..15] (unpacks within 128-bit lanes,
// then lane shuffles).
SG_AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // r[4i + k], 128-bit lane l: rows 4i..4i+3 of column 4l + k.
    for (int i = 0; i < 4; i++) {
        __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 2]);
        __m512d c = _mm512_castps_pd(t[4 * i + 1]), d = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    __m512 out[16];
    for (int k = 0; k < 4; k++) {
        __m512 u0 = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x88), u1 = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xDD);
        __m512 u2 = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x88), u3 = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xDD);
        out[k] = _mm512_shuffle_f32x4(u0, u2, 0x88);
        out[k + 8] = _mm512_shuffle_f32x4(u0, u2, 0xDD);
        out[k + 4] = _mm512_shuffle_f32x4(u1, u3, 0x88);
        out[k + 12] = _mm512_shuffle_f32x4(u1, u3, 0xDD);
    }
    for (int q = 0; q < 16; q++) r[q] = out[q];
}

// nb = 16: 16 image rows, 16 positions at a time, transposed in registers.
SG_AVX512 static void to_blocked16_avx512(const float *src, long src_stride, long n, float *dst) {
    __m512 r[16];
    for (long p = 0; p < n; p += 16) {
        long m = n - p < 16 ? n - p : 16;
        __mmask16 k = low_bits(m);
        for (int b = 0; b < 16; b++) r[b] = _mm512_maskz_loadu_ps(k, src + b * src_stride + p);
        transpose16(r);
        for (long q = 0; q < m; q++) _mm512_storeu_ps(dst + (p + q) * 16, r[q]);
    }
}

SG_AVX512 static void from_blocked16_avx512(const float *src, long n, float *dst, long dst_stride, float bias) {
    __m512 r[16];
    __m512 v = _mm512_set1_ps(bias);
    for (long p = 0; p < n; p += 16) {
        long m = n - p < 16 ? n - p : 16;
        __mmask16 k = low_bits(m);
        for (long q = 0; q < 16; q++) r[q] = q < m ? _mm512_loadu_ps(src + (p + q) * 16) : _mm512_setzero_ps();
        transpose16(r);
        for (int b = 0; b < 16; b++) _mm512_mask_storeu_ps(dst + b * dst_stride + p, k, _mm512_add_ps(r[b], v));
    }
}
#endif

void sg_to_blocked(const float *src, long src_stride, long n, long nb, float *dst) {
#ifdef SG_AVX512
    if (nb == 16 && has_avx512()) { to_blocked16_avx512(src, src_stride, n, dst); return; }
#endif
    to_blocked_portable(src, src_stride, n, nb, dst);
}

void sg_from_blocked(const float *src, long n, long nb, float *dst, long dst_stride, float bias) {
#ifdef SG_AVX512
    if (nb == 16 && has_avx512()) { from_blocked16_avx512(src, n, dst, dst_stride, bias); return; }
#endif
    from_blocked_portable(src, n, nb, dst, dst_stride, bias);
}
