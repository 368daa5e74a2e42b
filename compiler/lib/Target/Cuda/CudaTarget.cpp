#include "rnnc/Target/Cuda/CudaTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "rnnc/Pipelines/Pipelines.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::rnnc;

FailureOr<CudaTargetOptions> mlir::rnnc::parseCudaTarget(StringRef text, std::string &error) {
  auto [kind, chip] = text.split(':');
  CudaTargetOptions options;
  if (kind != "cuda") {
    error = "expected a target 'cuda', 'cuda:sm_80' or 'cuda:sm_90', got '" + text.str() + "'";
    return failure();
  }
  if (!chip.empty()) {
    if (chip != "sm_80" && chip != "sm_90") {
      error = "unsupported GPU architecture '" + chip.str() + "' (supported: sm_80, sm_90)";
      return failure();
    }
    options.chip = chip.str();
  }
  return options;
}

std::string mlir::rnnc::findCudaToolkit() {
  for (const char *variable : {"CUDA_HOME", "CUDA_ROOT", "CUDA_PATH"})
    if (const char *value = std::getenv(variable); value && *value)
      return value;
  llvm::SmallString<128> libdevice("/usr/local/cuda");
  llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
  return llvm::sys::fs::exists(libdevice) ? "/usr/local/cuda" : "";
}

FailureOr<std::string> mlir::rnnc::compileToPtx(ModuleOp module, const CompileOptions &options,
                                                const CudaTargetOptions &cuda) {
  OwningOpRef<ModuleOp> clone = module.clone();
  // Only the entry is compiled: other public functions become private, and
  // the canonicalizer drops what nothing calls.
  SmallVector<func::FuncOp> candidates;
  for (auto func : clone->getOps<func::FuncOp>())
    if (!func.isDeclaration() && func.isPublic() &&
        (options.function.empty() || func.getName() == options.function))
      candidates.push_back(func);
  if (candidates.size() != 1)
    return emitError(module.getLoc())
           << (options.function.empty()
                   ? "expected exactly one public function to compile; pick one with --function"
                   : "the module has no function '" + options.function + "'");
  for (auto func : clone->getOps<func::FuncOp>())
    if (func != candidates.front() && func.isPublic())
      func.setPrivate();

  CudaPipelineOptions pipelineOptions;
  pipelineOptions.chip = cuda.chip;
  pipelineOptions.toolkit = cuda.toolkit.empty() ? findCudaToolkit() : cuda.toolkit;
  if (pipelineOptions.toolkit.getValue().empty())
    return emitError(module.getLoc())
           << "no CUDA toolkit found (for libdevice): set CUDA_HOME or install it in "
              "/usr/local/cuda";
  PassManager pm(module.getContext());
  buildCudaPipeline(pm, pipelineOptions);
  if (failed(pm.run(*clone)))
    return failure();

  std::string ptx;
  clone->walk([&](gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects()) {
      auto kernels = cast<gpu::ObjectAttr>(object);
      // MLIR 19's serializer ends the PTX with a NUL, which ptxas refuses.
      StringRef text = kernels.getObject().getValue().rtrim(StringRef("\0", 1));
      ptx += "// rnnc: kernels of " + binary.getName().str() + " for " + cuda.chip + "\n";
      ptx += text.str();
      if (!text.ends_with("\n"))
        ptx += "\n";
    }
  });
  if (ptx.empty())
    return emitError(module.getLoc()) << "the model produced no GPU kernel";
  return ptx;
}
