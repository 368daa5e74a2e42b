#ifndef RNNC_DIALECT_RNN_TRANSFORMS_PASSES_TD
#define RNNC_DIALECT_RNN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def RnnApproximateMath : Pass<"rnn-approximate-math"> {
  let summary = "Replace transcendental math ops by vectorizable polynomials";
  let description = [{
    Rewrites `math.tanh`, `math.exp`, `math.expm1`, `math.log1p` and friends into
    `arith` polynomial/rational approximations (MLIR's polynomial approximation
    patterns, a few ULP from libm), so that the gate math stays in SIMD
    registers instead of becoming scalar libm calls.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // RNNC_DIALECT_RNN_TRANSFORMS_PASSES_TD
