#ifndef RNNC_DIALECT_RNN_TRANSFORMS_PASSES_H
#define RNNC_DIALECT_RNN_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"

namespace mlir::rnn {

/// A cell op's weight precision ("f32", "bf16", "int8"), set by
/// rnn-weight-precision.
constexpr llvm::StringLiteral kWeightPrecisionAttrName = "rnn.weight_precision";

/// What rnn-hoist-input-projection does to one sequence: the matmuls of the
/// step input of its bottom cell (a custom cell), when the input feeds
/// nothing else, become one contraction of every step's input before the
/// sequence. Whether there were such matmuls.
bool hoistInputProjection(DynamicRNNOp op);

/// Bytes of the weights hoistInputProjection would take out of the step of
/// `cell` as a bottom layer (0: it would hoist nothing).
int64_t inputProjectionBytes(CustomCellOp cell);

#define GEN_PASS_DECL
#include "rnnc/Dialect/Rnn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "rnnc/Dialect/Rnn/Transforms/Passes.h.inc"

} // namespace mlir::rnn

#endif // RNNC_DIALECT_RNN_TRANSFORMS_PASSES_H
