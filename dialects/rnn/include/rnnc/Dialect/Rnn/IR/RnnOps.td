#ifndef RNNC_DIALECT_RNN_IR_RNNOPS_TD
#define RNNC_DIALECT_RNN_IR_RNNOPS_TD

include "rnnc/Dialect/Rnn/IR/RnnBase.td"
include "rnnc/Dialect/Rnn/IR/RnnAttrs.td"
include "rnnc/Dialect/Rnn/IR/RnnTypes.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ValueBoundsOpInterface.td"

//===----------------------------------------------------------------------===//
// Cell interface
//===----------------------------------------------------------------------===//

def Rnn_CellOpInterface : OpInterface<"CellOpInterface"> {
  let cppNamespace = "::mlir::rnn";
  let description = [{
    An op that defines one recurrent layer. The sequence op asks it for the shape
    facts it needs; the lowering dispatches on the concrete op.
  }];
  let methods = [
    InterfaceMethod<"Features of the input consumed at each step (rows of the "
                    "input part of the kernel).", "int64_t", "getInputDepth">,
    InterfaceMethod<"Features of the output at each step (= the h state).",
                    "int64_t", "getOutputSize">,
    InterfaceMethod<"Sizes of the state tensors, in state order.",
                    "::llvm::SmallVector<int64_t>", "getStateSizes">,
    InterfaceMethod<"Names of the state tensors in state order; empty when the "
                    "cell has one state.",
                    "::llvm::SmallVector<::llvm::StringRef>", "getStateNames">,
  ];
}

def Rnn_F32Tensor1D : 1DTensorOf<[F32]>;
def Rnn_F32Tensor2D : 2DTensorOf<[F32]>;

//===----------------------------------------------------------------------===//
// Cells
//===----------------------------------------------------------------------===//

