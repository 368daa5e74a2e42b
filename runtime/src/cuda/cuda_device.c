/* The CUDA device of an instance: a driver loaded with dlopen, the primary
 * context of one GPU, the model's module and the instance's stream.
 *
 * Only the driver API's C ABI is used, declared here (the runtime builds
 * without a CUDA toolkit). Every driver call runs with the context pushed
 * on the calling thread and popped before returning to the host. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../device.h"
#include "../message.h"
#include "rnnrt/cuda.h"

typedef int CUresult; /* CUDA_SUCCESS = 0 */
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef void *CUcontext, *CUmodule, *CUfunction, *CUstream;

enum { CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
       CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
       CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
       CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH = 95 };

/* The driver entry points, by their exported (versioned) names. */
typedef struct driver {
  void *library;
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
  CUresult (*cuCtxPushCurrent)(CUcontext);
  CUresult (*cuCtxPopCurrent)(CUcontext *);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*cuMemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemsetD8Async)(CUdeviceptr, unsigned char, size_t, CUstream);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, CUstream, void **, void **);
  CUresult (*cuLaunchCooperativeKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                                        unsigned, unsigned, unsigned, CUstream, void **);
  CUresult (*cuOccupancyMaxActiveBlocksPerMultiprocessor)(int *, CUfunction, int, size_t);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
} driver_t;

/* A device buffer of the kernel's scratch, kept for the next call. */
typedef struct scratch_block {
  void *pointer;
  uint64_t bytes;
  int in_use;
  int used; /* by the current call */
} scratch_block_t;

typedef struct cuda_device {
  rnnrt_allocator_t allocator;
  driver_t driver;
  CUdevice ordinal;
  int retained; /* the primary context is retained */
  CUcontext context;
  CUmodule module;
  CUstream stream;
  const rnnrt_cuda_code_t *code;
  CUfunction *functions;  /* per kernel name */
  void **constants;       /* device copies, per constant index */
  rnnrt_cuda_exec_t exec; /* what the host code calls */
  /* The buffers the host code allocated in the last call: each step, and
   * each call with the same sizes, allocates the same sizes again, which
   * cuMemAlloc (synchronous, slow) then need not. A call frees what it did
   * not use, so memory follows the sizes of the last call. */
  scratch_block_t *scratch;
  uint32_t num_scratch, scratch_capacity;
  int failed;             /* sticky within one run */
  char error[512];
} cuda_device_t;

