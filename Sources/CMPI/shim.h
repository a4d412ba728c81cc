// Open MPI for Swift. MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE and friends are C
// macros over addresses of incomplete globals, which Swift cannot import: these accessors
// hand them over as plain values.
#include <mpi.h>

static inline MPI_Comm swiftgan_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype swiftgan_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype swiftgan_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op swiftgan_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op swiftgan_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op swiftgan_mpi_min(void) { return MPI_MIN; }
static inline void *swiftgan_mpi_in_place(void) { return MPI_IN_PLACE; }
