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

def RnnFuseStackedSequences : Pass<"rnn-fuse-stacked-sequences"> {
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let summary = "Merge chained rnn.dynamic_rnn ops into one over a stacked cell";
  let description = [{
    `dynamic_rnn(B, dynamic_rnn(A, x).outputs)` with the same lengths and
    options, both forward, and A's outputs used only by B, computes the same as
    `dynamic_rnn(multi_rnn_cell(A, B), x)` (A's outputs past a row's length are
    zero, and B never reads them). ONNX exports one node per layer; merging
    them lets later passes work across layers (wavefront scheduling, one time
    loop). Initial states are merged when both or neither op has them.
  }];
}

#endif // RNNC_DIALECT_RNN_TRANSFORMS_PASSES_TD
