// RUN: rnnc-opt %s -split-input-file -verify-diagnostics

func.func @rnn_kernel_columns(%k: tensor<11x7xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'kernel' must have 8 columns, got shape [11, 7]}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x7xf32>, tensor<8xf32>
  return
}

// -----

func.func @rnn_kernel_no_input_rows(%k: tensor<8x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'kernel' must have input_depth + 8 rows with input_depth >= 1, got shape [8, 8]}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<8x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rnn_bias_shape(%k: tensor<11x8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'bias' must have shape [8], got [4]}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @rnn_num_units_positive(%k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{attribute 'num_units' failed to satisfy constraint}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 0 : i64} : tensor<11x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rnn_dynamic_weight(%k: tensor<?x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'kernel' must have a static shape, got [?, 8]}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<?x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @rnn_unknown_activation(%k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{unknown activation 'gelu'}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64, activation = #rnn.activation<gelu>} : tensor<11x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @lstm_kernel_columns(%k: tensor<12x16xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{'kernel' must have 32 columns, got shape [12, 16]}}
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64} : tensor<12x16xf32>, tensor<32xf32>
  return
}

// -----

func.func @lstm_partial_peepholes(%k: tensor<12x32xf32>, %b: tensor<32xf32>, %d: tensor<8xf32>) {
  // expected-error @+1 {{peepholes need all three of w_i_diag, w_f_diag, w_o_diag}}
  %cell = "rnn.lstm_cell"(%k, %b, %d) <{num_units = 8 : i64,
      operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}>
      : (tensor<12x32xf32>, tensor<32xf32>, tensor<8xf32>) -> !rnn.cell
  return
}

// -----

