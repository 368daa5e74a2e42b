/* Reading and writing NumPy .npy files (format versions 1.0-3.0, little-endian,
 * C order) of the dtypes rnnc models use: float32, int32, int64 and bool.
 *
 * Ownership: rnnrt_npy_load allocates `out->data` with the given allocator; the
 * caller releases it with rnnrt_npy_release and the same allocator.
 * Threading: stateless; safe from any thread. */
#ifndef RNNRT_NPY_H
#define RNNRT_NPY_H

#include <stdint.h>

#include "rnnrt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rnnrt_npy_array {
  rnnrt_dtype_t dtype;
  int32_t rank;
  int64_t shape[RNNRT_MAX_RANK];
  void *data;        /* rank 0 holds one element */
  size_t data_bytes; /* element count * element size */
} rnnrt_npy_array_t;

/* Reads `path`, which must be a regular file (RNNRT_STATUS_IO_ERROR otherwise:
 * a FIFO or device could block or feed without end). Rejects with
 * RNNRT_STATUS_BAD_FORMAT: a bad magic or header,
 * Fortran order, big-endian or other dtypes, negative or overflowing shapes,
 * rank > RNNRT_MAX_RANK, and a data section shorter or longer than the
 * shape says. `message` (may be NULL) receives the reason. */
rnnrt_status_t rnnrt_npy_load(const char *path, const rnnrt_allocator_t *allocator,
                              rnnrt_npy_array_t *out, char *message, size_t message_capacity);

/* Frees the data of an array filled by rnnrt_npy_load; NULL data is fine. */
void rnnrt_npy_release(rnnrt_npy_array_t *array, const rnnrt_allocator_t *allocator);

/* Writes a version 1.0 .npy file. The file is written to a new temporary
 * beside `path` (`path`.tmpN, created exclusively, never through a symlink) and
 * renamed over `path` only when complete, so a failure leaves no partial file. */
rnnrt_status_t rnnrt_npy_save(const char *path, rnnrt_dtype_t dtype, int32_t rank,
                              const int64_t *shape, const void *data, char *message,
                              size_t message_capacity);

#ifdef __cplusplus
}
#endif

#endif /* RNNRT_NPY_H */
