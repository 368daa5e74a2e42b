/* Internal: the instance and what its files share (instance.c: creation,
 * calls and outputs; inputs.c: binding and checking a call's inputs). */
#ifndef RNNRT_SRC_INSTANCE_H
#define RNNRT_SRC_INSTANCE_H

#include "rnnrt/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "device.h"

#include "internal.h"

/* MLIR marks memrefs backed by a constant global (not heap memory) with this
 * allocated pointer. */
#define RNNRT_GLOBAL_SENTINEL ((intptr_t)0xdeadbeef)
#define RNNRT_ALIGNMENT 64

struct rnnrt_instance {
  const rnnrt_model_t *model;
  rnnrt_allocator_t allocator;
  /* Where tensors live and the kernel runs (host bookkeeping stays in
   * `allocator` memory). */
  const rnnrt_device_ops_t *ops;
  void *device;
  int64_t batch;
  int32_t keep_state;
  int32_t has_outputs;
  char last_error[512];
  uint64_t memory_limit;  /* 0: none */
  uint64_t memory_in_use; /* bookkeeping, state and the mask set by the host */
  uint64_t call_heap;     /* the kernel's heap bound for the current call */
  int32_t caller_workspace; /* the kernel's memory is the caller's (options.workspace) */

  /* Per input: the state buffer of a carried state input (else data NULL). */
  rnnrt_tensor_t *state;
  /* Lengths set by the host (int64, `batch` values) and the per-call default. */
  int64_t *lengths;
  int32_t lengths_set;
  void *lengths_host;   /* the model's dtype, `batch` values: defaults, checks */
  void *lengths_buffer; /* device memory: the defaults the kernel reads */
  uint8_t *mask;        /* set by the host (host memory): batch * mask_time bytes */
  int64_t mask_time;
  void *mask_buffer; /* device memory: the host's mask or all ones, per call */
  size_t mask_buffer_bytes;

  /* Outputs of the last run and their capacities. */
  rnnrt_tensor_t *outputs;
  size_t *output_capacity;

  /* Per-call scratch, sized at creation. */
  int64_t *symbols;
  rnnrt_tensor_t *bound;  /* the inputs after defaults */
  int64_t *input_fields;  /* memref descriptors of the inputs */
  int64_t *result_fields; /* memref descriptors the kernel fills */
  void **args;            /* kernel arguments */
  void **fresh_outputs;   /* output buffers grown during a call */
  size_t *fresh_capacity;

  /* Buffers the host allocated with rnnrt_instance_device_alloc. */
  void **host_buffers;
  size_t *host_buffer_bytes;
  size_t num_host_buffers, host_buffer_capacity;
};

/* Saturating at SIZE_MAX, which no allocation or check lets through. */
static inline size_t element_count(const rnnrt_tensor_t *tensor) {
  size_t count = 1;
  for (int32_t d = 0; d < tensor->rank; ++d)
    if (__builtin_mul_overflow(count, (size_t)tensor->dims[d], &count))
      return SIZE_MAX;
  return count;
}

static inline rnnrt_status_t set_error(rnnrt_instance_t *instance, rnnrt_status_t status,
                                       const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static inline rnnrt_status_t set_error(rnnrt_instance_t *instance, rnnrt_status_t status,
                                       const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(instance->last_error, sizeof instance->last_error, format, args);
  va_end(args);
  return status;
}

static inline rnnrt_status_t succeed(rnnrt_instance_t *instance) {
  instance->last_error[0] = '\0';
  return RNNRT_STATUS_OK;
}

/* More than any x86-64 or AArch64 process can address (47 bits of user
 * space): sizes past it are refused whatever the memory limit, so that no
 * product of sizes wraps in the runtime or in generated code. */
#define ADDRESSABLE_BYTES (UINT64_C(1) << 47)

/* Saturating: a sum or product past 2^64 exceeds every limit. */
static inline uint64_t add_bytes(uint64_t a, uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

static inline uint64_t mul_bytes(uint64_t a, uint64_t b) {
  uint64_t product;
  return __builtin_mul_overflow(a, b, &product) ? UINT64_MAX : product;
}

/* A failed device call: its message becomes the instance's. */
static inline rnnrt_status_t device_failed(rnnrt_instance_t *instance, rnnrt_status_t status) {
  return set_error(instance, status, "%s", instance->ops->error(instance->device));
}

static inline int32_t find_role(const rnnrt_model_t *model, rnnrt_role_t role) {
  for (uint32_t i = 0; i < model->num_inputs; ++i)
    if (model->inputs[i].role == (int32_t)role)
      return (int32_t)i;
  return -1;
}

/* Zeroed instance memory from `allocator`. */
static inline void *allocate(const rnnrt_allocator_t *allocator, size_t bytes) {
  void *p = allocator->alloc(allocator->self, bytes == 0 ? 1 : bytes, RNNRT_ALIGNMENT);
  if (p)
    memset(p, 0, bytes == 0 ? 1 : bytes);
  return p;
}

/* inputs.c: an input the host passed, checked and its run-time sizes bound;
 * one the host left NULL, from the instance's defaults; lengths and indices
 * checked against their limits. */
RNNRT_INTERNAL rnnrt_status_t rnnrt_bind_given(rnnrt_instance_t *instance, uint32_t i,
                                               const rnnrt_tensor_t *given);
RNNRT_INTERNAL rnnrt_status_t rnnrt_bind_default(rnnrt_instance_t *instance, uint32_t i);
RNNRT_INTERNAL rnnrt_status_t rnnrt_check_lengths(rnnrt_instance_t *instance, uint32_t i);
RNNRT_INTERNAL rnnrt_status_t rnnrt_check_indices(rnnrt_instance_t *instance, uint32_t i);

#endif /* RNNRT_SRC_INSTANCE_H */
