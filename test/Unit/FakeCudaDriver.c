/* A stand-in for libcuda.so.1 that records what the runtime asks of it, for
 * the CUDA runtime tests (CudaRuntimeTest.cpp). "Device" memory is host memory,
 * so copies and fills really happen; kernels are checked against the loaded
 * module (their names must be in it) and recorded, not run. Tests steer it
 * through the fake_cuda_* functions, found with dlsym on the same library.
 * Test-only code: the state is global, and tests use it from one thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_CONTEXT = 201,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_LAUNCH_FAILED = 719,
  CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE = 720,
  CUDA_ERROR_NOT_SUPPORTED = 801,
};

#define MAX_FUNCTIONS 256
#define LOG_BYTES (1 << 20)

static struct {
  int initialized;
  int devices, major, minor;
  const char *fail_call; /* a static string from the test */
  int fail_after, fail_code;
  int contexts_retained, context_depth;
  int modules_loaded;
  char image_kind[8]; /* "ptx" or "cubin" */
  char *image;        /* a copy of the loaded PTX text, or the cubin */
  size_t image_bytes;
  char names[MAX_FUNCTIONS][128];
  int num_functions;
  long live_allocations, allocations, launches;
  char log[LOG_BYTES];
  size_t log_used;
  int multiprocessors, cooperative, blocks_per_multiprocessor;
} fake = {.devices = 1,
          .major = 8,
          .minor = 0,
          .multiprocessors = 4,
          .cooperative = 1,
          .blocks_per_multiprocessor = 2};

static void note(const char *format, ...) __attribute__((format(printf, 1, 2)));

#include <stdarg.h>
static void note(const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vsnprintf(fake.log + fake.log_used, LOG_BYTES - fake.log_used, format, args);
  va_end(args);
  if (n > 0 && fake.log_used + (size_t)n < LOG_BYTES)
    fake.log_used += (size_t)n;
}

/* The injected failure: `call` fails with fail_code once fail_after calls of
 * it have succeeded. */
static int injected(const char *call) {
  if (!fake.fail_call || strcmp(fake.fail_call, call) != 0)
    return 0;
  return fake.fail_after-- <= 0;
}

#define FAIL_IF_INJECTED(call)                                                                     \
  do {                                                                                             \
    if (injected(call)) {                                                                          \
      note("%s -> %d\n", call, fake.fail_code);                                                    \
      return fake.fail_code;                                                                       \
    }                                                                                              \
  } while (0)

#define REQUIRE_CONTEXT()                                                                          \
  do {                                                                                             \
    if (fake.context_depth <= 0)                                                                   \
      return CUDA_ERROR_INVALID_CONTEXT;                                                           \
  } while (0)

void fake_cuda_reset(int devices, int major, int minor) {
  free(fake.image);
  memset(&fake, 0, sizeof fake);
  fake.devices = devices;
  fake.major = major;
  fake.minor = minor;
  fake.multiprocessors = 4;
  fake.cooperative = 1;
  fake.blocks_per_multiprocessor = 2;
}

void fake_cuda_fail(const char *call, int after, int code) {
  fake.fail_call = call;
  fake.fail_after = after;
  fake.fail_code = code;
}

const char *fake_cuda_log(void) { return fake.log; }
long fake_cuda_live_allocations(void) { return fake.live_allocations; }
long fake_cuda_allocations(void) { return fake.allocations; }
long fake_cuda_launches(void) { return fake.launches; }
int fake_cuda_contexts_retained(void) { return fake.contexts_retained; }
int fake_cuda_context_depth(void) { return fake.context_depth; }
int fake_cuda_modules_loaded(void) { return fake.modules_loaded; }
const char *fake_cuda_image_kind(void) { return fake.image_kind; }

