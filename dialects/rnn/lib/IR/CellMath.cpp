#include "rnnc/Dialect/Rnn/IR/CellMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::rnn;

Value CellMath::constant(float value) {
  if (auto vector = dyn_cast<VectorType>(type))
    return b.create<arith::ConstantOp>(loc,
                                       DenseElementsAttr::get(vector, b.getF32FloatAttr(value)));
  return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(value));
}

Value CellMath::add(Value x, Value y) { return b.create<arith::AddFOp>(loc, x, y); }
Value CellMath::sub(Value x, Value y) { return b.create<arith::SubFOp>(loc, x, y); }
Value CellMath::mul(Value x, Value y) { return b.create<arith::MulFOp>(loc, x, y); }

Value CellMath::fma(Value x, Value y, Value acc) {
  if (isa<VectorType>(type))
    return b.create<vector::FMAOp>(loc, x, y, acc);
  return b.create<math::FmaOp>(loc, x, y, acc);
}

Value CellMath::sigmoid(Value x) {
  // One op per statement: the IR's order must not depend on the order in
  // which the C++ compiler evaluates arguments.
  Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
  Value denominator = add(constant(1.0f), e);
  return b.create<arith::DivFOp>(loc, constant(1.0f), denominator);
}

Value CellMath::clip(Value x, float limit) {
  Value lo = b.create<arith::MaximumFOp>(loc, x, constant(-limit));
  return b.create<arith::MinimumFOp>(loc, lo, constant(limit));
}

Value CellMath::activate(ActivationAttr activation, Value x) {
  float alpha = activation.getAlphaValue(), beta = activation.getBetaValue();
  Value zero = constant(0.0f);
  auto select = [&](arith::CmpFPredicate predicate, Value lhs, Value rhs, Value yes, Value no) {
    Value condition = b.create<arith::CmpFOp>(loc, predicate, lhs, rhs);
    return b.create<arith::SelectOp>(loc, condition, yes, no).getResult();
  };
  switch (activation.getKind()) {
  case Activation::tanh:
    return b.create<math::TanhOp>(loc, x);
  case Activation::sigmoid:
    return sigmoid(x);
  case Activation::relu:
    return b.create<arith::MaximumFOp>(loc, x, zero);
  case Activation::relu6:
    return b.create<arith::MinimumFOp>(loc, b.create<arith::MaximumFOp>(loc, x, zero),
                                       constant(6.0f));
  case Activation::elu:
    return select(arith::CmpFPredicate::OGT, x, zero, x,
                  mul(constant(alpha), b.create<math::ExpM1Op>(loc, x)));
  case Activation::softsign:
    return b.create<arith::DivFOp>(loc, x, add(constant(1.0f), b.create<math::AbsFOp>(loc, x)));
  case Activation::softplus: {
    // max(x, 0) + log1p(exp(-|x|)) never overflows.
    Value negAbs = b.create<arith::NegFOp>(loc, b.create<math::AbsFOp>(loc, x));
    Value tail = b.create<math::Log1pOp>(loc, b.create<math::ExpOp>(loc, negAbs));
    return add(b.create<arith::MaximumFOp>(loc, x, zero), tail);
  }
  case Activation::linear:
    return x;
  case Activation::hard_sigmoid:
    return b.create<arith::MinimumFOp>(
        loc, b.create<arith::MaximumFOp>(loc, fma(constant(alpha), x, constant(beta)), zero),
        constant(1.0f));
  case Activation::leaky_relu:
    return select(arith::CmpFPredicate::OLT, x, zero, mul(constant(alpha), x), x);
  case Activation::thresholded_relu:
    return select(arith::CmpFPredicate::OGT, x, constant(alpha), x, zero);
  case Activation::scaled_tanh:
    return mul(constant(alpha), b.create<math::TanhOp>(loc, mul(constant(beta), x)));
  case Activation::affine:
    return fma(constant(alpha), x, constant(beta));
  }
  llvm_unreachable("unknown activation");
}
