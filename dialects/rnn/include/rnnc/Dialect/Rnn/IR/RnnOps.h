#ifndef RNNC_DIALECT_RNN_IR_RNNOPS_H
#define RNNC_DIALECT_RNN_IR_RNNOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "rnnc/Dialect/Rnn/IR/RnnDialect.h"

#include "rnnc/Dialect/Rnn/IR/RnnOpsEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "rnnc/Dialect/Rnn/IR/RnnOpsAttrDefs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "rnnc/Dialect/Rnn/IR/RnnOpsTypes.h.inc"

#include "rnnc/Dialect/Rnn/IR/RnnOpsInterfaces.h.inc"

#define GET_OP_CLASSES
#include "rnnc/Dialect/Rnn/IR/RnnOps.h.inc"

namespace mlir::rnn {

/// Collects the layers of the cell value `cell` (flattening nested
/// `rnn.multi_rnn_cell`). Fails when `cell` is not produced by cell ops.
LogicalResult getCellLayers(Value cell, SmallVectorImpl<CellOpInterface> &layers);

/// Formats a shape as `[2, ?, 8]` for diagnostics (`?` for dynamic sizes).
std::string formatShape(ArrayRef<int64_t> shape);

} // namespace mlir::rnn

#endif // RNNC_DIALECT_RNN_IR_RNNOPS_H
