/* The C entry point for compiling a model file in-process (JIT). The result
 * is an rnnrt model descriptor, the same an AOT object provides; run it with
 * the rnnrt instance API. Reference: docs/jit.md.
 *
 * Threading: compiling is thread-safe; a compiled model is immutable.
 * Compiling the same file content with the same options again while a model
 * from it is alive returns the same compiled code. */
#ifndef RNNC_RNNC_JIT_H
#define RNNC_RNNC_JIT_H

#include <stdint.h>

#include "rnnrt/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rnnc_jit_options {
  const char *name; /* symbol prefix; NULL: "model" */
  const char *cpu;  /* NULL: "host" */
  int64_t batch;    /* > 0: fixed batch */
  int64_t max_batch;
  int32_t expose_state; /* nonzero: state inputs/outputs (default) */
  int32_t threads;      /* threads per call (OpenMP, LLVM's libomp); default 1 */
  int64_t row_block;    /* batch rows sharing each weight load; 0: the compiler's (4) */
  int32_t halide_projection; /* nonzero: the hoisted input projection by Halide */
  int32_t wavefront;         /* CUDA persistent kernel: stacked layers as a wavefront (default 1) */
  int32_t perf_jitdump;      /* nonzero: a perf jitdump of the code (docs/jit.md) */
  /* Bytes the model file, its constants and any of its tensors may take
   * (0: no limit; default 8 GiB, docs/security.md). */
  uint64_t memory_limit;
  /* Nonzero: skip the check of what a model file may contain (docs/dialect.md):
   * only for IR the program made itself; such IR can call any function. */
  int32_t trusted_ir;
  /* Inputs that are the state of outputs, "IN=OUT[,IN=OUT...]", carried
   * between calls with keep_state; NULL: only the pairs rnnc finds itself
   * (ONNX models: h0/h_n, c0/c_n). */
  const char *state_pairs;
  /* The matmuls' constant weights: "f32" (NULL), "bf16" or "int8", or a
   * comma-separated list with one per layer ("int8,f32"; docs/precision.md). */
  const char *precision;
} rnnc_jit_options_t;

void rnnc_jit_options_initialize(rnnc_jit_options_t *options);

typedef struct rnnc_jit_model rnnc_jit_model_t;

/* Compiles an .onnx, .keras, .h5 (Keras) or .mlir file. On failure *out_model is NULL and
 * `message` (may be NULL) receives the compiler's diagnostics. */
rnnrt_status_t rnnc_jit_compile_file(const char *path, const rnnc_jit_options_t *options,
                                     rnnc_jit_model_t **out_model, char *message, size_t capacity);

/* The descriptor; valid until rnnc_jit_model_release. */
const rnnrt_model_t *rnnc_jit_model_descriptor(const rnnc_jit_model_t *model);

void rnnc_jit_model_release(rnnc_jit_model_t *model);

#ifdef __cplusplus
}
#endif

#endif /* RNNC_RNNC_JIT_H */
