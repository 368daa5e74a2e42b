#include "rnnrt/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "message.h"

rnnrt_status_t rnnrt_fail(char *message, size_t capacity, rnnrt_status_t status, const char *format,
                          ...) {
  if (message && capacity > 0) {
    va_list args;
    va_start(args, format);
    vsnprintf(message, capacity, format, args);
    va_end(args);
  }
  return status;
}

size_t rnnrt_dtype_size(rnnrt_dtype_t dtype) {
  switch (dtype) {
  case RNNRT_DTYPE_F32:
  case RNNRT_DTYPE_I32:
    return 4;
  case RNNRT_DTYPE_I64:
    return 8;
  case RNNRT_DTYPE_BOOL:
    return 1;
  }
  return 0;
}

const char *rnnrt_dtype_name(rnnrt_dtype_t dtype) {
  switch (dtype) {
  case RNNRT_DTYPE_F32:
    return "float32";
  case RNNRT_DTYPE_I32:
    return "int32";
  case RNNRT_DTYPE_I64:
    return "int64";
  case RNNRT_DTYPE_BOOL:
    return "bool";
  }
  return "unknown";
}

const char *rnnrt_status_name(rnnrt_status_t status) {
  switch (status) {
  case RNNRT_STATUS_OK:
    return "RNNRT_STATUS_OK";
  case RNNRT_STATUS_INVALID_ARGUMENT:
    return "RNNRT_STATUS_INVALID_ARGUMENT";
  case RNNRT_STATUS_IO_ERROR:
    return "RNNRT_STATUS_IO_ERROR";
  case RNNRT_STATUS_BAD_FORMAT:
    return "RNNRT_STATUS_BAD_FORMAT";
  case RNNRT_STATUS_OUT_OF_MEMORY:
    return "RNNRT_STATUS_OUT_OF_MEMORY";
  case RNNRT_STATUS_OUT_OF_RANGE:
    return "RNNRT_STATUS_OUT_OF_RANGE";
  case RNNRT_STATUS_LIMIT_EXCEEDED:
    return "RNNRT_STATUS_LIMIT_EXCEEDED";
  case RNNRT_STATUS_DEVICE_ERROR:
    return "RNNRT_STATUS_DEVICE_ERROR";
  case RNNRT_STATUS_UNSUPPORTED_CPU:
    return "RNNRT_STATUS_UNSUPPORTED_CPU";
  case RNNRT_STATUS_FAILED_PRECONDITION:
    return "RNNRT_STATUS_FAILED_PRECONDITION";
  case RNNRT_STATUS_INCOMPATIBLE_VERSION:
    return "RNNRT_STATUS_INCOMPATIBLE_VERSION";
  }
  return "RNNRT_STATUS_UNKNOWN";
}

static void *system_alloc(void *self, size_t size, size_t alignment) {
  (void)self;
  if (alignment < sizeof(void *))
    alignment = sizeof(void *);
  /* aligned_alloc needs a size that is a multiple of the alignment. */
  size_t rounded = (size + alignment - 1) / alignment * alignment;
  if (rounded < size)
    return NULL;
  return aligned_alloc(alignment, rounded == 0 ? alignment : rounded);
}

static void system_free(void *self, void *ptr) {
  (void)self;
  free(ptr);
}

rnnrt_allocator_t rnnrt_allocator_system(void) {
  rnnrt_allocator_t allocator = {NULL, system_alloc, system_free};
  return allocator;
}
