#ifndef RNNC_API_JIT_H
#define RNNC_API_JIT_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mlir/IR/BuiltinOps.h"
#include "rnnc/API/Compile.h"
#include "rnnc/API/Signature.h"
#include "rnnrt/model.h"

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlir::rnnc {

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

/// A model compiled in-process for this machine. It exposes the same runtime
/// descriptor an AOT object does; run instances of it with rnnrt. Immutable
/// once compiled: share it between threads freely.
class JitModel {
public:
  ~JitModel();

  /// Compiles the entry function of `module` (left unchanged). Problems are
  /// reported as MLIR diagnostics on the module's context.
  static FailureOr<std::unique_ptr<JitModel>> compile(ModuleOp module,
                                                      const CompileOptions &options);

  const ModelSignature &signature() const { return signature_; }

  /// The runtime descriptor; valid while this JitModel lives.
  const rnnrt_model_t *model() const { return model_; }

  /// Runs once on `inputs` (in signature order, host memory) with a fresh
  /// instance whose batch comes from the inputs. A CUDA model's inputs go to
  /// the GPU (rnnrt_instance_device_alloc) and its results come back. Fails with a message on a dtype, rank or
  /// size mismatch, an out-of-range sequence length, or a call that would
  /// need more than `memoryLimit` bytes (0: no limit; rnnrt memory_limit).
  bool run(const std::vector<TensorRef> &inputs, std::vector<HostTensor> &results,
           std::string &error, uint64_t memoryLimit = 0) const;

  /// What run does before running: checks `inputs`, creates an instance sized
  /// by them (the caller destroys it) and fills the runtime's view of them
  /// (for a CUDA model, device copies that live as long as the instance).
  bool prepare(const std::vector<TensorRef> &inputs, rnnrt_instance_t **instance,
               std::vector<rnnrt_tensor_t> &tensors, std::string &error,
               uint64_t memoryLimit = 0) const;

private:
  JitModel() = default;
  ModelSignature signature_;
  std::unique_ptr<ExecutionEngine> engine_;
  const rnnrt_model_t *model_ = nullptr;
};

/// Like JitModel::compile, but compiling the same module (same text) with the
/// same options again in this process returns the model compiled first, as
/// long as a caller still holds it. Thread-safe.
FailureOr<std::shared_ptr<const JitModel>> compileCached(ModuleOp module,
                                                         const CompileOptions &options);

} // namespace mlir::rnnc

#endif // RNNC_API_JIT_H
