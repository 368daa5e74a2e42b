#ifndef RNNC_API_AOT_H
#define RNNC_API_AOT_H

#include "rnnc/API/Compile.h"

#include <string>

namespace mlir::rnnc {

/// What compileAot produces: the object file (or assembly, or LLVM IR) and
/// the C header that goes with it.
enum class AotEmit { Object, Assembly, LLVM };
struct AotOutput {
  std::string code;
  std::string header;
};

/// Compiles `module` ahead of time for `options` (CPU or CUDA): lowered,
/// translated for `options.cpu`, given the runtime ABI, optimized, emitted,
/// with its header (`source` names the model file in it). On failure a
/// lowering problem has been reported as MLIR diagnostics and `*error` is
/// left empty; an LLVM problem (an unknown CPU) is put in `*error`.
FailureOr<AotOutput> compileAot(ModuleOp module, const CompileOptions &options, StringRef source,
                                AotEmit emit, std::string *error);

/// Writes each (path, text) through a new temporary beside the path,
/// renamed over it once all are written: a failure leaves every file that
/// was there before as it was. Returns "" or the problem.
std::string writeFilesTogether(ArrayRef<std::pair<std::string, std::string>> files);

/// Whether `a` and `b` name the same file (`-o x --header x`), existing or not.
bool isSamePath(StringRef a, StringRef b);

} // namespace mlir::rnnc

#endif // RNNC_API_AOT_H