func.func @lstm_peephole_shape(%k: tensor<12x32xf32>, %b: tensor<32xf32>, %d: tensor<8xf32>, %e: tensor<7xf32>) {
  // expected-error @+1 {{'w_f_diag' must have shape [8], got [7]}}
  %cell = rnn.lstm_cell %k, %b peepholes(%d, %e, %d : tensor<8xf32>, tensor<7xf32>, tensor<8xf32>)
      {num_units = 8 : i64} : tensor<12x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @lstm_projection_rows(%k: tensor<9x32xf32>, %b: tensor<32xf32>, %p: tensor<7x5xf32>) {
  // expected-error @+1 {{'proj_kernel' must have shape [8, num_proj], got [7, 5]}}
  %cell = rnn.lstm_cell %k, %b projection(%p : tensor<7x5xf32>) {num_units = 8 : i64}
      : tensor<9x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @lstm_projection_changes_kernel_rows(%k: tensor<12x32xf32>, %b: tensor<32xf32>, %p: tensor<8x12xf32>) {
  // expected-error @+1 {{'kernel' must have input_depth + 12 rows with input_depth >= 1, got shape [12, 32]}}
  %cell = rnn.lstm_cell %k, %b projection(%p : tensor<8x12xf32>) {num_units = 8 : i64}
      : tensor<12x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @lstm_proj_clip_without_projection(%k: tensor<12x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{'proj_clip' needs a projection kernel (num_proj)}}
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64, proj_clip = 1.0 : f32} : tensor<12x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @lstm_cell_clip_positive(%k: tensor<12x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{'cell_clip' must be positive}}
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64, cell_clip = -1.0 : f32} : tensor<12x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @gru_lbr_needs_hidden_bias(%gk: tensor<7x8xf32>, %gb: tensor<8xf32>, %ck: tensor<7x4xf32>, %cb: tensor<4xf32>) {
  // expected-error @+1 {{'linear_before_reset' needs a 'hidden_bias' operand}}
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 4 : i64, linear_before_reset}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<7x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @gru_hidden_bias_needs_lbr(%gk: tensor<7x8xf32>, %gb: tensor<8xf32>, %ck: tensor<7x4xf32>, %cb: tensor<4xf32>) {
  // expected-error @+1 {{'hidden_bias' is only used with 'linear_before_reset'}}
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb hidden_bias(%cb : tensor<4xf32>) {num_units = 4 : i64}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<7x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @gru_kernel_rows_differ(%gk: tensor<7x8xf32>, %gb: tensor<8xf32>, %ck: tensor<6x4xf32>, %cb: tensor<4xf32>) {
  // expected-error @+1 {{'gates_kernel' and 'candidate_kernel' must have the same number of rows, got 7 and 6}}
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 4 : i64}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<6x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @stack_depth_mismatch(%k1: tensor<11x8xf32>, %b1: tensor<8xf32>, %k2: tensor<10x4xf32>, %b2: tensor<4xf32>) {
  %c1 = rnn.basic_rnn_cell %k1, %b1 {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  %c2 = rnn.basic_rnn_cell %k2, %b2 {num_units = 4 : i64} : tensor<10x4xf32>, tensor<4xf32>
  // expected-error @+1 {{layer 1 expects inputs of depth 6 but layer 0 outputs 8 features}}
  %s = rnn.multi_rnn_cell %c1, %c2
  return
}

// -----

func.func @sequence_cell_not_from_op(%cell: !rnn.cell, %x: tensor<5x2x3xf32>) {
  // expected-error @+1 {{'cell' must be produced by rnn cell ops (rnn.*_cell or rnn.multi_rnn_cell)}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) -> tensor<2x5x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @sequence_input_depth(%x: tensor<5x2x4xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{layer 0 expects inputs of depth 3 but 'inputs' has depth 4}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x4xf32>) {time_major} -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @sequence_dynamic_depth(%x: tensor<5x2x?xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{the input depth (dimension 2 of 'inputs') must be static}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x?xf32>) {time_major} -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @sequence_length_batch(%x: tensor<5x2x3xf32>, %len: tensor<3xi32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'sequence_length' has 3 entries but the batch size is 2}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) sequence_length(%len : tensor<3xi32>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @sequence_length_type(%x: tensor<5x2x3xf32>, %len: tensor<2xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{operand #2 must be 1D tensor of 32-bit signless integer or 64-bit signless integer values}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) sequence_length(%len : tensor<2xf32>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @initial_state_count(%x: tensor<5x2x3xf32>, %c: tensor<2x8xf32>, %k: tensor<11x32xf32>, %b: tensor<32xf32>) {
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64} : tensor<11x32xf32>, tensor<32xf32>
  // expected-error @+1 {{expects 2 initial_state tensors (one per state of every layer), got 1}}
  %out, %c1, %h1 = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) initial_state(%c : tensor<2x8xf32>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @initial_state_shape(%x: tensor<5x2x3xf32>, %c: tensor<2x8xf32>, %h: tensor<3x8xf32>, %k: tensor<11x32xf32>, %b: tensor<32xf32>) {
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64} : tensor<11x32xf32>, tensor<32xf32>
  // expected-error @+1 {{initial_state #1 must have shape [2, 8], got [3, 8]}}
  %out, %c1, %h1 = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) initial_state(%c, %h : tensor<2x8xf32>, tensor<3x8xf32>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @final_state_count(%x: tensor<5x2x3xf32>, %k: tensor<11x32xf32>, %b: tensor<32xf32>) {
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64} : tensor<11x32xf32>, tensor<32xf32>
  // expected-error @+1 {{expects 2 final_state tensors (one per state of every layer), got 1}}
  %out, %h1 = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) {time_major} -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @outputs_shape(%x: tensor<2x5x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'outputs' must have shape [2, 5, 8], got [5, 2, 8]}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<2x5x3xf32>) -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @zero_state_needs_lengths(%x: tensor<5x2x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'zero_final_state_for_empty_rows' needs 'sequence_length'}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) {time_major, zero_final_state_for_empty_rows}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @activation_parameter_name(%k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{expected 'alpha' or 'beta', got 'gamma'}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64, activation = #rnn.activation<elu, gamma = 2.0>} : tensor<11x8xf32>, tensor<8xf32>
  return
}

// -----

func.func @gate_clip_positive(%gk: tensor<7x8xf32>, %gb: tensor<8xf32>, %ck: tensor<7x4xf32>, %cb: tensor<4xf32>) {
  // expected-error @+1 {{'gate_clip' must be positive}}
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 4 : i64, gate_clip = 0.0 : f32}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<7x4xf32>, tensor<4xf32>
  return
}

// -----

