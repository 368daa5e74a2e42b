#ifndef RNNC_API_JIT_H
#define RNNC_API_JIT_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mlir/IR/BuiltinOps.h"
#include "rnnc/API/Signature.h"

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlir::rnnc {

struct JitOptions {
  /// Entry function; empty picks the module's only public function.
  std::string function;
  int64_t vectorWidth = 16;
  int64_t accumulators = 8;
};

/// A borrowed input: C-order data of `shape`.
struct TensorRef {
  ElementType elementType;
  std::vector<int64_t> shape;
  const void *data;
};

/// A result owned by the caller (C-order f32, i32 or i64 values in `bytes`).
struct HostTensor {
  std::string name;
  ElementType elementType = ElementType::F32;
  std::vector<int64_t> shape;
  std::vector<char> bytes;
  const float *f32() const { return reinterpret_cast<const float *>(bytes.data()); }
  int64_t numElements() const;
};

/// A model compiled in-process for this machine's CPU. Thread-compatible: run
/// may be called concurrently on one JitModel (no state is kept between calls).
class JitModel {
public:
  ~JitModel();

  /// Compiles the entry function of `module` (left unchanged). Problems are
  /// reported as MLIR diagnostics on the module's context.
  static FailureOr<std::unique_ptr<JitModel>> compile(ModuleOp module, const JitOptions &options);

  const ModelSignature &signature() const { return signature_; }

  /// Runs the model on `inputs` (in signature order). Fails with a message on
  /// a dtype, rank or size mismatch or an out-of-range sequence length.
  bool run(const std::vector<TensorRef> &inputs, std::vector<HostTensor> &results,
           std::string &error) const;

private:
  JitModel() = default;
  ModelSignature signature_;
  std::unique_ptr<ExecutionEngine> engine_;
  void (*entry_)(void **) = nullptr;
};

} // namespace mlir::rnnc

#endif // RNNC_API_JIT_H
