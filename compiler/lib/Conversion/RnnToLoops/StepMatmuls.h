// Internal to convert-rnn-to-loops: a custom-cell sequence's matmuls with
// weights as vector matmuls (VectorEmitter), the step's and the hoisted input
// projection, each in its cell's weight precision.
#ifndef RNNC_CONVERSION_RNNTOLOOPS_STEPMATMULS_H
#define RNNC_CONVERSION_RNNTOLOOPS_STEPMATMULS_H

#include "CustomCells.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::rnnc {

/// Every `linalg.matmul` of the step of time loop `loop` with weights defined
/// outside it as the built-in cells' vector matmul (weights packed at compile
/// time when constant, a block of rows sharing each weight load, accumulators
/// in registers), the elementwise ops after it in its epilogue where they can
/// be (StepEpilogue), its result a new buffer.
void vectorizeStepMatmuls(scf::ForOp loop, const VectorOptions &vectors);

/// The input projection rnn-hoist-input-projection put before `op` (`[T, B,
/// D] x [D, N]`, a linalg.generic contraction) as the same vector matmul over
/// its T * B rows, in the weight precision of `bottom`, the cell it was
/// hoisted from.
void vectorizeInputProjection(rnn::DynamicRNNOp op, rnn::CustomCellOp bottom,
                              const VectorOptions &vectors);

} // namespace mlir::rnnc

#endif // RNNC_CONVERSION_RNNTOLOOPS_STEPMATMULS_H
