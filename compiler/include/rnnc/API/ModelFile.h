#ifndef RNNC_API_MODELFILE_H
#define RNNC_API_MODELFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

namespace mlir::rnnc {

/// Reads an `.onnx` model (imported) or `.mlir` text (parsed and verified)
/// into `context`, which must have rnnc's dialects. `sourceMgr` keeps the text
/// for diagnostics. With a `memoryLimit` (bytes, 0: none), a file larger than
/// it is refused before it is read, and a model with a tensor of static shape
/// larger than it (a constant splat of huge weights, say) after parsing,
/// before compilation would materialize it. Returns null after reporting the
/// problem as a diagnostic.
OwningOpRef<ModuleOp> loadModelFile(StringRef path, llvm::SourceMgr &sourceMgr,
                                    MLIRContext *context, uint64_t memoryLimit = 0);

/// Parses and verifies the `.mlir` text of `sourceMgr`'s main buffer. Before
/// MLIR's parser sees it, the text is refused (with a diagnostic) where a
/// custom-form operation is given properties that are not a dictionary
/// (`linalg.matmul<[1.0]> ...`): several upstream parsers cast them to one
/// unchecked and crash (found by rnnc-fuzz-mlir; docs/security.md).
OwningOpRef<ModuleOp> parseModelSource(llvm::SourceMgr &sourceMgr, MLIRContext *context);

} // namespace mlir::rnnc

#endif // RNNC_API_MODELFILE_H
