#ifndef SWIFTGAN_CPU_FEATURES_H
#define SWIFTGAN_CPU_FEATURES_H

// What the running CPU (and the OS) support, for choosing OpenBLAS's kernels when OpenBLAS
// does not recognise the CPU. 1 = yes, 0 = no (always 0 off x86-64).

// AVX-512 F, CD, BW, DQ and VL: what OpenBLAS's SkylakeX kernels use.
int sg_cpu_has_avx512_skylakex(void);
// AVX2 and FMA3: what OpenBLAS's Haswell kernels use.
int sg_cpu_has_avx2_fma(void);

#endif
