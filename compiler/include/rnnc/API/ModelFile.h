#ifndef RNNC_API_MODELFILE_H
#define RNNC_API_MODELFILE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

namespace mlir::rnnc {

/// The memory limit of every entry point unless told otherwise (8 GiB).
constexpr uint64_t kDefaultMemoryLimit = uint64_t(8) << 30;

/// Deepest nesting of brackets (`( [ { <`) accepted in `.mlir` text: MLIR's
/// parser recurses once per level, and a few kilobytes of `[[[...]]]` would
/// overflow any thread's stack.
constexpr unsigned kMaxModelNesting = 256;

struct ModelFileOptions {
  /// Bytes (0: none). A file larger than this is refused before it is read;
  /// a model whose constant data or any statically shaped tensor (a splat of
  /// huge weights, say) exceeds it, after parsing, before compilation would
  /// materialize it.
  uint64_t memoryLimit = kDefaultMemoryLimit;
  /// Skips checkModelAllowlist: for IR the caller wrote or generated itself.
  /// Never for files from elsewhere: such IR can declare and call any
  /// function of the process (`llvm.call @system`).
  bool trustedIR = false;
};

/// Where a diagnostic points, as a user reads it: "file:line:col", "file" for
/// the whole file (an ONNX model), an ONNX node's name, "" when unknown;
/// never MLIR's `loc(...)` syntax.
std::string describeLocation(Location loc);

/// Reads an `.onnx` model (imported) or `.mlir` text (parsed and verified)
/// into `context`, which must have rnnc's dialects, and checks it against
/// checkModelAllowlist and the memory limit. `sourceMgr` keeps the text for
/// diagnostics. Returns null after reporting the problem as a diagnostic.
OwningOpRef<ModuleOp> loadModelFile(StringRef path, llvm::SourceMgr &sourceMgr,
                                    MLIRContext *context, const ModelFileOptions &options);

/// Refuses (with a diagnostic at the operation) anything a model may not
/// contain: operations outside rnnc's list (the rnn, arith, math and linalg
/// dialects, and listed builtin, func and tensor operations), function
/// declarations, symbols that do not name a function of the model, types other
/// than scalars, vectors and tensors of them, and attributes that steer the
/// LLVM lowering (only the operations' own and `rnn.` ones are allowed).
LogicalResult checkModelAllowlist(ModuleOp module);

/// Peak bytes of compiling a model per byte of its constants: a splat of
/// 2 GiB of weights peaked at 4.3 GB resident in `rnnc compile` (the constant
/// once packed, once in LLVM's module).
constexpr uint64_t kCompileBytesPerConstantByte = 2;

/// Refuses a model with a statically shaped tensor over `memoryLimit` bytes
/// (0: none), or whose constants would take more than it to compile.
LogicalResult checkModelSizes(ModuleOp module, uint64_t memoryLimit);

/// `memoryLimit` (0: none), lowered to the process's address-space limit
/// (`ulimit -v`) where that is smaller: past it LLVM aborts the process on an
/// allocation that fails.
uint64_t effectiveMemoryLimit(uint64_t memoryLimit);

/// Parses and verifies the `.mlir` text of `sourceMgr`'s main buffer. Before
/// MLIR's parser sees it, the text is refused (with a diagnostic) where it
/// nests deeper than kMaxModelNesting, or where a custom-form operation is
/// given properties that are not a dictionary (`linalg.matmul<[1.0]> ...`):
/// several upstream parsers cast them to one unchecked and crash (found by
/// rnnc-fuzz-mlir; docs/security.md).
OwningOpRef<ModuleOp> parseModelSource(llvm::SourceMgr &sourceMgr, MLIRContext *context);

} // namespace mlir::rnnc

#endif // RNNC_API_MODELFILE_H
