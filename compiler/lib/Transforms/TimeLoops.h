// Helpers for the passes that rewrite a model's time loop (rnn.time_loop).
#ifndef RNNC_LIB_TRANSFORMS_TIMELOOPS_H
#define RNNC_LIB_TRANSFORMS_TIMELOOPS_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::rnnc {

/// A time loop's carried buffers keep their shapes (what rnn.time_loop
/// says): each `memref.dim` of an iter_arg in its body becomes the size its
/// initial value was allocated with, or `memref.dim` of that value before
/// the loop.
void resolveCarriedDims(scf::ForOp loop, RewriterBase &rewriter);

} // namespace mlir::rnnc

#endif // RNNC_LIB_TRANSFORMS_TIMELOOPS_H
