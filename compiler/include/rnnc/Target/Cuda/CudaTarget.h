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

/// The PTX of every gpu.binary in `module` (buildCudaKernelPipeline's
/// result), concatenated with a comment line naming each.
FailureOr<std::string> extractPtx(ModuleOp module, StringRef chip);

/// `<toolkit>/bin/ptxas`, else ptxas on PATH; empty when there is none.
std::string findPtxas(StringRef toolkit);

/// Runs ptxas on `ptx` for `chip` and returns the cubin.
FailureOr<std::string> assembleCubin(Location loc, StringRef ptx, StringRef chip,
                                     StringRef ptxas);

} // namespace mlir::rnnc

#endif // RNNC_TARGET_CUDA_CUDATARGET_H
