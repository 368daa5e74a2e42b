#ifndef RNNC_DIALECT_RNN_TRANSFORMS_PASSES_H
#define RNNC_DIALECT_RNN_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::rnn {

#define GEN_PASS_DECL
#include "rnnc/Dialect/Rnn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "rnnc/Dialect/Rnn/Transforms/Passes.h.inc"

} // namespace mlir::rnn

#endif // RNNC_DIALECT_RNN_TRANSFORMS_PASSES_H
