// libFuzzer target: arbitrary text as an .mlir model through the parser and
// the verifiers of rnnc's dialects and the model allowlist, as `rnnc run/compile
// FILE.mlir` reads it
// (parseModelSource on a null-terminated buffer, like a file read by
// llvm::MemoryBuffer).
#include "rnnc/API/ModelFile.h"
#include "FuzzContext.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext *context = fuzzContext();
  mlir::ScopedDiagnosticHandler quiet(context, [](mlir::Diagnostic &) {});
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.mlir"),
      llvm::SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::rnnc::parseModelSource(sourceMgr, context);
  if (module)
    (void)mlir::rnnc::checkModelAllowlist(*module);
  return 0;
}
