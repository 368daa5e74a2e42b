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

def RnnDecomposeCells : Pass<"rnn-decompose-cells"> {
  let summary = "Rewrite built-in cells as rnn.custom_cell steps";
  let description = [{
    Every `rnn.basic_rnn_cell`, `rnn.lstm_cell` and `rnn.gru_cell` becomes the
    `rnn.custom_cell` that computes the same step with tensor ops: built-in
    cells are instances of the one generic cell form, and everything that
    applies to custom cells (`rnn-hoist-input-projection`, the generic
    lowering) applies to them. Kernels are split into their input and
    recurrent rows so that the input matmuls can leave the time loop.
    A cell's `rnn.weight_precision` (rnn-weight-precision) carries over.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def RnnExposeState : Pass<"rnn-expose-state", "::mlir::ModuleOp"> {
  let summary = "Give every sequence's state a function input and a function result";
  let description = [{
    For each `rnn.dynamic_rnn` without `initial_state` in a public function,
    adds one function argument per state leaf (`[B, H]`, named
    `initial_state/<layer>[/c|h]` with `rnn.name`) and passes them as the
    initial state, and returns each final state that is not yet returned under
    the name `final_state/<layer>[/c|h]`. Layers are numbered across the
    function's sequences in order. The runtime pairs `initial_state/S` with
    `final_state/S`, which is how an instance carries state from one call to
    the next (streaming, Keras `stateful`). Zero-filled state arguments give
    the same results as no initial state.
  }];
}

def RnnHoistInputProjection : Pass<"rnn-hoist-input-projection"> {
  let summary = "Compute a custom cell's input matmuls for all steps before the time loop";
  let description = [{
    In an `rnn.dynamic_rnn` over an `rnn.custom_cell` whose step input is
    used only as the left operand of `linalg.matmul`s by weights (starting
    from zero), the matmuls do not depend on the state: they become one
    matmul of all `[T*B, D]` inputs by the weights side by side (the gate
    matmuls fused), computed once before the sequence. The sequence then
    consumes the projections; each step slices its columns out of its row.
    A bias row added to a projected slice (`(x W + m) + b`, `x W + b`) moves
    into the projection's initial value. This is what cuDNN and oneDNN do
    for built-in cells, applied to any cell. The CUDA pipeline runs it on
    every sequence; on the CPU `convert-rnn-to-loops` applies it where the
    built-in cells' lowering hoists their projection.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
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

def RnnWeightPrecision : Pass<"rnn-weight-precision", "::mlir::ModuleOp"> {
  let summary = "Record each layer's weight precision on its cell";
  let description = [{
    Sets `rnn.weight_precision` on every cell op of a sequence: `precision` is
    one of `f32`, `bf16`, `int8` for all layers, or a comma-separated list with
    one per layer, the layers numbered across the module's sequences in order
    and bottom to top in a stack (the numbers of rnn-expose-state's
    `initial_state/<layer>`). `convert-rnn-to-loops` packs and multiplies each
    cell's constant weights in its precision. A list whose length is not the
    number of layers, an unknown name, or two precisions for one cell op
    (layers sharing it) is an error.
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"f32\"",
           "f32, bf16 or int8 for every layer, or a comma-separated list of them, one per layer">,
  ];
}

#endif // RNNC_DIALECT_RNN_TRANSFORMS_PASSES_TD