def Rnn_BasicRNNCellOp : Rnn_Op<"basic_rnn_cell",
    [Pure, DeclareOpInterfaceMethods<Rnn_CellOpInterface>]> {
  let summary = "tf.nn.rnn_cell.BasicRNNCell";
  let description = [{
    `h' = activation(concat([x, h]) @ kernel + bias)`; the output is `h'`.
    With `gate_clip` the pre-activation is clipped first (ONNX `clip`).

    `kernel` is `[input_depth + num_units, num_units]` (rows of x first, then
    rows of h), `bias` is `[num_units]`.

    Example:
    ```mlir
    %cell = rnn.basic_rnn_cell %kernel, %bias {num_units = 8 : i64,
        activation = #rnn.activation<relu>} : tensor<12x8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins Rnn_F32Tensor2D:$kernel, Rnn_F32Tensor1D:$bias,
                       ConfinedAttr<I64Attr, [IntPositive]>:$num_units,
                       OptionalAttr<Rnn_ActivationAttr>:$activation,
                       OptionalAttr<F32Attr>:$gate_clip);
  let results = (outs Rnn_CellType:$cell);
  let extraClassDeclaration = [{
    ActivationAttr getCellActivation();
  }];
  let assemblyFormat = "$kernel `,` $bias attr-dict `:` type($kernel) `,` type($bias)";
  let hasVerifier = 1;
}

def Rnn_LSTMCellOp : Rnn_Op<"lstm_cell",
    [Pure, AttrSizedOperandSegments,
     DeclareOpInterfaceMethods<Rnn_CellOpInterface>]> {
  let summary = "tf.nn.rnn_cell.LSTMCell / BasicLSTMCell";
  let description = [{
    TensorFlow's LSTM cell, gate order i, j, f, o:

    ```
    i, j, f, o = split(concat([x, m]) @ kernel + bias, 4)
    c' = sigmoid(f + forget_bias [+ w_f_diag * c]) * c
       + sigmoid(i [+ w_i_diag * c]) * activation(j)
    c' = clip(c', -cell_clip, cell_clip)                  if cell_clip is set
    m' = sigmoid(o [+ w_o_diag * c']) * activation(c')
    m' = clip(m' @ proj_kernel, -proj_clip, proj_clip)     if projection is given
    ```

    `kernel` is `[input_depth + h_depth, 4 * num_units]` with
    `h_depth = num_proj` when a projection kernel `[num_units, num_proj]` is given
    and `num_units` otherwise; `bias` is `[4 * num_units]` and does not contain
    `forget_bias`, which is added at run time (default 1.0). The three peephole
    vectors are `[num_units]` and are given together or not at all
    (`use_peepholes`). The state is `(c, m)`: `c` has `num_units` features, `m`
    (also the output) has `h_depth`. `BasicLSTMCell` is this op without
    peepholes, clipping or projection.

    Beyond TensorFlow (ONNX, Keras): `gate_activation` replaces the sigmoid of
    i, f, o (default sigmoid); `output_activation` replaces `activation` in
    `m'` (ONNX's h); `gate_clip` clips every pre-activation (i, j, f, o after
    bias and peepholes) to `[-gate_clip, gate_clip]` (ONNX `clip`);
    `input_forget` couples the gates: `f = 1 - i` (ONNX).

    Example:
    ```mlir
    %cell = rnn.lstm_cell %kernel, %bias
        peepholes(%wi, %wf, %wo : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
        projection(%proj : tensor<8x5xf32>)
        {num_units = 8 : i64, cell_clip = 3.0 : f32, proj_clip = 1.0 : f32}
        : tensor<9x32xf32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins Rnn_F32Tensor2D:$kernel, Rnn_F32Tensor1D:$bias,
                       Optional<Rnn_F32Tensor1D>:$w_i_diag,
                       Optional<Rnn_F32Tensor1D>:$w_f_diag,
                       Optional<Rnn_F32Tensor1D>:$w_o_diag,
                       Optional<Rnn_F32Tensor2D>:$proj_kernel,
                       ConfinedAttr<I64Attr, [IntPositive]>:$num_units,
                       DefaultValuedAttr<F32Attr, "1.0f">:$forget_bias,
                       OptionalAttr<F32Attr>:$cell_clip,
                       OptionalAttr<F32Attr>:$proj_clip,
                       OptionalAttr<Rnn_ActivationAttr>:$activation,
                       OptionalAttr<Rnn_ActivationAttr>:$gate_activation,
                       OptionalAttr<Rnn_ActivationAttr>:$output_activation,
                       OptionalAttr<F32Attr>:$gate_clip,
                       UnitAttr:$input_forget);
  let results = (outs Rnn_CellType:$cell);
  let assemblyFormat = [{
    $kernel `,` $bias
    (`peepholes` `(` $w_i_diag^ `,` $w_f_diag `,` $w_o_diag `:` type($w_i_diag) `,`
        type($w_f_diag) `,` type($w_o_diag) `)`)?
    (`projection` `(` $proj_kernel^ `:` type($proj_kernel) `)`)?
    attr-dict `:` type($kernel) `,` type($bias)
  }];
  let extraClassDeclaration = [{
    bool hasPeepholes() { return getWIDiag() != nullptr; }
    bool hasProjection() { return getProjKernel() != nullptr; }
    /// `activation`, default tanh.
    ActivationAttr getCellActivation();
    /// `gate_activation`, default sigmoid.
    ActivationAttr getGateActivationOrDefault();
    /// `output_activation`, default the cell activation.
    ActivationAttr getOutputActivationOrDefault();
  }];
  let hasVerifier = 1;
}

def Rnn_GRUCellOp : Rnn_Op<"gru_cell",
    [Pure, DeclareOpInterfaceMethods<Rnn_CellOpInterface>]> {
  let summary = "tf.nn.rnn_cell.GRUCell (reset before) or its linear-before-reset variant";
  let description = [{
    TensorFlow's GRU cell, gate order r, u:

    ```
    r, u = split(sigmoid(concat([x, h]) @ gates_kernel + gates_bias), 2)
    c  = activation(concat([x, r * h]) @ candidate_kernel + candidate_bias)
    h' = u * h + (1 - u) * c
    ```

    With `linear_before_reset` (TensorFlow's `CudnnCompatibleGRUCell`, PyTorch,
    ONNX `linear_before_reset=1`) the reset gate is applied after the recurrent
    matmul, which has its own bias `hidden_bias`:

    ```
    c = activation(x @ candidate_kernel[:input_depth] + candidate_bias
                   + r * (h @ candidate_kernel[input_depth:] + hidden_bias))
    ```

    `gates_kernel` is `[input_depth + num_units, 2 * num_units]`, `gates_bias`
    `[2 * num_units]`, `candidate_kernel` `[input_depth + num_units, num_units]`,
    `candidate_bias` and `hidden_bias` `[num_units]`. `hidden_bias` is given
    exactly when `linear_before_reset` is set. `gate_activation` replaces the
    sigmoid of r and u; `gate_clip` clips the pre-activations of r, u and the
    candidate (ONNX `clip`).

    Example:
    ```mlir
    %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 8 : i64}
        : tensor<12x16xf32>, tensor<16xf32>, tensor<12x8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins Rnn_F32Tensor2D:$gates_kernel, Rnn_F32Tensor1D:$gates_bias,
                       Rnn_F32Tensor2D:$candidate_kernel,
                       Rnn_F32Tensor1D:$candidate_bias,
                       Optional<Rnn_F32Tensor1D>:$hidden_bias,
                       ConfinedAttr<I64Attr, [IntPositive]>:$num_units,
                       UnitAttr:$linear_before_reset,
                       OptionalAttr<Rnn_ActivationAttr>:$activation,
                       OptionalAttr<Rnn_ActivationAttr>:$gate_activation,
                       OptionalAttr<F32Attr>:$gate_clip);
  let results = (outs Rnn_CellType:$cell);
  let extraClassDeclaration = [{
    ActivationAttr getCellActivation();
    ActivationAttr getGateActivationOrDefault();
  }];
  let assemblyFormat = [{
    $gates_kernel `,` $gates_bias `,` $candidate_kernel `,` $candidate_bias
    (`hidden_bias` `(` $hidden_bias^ `:` type($hidden_bias) `)`)?
    attr-dict `:` type($gates_kernel) `,` type($gates_bias) `,`
        type($candidate_kernel) `,` type($candidate_bias)
  }];
  let hasVerifier = 1;
}

