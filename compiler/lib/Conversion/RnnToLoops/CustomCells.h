// Internal to convert-rnn-to-loops: sequences over rnn.custom_cell.
#ifndef RNNC_CONVERSION_RNNTOLOOPS_CUSTOMCELLS_H
#define RNNC_CONVERSION_RNNTOLOOPS_CUSTOMCELLS_H

#include "VectorEmitter.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"

namespace mlir::rnnc {

/// The pass's vector options (convert-rnn-to-loops).
struct VectorOptions {
  int64_t width;
  int64_t accumulators;
  int64_t rowBlock;
  /// Threads sharing each matmul's column groups.
  int64_t threads;
  /// The sequence's batch where known at compile time (else kDynamic).
  int64_t staticBatch;
  /// The steps' matmuls with weights and the hoisted input projection as
  /// vector matmuls (off: linalg ops).
  bool enabled;
  /// The hoisted input projection by the Halide pipeline
  /// (rnnrt_halide_project_inputs) instead of a vector matmul.
  bool halideProjection;
  /// The precision of the constant weights of cells without
  /// `rnn.weight_precision` (rnn-weight-precision): f32, bf16 or int8.
  StringRef weightPrecision;
  /// bf16 weights multiply rows rounded to bf16 in pairs (WeightFormat::Bf16Pairs).
  bool bf16DotProducts;
};

/// Replaces `op`, whose cell stacks `layers`, by a time loop over tensors
/// that inlines the layers' steps for the whole batch at each time step and
/// applies the lengths or mask row by row with selects; `reverse` runs over
/// reversed rows (TF's reverse_sequence before and after). The steps'
/// matmuls with weights are the built-in cells' vector matmuls.
LogicalResult lowerCustomCellSequence(rnn::DynamicRNNOp op, ArrayRef<rnn::CustomCellOp> layers,
                                      const VectorOptions &vectors);

} // namespace mlir::rnnc

#endif // RNNC_CONVERSION_RNNTOLOOPS_CUSTOMCELLS_H
