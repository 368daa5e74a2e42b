/* Compiled models and their instances: the ABI between rnnc-generated code
 * (AOT objects and JIT modules alike) and the runtime, and the generic API over
 * any compiled model. Reference: docs/runtime.md.
 *
 * Ownership: a model descriptor is immutable and owned by the code that holds
 * it (static data of an AOT object, or a JIT module kept alive by its owner).
 * rnnrt_instance_create returns a caller-owned instance; every pointer an
 * accessor returns is borrowed from the instance and stays valid until the
 * next rnnrt_instance_run or rnnrt_instance_destroy on it.
 *
 * Threading: a model is immutable and may be shared by any number of threads.
 * An instance is thread-compatible: calls on one instance must not overlap,
 * distinct instances (of the same model or not) may run concurrently. There is
 * no global state. */
#ifndef RNNRT_MODEL_H
#define RNNRT_MODEL_H

#include <stdint.h>

#include "rnnrt/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a descriptor struct or the kernel calling convention
 * changes; the runtime refuses descriptors of another version. */
#define RNNRT_ABI_VERSION 8

/* Where a model's code runs and its tensors live. */
typedef enum rnnrt_device_kind {
  RNNRT_DEVICE_CPU = 0,  /* host memory; `kernel` runs on the calling thread */
  RNNRT_DEVICE_CUDA = 1, /* NVIDIA GPU memory; `cuda` holds the code (rnnrt/cuda.h) */
} rnnrt_device_kind_t;

struct rnnrt_cuda_code;

typedef enum rnnrt_role {
  RNNRT_ROLE_DATA = 0,             /* an ordinary input or output */
  RNNRT_ROLE_SEQUENCE_LENGTHS = 1, /* i32/i64 [B]: valid steps per row */
  RNNRT_ROLE_MASK = 2,             /* bool [B, T]: Keras mask */
  RNNRT_ROLE_STATE = 3,            /* a recurrent state the instance can carry */
  RNNRT_ROLE_INDICES = 4,          /* i32/i64 indices into a dimension (ONNX Gather) */
} rnnrt_role_t;

/* One input or output of a model. `dims[d]` >= 0 is a static size; a negative
 * value names a run-time size: the model's symbols[-1 - dims[d]] (T, B, ...). */
typedef struct rnnrt_tensor_info {
  const char *name;
  rnnrt_dtype_t dtype; /* 32 bits in the descriptors rnnc emits */
  int32_t role;  /* rnnrt_role_t */
  int32_t rank;
  /* For a state input: the output holding the state after the call; for a
   * state output: the input it feeds. -1 otherwise. */
  int32_t pair;
  const int64_t *dims;
  /* For a sequence-lengths input: values must lie in [0, limit]; for an
   * indices input in [-limit, limit) (negative ones count from the end); the
   * limit being symbols[limit_symbol] when >= 0, else limit_static. */
  int32_t limit_symbol;
  int64_t limit_static;
} rnnrt_tensor_info_t;

/* What a CPU kernel calls, through `self`, for memory: every temporary and
 * result comes from `alloc` (64-byte aligned; the instance's workspace, see
 * rnnrt_instance_options_t) and goes back with `free`. The kernel never
 * calls the C library's allocator. `alloc` does not fail when the call's
 * heap bound (heap_terms) holds: the runtime reserves that much before the
 * kernel runs. */
typedef struct rnnrt_cpu_exec {
  void *self;
  void *(*alloc)(void *self, uint64_t bytes);
  void (*free)(void *self, void *pointer);
  /* A check of the model's failed (an index it computed is out of range):
   * the kernel goes on without touching memory outside its tensors, and the
   * call fails with the first `message` (INVALID_ARGUMENT). */
  void (*fail)(void *self, const char *message);
} rnnrt_cpu_exec_t;

