// Internal to convert-rnn-to-loops: a custom cell's elementwise step ops
// computed in the epilogue of the matmul they read, as the built-in cells'
// equations are (VectorEmitter::fusedGateRows).
#ifndef RNNC_CONVERSION_RNNTOLOOPS_STEPEPILOGUE_H
#define RNNC_CONVERSION_RNNTOLOOPS_STEPEPILOGUE_H

#include "VectorEmitter.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::rnnc::rnn_to_loops {

/// The ops after a step's matmul `[B, K] x [K, N]` that can run on its
/// accumulators while they are in registers: elementwise linalg.generic ops
/// over the batch rows (identity maps on [B, w]; other operands computed
/// before the matmul, read as [B, w] rows, [w] columns, [B] row scalars or
/// scalars) and column slices of the result into gates of H units
/// (`extract_slice [0, q * H] [B, H]`, N = gates * H). Values span either all
/// N columns (the result and what is computed from it alone) or H units (what
/// combines gates); with gates > 1 the matmul runs over groups of units that
/// hold every gate's columns for them (fusedGateRows). Values read after the
/// epilogue are stored to new buffers.
class StepEpilogue {
public:
  /// `staticBatch`: the rows of the step where known (kDynamic otherwise);
  /// `gatesAllowed`: whether the result may be sliced into gates (the kernel
  /// is a constant to pack gate-interleaved).
  static StepEpilogue plan(linalg::MatmulOp matmul, int64_t staticBatch, bool gatesAllowed);

  bool empty() const { return ops.empty(); }
  /// H and N / H (1: no gate slices).
  int64_t units = 0, gates = 1;

  /// At the matmul: buffers of the operands read and of the values stored
  /// (`rows` rows).
  void prepare(VectorEmitter &emitter, Value rows);
  /// Computes the epilogue for the units [unitCol, unitCol + width) of batch
  /// row `row` from `accs` (one vector per gate) and stores what is read
  /// later; `mask`: null, or the lanes before the last unit.
  void emit(VectorEmitter &emitter, Value row, Value unitCol, ArrayRef<Value> accs, Value mask);
  /// After the matmul's loops: the stored values replace the ops, which are
  /// erased with the matmul.
  void finish(OpBuilder &builder);

private:
  SmallVector<Value> vectorizedBody(VectorEmitter &emitter, linalg::GenericOp generic,
                                    ArrayRef<Value> operands);
  Value load(VectorEmitter &emitter, OpOperand &operand, Value row, Value col, Value mask);

  linalg::MatmulOp matmul;
  /// The rows of the matmul (prepare).
  Value rows;
  /// In block order.
  SmallVector<Operation *> ops;
  /// Each epilogue value: whether it spans all N columns (else H units).
  DenseMap<Value, bool> spansAll;
  /// The gate each slice takes.
  DenseMap<Operation *, int64_t> sliceGates;
  llvm::SetVector<Value> stored;
  /// Operands read and values stored, as buffers.
  DenseMap<Value, Value> buffers;
};

} // namespace mlir::rnnc::rnn_to_loops

#endif // RNNC_CONVERSION_RNNTOLOOPS_STEPEPILOGUE_H
