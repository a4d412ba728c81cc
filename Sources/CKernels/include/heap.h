#ifndef SWIFTGAN_HEAP_H
#define SWIFTGAN_HEAP_H

// Keeps freed activation-sized blocks in the C heap for reuse (see Storage.swift's
// HeapTuning): glibc's mmap threshold raised to its 64-bit limit (32 MiB), its trim
// threshold to 1 GiB. Returns 1 when applied (glibc), 0 elsewhere.
int sg_tune_heap(void);

#endif