/* The kernel: args[0] points to the results (one MLIR memref descriptor per
 * output, back to back: allocated, aligned, offset, sizes[rank],
 * strides[rank], all 64-bit), args[1 + i] to the descriptor of input i.
 * Results are buffers from exec->alloc (or views of inputs or constants);
 * the runtime copies them and gives them back. */
typedef void (*rnnrt_kernel_fn)(const rnnrt_cpu_exec_t *exec, void *const *args);

/* One term of the kernel's heap per call: `bytes` times the product of the
 * run-time sizes symbols[factors[0]] ... symbols[factors[num_factors - 1]]. */
typedef struct rnnrt_memory_term {
  uint64_t bytes;
  int32_t num_factors;
  int32_t factors[RNNRT_MAX_RANK];
} rnnrt_memory_term_t;

/* Emitted by rnnc as read-only data; `<model>_model()` returns it. */
typedef struct rnnrt_model {
  uint32_t abi_version; /* RNNRT_ABI_VERSION */
  uint32_t num_inputs;
  uint32_t num_outputs;
  uint32_t num_symbols;
  const char *name;
  const char *target; /* the CPU the code was compiled for */
  const rnnrt_tensor_info_t *inputs;
  const rnnrt_tensor_info_t *outputs;
  const char *const *symbols;
  int32_t batch_symbol; /* the symbol sized by the instance's batch, or -1 */
  int32_t device;       /* rnnrt_device_kind_t */
  /* With a batch symbol: the most rows an instance may have (0: no limit).
   * Without one: the model's static batch (0: none, one row). */
  int64_t max_batch;
  uint64_t weight_bytes; /* constant data embedded in the code */
  rnnrt_kernel_fn kernel; /* CPU models; NULL for the others */
  /* What the kernel allocates per call (its results and temporaries, all
   * given back by the end of the call; the workspace an instance reserves)
   * is at most the sum of these terms. Zero `heap_bounded`: some allocation
   * has a size only the kernel computes, and the terms are a lower bound. */
  const rnnrt_memory_term_t *heap_terms;
  uint32_t num_heap_terms;
  uint32_t heap_bounded;
  /* CUDA models: PTX, cubin, kernel names and the host code that launches
   * them (rnnrt/cuda.h); NULL for CPU models. */
  const struct rnnrt_cuda_code *cuda;
  /* NULL, or per symbol the least value a call may give it (the model reads
   * that many entries along some dimension, say the last step for y[-1]); a
   * smaller one is refused before the kernel runs. */
  const int64_t *symbol_minimums;
  /* How the matmuls' constant weights are stored: "f32", "bf16" or "int8",
   * or a comma-separated list of them, one per layer (docs/precision.md). */
  const char *weight_precision;
  /* The x86 features the code uses, as LLVM spells them, comma separated
   * ("avx2,fma,avx512f,avx512bw,avx512vnni"; "" for none): a model is
   * refused (RNNRT_STATUS_UNSUPPORTED_CPU) on a CPU without one of them
   * rather than stopped by an illegal instruction. */
  const char *required_cpu_features;
} rnnrt_model_t;

/* The version this runtime implements. */
uint32_t rnnrt_abi_version(void);

/* Checks that `model` is a well-formed descriptor of this ABI version. */
rnnrt_status_t rnnrt_model_verify(const rnnrt_model_t *model, char *message, size_t capacity);

/* Index of the input or output called `name`, or -1. */
int32_t rnnrt_model_find_input(const rnnrt_model_t *model, const char *name);
int32_t rnnrt_model_find_output(const rnnrt_model_t *model, const char *name);

/* A tensor at the API boundary: C-order (row-major) contiguous data. */
typedef struct rnnrt_tensor {
  void *data;
  rnnrt_dtype_t dtype;
  int32_t rank;
  int64_t dims[RNNRT_MAX_RANK];
} rnnrt_tensor_t;

/* Bytes of the tensor's data: element count times element size. */
size_t rnnrt_tensor_bytes(const rnnrt_tensor_t *tensor);

