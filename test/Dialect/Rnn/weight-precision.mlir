// RUN: rnnc-opt %s --rnn-weight-precision=precision=int8,f32,bf16 | FileCheck %s
// RUN: rnnc-opt %s --rnn-weight-precision=precision=bf16 | FileCheck %s --check-prefix=ALL
// RUN: rnnc-opt %s --rnn-weight-precision=precision=int8,f32,bf16 --rnn-decompose-cells | FileCheck %s --check-prefix=DECOMPOSED

// Layers are numbered across the sequences in order, a stack's cells bottom
// to top (the numbers of initial_state/<layer>): the stack's two cells are
// layers 0 and 1, the next sequence's cell layer 2. One name applies to every
// layer. rnn-decompose-cells keeps each cell's precision on the custom cell
// it builds.

// CHECK-LABEL: func.func @layers
// CHECK:         rnn.basic_rnn_cell {{.*}}rnn.weight_precision = "int8"
// CHECK:         rnn.basic_rnn_cell {{.*}}rnn.weight_precision = "f32"
// CHECK:         rnn.gru_cell {{.*}}rnn.weight_precision = "bf16"
// ALL-LABEL:     func.func @layers
// ALL-COUNT-3:     rnn.weight_precision = "bf16"
// DECOMPOSED-LABEL: func.func @layers
// DECOMPOSED:      rnn.custom_cell{{.*}}rnn.weight_precision = "int8"
// DECOMPOSED:      rnn.custom_cell{{.*}}rnn.weight_precision = "f32"
// DECOMPOSED:      rnn.custom_cell{{.*}}rnn.weight_precision = "bf16"
func.func @layers(%x: tensor<?x?x3xf32>) -> tensor<?x?x4xf32> {
  %k0 = arith.constant dense<0.1> : tensor<7x4xf32>
  %k1 = arith.constant dense<0.2> : tensor<8x4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %c0 = rnn.basic_rnn_cell %k0, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %c1 = rnn.basic_rnn_cell %k1, %b {num_units = 4 : i64} : tensor<8x4xf32>, tensor<4xf32>
  %stack = rnn.multi_rnn_cell %c0, %c1
  %y, %h0, %h1 = rnn.dynamic_rnn %stack(%x : tensor<?x?x3xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
  %gk = arith.constant dense<0.1> : tensor<8x8xf32>
  %gb = arith.constant dense<1.0> : tensor<8xf32>
  %ck = arith.constant dense<0.2> : tensor<8x4xf32>
  %gru = rnn.gru_cell %gk, %gb, %ck, %b {num_units = 4 : i64} : tensor<8x8xf32>, tensor<8xf32>, tensor<8x4xf32>, tensor<4xf32>
  %z, %h2 = rnn.dynamic_rnn %gru(%y : tensor<?x?x4xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %z : tensor<?x?x4xf32>
}