static void record(cuda_device_t *cuda, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Keeps the first failure's message. */
static void record(cuda_device_t *cuda, const char *format, ...) {
  if (cuda->failed)
    return;
  cuda->failed = 1;
  va_list args;
  va_start(args, format);
  vsnprintf(cuda->error, sizeof cuda->error, format, args);
  va_end(args);
}

/* Records a failed driver call with the driver's name and description of
 * the error; returns nonzero on success. */
static int check(cuda_device_t *cuda, CUresult result, const char *call) {
  if (result == 0)
    return 1;
  const char *name = NULL, *text = NULL;
  if (cuda->driver.cuGetErrorName)
    cuda->driver.cuGetErrorName(result, &name);
  if (cuda->driver.cuGetErrorString)
    cuda->driver.cuGetErrorString(result, &text);
  record(cuda, "%s failed: %s (%s)", call, name ? name : "unknown CUDA error",
         text ? text : "no description");
  return 0;
}

static int push(cuda_device_t *cuda) {
  return check(cuda, cuda->driver.cuCtxPushCurrent(cuda->context), "cuCtxPushCurrent");
}

static void pop(cuda_device_t *cuda) {
  CUcontext popped;
  check(cuda, cuda->driver.cuCtxPopCurrent(&popped), "cuCtxPopCurrent");
}

/* Resolves every entry point; the message names the first one missing. */
static int load_driver(cuda_device_t *cuda, const char *path, char *message, size_t capacity) {
  driver_t *d = &cuda->driver;
  d->library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!d->library) {
    const char *why = dlerror();
    rnnrt_fail(message, capacity, RNNRT_STATUS_DEVICE_ERROR,
               "cannot load the CUDA driver '%s': %s (is an NVIDIA driver installed?)", path,
               why ? why : "unknown error");
    return 0;
  }
  struct {
    void **slot;
    const char *name;
  } entries[] = {
      {(void **)&d->cuInit, "cuInit"},
      {(void **)&d->cuDeviceGetCount, "cuDeviceGetCount"},
      {(void **)&d->cuDeviceGet, "cuDeviceGet"},
      {(void **)&d->cuDeviceGetAttribute, "cuDeviceGetAttribute"},
      {(void **)&d->cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain"},
      {(void **)&d->cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2"},
      {(void **)&d->cuCtxPushCurrent, "cuCtxPushCurrent_v2"},
      {(void **)&d->cuCtxPopCurrent, "cuCtxPopCurrent_v2"},
      {(void **)&d->cuModuleLoadData, "cuModuleLoadData"},
      {(void **)&d->cuModuleUnload, "cuModuleUnload"},
      {(void **)&d->cuModuleGetFunction, "cuModuleGetFunction"},
      {(void **)&d->cuMemAlloc, "cuMemAlloc_v2"},
      {(void **)&d->cuMemFree, "cuMemFree_v2"},
      {(void **)&d->cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2"},
      {(void **)&d->cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2"},
      {(void **)&d->cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2"},
      {(void **)&d->cuMemsetD8Async, "cuMemsetD8Async"},
      {(void **)&d->cuLaunchKernel, "cuLaunchKernel"},
      {(void **)&d->cuLaunchCooperativeKernel, "cuLaunchCooperativeKernel"},
      {(void **)&d->cuOccupancyMaxActiveBlocksPerMultiprocessor,
       "cuOccupancyMaxActiveBlocksPerMultiprocessor"},
      {(void **)&d->cuStreamSynchronize, "cuStreamSynchronize"},
      {(void **)&d->cuGetErrorName, "cuGetErrorName"},
      {(void **)&d->cuGetErrorString, "cuGetErrorString"},
  };
  for (size_t i = 0; i < sizeof entries / sizeof entries[0]; ++i) {
    *entries[i].slot = dlsym(d->library, entries[i].name);
    if (!*entries[i].slot) {
      rnnrt_fail(message, capacity, RNNRT_STATUS_DEVICE_ERROR,
                 "the CUDA driver '%s' has no %s (too old?)", path, entries[i].name);
      return 0;
    }
  }
  return 1;
}

static void *driver_alloc(cuda_device_t *cuda, uint64_t bytes) {
  CUdeviceptr pointer = 0;
  if (cuda->failed ||
      !check(cuda, cuda->driver.cuMemAlloc(&pointer, bytes == 0 ? 1 : bytes), "cuMemAlloc"))
    return NULL;
  return (void *)(uintptr_t)pointer;
}

static void driver_free(cuda_device_t *cuda, void *pointer) {
  if (pointer)
    check(cuda, cuda->driver.cuMemFree((CUdeviceptr)(uintptr_t)pointer), "cuMemFree");
}

/* exec->alloc: a free scratch block of the same size, else a new one. */
static void *scratch_alloc(void *self, uint64_t bytes) {
  cuda_device_t *cuda = self;
  if (cuda->failed)
    return NULL;
  for (uint32_t i = 0; i < cuda->num_scratch; ++i) {
    scratch_block_t *block = &cuda->scratch[i];
    if (!block->in_use && block->bytes == bytes) {
      block->in_use = block->used = 1;
      return block->pointer;
    }
  }
  if (cuda->num_scratch == cuda->scratch_capacity) {
    uint32_t capacity = cuda->scratch_capacity ? 2 * cuda->scratch_capacity : 16;
    rnnrt_allocator_t *a = &cuda->allocator;
    scratch_block_t *grown = a->alloc(a->self, capacity * sizeof *grown, 64);
    if (!grown) {
      record(cuda, "out of host memory for the device scratch table");
      return NULL;
    }
    if (cuda->num_scratch > 0)
      memcpy(grown, cuda->scratch, cuda->num_scratch * sizeof *grown);
    a->free(a->self, cuda->scratch);
    cuda->scratch = grown;
    cuda->scratch_capacity = capacity;
  }
  void *pointer = driver_alloc(cuda, bytes);
  if (pointer)
    cuda->scratch[cuda->num_scratch++] = (scratch_block_t){pointer, bytes, 1, 1};
  return pointer;
}

/* exec->free, and the release of a kernel result: back to the scratch. */
static void scratch_free(void *self, void *pointer) {
  cuda_device_t *cuda = self;
  for (uint32_t i = 0; i < cuda->num_scratch; ++i)
    if (cuda->scratch[i].pointer == pointer) {
      cuda->scratch[i].in_use = 0;
      return;
    }
  if (pointer)
    record(cuda, "the model's code freed device memory it did not allocate");
}

static void *exec_constant(void *self, uint32_t index, const void *host, uint64_t bytes) {
  cuda_device_t *cuda = self;
  if (index >= cuda->code->num_constants) {
    record(cuda, "the model's code asked for constant %u of %u", index, cuda->code->num_constants);
    return NULL;
  }
  if (cuda->constants[index] || cuda->failed)
    return cuda->constants[index];
  void *copy = driver_alloc(cuda, bytes);
  if (copy && !check(cuda,
                     cuda->driver.cuMemcpyHtoDAsync((CUdeviceptr)(uintptr_t)copy, host, bytes,
                                                    cuda->stream),
                     "cuMemcpyHtoDAsync")) {
    driver_free(cuda, copy);
    return NULL;
  }
  cuda->constants[index] = copy;
  return copy;
}

/* Launches kernel `kernel` on the instance's stream; `cooperative`: all its
 * blocks resident at once, the grid capped at what the device holds. */
static void launch(cuda_device_t *cuda, uint32_t kernel, int64_t grid_x, int64_t grid_y,
                   int64_t grid_z, int64_t block_x, int64_t block_y, int64_t block_z,
                   uint32_t shared_bytes, void **params, int cooperative) {
  if (cuda->failed)
    return;
  if (kernel >= cuda->code->num_kernels) {
    record(cuda, "the model's code launched kernel %u of %u", kernel, cuda->code->num_kernels);
    return;
  }
  const char *name = cuda->code->kernel_names[kernel];
  int64_t sizes[6] = {grid_x, grid_y, grid_z, block_x, block_y, block_z};
  for (int i = 0; i < 6; ++i) {
    if (sizes[i] == 0)
      return; /* an empty iteration space (a batch or sequence of 0) */
    if (sizes[i] < 0 || sizes[i] > 0x7fffffff) {
      record(cuda, "kernel %s: launch size %lld is out of range", name, (long long)sizes[i]);
      return;
    }
  }
  /* CUDA's limits (every architecture since sm_30): a clearer message than
   * the driver's CUDA_ERROR_INVALID_VALUE. */
  if (block_x > 1024 || block_y > 1024 || block_z > 64 || block_x * block_y * block_z > 1024 ||
      grid_y > 65535 || grid_z > 65535) {
    record(cuda,
           "kernel %s: a grid of %lld x %lld x %lld blocks of %lld x %lld x %lld threads is "
           "beyond CUDA's limits",
           name, (long long)grid_x, (long long)grid_y, (long long)grid_z, (long long)block_x,
           (long long)block_y, (long long)block_z);
    return;
  }
  char call[160];
  if (!cooperative) {
    snprintf(call, sizeof call, "cuLaunchKernel(%s)", name);
    check(cuda,
          cuda->driver.cuLaunchKernel(cuda->functions[kernel], (unsigned)grid_x, (unsigned)grid_y,
                                      (unsigned)grid_z, (unsigned)block_x, (unsigned)block_y,
                                      (unsigned)block_z, shared_bytes, cuda->stream, params, NULL),
          call);
    return;
  }
  int supported = 0, multiprocessors = 0, per_multiprocessor = 0;
  if (!check(cuda,
             cuda->driver.cuDeviceGetAttribute(&supported, CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH,
                                               cuda->ordinal),
             "cuDeviceGetAttribute"))
    return;
  if (!supported) {
    record(cuda, "kernel %s synchronizes its whole grid, which needs a cooperative launch; this "
                 "GPU does not support one (compile with --cuda-per-step)", name);
    return;
  }
  snprintf(call, sizeof call, "cuOccupancyMaxActiveBlocksPerMultiprocessor(%s)", name);
  if (!check(cuda,
             cuda->driver.cuDeviceGetAttribute(
                 &multiprocessors, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, cuda->ordinal),
             "cuDeviceGetAttribute") ||
      !check(cuda,
             cuda->driver.cuOccupancyMaxActiveBlocksPerMultiprocessor(
                 &per_multiprocessor, cuda->functions[kernel], (int)(block_x * block_y * block_z),
                 shared_bytes),
             call))
    return;
  int64_t resident = (int64_t)multiprocessors * per_multiprocessor;
  if (resident < grid_y * grid_z) {
    record(cuda, "kernel %s: %lld blocks of %lld threads cannot all be resident on this GPU",
           name, (long long)(grid_y * grid_z), (long long)(block_x * block_y * block_z));
    return;
  }
  if (grid_x * grid_y * grid_z > resident)
    grid_x = resident / (grid_y * grid_z);
  snprintf(call, sizeof call, "cuLaunchCooperativeKernel(%s)", name);
  check(cuda,
        cuda->driver.cuLaunchCooperativeKernel(cuda->functions[kernel], (unsigned)grid_x,
                                               (unsigned)grid_y, (unsigned)grid_z,
                                               (unsigned)block_x, (unsigned)block_y,
                                               (unsigned)block_z, shared_bytes, cuda->stream,
                                               params),
        call);
}

static void exec_launch(void *self, uint32_t kernel, int64_t grid_x, int64_t grid_y,
                        int64_t grid_z, int64_t block_x, int64_t block_y, int64_t block_z,
                        uint32_t shared_bytes, void **params) {
  launch(self, kernel, grid_x, grid_y, grid_z, block_x, block_y, block_z, shared_bytes, params,
         0);
}

static void exec_launch_cooperative(void *self, uint32_t kernel, int64_t grid_x, int64_t grid_y,
                                    int64_t grid_z, int64_t block_x, int64_t block_y,
                                    int64_t block_z, uint32_t shared_bytes, void **params) {
  launch(self, kernel, grid_x, grid_y, grid_z, block_x, block_y, block_z, shared_bytes, params,
         1);
}

/* Each device operation: clear the last failure, push the context, do the
 * work, pop; the status says whether anything failed. */
#define DEVICE_CALL(cuda, body)                                                                    \
  do {                                                                                             \
    (cuda)->failed = 0;                                                                            \
    (cuda)->error[0] = '\0';                                                                       \
    if (push(cuda)) {                                                                              \
      body;                                                                                        \
      pop(cuda);                                                                                   \
    }                                                                                              \
    return (cuda)->failed ? RNNRT_STATUS_DEVICE_ERROR : RNNRT_STATUS_OK;                           \
  } while (0)

static rnnrt_status_t synchronize(cuda_device_t *cuda) {
  check(cuda, cuda->driver.cuStreamSynchronize(cuda->stream), "cuStreamSynchronize");
  return RNNRT_STATUS_OK;
}

static void *device_alloc(void *device, size_t bytes) {
  cuda_device_t *cuda = device;
  void *pointer = NULL;
  cuda->failed = 0;
  if (push(cuda)) {
    pointer = driver_alloc(cuda, bytes);
    if (pointer &&
        !check(cuda,
               cuda->driver.cuMemsetD8Async((CUdeviceptr)(uintptr_t)pointer, 0,
                                            bytes == 0 ? 1 : bytes, cuda->stream),
               "cuMemsetD8Async")) {
      driver_free(cuda, pointer);
      pointer = NULL;
    }
    if (pointer)
      synchronize(cuda);
    pop(cuda);
  }
  return cuda->failed ? NULL : pointer;
}

static void device_free(void *device, void *data) {
  cuda_device_t *cuda = device;
  if (!data || !push(cuda))
    return;
  driver_free(cuda, data);
  pop(cuda);
}

static rnnrt_status_t device_upload(void *device, void *to, const void *from, size_t bytes) {
  cuda_device_t *cuda = device;
  DEVICE_CALL(cuda, {
    if (bytes > 0 && check(cuda,
                           cuda->driver.cuMemcpyHtoDAsync((CUdeviceptr)(uintptr_t)to, from,
                                                          bytes, cuda->stream),
                           "cuMemcpyHtoDAsync"))
      synchronize(cuda);
  });
}

static rnnrt_status_t device_download(void *device, void *to, const void *from, size_t bytes) {
  cuda_device_t *cuda = device;
  DEVICE_CALL(cuda, {
    if (bytes > 0 && check(cuda,
                           cuda->driver.cuMemcpyDtoHAsync(to, (CUdeviceptr)(uintptr_t)from,
                                                          bytes, cuda->stream),
                           "cuMemcpyDtoHAsync"))
      synchronize(cuda);
  });
}

static rnnrt_status_t device_copy(void *device, void *to, const void *from, size_t bytes) {
  cuda_device_t *cuda = device;
  DEVICE_CALL(cuda, {
    if (bytes > 0 && check(cuda,
                           cuda->driver.cuMemcpyDtoDAsync((CUdeviceptr)(uintptr_t)to,
                                                          (CUdeviceptr)(uintptr_t)from, bytes,
                                                          cuda->stream),
                           "cuMemcpyDtoDAsync"))
      synchronize(cuda);
  });
}

static rnnrt_status_t device_fill(void *device, void *to, int value, size_t bytes) {
  cuda_device_t *cuda = device;
  DEVICE_CALL(cuda, {
    if (bytes > 0 && check(cuda,
                           cuda->driver.cuMemsetD8Async((CUdeviceptr)(uintptr_t)to,
                                                        (unsigned char)value, bytes, cuda->stream),
                           "cuMemsetD8Async"))
      synchronize(cuda);
  });
}

/* Frees the scratch blocks the call that just ended did not use. */
static void trim_scratch(cuda_device_t *cuda) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < cuda->num_scratch; ++i) {
    scratch_block_t block = cuda->scratch[i];
    if (!block.in_use && !block.used) {
      driver_free(cuda, block.pointer);
      continue;
    }
    block.used = 0;
    cuda->scratch[kept++] = block;
  }
  cuda->num_scratch = kept;
}

static rnnrt_status_t device_run(void *device, void *const *args, uint64_t workspace_bytes) {
  (void)workspace_bytes; /* scratch blocks are kept per size instead */
  cuda_device_t *cuda = device;
  DEVICE_CALL(cuda, {
    cuda->code->kernel(&cuda->exec, args);
    synchronize(cuda);
    trim_scratch(cuda);
  });
}

static void device_release(void *device, void *result) { scratch_free(device, result); }

static const char *device_error(void *device) { return ((cuda_device_t *)device)->error; }

static void device_destroy(void *device) {
  cuda_device_t *cuda = device;
  if (!cuda)
    return;
  driver_t *d = &cuda->driver;
  if (cuda->context && push(cuda)) {
    if (cuda->constants)
      for (uint32_t i = 0; i < cuda->code->num_constants; ++i)
        driver_free(cuda, cuda->constants[i]);
    for (uint32_t i = 0; i < cuda->num_scratch; ++i)
      driver_free(cuda, cuda->scratch[i].pointer);
    if (cuda->module)
      d->cuModuleUnload(cuda->module);
    pop(cuda);
  }
  if (cuda->retained)
    d->cuDevicePrimaryCtxRelease(cuda->ordinal);
  if (d->library)
    dlclose(d->library);
  rnnrt_allocator_t a = cuda->allocator;
  a.free(a.self, cuda->functions);
  a.free(a.self, cuda->constants);
  a.free(a.self, cuda->scratch);
  a.free(a.self, cuda);
}

const rnnrt_device_ops_t *rnnrt_cuda_device_ops(void) {
  static const rnnrt_device_ops_t ops = {
      device_alloc, device_free, device_upload,  device_download, device_copy,
      device_fill,  device_run,  device_release, device_error,    NULL,
      device_destroy,
  };
  return &ops;
}

static void *zeroed(const rnnrt_allocator_t *a, size_t bytes) {
  void *p = a->alloc(a->self, bytes == 0 ? 1 : bytes, 64);
  if (p)
    memset(p, 0, bytes == 0 ? 1 : bytes);
  return p;
}

/* Fails creation with the recorded driver message. */
static rnnrt_status_t give_up(cuda_device_t *cuda, char *message, size_t capacity) {
  rnnrt_status_t status =
      rnnrt_fail(message, capacity, RNNRT_STATUS_DEVICE_ERROR, "%s", cuda->error);
  device_destroy(cuda);
  return status;
}

rnnrt_status_t rnnrt_cuda_device_create(const rnnrt_model_t *model,
                                        const rnnrt_instance_options_t *options,
                                        const rnnrt_allocator_t *allocator, void **out_device,
                                        char *message, size_t capacity) {
  const rnnrt_cuda_code_t *code = model->cuda;
  cuda_device_t *cuda = zeroed(allocator, sizeof *cuda);
  if (!cuda)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  cuda->allocator = *allocator;
  cuda->code = code;
  cuda->stream = options->cuda_stream;
  cuda->functions = zeroed(allocator, code->num_kernels * sizeof(CUfunction));
  cuda->constants = zeroed(allocator, code->num_constants * sizeof(void *));
  if (!cuda->functions || !cuda->constants) {
    device_destroy(cuda);
    return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  }
  const char *path = options->cuda_driver ? options->cuda_driver : "libcuda.so.1";
  if (!load_driver(cuda, path, message, capacity)) {
    device_destroy(cuda);
    return RNNRT_STATUS_DEVICE_ERROR;
  }
  driver_t *d = &cuda->driver;
  int count = 0;
  if (!check(cuda, d->cuInit(0), "cuInit") ||
      !check(cuda, d->cuDeviceGetCount(&count), "cuDeviceGetCount"))
    return give_up(cuda, message, capacity);
  if (options->cuda_device < 0 || options->cuda_device >= count) {
    device_destroy(cuda);
    return rnnrt_fail(message, capacity, RNNRT_STATUS_DEVICE_ERROR,
                      "CUDA device %d does not exist (the driver reports %d)",
                      options->cuda_device, count);
  }
  int major = 0, minor = 0;
  if (!check(cuda, d->cuDeviceGet(&cuda->ordinal, options->cuda_device), "cuDeviceGet") ||
      !check(cuda,
             d->cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                                     cuda->ordinal),
             "cuDeviceGetAttribute") ||
      !check(cuda,
             d->cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                                     cuda->ordinal),
             "cuDeviceGetAttribute"))
    return give_up(cuda, message, capacity);
  int capability = major * 10 + minor;
  if (capability < code->arch) {
    device_destroy(cuda);
    return rnnrt_fail(message, capacity, RNNRT_STATUS_DEVICE_ERROR,
                      "model '%s' was compiled for sm_%d; CUDA device %d is sm_%d", model->name,
                      code->arch, options->cuda_device, capability);
  }
  if (!check(cuda, d->cuDevicePrimaryCtxRetain(&cuda->context, cuda->ordinal),
             "cuDevicePrimaryCtxRetain"))
    return give_up(cuda, message, capacity);
  cuda->retained = 1;
  if (!push(cuda))
    return give_up(cuda, message, capacity);
  /* A cubin runs on its own major architecture only; the PTX is JIT-compiled
   * by the driver for any newer one. */
  int cubin = code->cubin && capability / 10 == code->arch / 10;
  if (check(cuda, d->cuModuleLoadData(&cuda->module, cubin ? code->cubin : (const void *)code->ptx),
            cubin ? "cuModuleLoadData(cubin)" : "cuModuleLoadData(ptx)"))
    for (uint32_t k = 0; k < code->num_kernels; ++k) {
      char call[160];
      snprintf(call, sizeof call, "cuModuleGetFunction(%s)", code->kernel_names[k]);
      if (!check(cuda, d->cuModuleGetFunction(&cuda->functions[k], cuda->module,
                                              code->kernel_names[k]),
                 call))
        break;
    }
  pop(cuda);
  if (cuda->failed)
    return give_up(cuda, message, capacity);
  cuda->exec.self = cuda;
  cuda->exec.alloc = scratch_alloc;
  cuda->exec.free = scratch_free;
  cuda->exec.constant = exec_constant;
  cuda->exec.launch = exec_launch;
  cuda->exec.launch_cooperative = exec_launch_cooperative;
  *out_device = cuda;
  return RNNRT_STATUS_OK;
}