typedef struct rnnrt_instance_options {
  /* Instance memory (state, outputs, bookkeeping). Zero: the system allocator. */
  rnnrt_allocator_t allocator;
  /* Rows per call. 0 takes the model's static batch; required when the batch
   * is dynamic; must not exceed the model's max_batch. */
  int64_t batch;
  /* Nonzero: after each call the final states become the instance's state,
   * which the next call starts from (streaming, Keras `stateful`). Creation
   * is refused (INVALID_ARGUMENT) for a model with no state input. */
  int32_t keep_state;
  /* Bytes an instance may use, 0 for no limit. Creation is refused when the
   * instance's own buffers would exceed it, and a call when the kernel's heap
   * plus the output buffers for its sizes would (RNNRT_STATUS_LIMIT_EXCEEDED,
   * checked before anything is allocated). A model whose heap is not bounded
   * (heap_bounded == 0) cannot be given a limit. */
  uint64_t memory_limit;
  /* CUDA models only (ignored otherwise). The driver library to load (NULL:
   * "libcuda.so.1"), the device ordinal, and the CUstream the instance's work
   * is ordered on (NULL: the legacy default stream). See docs/cuda.md. */
  const char *cuda_driver;
  int32_t cuda_device;
  void *cuda_stream;
  /* CPU models: memory of the caller's for the kernel's temporaries and
   * results, as oneDNN's user-managed scratchpad. NULL: the instance keeps a
   * workspace of its own from `allocator`, reserved before each call for the
   * call's sizes and grown only when a call needs more (a longer T), so
   * that, once warm, a call allocates nothing. Given: `workspace_bytes` of
   * it, at least rnnrt_instance_workspace_size for the largest sizes the
   * instance will run; a call that needs more is refused before the kernel
   * runs (LIMIT_EXCEEDED). It must stay valid, and be used by nothing else,
   * until the instance is destroyed. Not for CUDA models or models whose heap
   * is not bounded (INVALID_ARGUMENT, FAILED_PRECONDITION). */
  void *workspace;
  uint64_t workspace_bytes;
} rnnrt_instance_options_t;

void rnnrt_instance_options_initialize(rnnrt_instance_options_t *options);

/* The workspace (bytes) a call of `model` needs with the run-time sizes
 * `sizes`, one per model symbol in order (model->symbols; the header names
 * them), e.g. the largest T and B an instance will run: the model's heap
 * bound for them plus alignment. FAILED_PRECONDITION for a model whose heap
 * is not bounded. */
rnnrt_status_t rnnrt_instance_workspace_size(const rnnrt_model_t *model, const int64_t *sizes,
                                             size_t num_sizes, uint64_t *out_bytes, char *message,
                                             size_t capacity);

typedef struct rnnrt_instance rnnrt_instance_t;

/* Creates an instance with zero state. On failure `*out_instance` is NULL and
 * `message` (may be NULL) says why. */
rnnrt_status_t rnnrt_instance_create(const rnnrt_model_t *model,
                                     const rnnrt_instance_options_t *options,
                                     rnnrt_instance_t **out_instance, char *message,
                                     size_t capacity);
void rnnrt_instance_destroy(rnnrt_instance_t *instance);

const rnnrt_model_t *rnnrt_instance_model(const rnnrt_instance_t *instance);
int64_t rnnrt_instance_batch(const rnnrt_instance_t *instance);
/* The message of the last failed call on `instance` ("" after a success). */
const char *rnnrt_instance_last_error(const rnnrt_instance_t *instance);

/* Lengths (count == batch) used when a call leaves the model's
 * sequence-lengths input NULL; NULL restores the default, T for every row. */
rnnrt_status_t rnnrt_instance_set_sequence_lengths(rnnrt_instance_t *instance,
                                                   const int32_t *lengths, int64_t count);
/* A [batch, time] mask (bytes 0/1) used when a call with T == time leaves the
 * model's mask input NULL; NULL restores the default, every step valid. */
rnnrt_status_t rnnrt_instance_set_mask(rnnrt_instance_t *instance, const uint8_t *mask,
                                       int64_t batch, int64_t time);