func.func @mask_and_lengths(%x: tensor<5x2x3xf32>, %len: tensor<2xi32>, %mask: tensor<2x5xi1>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{takes 'sequence_length' or 'mask', not both}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) sequence_length(%len : tensor<2xi32>) mask(%mask : tensor<2x5xi1>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @mask_shape(%x: tensor<5x2x3xf32>, %mask: tensor<5x2xi1>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'mask' must have shape [B, T] = [2, 5], got [5, 2]}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) mask(%mask : tensor<5x2xi1>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @zero_output_needs_mask(%x: tensor<5x2x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'zero_output_for_mask' needs 'mask'}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) {time_major, zero_output_for_mask}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @go_backwards_and_reverse(%x: tensor<5x2x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{takes 'go_backwards' (flip the padded sequence, Keras) or 'reverse' (backwards within each length, TF/ONNX), not both}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) {time_major, go_backwards, reverse}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @go_backwards_with_lengths(%x: tensor<5x2x3xf32>, %len: tensor<2xi32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'go_backwards' flips the whole padded sequence and takes no 'sequence_length'; use 'reverse' or a 'mask'}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) sequence_length(%len : tensor<2xi32>) {time_major, go_backwards}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @unroll_dynamic(%x: tensor<?x2x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'unroll' needs a static number of time steps}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<?x2x3xf32>) {time_major, unroll}
      -> tensor<?x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @unroll_too_long(%x: tensor<5000x2x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'unroll' of 5000 time steps exceeds the limit of 1024}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5000x2x3xf32>) {time_major, unroll}
      -> tensor<5000x2x8xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @custom_cell_arguments(%w: tensor<3x4xf32>) {
  // expected-error @+1 {{the step takes the input, 1 state(s) and 1 weight(s): 3 block arguments, got 2}}
  %cell = rnn.custom_cell(%w : tensor<3x4xf32>)
      attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%x: tensor<?x3xf32>, %h: tensor<?x4xf32>):
    rnn.yield %h, %h : tensor<?x4xf32>, tensor<?x4xf32>
  }
  return
}

// -----

func.func @custom_cell_input_type() {
  // expected-error @+1 {{the step input must be tensor<?x3xf32>, got 'tensor<?x5xf32>'}}
  %cell = rnn.custom_cell attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%x: tensor<?x5xf32>, %h: tensor<?x4xf32>):
    rnn.yield %h, %h : tensor<?x4xf32>, tensor<?x4xf32>
  }
  return
}

// -----

func.func @custom_cell_yield() {
  %cell = rnn.custom_cell attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%x: tensor<?x3xf32>, %h: tensor<?x4xf32>):
    // expected-error @+1 {{must yield the output and 1 state(s), got 1 values}}
    rnn.yield %h : tensor<?x4xf32>
  }
  return
}

// -----

func.func @custom_cell_yield_type() {
  // expected-error @+1 {{yielded state 0 must be tensor<?x4xf32>, got 'tensor<?x3xf32>'}}
  %cell = rnn.custom_cell attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%x: tensor<?x3xf32>, %h: tensor<?x4xf32>):
    rnn.yield %h, %x : tensor<?x4xf32>, tensor<?x3xf32>
  }
  return
}


// -----

// A malformed cell is not read by the sequence's verifier (MLIR verifies ops
// in no fixed order; this crashed before, found by rnnc-fuzz-mlir).
func.func @custom_cell_without_input_features(%x: tensor<?x?x3xf32>) -> tensor<?x?x4xf32> {
  %w = arith.constant dense<0.5> : tensor<3x4xf32>
  %cell = rnn.custom_cell(%w : tensor<3x4xf32>) attributes {input_featuzes = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%in: tensor<?x3xf32>, %prev: tensor<?x4xf32>, %ww: tensor<3x4xf32>):
    rnn.yield %prev, %prev : tensor<?x4xf32>, tensor<?x4xf32>
  }
  // expected-error @+1 {{'cell' must be produced by rnn cell ops}}
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// A stack that uses itself is refused, not followed forever (found by rnnc-fuzz-mlir).
func.func @multi_rnn_cell_uses_itself(%k1: tensor<11x8xf32>, %b1: tensor<8xf32>) {
  %c1 = rnn.basic_rnn_cell %k1, %b1 {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{cells must be produced by rnn cell ops}}
  %c2 = rnn.multi_rnn_cell %c1, %c2
  return
}
