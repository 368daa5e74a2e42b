// RUN: rnnc-opt %s | rnnc-opt | FileCheck %s
// RUN: rnnc-opt %s --mlir-print-op-generic | rnnc-opt | FileCheck %s

// CHECK-LABEL: func.func @basic_rnn
func.func @basic_rnn(%x: tensor<5x2x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>)
    -> (tensor<5x2x8xf32>, tensor<2x8xf32>) {
  // CHECK: rnn.basic_rnn_cell %{{.*}}, %{{.*}} {activation = #rnn.activation<relu>, num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64, activation = #rnn.activation<relu>}
      : tensor<11x8xf32>, tensor<8xf32>
  // CHECK: rnn.dynamic_rnn %{{.*}}(%{{.*}} : tensor<5x2x3xf32>) {time_major} -> tensor<5x2x8xf32>, tensor<2x8xf32>
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return %out, %h : tensor<5x2x8xf32>, tensor<2x8xf32>
}

// CHECK-LABEL: func.func @lstm_all_options
func.func @lstm_all_options(%x: tensor<?x?x4xf32>, %len: tensor<?xi64>, %c0: tensor<?x8xf32>,
                            %h0: tensor<?x5xf32>) -> (tensor<?x?x5xf32>, tensor<?x8xf32>, tensor<?x5xf32>) {
  %k = arith.constant dense<0.5> : tensor<9x32xf32>
  %b = arith.constant dense<0.0> : tensor<32xf32>
  %d = arith.constant dense<0.1> : tensor<8xf32>
  %p = arith.constant dense<0.2> : tensor<8x5xf32>
  // CHECK: rnn.lstm_cell %{{.*}}, %{{.*}} peepholes(%{{.*}}, %{{.*}}, %{{.*}} : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) projection(%{{.*}} : tensor<8x5xf32>)
  // CHECK-SAME: activation = #rnn.activation<softsign>, cell_clip = 3.000000e+00 : f32, forget_bias = 0.000000e+00 : f32, num_units = 8 : i64, proj_clip = 1.000000e+00 : f32
  %cell = rnn.lstm_cell %k, %b peepholes(%d, %d, %d : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
      projection(%p : tensor<8x5xf32>)
      {num_units = 8 : i64, forget_bias = 0.0 : f32, cell_clip = 3.0 : f32, proj_clip = 1.0 : f32,
       activation = #rnn.activation<softsign>} : tensor<9x32xf32>, tensor<32xf32>
  // CHECK: rnn.dynamic_rnn %{{.*}}(%{{.*}} : tensor<?x?x4xf32>) sequence_length(%{{.*}} : tensor<?xi64>) initial_state(%{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<?x5xf32>) {reverse, zero_final_state_for_empty_rows} -> tensor<?x?x5xf32>, tensor<?x8xf32>, tensor<?x5xf32>
  %out, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x4xf32>) sequence_length(%len : tensor<?xi64>)
      initial_state(%c0, %h0 : tensor<?x8xf32>, tensor<?x5xf32>) {reverse, zero_final_state_for_empty_rows}
      -> tensor<?x?x5xf32>, tensor<?x8xf32>, tensor<?x5xf32>
  return %out, %c, %h : tensor<?x?x5xf32>, tensor<?x8xf32>, tensor<?x5xf32>
}

// CHECK-LABEL: func.func @gru_stack
func.func @gru_stack(%x: tensor<2x6x3xf32>, %len: tensor<2xi32>)
    -> (tensor<2x6x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  %gk = arith.constant dense<0.1> : tensor<7x8xf32>
  %gb = arith.constant dense<1.0> : tensor<8xf32>
  %ck = arith.constant dense<0.1> : tensor<7x4xf32>
  %cb = arith.constant dense<0.0> : tensor<4xf32>
  %gk2 = arith.constant dense<0.1> : tensor<8x8xf32>
  %ck2 = arith.constant dense<0.1> : tensor<8x4xf32>
  %lk = arith.constant dense<0.1> : tensor<8x16xf32>
  %lb = arith.constant dense<0.1> : tensor<16xf32>
  // CHECK: rnn.gru_cell %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {activation = #rnn.activation<elu, alpha = 5.000000e-01, beta = 1.000000e+00>, gate_activation = #rnn.activation<hard_sigmoid>, gate_clip = 2.500000e+00 : f32, num_units = 4 : i64} : tensor<7x8xf32>, tensor<8xf32>, tensor<7x4xf32>, tensor<4xf32>
  %g1 = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 4 : i64, gate_clip = 2.5 : f32,
      gate_activation = #rnn.activation<hard_sigmoid, alpha = 0.2, beta = 0.5>,
      activation = #rnn.activation<elu, alpha = 0.5>}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<7x4xf32>, tensor<4xf32>
  // CHECK: rnn.gru_cell %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} hidden_bias(%{{.*}} : tensor<4xf32>) {linear_before_reset, num_units = 4 : i64}
  %g2 = rnn.gru_cell %gk2, %gb, %ck2, %cb hidden_bias(%cb : tensor<4xf32>)
      {num_units = 4 : i64, linear_before_reset} : tensor<8x8xf32>, tensor<8xf32>, tensor<8x4xf32>, tensor<4xf32>
  // CHECK: rnn.lstm_cell %{{.*}}, %{{.*}} {gate_activation = #rnn.activation<hard_sigmoid, alpha = 0.166666672, beta = 5.000000e-01>, input_forget, num_units = 4 : i64, output_activation = #rnn.activation<scaled_tanh, alpha = 2.000000e+00, beta = 5.000000e-01>}
  %l = rnn.lstm_cell %lk, %lb {num_units = 4 : i64, input_forget,
      gate_activation = #rnn.activation<hard_sigmoid, alpha = 0.16666667>,
      output_activation = #rnn.activation<scaled_tanh, alpha = 2.0, beta = 0.5>}
      : tensor<8x16xf32>, tensor<16xf32>
  // CHECK: %[[INNER:.*]] = rnn.multi_rnn_cell %{{.*}}, %{{.*}}
  %inner = rnn.multi_rnn_cell %g1, %g2
  // CHECK: rnn.multi_rnn_cell %[[INNER]], %{{.*}}
  %stack = rnn.multi_rnn_cell %inner, %l
  // CHECK: rnn.dynamic_rnn %{{.*}}(%{{.*}} : tensor<2x6x3xf32>) sequence_length(%{{.*}} : tensor<2xi32>) -> tensor<2x6x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
  %out, %s:4 = rnn.dynamic_rnn %stack(%x : tensor<2x6x3xf32>) sequence_length(%len : tensor<2xi32>)
      -> tensor<2x6x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
  return %out, %s#0, %s#1, %s#2, %s#3
      : tensor<2x6x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}

// CHECK-LABEL: func.func @keras_mask
func.func @keras_mask(%x: tensor<2x6x3xf32>, %mask: tensor<2x6xi1>, %k: tensor<11x8xf32>, %b: tensor<8xf32>)
    -> (tensor<2x6x8xf32>, tensor<2x8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // CHECK: rnn.dynamic_rnn %{{.*}}(%{{.*}} : tensor<2x6x3xf32>) mask(%{{.*}} : tensor<2x6xi1>) {reverse, zero_output_for_mask}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<2x6x3xf32>) mask(%mask : tensor<2x6xi1>)
      {reverse, zero_output_for_mask} -> tensor<2x6x8xf32>, tensor<2x8xf32>
  return %out, %h : tensor<2x6x8xf32>, tensor<2x8xf32>
}
