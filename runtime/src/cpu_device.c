#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "message.h"

#define RNNRT_ALIGNMENT 64

typedef struct cpu_device {
  rnnrt_allocator_t allocator;
  rnnrt_kernel_fn kernel;
} cpu_device_t;

static void *cpu_alloc(void *device, size_t bytes) {
  cpu_device_t *cpu = device;
  size_t size = bytes == 0 ? 1 : bytes;
  void *p = cpu->allocator.alloc(cpu->allocator.self, size, RNNRT_ALIGNMENT);
  if (p)
    memset(p, 0, size);
  return p;
}

static void cpu_free(void *device, void *data) {
  cpu_device_t *cpu = device;
  cpu->allocator.free(cpu->allocator.self, data);
}

static rnnrt_status_t cpu_copy(void *device, void *to, const void *from, size_t bytes) {
  (void)device;
  if (bytes > 0)
    memmove(to, from, bytes);
  return RNNRT_STATUS_OK;
}

static rnnrt_status_t cpu_fill(void *device, void *to, int value, size_t bytes) {
  (void)device;
  memset(to, value, bytes);
  return RNNRT_STATUS_OK;
}

static rnnrt_status_t cpu_run(void *device, void *const *args) {
  ((cpu_device_t *)device)->kernel(args);
  return RNNRT_STATUS_OK;
}

/* Kernel results come from the C library's malloc. */
static void cpu_release(void *device, void *result) {
  (void)device;
  free(result);
}

static const char *cpu_error(void *device) {
  (void)device;
  return "";
}

static void cpu_destroy(void *device) {
  cpu_device_t *cpu = device;
  if (cpu)
    cpu->allocator.free(cpu->allocator.self, cpu);
}

const rnnrt_device_ops_t *rnnrt_cpu_device_ops(void) {
  static const rnnrt_device_ops_t ops = {
      cpu_alloc, cpu_free, cpu_copy,    cpu_copy,  cpu_copy,
      cpu_fill,  cpu_run,  cpu_release, cpu_error, cpu_destroy,
  };
  return &ops;
}

rnnrt_status_t rnnrt_cpu_device_create(const rnnrt_model_t *model,
                                       const rnnrt_allocator_t *allocator, void **out_device,
                                       char *message, size_t capacity) {
  if (!model->kernel)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT,
                      "model '%s' is a CPU model without a kernel", model->name);
  cpu_device_t *cpu = allocator->alloc(allocator->self, sizeof *cpu, RNNRT_ALIGNMENT);
  if (!cpu)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  cpu->allocator = *allocator;
  cpu->kernel = model->kernel;
  *out_device = cpu;
  return RNNRT_STATUS_OK;
}
