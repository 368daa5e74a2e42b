// RUN: rnnc-opt %s --rnn-weight-precision=precision=int8,f32,bf16 --split-input-file --verify-diagnostics
// RUN: not rnnc-opt %s --rnn-weight-precision=precision=int8,int4 --split-input-file 2>&1 | FileCheck %s --check-prefix=NAME

// An unknown name is refused, in a list too.
// NAME: error: precision must be f32, bf16 or int8 (or a comma-separated list of them, one per layer), not 'int4'

// A list whose length is not the number of layers is refused (3 for 1 here).
// expected-error @below {{precision 'int8,f32,bf16' lists 3 layers; the model has 1}}
module {
  func.func @one_layer(%x: tensor<?x?x3xf32>) -> tensor<?x?x4xf32> {
    %k = arith.constant dense<0.1> : tensor<7x4xf32>
    %b = arith.constant dense<0.0> : tensor<4xf32>
    %cell = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
    %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
    return %y : tensor<?x?x4xf32>
  }
}

// -----

// Two layers sharing one cell op (its weights) cannot have two precisions.
module {
  func.func @shared(%x: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
    %k = arith.constant dense<0.1> : tensor<8x4xf32>
    %b = arith.constant dense<0.0> : tensor<4xf32>
    %cell = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<8x4xf32>, tensor<4xf32>
    %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x4xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
    // expected-error @below {{layer 1 is given precision f32 but shares its cell with a layer given int8}}
    %z, %g = rnn.dynamic_rnn %cell(%y : tensor<?x?x4xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
    %u, %j = rnn.dynamic_rnn %cell(%z : tensor<?x?x4xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
    return %u : tensor<?x?x4xf32>
  }
}