/* Runs the model. For a CUDA model every data pointer here and in the
 * accessors below is a device pointer (CUdeviceptr), and the call returns once
 * the work it enqueued on the instance's stream has finished.
 * `inputs` has one entry per model input, in order. An entry
 * with data == NULL is allowed for a state input (the instance's state is
 * used), a sequence-lengths input (the lengths set on the instance) and a mask
 * (the mask set on the instance); its dtype and dims are then ignored. Every
 * other entry must match the model's dtype and dims exactly, with run-time
 * sizes consistent across inputs and the batch size equal to the instance's.
 * On failure nothing is changed: outputs and state keep their last values. */
rnnrt_status_t rnnrt_instance_run(rnnrt_instance_t *instance, const rnnrt_tensor_t *inputs,
                                  size_t num_inputs);

/* Bytes of workspace the last call took (its temporaries and results at
 * their peak, as placed); FAILED_PRECONDITION for a CUDA model. */
rnnrt_status_t rnnrt_instance_workspace_used(const rnnrt_instance_t *instance,
                                             uint64_t *out_bytes);

/* Output `index` of the last successful run (borrowed). */
rnnrt_status_t rnnrt_instance_output(rnnrt_instance_t *instance, size_t index,
                                     rnnrt_tensor_t *out_tensor);

/* The shape output `index` will have in a call with these inputs, before
 * running: the inputs as rnnrt_instance_run takes them (dtype and dims are
 * checked and read, data is not). `out_tensor` gets the dtype, rank and
 * dims, -1 for a size that only the kernel determines, and NULL data. */
rnnrt_status_t rnnrt_instance_output_shape(rnnrt_instance_t *instance,
                                           const rnnrt_tensor_t *inputs, size_t num_inputs,
                                           size_t index, rnnrt_tensor_t *out_tensor);

/* Copies the outputs of the last successful run into caller memory (host
 * memory, for a CUDA model too): output i into destinations[i], which holds
 * capacities[i] bytes, unless destinations[i] is NULL. Every capacity is
 * checked before anything is copied: one too small fails the call
 * (INVALID_ARGUMENT naming the output and the bytes it needs) and writes
 * nothing. `count` is the model's number of outputs. */
rnnrt_status_t rnnrt_instance_copy_outputs(rnnrt_instance_t *instance,
                                           void *const *destinations, const size_t *capacities,
                                           size_t count);

/* The state buffer fed to state input `input_index` (borrowed, writable: a
 * host may also set the state by writing it). */
rnnrt_status_t rnnrt_instance_state(rnnrt_instance_t *instance, size_t input_index,
                                    rnnrt_tensor_t *out_tensor);

/* Zeroes the state of the rows r with rows[r] != 0 (count == batch), or of
 * every row when rows is NULL. */
rnnrt_status_t rnnrt_instance_reset_state(rnnrt_instance_t *instance, const uint8_t *rows,
                                          int64_t count);

/* Memory where the instance's tensors live (GPU memory for a CUDA model, the
 * instance's allocator otherwise), for hosts with no CUDA code of their own:
 * `_device_alloc` returns a zeroed buffer (counted against the memory limit),
 * `_device_free` frees one (buffers left are freed with the instance), and
 * the copies move bytes between it and host memory. */
rnnrt_status_t rnnrt_instance_device_alloc(rnnrt_instance_t *instance, size_t bytes,
                                           void **out_data);
rnnrt_status_t rnnrt_instance_device_free(rnnrt_instance_t *instance, void *data);
rnnrt_status_t rnnrt_instance_copy_to_device(rnnrt_instance_t *instance, void *device,
                                             const void *host, size_t bytes);
rnnrt_status_t rnnrt_instance_copy_to_host(rnnrt_instance_t *instance, void *host,
                                           const void *device, size_t bytes);

#ifdef __cplusplus
}
#endif

#endif /* RNNRT_MODEL_H */
