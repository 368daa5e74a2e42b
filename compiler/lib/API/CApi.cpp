// The C entry point of rnnc/rnnc_jit.h over rnnc::Model.

#include "rnnc/rnnc_jit.h"

#include "rnnc/API/Compile.h"
#include "rnnc/rnnc.h"
#include "llvm/Support/FileSystem.h"

#include <cstdio>
#include <cstring>
#include <string>

struct rnnc_jit_model {
  std::shared_ptr<const rnnc::Model> model;
};

void rnnc_jit_options_initialize(rnnc_jit_options_t *options) {
  if (!options)
    return;
  std::memset(options, 0, sizeof *options);
  options->expose_state = 1;
  options->threads = 1;
  options->wavefront = 1;
  options->memory_limit = UINT64_C(8) << 30;
}

rnnrt_status_t rnnc_jit_compile_file(const char *path, const rnnc_jit_options_t *options,
                                     rnnc_jit_model_t **out_model, char *message, size_t capacity) {
  auto fail = [&](rnnrt_status_t status, const std::string &text) {
    if (message && capacity > 0)
      std::snprintf(message, capacity, "%s", text.c_str());
    return status;
  };
  if (!out_model)
    return fail(RNNRT_STATUS_INVALID_ARGUMENT, "out_model is NULL");
  *out_model = nullptr;
  if (!path)
    return fail(RNNRT_STATUS_INVALID_ARGUMENT, "path is NULL");
  rnnc_jit_options_t defaults;
  rnnc_jit_options_initialize(&defaults);
  if (!options)
    options = &defaults;
  if (options->threads < 1)
    return fail(RNNRT_STATUS_INVALID_ARGUMENT,
                "threads is " + std::to_string(options->threads) + ": it must be at least 1");
  if (options->row_block < 0)
    return fail(RNNRT_STATUS_INVALID_ARGUMENT,
                "row_block is " + std::to_string(options->row_block) +
                    ": it must be positive, or 0 for the compiler's");
  rnnc::CompileOptions compileOptions;
  if (options->name)
    compileOptions.name = options->name;
  if (options->cpu)
    compileOptions.cpu = options->cpu;
  compileOptions.batch = options->batch;
  compileOptions.max_batch = options->max_batch;
  compileOptions.expose_state = options->expose_state != 0;
  compileOptions.threads = options->threads;
  if (options->row_block > 0)
    compileOptions.row_block = options->row_block;
  compileOptions.halide_projection = options->halide_projection != 0;
  if (options->precision)
    compileOptions.precision = options->precision;
  compileOptions.wavefront = options->wavefront != 0;
  compileOptions.perf_jitdump = options->perf_jitdump != 0;
  compileOptions.memory_limit = options->memory_limit;
  compileOptions.trusted_ir = options->trusted_ir != 0;
  if (options->state_pairs) {
    llvm::SmallVector<llvm::StringRef> pairs;
    llvm::StringRef(options->state_pairs).split(pairs, ',', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef text : pairs) {
      std::pair<std::string, std::string> pair;
      std::string error;
      if (!mlir::rnnc::parseStatePair(text.trim(), pair, error))
        return fail(RNNRT_STATUS_INVALID_ARGUMENT, "state_pairs: " + error);
      compileOptions.state_pairs.push_back(pair);
    }
  }
  // A file that cannot be read is an I/O failure, not a malformed model.
  if (std::error_code ec = llvm::sys::fs::access(path, llvm::sys::fs::AccessMode::Exist))
    return fail(RNNRT_STATUS_IO_ERROR,
                std::string("cannot read the model file '") + path + "': " + ec.message());
  std::string error;
  std::shared_ptr<const rnnc::Model> model = rnnc::Model::load(path, compileOptions, &error);
  if (!model)
    return fail(RNNRT_STATUS_BAD_FORMAT, error);
  auto *handle = new (std::nothrow) rnnc_jit_model{model};
  if (!handle)
    return fail(RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  *out_model = handle;
  return RNNRT_STATUS_OK;
}

const rnnrt_model_t *rnnc_jit_model_descriptor(const rnnc_jit_model_t *model) {
  return model ? model->model->descriptor() : nullptr;
}

void rnnc_jit_model_release(rnnc_jit_model_t *model) { delete model; }
