#ifndef RNNC_API_MODELFILE_H
#define RNNC_API_MODELFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

namespace mlir::rnnc {

/// Reads an `.onnx` model (imported) or `.mlir` text (parsed and verified)
/// into `context`, which must have rnnc's dialects. `sourceMgr` keeps the text
/// for diagnostics. Returns null after reporting the problem as a diagnostic.
OwningOpRef<ModuleOp> loadModelFile(StringRef path, llvm::SourceMgr &sourceMgr,
                                    MLIRContext *context);

} // namespace mlir::rnnc

#endif // RNNC_API_MODELFILE_H
