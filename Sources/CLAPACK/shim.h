// The few LAPACK routines SwiftGAN calls, as OpenBLAS exports them (Debian's
// libopenblas-dev ships LAPACK inside libopenblas; there is no lapack.h to include).
// Fortran calling convention: every argument by pointer, column-major matrices, and the
// lengths of character arguments appended by gfortran as hidden trailing arguments.
#include <stddef.h>
#include <cblas.h>

/// Eigenvalues (ascending, in w) and, with jobz = 'V', orthonormal eigenvectors (the
/// columns of a, overwritten) of a real symmetric n x n matrix, by divide and conquer.
/// lwork = liwork = -1 asks for the workspace sizes in work[0] and iwork[0].
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork,
             int *info, size_t jobz_len, size_t uplo_len);