CUresult cuInit(unsigned flags) {
  FAIL_IF_INJECTED("cuInit");
  note("cuInit %u\n", flags);
  fake.initialized = 1;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int *count) {
  if (!fake.initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  *count = fake.devices;
  return CUDA_SUCCESS;
}

CUresult cuDeviceGet(int *device, int ordinal) {
  if (ordinal < 0 || ordinal >= fake.devices)
    return CUDA_ERROR_INVALID_VALUE;
  *device = ordinal;
  return CUDA_SUCCESS;
}

/* FAKE_CUDA_CAPABILITY=90 in the environment: an sm_90 device (for programs
 * that cannot call fake_cuda_reset). */
CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  const char *capability = getenv("FAKE_CUDA_CAPABILITY");
  if (capability && atoi(capability) > 0) {
    fake.major = atoi(capability) / 10;
    fake.minor = atoi(capability) % 10;
  }
  if (attribute == 75)
    *value = fake.major;
  else if (attribute == 76)
    *value = fake.minor;
  else if (attribute == 16) /* multiprocessors */
    *value = fake.multiprocessors;
  else if (attribute == 95) /* cooperative launch */
    *value = fake.cooperative;
  else
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(void **context, int device) {
  FAIL_IF_INJECTED("cuDevicePrimaryCtxRetain");
  note("cuDevicePrimaryCtxRetain %d\n", device);
  ++fake.contexts_retained;
  *context = &fake;
  return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(int device) {
  note("cuDevicePrimaryCtxRelease %d\n", device);
  --fake.contexts_retained;
  return CUDA_SUCCESS;
}

CUresult cuCtxPushCurrent_v2(void *context) {
  if (context != &fake)
    return CUDA_ERROR_INVALID_CONTEXT;
  ++fake.context_depth;
  return CUDA_SUCCESS;
}

CUresult cuCtxPopCurrent_v2(void **context) {
  if (fake.context_depth <= 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  --fake.context_depth;
  *context = &fake;
  return CUDA_SUCCESS;
}

CUresult cuModuleLoadData(void **module, const void *image) {
  REQUIRE_CONTEXT();
  FAIL_IF_INJECTED("cuModuleLoadData");
  const unsigned char *bytes = image;
  free(fake.image);
  if (bytes[0] == 0x7f && memcmp(bytes + 1, "ELF", 3) == 0) {
    /* A cubin (64-bit ELF): its size is where the section headers end. */
    unsigned long long section_headers;
    unsigned short entry_size, entries;
    memcpy(&section_headers, bytes + 0x28, sizeof section_headers);
    memcpy(&entry_size, bytes + 0x3A, sizeof entry_size);
    memcpy(&entries, bytes + 0x3C, sizeof entries);
    strcpy(fake.image_kind, "cubin");
    fake.image_bytes = (size_t)(section_headers + (unsigned long long)entry_size * entries);
    fake.image = malloc(fake.image_bytes);
    memcpy(fake.image, image, fake.image_bytes);
  } else {
    strcpy(fake.image_kind, "ptx");
    fake.image = strdup(image);
    fake.image_bytes = strlen(fake.image);
  }
  note("cuModuleLoadData %s\n", fake.image_kind);
  ++fake.modules_loaded;
  *module = &fake.modules_loaded;
  return CUDA_SUCCESS;
}

CUresult cuModuleUnload(void *module) {
  (void)module;
  note("cuModuleUnload\n");
  --fake.modules_loaded;
  return CUDA_SUCCESS;
}

static int image_has(const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i + n <= fake.image_bytes; ++i)
    if (memcmp(fake.image + i, name, n) == 0 &&
        (i + n == fake.image_bytes || fake.image[i + n] == '\0' || fake.image[i + n] == '(' ||
         fake.image[i + n] == '\n' || fake.image[i + n] == ' '))
      return 1;
  return 0;
}

CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  REQUIRE_CONTEXT();
  if (!module || !fake.image || fake.num_functions == MAX_FUNCTIONS)
    return CUDA_ERROR_INVALID_VALUE;
  if (!image_has(name))
    return CUDA_ERROR_NOT_FOUND;
  snprintf(fake.names[fake.num_functions], sizeof fake.names[0], "%s", name);
  *function = fake.names[fake.num_functions++];
  return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
  REQUIRE_CONTEXT();
  FAIL_IF_INJECTED("cuMemAlloc");
  void *p = malloc(bytes);
  if (!p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  memset(p, 0xA5, bytes); /* like device memory: not zeroed */
  ++fake.live_allocations;
  ++fake.allocations;
  *pointer = (CUdeviceptr)(size_t)p;
  return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
  REQUIRE_CONTEXT();
  if (!pointer)
    return CUDA_ERROR_INVALID_VALUE;
  free((void *)(size_t)pointer);
  --fake.live_allocations;
  return CUDA_SUCCESS;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr to, const void *from, size_t bytes, void *stream) {
  REQUIRE_CONTEXT();
  note("cuMemcpyHtoDAsync %zu %p\n", bytes, stream);
  memcpy((void *)(size_t)to, from, bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoHAsync_v2(void *to, CUdeviceptr from, size_t bytes, void *stream) {
  REQUIRE_CONTEXT();
  note("cuMemcpyDtoHAsync %zu %p\n", bytes, stream);
  memcpy(to, (void *)(size_t)from, bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr to, CUdeviceptr from, size_t bytes, void *stream) {
  REQUIRE_CONTEXT();
  FAIL_IF_INJECTED("cuMemcpyDtoDAsync");
  note("cuMemcpyDtoDAsync %zu %p\n", bytes, stream);
  memmove((void *)(size_t)to, (void *)(size_t)from, bytes);
  return CUDA_SUCCESS;
}

CUresult cuMemsetD8Async(CUdeviceptr to, unsigned char value, size_t count, void *stream) {
  REQUIRE_CONTEXT();
  (void)stream;
  memset((void *)(size_t)to, value, count);
  return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                        unsigned by, unsigned bz, unsigned shared, void *stream, void **params,
                        void **extra) {
  REQUIRE_CONTEXT();
  FAIL_IF_INJECTED("cuLaunchKernel");
  /* The hardware's limits, as the real driver checks them. */
  if (!function || !params || extra || gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 ||
      bz == 0 || bx > 1024 || by > 1024 || bz > 64 || bx * by * bz > 1024 || gx > 0x7fffffffu ||
      gy > 65535 || gz > 65535)
    return CUDA_ERROR_INVALID_VALUE;
  note("cuLaunchKernel %s %u,%u,%u %u,%u,%u %u %p\n", (const char *)function, gx, gy, gz, bx, by,
       bz, shared, stream);
  ++fake.launches;
  return CUDA_SUCCESS;
}

/* Every kernel fits `blocks_per_multiprocessor` times on a multiprocessor. */
CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int *blocks, void *function, int block_size,
                                                     size_t shared) {
  REQUIRE_CONTEXT();
  if (!blocks || !function || block_size <= 0 || block_size > 1024)
    return CUDA_ERROR_INVALID_VALUE;
  (void)shared;
  *blocks = fake.blocks_per_multiprocessor;
  return CUDA_SUCCESS;
}

CUresult cuLaunchCooperativeKernel(void *function, unsigned gx, unsigned gy, unsigned gz,
                                   unsigned bx, unsigned by, unsigned bz, unsigned shared,
                                   void *stream, void **params) {
  REQUIRE_CONTEXT();
  FAIL_IF_INJECTED("cuLaunchCooperativeKernel");
  /* CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE beyond what is resident. */
  if (!fake.cooperative)
    return CUDA_ERROR_NOT_SUPPORTED;
  if (!function || !params || gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 ||
      bx * by * bz > 1024)
    return CUDA_ERROR_INVALID_VALUE;
  if ((long)gx * gy * gz > (long)fake.multiprocessors * fake.blocks_per_multiprocessor)
    return CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE;
  note("cuLaunchCooperativeKernel %s %u,%u,%u %u,%u,%u %u %p\n", (const char *)function, gx, gy,
       gz, bx, by, bz, shared, stream);
  ++fake.launches;
  return CUDA_SUCCESS;
}

void fake_cuda_set_cooperative(int supported, int multiprocessors, int blocks_per_multiprocessor) {
  fake.cooperative = supported;
  fake.multiprocessors = multiprocessors;
  fake.blocks_per_multiprocessor = blocks_per_multiprocessor;
}

CUresult cuStreamSynchronize(void *stream) {
  REQUIRE_CONTEXT();
  FAIL_IF_INJECTED("cuStreamSynchronize");
  note("cuStreamSynchronize %p\n", stream);
  return CUDA_SUCCESS;
}

CUresult cuGetErrorName(CUresult error, const char **name) {
  switch (error) {
  case CUDA_SUCCESS: *name = "CUDA_SUCCESS"; return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; return CUDA_SUCCESS;
  case CUDA_ERROR_OUT_OF_MEMORY: *name = "CUDA_ERROR_OUT_OF_MEMORY"; return CUDA_SUCCESS;
  case CUDA_ERROR_NO_DEVICE: *name = "CUDA_ERROR_NO_DEVICE"; return CUDA_SUCCESS;
  case CUDA_ERROR_INVALID_CONTEXT: *name = "CUDA_ERROR_INVALID_CONTEXT"; return CUDA_SUCCESS;
  case CUDA_ERROR_NOT_FOUND: *name = "CUDA_ERROR_NOT_FOUND"; return CUDA_SUCCESS;
  case CUDA_ERROR_LAUNCH_FAILED: *name = "CUDA_ERROR_LAUNCH_FAILED"; return CUDA_SUCCESS;
  case CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE:
    *name = "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE";
    return CUDA_SUCCESS;
  case CUDA_ERROR_NOT_SUPPORTED: *name = "CUDA_ERROR_NOT_SUPPORTED"; return CUDA_SUCCESS;
  default: *name = NULL; return CUDA_ERROR_INVALID_VALUE;
  }
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  switch (error) {
  case CUDA_ERROR_OUT_OF_MEMORY: *text = "out of memory"; return CUDA_SUCCESS;
  case CUDA_ERROR_NO_DEVICE: *text = "no CUDA-capable device is detected"; return CUDA_SUCCESS;
  case CUDA_ERROR_NOT_FOUND: *text = "named symbol not found"; return CUDA_SUCCESS;
  case CUDA_ERROR_LAUNCH_FAILED: *text = "unspecified launch failure"; return CUDA_SUCCESS;
  case CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE:
    *text = "too many blocks in cooperative launch";
    return CUDA_SUCCESS;
  case CUDA_ERROR_NOT_SUPPORTED: *text = "operation not supported"; return CUDA_SUCCESS;
  default: return cuGetErrorName(error, text);
  }
}