def Rnn_CustomCellOp : Rnn_Op<"custom_cell",
    [Pure, IsolatedFromAbove, DeclareOpInterfaceMethods<Rnn_CellOpInterface>]> {
  let summary = "A cell defined by its step: Keras's `call(inputs, states)`";
  let description = [{
    The region computes one step for a batch of rows. Its block arguments
    are the step's input `[B, input_features]`, the states
    `[B, state_features[i]]` and the `weights` operands (any tensors:
    constants, weights passed to the model, or Keras `constants`, which every
    step sees whole); it yields the
    output `[B, output_features]` and the new states, in order. The body uses
    `arith`, `math`, `linalg` and `tensor` ops on tensors. Every semantic of
    `rnn.dynamic_rnn` that keeps each step row-independent applies (lengths,
    masks, go_backwards, unroll); `rnn-hoist-input-projection` moves matmuls
    of the step input out of the time loop.

    Example (Keras's `MinimalRNNCell`):
    ```mlir
    %cell = rnn.custom_cell(%kernel, %recurrent : tensor<4x8xf32>, tensor<8x8xf32>)
        attributes {input_features = 4 : i64, state_features = array<i64: 8>,
                    output_features = 8 : i64} {
    ^bb0(%x: tensor<?x4xf32>, %h: tensor<?x8xf32>, %w: tensor<4x8xf32>, %u: tensor<8x8xf32>):
      ...
      rnn.yield %out, %out : tensor<?x8xf32>, tensor<?x8xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$weights,
                       ConfinedAttr<I64Attr, [IntPositive]>:$input_features,
                       DenseI64ArrayAttr:$state_features,
                       ConfinedAttr<I64Attr, [IntPositive]>:$output_features);
  let results = (outs Rnn_CellType:$cell);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    (`(` $weights^ `:` type($weights) `)`)? attr-dict-with-keyword $body
  }];
  let hasRegionVerifier = 1;
}

def Rnn_YieldOp : Rnn_Op<"yield", [Pure, Terminator, ReturnLike, HasParent<"CustomCellOp">]> {
  let summary = "The output and new states of a custom cell's step";
  let arguments = (ins Variadic<AnyRankedTensor>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

def Rnn_MultiRNNCellOp : Rnn_Op<"multi_rnn_cell", [Pure]> {
  let summary = "tf.nn.rnn_cell.MultiRNNCell: a stack of cells";
  let description = [{
    Stacks cells: at each step layer `k + 1` consumes the output of layer `k`.
    The stack's state is the states of all layers in order; its output is the
    last layer's output. Nested stacks are flattened.

    Example:
    ```mlir
    %stack = rnn.multi_rnn_cell %lstm, %gru
    ```
  }];
  let arguments = (ins Variadic<Rnn_CellType>:$cells);
  let results = (outs Rnn_CellType:$cell);
  let assemblyFormat = "$cells attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Sequence
//===----------------------------------------------------------------------===//

def Rnn_DynamicRNNOp : Rnn_Op<"dynamic_rnn", [Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<ValueBoundsOpInterface, ["populateBoundsForShapedValueDim"]>]> {
  let summary = "tf.nn.dynamic_rnn: apply a cell over a sequence";
  let description = [{
    Runs `cell` over `inputs` (`[T, B, D]` with `time_major`, else `[B, T, D]`)
    and returns `outputs` (same major order, last dimension the cell's output
    size) and the final state of every layer in layer order (LSTM layers
    contribute `c` then `h`), each `[B, size]`.

    Without `initial_state` every state starts at zero; otherwise one tensor is
    given per state, in the same order as the results. With `sequence_length`
    (`[B]`, i32 or i64), for `t >= sequence_length[b]` the output row is zero and
    every state is copied through, so the final state is the state after step
    `sequence_length[b] - 1` (the initial state when it is 0); steps beyond the
    largest length are not computed. Lengths are clamped to `[0, T]`.

    `reverse` processes each row backwards within its length (from step
    `sequence_length[b] - 1`, or `T - 1`, down to 0) and writes each output at
    the time index of the input it consumed: the backward half of TensorFlow's
    `bidirectional_dynamic_rnn` and ONNX `direction="reverse"` (onnxruntime).

    `zero_final_state_for_empty_rows` makes a row of length 0 return a zero
    final state instead of its initial state (onnxruntime's convention).

    `mask` (`[B, T]` i1, Keras's convention, exclusive with `sequence_length`)
    skips the steps where it is false, holes included: every state keeps its
    value and the output repeats the row's previous output (zeros before its
    first unmasked step), or is zero with `zero_output_for_mask`. All T steps
    are visited. With `reverse`, time runs from T - 1 down to 0 and outputs stay
    at the time index they belong to.

    `go_backwards` (Keras) flips the whole padded time axis, and the mask with
    it: step t consumes input T - 1 - t and writes output t, so the outputs
    come in processing order (the last input's output first). It takes no
    `sequence_length` and excludes `reverse`.

    `unroll` (Keras) emits straight-line code for every step instead of a time
    loop; it needs a static number of steps, at most 1024.

    Example:
    ```mlir
    %outputs, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x4xf32>)
        sequence_length(%len : tensor<?xi32>) {time_major}
        -> tensor<?x?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Rnn_CellType:$cell,
                       3DTensorOf<[F32]>:$inputs,
                       Optional<1DTensorOf<[I32, I64]>>:$sequence_length,
                       Optional<2DTensorOf<[I1]>>:$mask,
                       Variadic<Rnn_F32Tensor2D>:$initial_state,
                       UnitAttr:$time_major,
                       UnitAttr:$reverse,
                       UnitAttr:$zero_final_state_for_empty_rows,
                       UnitAttr:$zero_output_for_mask,
                       UnitAttr:$go_backwards,
                       UnitAttr:$unroll);
  let results = (outs 3DTensorOf<[F32]>:$outputs,
                      Variadic<Rnn_F32Tensor2D>:$final_state);
  let assemblyFormat = [{
    $cell `(` $inputs `:` type($inputs) `)`
    (`sequence_length` `(` $sequence_length^ `:` type($sequence_length) `)`)?
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`initial_state` `(` $initial_state^ `:` type($initial_state) `)`)?
    attr-dict `->` type($outputs) (`,` type($final_state)^)?
  }];
  let extraClassDeclaration = [{
    unsigned getTimeDim() { return getTimeMajor() ? 0 : 1; }
    unsigned getBatchDim() { return getTimeMajor() ? 1 : 0; }
    /// The most steps `unroll` accepts: the code grows with every step.
    static constexpr int64_t kMaxUnrolledSteps = 1024;
  }];
  let hasVerifier = 1;
}

#endif // RNNC_DIALECT_RNN_IR_RNNOPS_TD
