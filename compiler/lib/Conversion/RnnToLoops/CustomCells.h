// Internal to convert-rnn-to-loops: sequences over rnn.custom_cell.
#ifndef RNNC_CONVERSION_RNNTOLOOPS_CUSTOMCELLS_H
#define RNNC_CONVERSION_RNNTOLOOPS_CUSTOMCELLS_H

#include "rnnc/Dialect/Rnn/IR/RnnOps.h"

namespace mlir::rnnc {

/// Replaces `op`, whose cell is `cell`, by a time loop over tensors that
/// inlines the cell's step for the whole batch at each time step and applies
/// the lengths or mask row by row with selects.
LogicalResult lowerCustomCellSequence(rnn::DynamicRNNOp op, rnn::CustomCellOp cell);

} // namespace mlir::rnnc

#endif // RNNC_CONVERSION_RNNTOLOOPS_CUSTOMCELLS_H
