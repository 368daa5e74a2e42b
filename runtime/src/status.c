#include "rnnrt/status.h"

#include <stdlib.h>

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
