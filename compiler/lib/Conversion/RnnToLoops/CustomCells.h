// Internal to convert-rnn-to-loops: sequences over rnn.custom_cell.
#ifndef RNNC_CONVERSION_RNNTOLOOPS_CUSTOMCELLS_H
#define RNNC_CONVERSION_RNNTOLOOPS_CUSTOMCELLS_H

#include "rnnc/Dialect/Rnn/IR/RnnOps.h"

namespace mlir::rnnc {

/// Replaces `op`, whose cell stacks `layers`, by a time loop over tensors
/// that inlines the layers' steps for the whole batch at each time step and
/// applies the lengths or mask row by row with selects; `reverse` runs over
/// reversed rows (TF's reverse_sequence before and after).
LogicalResult lowerCustomCellSequence(rnn::DynamicRNNOp op, ArrayRef<rnn::CustomCellOp> layers);

} // namespace mlir::rnnc

#endif // RNNC_CONVERSION_RNNTOLOOPS_CUSTOMCELLS_H
