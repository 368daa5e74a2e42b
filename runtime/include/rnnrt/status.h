/* rnnrt status codes, element types and allocators shared by every runtime API.
 *
 * Conventions: functions return rnnrt_status_t (RNNRT_STATUS_OK = 0); on
 * failure they write a NUL-terminated message into the caller's buffer when
 * one is given. Nothing here has mutable global state: every function is safe
 * to call from several threads on distinct objects. */
#ifndef RNNRT_STATUS_H
#define RNNRT_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rnnrt_status {
  RNNRT_STATUS_OK = 0,
  RNNRT_STATUS_INVALID_ARGUMENT = 1, /* null pointer, bad size or dtype */
  RNNRT_STATUS_IO_ERROR = 2,         /* a file could not be opened, read or written */
  RNNRT_STATUS_BAD_FORMAT = 3,       /* a file is malformed or of an unsupported kind */
  RNNRT_STATUS_OUT_OF_MEMORY = 4,
  RNNRT_STATUS_OUT_OF_RANGE = 5,         /* a sequence length < 0 or > T, a batch over the limit */
  RNNRT_STATUS_FAILED_PRECONDITION = 6,  /* the model or instance cannot do this (e.g. no state) */
  RNNRT_STATUS_INCOMPATIBLE_VERSION = 7, /* a model compiled for another runtime ABI version */
  RNNRT_STATUS_LIMIT_EXCEEDED = 8,       /* refused: would exceed a configured memory limit */
  RNNRT_STATUS_DEVICE_ERROR = 9, /* the GPU driver failed or is missing (message: its words) */
  RNNRT_STATUS_UNSUPPORTED_CPU = 10, /* the model's code needs CPU features this CPU lacks */
} rnnrt_status_t;

/* The largest tensor rank the runtime handles. */
#define RNNRT_MAX_RANK 8

typedef enum rnnrt_dtype {
  RNNRT_DTYPE_F32 = 0,  /* float; .npy '<f4' */
  RNNRT_DTYPE_I32 = 1,  /* int32_t; '<i4' */
  RNNRT_DTYPE_I64 = 2,  /* int64_t; '<i8' */
  RNNRT_DTYPE_BOOL = 3, /* one byte, 0 or 1 (masks); '|b1' */
} rnnrt_dtype_t;

/* Bytes per element of `dtype` (0 for an unknown value). */
size_t rnnrt_dtype_size(rnnrt_dtype_t dtype);
/* NumPy's name of `dtype`: "float32", "int32", "int64", "bool". */
const char *rnnrt_dtype_name(rnnrt_dtype_t dtype);

/* Returns a static name such as "RNNRT_STATUS_BAD_FORMAT". */
const char *rnnrt_status_name(rnnrt_status_t status);

/* An explicit allocator: `alloc` returns memory aligned to `alignment` (a
 * power of two) or NULL; `free` accepts NULL. */
typedef struct rnnrt_allocator {
  void *self;
  void *(*alloc)(void *self, size_t size, size_t alignment);
  void (*free)(void *self, void *ptr);
} rnnrt_allocator_t;

/* The C library's aligned_alloc/free. */
rnnrt_allocator_t rnnrt_allocator_system(void);

#ifdef __cplusplus
}
#endif

#endif /* RNNRT_STATUS_H */
