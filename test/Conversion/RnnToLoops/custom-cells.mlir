// RUN: rnnc-opt %s --convert-rnn-to-loops --split-input-file | FileCheck %s

// A custom cell's step is inlined for the whole batch in a loop over time; a
// Keras mask picks, row by row, the new state or the carried one and the new
// output or the last one; go_backwards reads step T - 1 - t, writes output t.

// CHECK-LABEL: func.func @minimal
// CHECK:         %[[T:.*]] = tensor.dim %arg0, %c1
// CHECK:         scf.for %[[t:.*]] = %c0{{.*}} to %[[T]] step %c1{{.*}} iter_args(%[[OUT:.*]] = %{{.*}}, %[[H:.*]] = %{{.*}}, %[[LAST:.*]] = %{{.*}})
// CHECK:           %[[IN:.*]] = arith.subi %{{.*}}, %[[t]] : index
// CHECK:           %[[X:.*]] = tensor.extract_slice %arg0[0, %[[IN]], 0]
// CHECK:           linalg.matmul ins(%[[X]]
// CHECK:           %[[VALID:.*]] = tensor.extract_slice %arg1[0, %[[IN]]]
// CHECK:           arith.select
// CHECK:           arith.select
// CHECK:           tensor.insert_slice %{{.*}} into %[[OUT]][0, %[[t]], 0]
// CHECK:           scf.yield
func.func @minimal(%x: tensor<?x?x3xf32>, %mask: tensor<?x?xi1>, %w: tensor<3x4xf32>) -> tensor<?x?x4xf32> {
  %cell = rnn.custom_cell(%w : tensor<3x4xf32>)
      attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%in: tensor<?x3xf32>, %h: tensor<?x4xf32>, %k: tensor<3x4xf32>):
    %n = linalg.matmul ins(%in, %k : tensor<?x3xf32>, tensor<3x4xf32>) outs(%h : tensor<?x4xf32>) -> tensor<?x4xf32>
    rnn.yield %n, %n : tensor<?x4xf32>, tensor<?x4xf32>
  }
  %y, %s = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) mask(%mask : tensor<?x?xi1>) {go_backwards}
      -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}

