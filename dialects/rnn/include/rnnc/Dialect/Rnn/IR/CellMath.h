#ifndef RNNC_DIALECT_RNN_IR_CELLMATH_H
#define RNNC_DIALECT_RNN_IR_CELLMATH_H

#include "mlir/IR/Builders.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"

namespace mlir::rnn {

/// The elementwise math of the cells (activations, clips) on f32 values or
/// vectors of f32, shared by every lowering so that all compute the same.
class CellMath {
public:
  /// `type` is f32 or a vector of f32: the type of every value handled.
  CellMath(OpBuilder &b, Location loc, Type type) : b(b), loc(loc), type(type) {}

  Value constant(float value);
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  /// x * y + acc, fused.
  Value fma(Value x, Value y, Value acc);
  Value sigmoid(Value x);
  /// clamp(x, -limit, limit).
  Value clip(Value x, float limit);
  Value activate(ActivationAttr activation, Value x);

private:
  OpBuilder &b;
  Location loc;
  Type type;
};

} // namespace mlir::rnn

#endif // RNNC_DIALECT_RNN_IR_CELLMATH_H
