/* The code of a model compiled with `rnnc compile --target cuda` and the
 * interface between its host code and the runtime (docs/cuda.md).
 *
 * A CUDA model's descriptor (rnnrt/model.h) has device RNNRT_DEVICE_CUDA, no
 * CPU kernel, and `cuda` pointing to an rnnrt_cuda_code. Instances of it are
 * created and run with the usual rnnrt_instance_* calls; every tensor they
 * take or return then lives in GPU memory. The runtime loads the driver
 * (`libcuda.so.1`) with dlopen when the first such instance is created, so
 * programs that never run a CUDA model neither need nor load it. */
#ifndef RNNRT_CUDA_H
#define RNNRT_CUDA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the generated host code calls, through `self`, to run on the device.
 * The calls cannot fail visibly: after the first failure the runtime records
 * the driver's message, `alloc` returns NULL and `launch` does nothing, and
 * the run reports the failure once the host code returns. */
typedef struct rnnrt_cuda_exec {
  void *self;
  /* Device memory of `bytes` (freed by `free` or returned as a result). */
  void *(*alloc)(void *self, uint64_t bytes);
  void (*free)(void *self, void *device_pointer);
  /* The device copy of constant `index` (weights): `bytes` at `host`, uploaded
   * once per instance. */
  void *(*constant)(void *self, uint32_t index, const void *host, uint64_t bytes);
  /* Launches kernel `kernel` (an index into rnnrt_cuda_code.kernel_names) with
   * `params` as cuLaunchKernel takes them. */
  void (*launch)(void *self, uint32_t kernel, int64_t grid_x, int64_t grid_y, int64_t grid_z,
                 int64_t block_x, int64_t block_y, int64_t block_z, uint32_t shared_bytes,
                 void **params);
  /* Launches a kernel whose blocks synchronize with each other (a grid
   * barrier: the persistent time loop) with cuLaunchCooperativeKernel, its
   * grid capped at the blocks the device holds at once (the kernel reads
   * gridDim and works with any grid). */
  void (*launch_cooperative)(void *self, uint32_t kernel, int64_t grid_x, int64_t grid_y,
                             int64_t grid_z, int64_t block_x, int64_t block_y, int64_t block_z,
                             uint32_t shared_bytes, void **params);
} rnnrt_cuda_exec_t;

/* The host code: args as for rnnrt_kernel_fn, every pointer a device pointer;
 * results are buffers from exec->alloc (or views of inputs or constants). */
typedef void (*rnnrt_cuda_kernel_fn)(const rnnrt_cuda_exec_t *exec, void *const *args);

typedef struct rnnrt_cuda_code {
  int32_t arch; /* the GPU architecture compiled for: 80 (sm_80) or 90 (sm_90) */
  uint32_t num_kernels;
  const char *const *kernel_names;
  const char *ptx; /* NUL-terminated PTX of every kernel */
  uint64_t ptx_size;
  /* The PTX assembled by ptxas for `arch` (NULL when rnnc found no ptxas);
   * loaded instead of the PTX on devices it runs on. */
  const void *cubin;
  uint64_t cubin_size;
  uint32_t num_constants;
  uint32_t reserved;
  rnnrt_cuda_kernel_fn kernel;
} rnnrt_cuda_code_t;

#ifdef __cplusplus
}
#endif

#endif /* RNNRT_CUDA_H */
