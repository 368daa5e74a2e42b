/* Internal: where an instance's tensors live and how its kernel runs. The
 * instance code (instance.c) is the same for every device; a device is an
 * object of one of these kinds, created per instance. */
#ifndef RNNRT_SRC_DEVICE_H
#define RNNRT_SRC_DEVICE_H

#include "rnnrt/model.h"

#include "internal.h"

typedef struct rnnrt_device_ops {
  /* Zeroed device memory (at least one byte), or NULL. */
  void *(*alloc)(void *device, size_t bytes);
  void (*free)(void *device, void *data);
  /* Host to device, device to host, device to device; `fill` sets bytes. */
  rnnrt_status_t (*upload)(void *device, void *to, const void *from, size_t bytes);
  rnnrt_status_t (*download)(void *device, void *to, const void *from, size_t bytes);
  rnnrt_status_t (*copy)(void *device, void *to, const void *from, size_t bytes);
  rnnrt_status_t (*fill)(void *device, void *to, int value, size_t bytes);
  /* Runs the model's kernel over memref descriptors (rnnrt_kernel_fn's args)
   * and waits for it; `workspace_bytes` is the call's heap bound (what the
   * kernel will allocate at most when the bound holds). */
  rnnrt_status_t (*run)(void *device, void *const *args, uint64_t workspace_bytes);
  /* Frees a buffer the kernel returned. */
  void (*release)(void *device, void *result);
  /* The message of the last failed call. */
  const char *(*error)(void *device);
  /* Bytes of workspace the last run took; NULL where memory is not a
   * workspace (CUDA). */
  uint64_t (*workspace_used)(void *device);
  void (*destroy)(void *device);
} rnnrt_device_ops_t;

/* Host memory from the instance's allocator, the kernel's from a workspace
 * (options->workspace, or the allocator's); the kernel runs on the caller's
 * thread. (The tables are returned by functions, not exported as globals: a
 * program may link the static and the shared runtime both.) */
RNNRT_INTERNAL const rnnrt_device_ops_t *rnnrt_cpu_device_ops(void);
RNNRT_INTERNAL rnnrt_status_t rnnrt_cpu_device_create(const rnnrt_model_t *model,
                                                      const rnnrt_instance_options_t *options,
                                                      const rnnrt_allocator_t *allocator,
                                                      void **out_device, char *message,
                                                      size_t capacity);

/* A CUDA context of the driver named by the options (runtime/src/cuda). */
RNNRT_INTERNAL const rnnrt_device_ops_t *rnnrt_cuda_device_ops(void);
RNNRT_INTERNAL rnnrt_status_t rnnrt_cuda_device_create(const rnnrt_model_t *model,
                                                       const rnnrt_instance_options_t *options,
                                                       const rnnrt_allocator_t *allocator,
                                                       void **out_device, char *message,
                                                       size_t capacity);

#endif /* RNNRT_SRC_DEVICE_H */
