#ifndef RNNC_TARGET_CHEADER_CHEADER_H
#define RNNC_TARGET_CHEADER_CHEADER_H

#include "rnnc/API/Compile.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::rnnc {

/// Writes the C header of an AOT model: a DO-NOT-EDIT banner whose comment
/// states the signature, run-time sizes, target, weight size, state pairs and
/// threading contract; the descriptor accessor `<name>_model()`; index
/// constants; and typed inline wrappers over the generic rnnrt API. `source`
/// is the model file's name as the user gave it.
void emitCHeader(llvm::raw_ostream &os, const ModelSignature &signature,
                 const CompileOptions &options, const ModelFacts &facts, StringRef source);

} // namespace mlir::rnnc

#endif // RNNC_TARGET_CHEADER_CHEADER_H
