#ifndef RNNC_DIALECT_RNN_UTILS_TENSORMATH_H
#define RNNC_DIALECT_RNN_UTILS_TENSORMATH_H

#include "mlir/IR/Builders.h"

namespace mlir::rnn {

/// Builds tensor-level math for cell steps (custom cells, decomposed built-in
/// cells, the C++ builder): linalg ops on f32 tensors whose leading dimension
/// may be dynamic (the batch).
class TensorMath {
public:
  TensorMath(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value dim(Value tensor, int64_t d);
  /// An empty tensor shaped like `like` but with `lastDim` features.
  Value emptyLike(Value like, int64_t lastDim);
  /// a [M, K] x b [K, N] from zero; a [B, T, K] gives [B, T, N].
  Value matmul(Value a, Value b);
  /// Columns [begin, begin + size) of the last dimension.
  Value sliceColumns(Value tensor, int64_t begin, int64_t size);
  /// `a` and `b` side by side along the last dimension.
  Value concatColumns(Value a, Value b);

  using ScalarFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;
  /// An elementwise linalg.generic over the operands: the result has the
  /// shape of the highest-rank operand; an operand of lower rank must match
  /// its trailing dimensions and be a [N] row or a scalar. Null when the
  /// shapes do not broadcast.
  Value map(ArrayRef<Value> operands, ScalarFn body);

private:
  OpBuilder &b;
  Location loc;
};

/// Whether `init` is a linalg.fill of the constant 0 (the start of matmul()).
bool isZeroFill(Value init);

/// The operands of `op` when it is an elementwise `a + b` over [rows, n] (a
/// linalg.generic as map() makes it; each operand whole or a [n] row
/// broadcast over the rows).
std::optional<std::pair<OpOperand *, OpOperand *>> elementwiseSumOperands(Operation *op);

/// The one op that reads `value`'s elements (tensor.dims, which read only its
/// shape, aside): null when there are several.
Operation *onlyValueUser(Value value);

} // namespace mlir::rnn

#endif // RNNC_DIALECT_RNN_UTILS_TENSORMATH_H
