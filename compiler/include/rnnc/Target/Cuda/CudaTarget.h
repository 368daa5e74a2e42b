#ifndef RNNC_TARGET_CUDA_CUDATARGET_H
#define RNNC_TARGET_CUDA_CUDATARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "rnnc/API/Compile.h"

#include <string>

namespace mlir::rnnc {

struct CudaTargetOptions {
  /// sm_80 or sm_90.
  std::string chip = "sm_80";
  /// The CUDA toolkit (libdevice for math functions); empty: findCudaToolkit().
  std::string toolkit;
};

/// Parses `cuda`, `cuda:sm_80` or `cuda:sm_90` (docs/cuda.md).
FailureOr<CudaTargetOptions> parseCudaTarget(StringRef text, std::string &error);

/// CUDA_HOME, CUDA_ROOT or CUDA_PATH, else /usr/local/cuda when it holds
/// libdevice; empty when none does.
std::string findCudaToolkit();

/// Lowers a copy of `module`'s entry function (`options.function`) through
/// buildCudaPipeline and returns the PTX of its kernels, one module per
/// gpu.binary, concatenated in order with a comment line naming each.
/// Problems are reported as MLIR diagnostics.
FailureOr<std::string> compileToPtx(ModuleOp module, const CompileOptions &options,
                                    const CudaTargetOptions &cuda);

} // namespace mlir::rnnc

#endif // RNNC_TARGET_CUDA_CUDATARGET_H
