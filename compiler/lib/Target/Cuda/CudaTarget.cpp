#include "rnnc/Target/Cuda/CudaTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

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

FailureOr<std::string> mlir::rnnc::extractPtx(ModuleOp module, StringRef chip) {
  std::string ptx;
  for (auto binary : module.getOps<gpu::BinaryOp>())
    for (Attribute object : binary.getObjects()) {
      auto kernels = cast<gpu::ObjectAttr>(object);
      // MLIR 19's serializer ends the PTX with a NUL, which ptxas refuses.
      StringRef text = kernels.getObject().getValue().rtrim(StringRef("\0", 1));
      ptx += "// rnnc: kernels of " + binary.getName().str() + " for " + chip.str() + "\n";
      ptx += text.str();
      if (!text.ends_with("\n"))
        ptx += "\n";
    }
  if (ptx.empty())
    return emitError(module.getLoc()) << "the model produced no GPU kernel";
  return ptx;
}

std::string mlir::rnnc::findPtxas(StringRef toolkit) {
  if (!toolkit.empty()) {
    llvm::SmallString<128> path(toolkit);
    llvm::sys::path::append(path, "bin", "ptxas");
    if (llvm::sys::fs::can_execute(path))
      return path.str().str();
  }
  llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName("ptxas");
  return found ? *found : "";
}

FailureOr<std::string> mlir::rnnc::assembleCubin(Location loc, StringRef ptx, StringRef chip,
                                                 StringRef ptxas) {
  llvm::SmallString<128> input, output, errors;
  auto cleanup = llvm::make_scope_exit([&] {
    for (auto *path : {&input, &output, &errors})
      if (!path->empty())
        llvm::sys::fs::remove(*path);
  });
  if (llvm::sys::fs::createTemporaryFile("rnnc", "ptx", input) ||
      llvm::sys::fs::createTemporaryFile("rnnc", "cubin", output) ||
      llvm::sys::fs::createTemporaryFile("rnnc", "log", errors))
    return emitError(loc) << "cannot create temporary files for ptxas";
  {
    std::error_code error;
    llvm::raw_fd_ostream os(input, error);
    if (error)
      return emitError(loc) << "cannot write " << input << ": " << error.message();
    os << ptx;
  }
  std::string arch = ("-arch=" + chip).str();
  SmallVector<StringRef> args{ptxas, arch, "-O3", input, "-o", output};
  std::optional<StringRef> redirects[] = {std::nullopt, errors, errors};
  std::string message;
  int code = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, /*SecondsToWait=*/0,
                                       /*MemoryLimit=*/0, &message);
  if (code != 0) {
    auto log = llvm::MemoryBuffer::getFile(errors);
    return emitError(loc) << "ptxas (" << ptxas << ") failed for " << chip << ": "
                          << (log ? (*log)->getBuffer().trim() : StringRef(message));
  }
  auto cubin = llvm::MemoryBuffer::getFile(output);
  if (!cubin)
    return emitError(loc) << "cannot read the cubin ptxas wrote";
  return (*cubin)->getBuffer().str();
}
