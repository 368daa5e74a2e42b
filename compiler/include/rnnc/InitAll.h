#ifndef RNNC_INITALL_H
#define RNNC_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::rnnc {

/// Every dialect, interface implementation and LLVM IR translation the tools
/// and the JIT use, plus the rnn dialect.
void registerAllDialects(DialectRegistry &registry);

/// Upstream passes, rnn passes, rnnc conversions and the rnnc pipelines.
void registerAllPasses();

} // namespace mlir::rnnc

#endif // RNNC_INITALL_H
