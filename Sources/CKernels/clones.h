#ifndef SWIFTGAN_CLONES_H
#define SWIFTGAN_CLONES_H

// SG_CLONES compiles a loop for AVX-512, AVX2 and baseline x86-64; the loader picks the
// best one for the running CPU, so a portable build still uses the machine's vector width.
#if defined(__x86_64__) && defined(__clang__) && !defined(__APPLE__)
#define SG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SG_CLONES
#endif

#endif
