// RUN: rnnc-opt %s --convert-rnn-to-loops --split-input-file | FileCheck %s
// RUN: rnnc-opt %s --convert-rnn-to-loops=vector-matmuls=false --split-input-file | FileCheck %s --check-prefix=LINALG

// A custom cell's step is inlined for the whole batch in a loop over time; a
// Keras mask picks, row by row, the new state or the carried one and the new
// output or the last one; go_backwards reads step T - 1 - t, writes output t.
// The step's matmul with the weights is the built-in cells' vector matmul:
// the weights packed (a constant: in the column groups' order), a broadcast
// of each input feature times a weight vector accumulated in registers, the
// rows read in place; without vector-matmuls (the GPU) it stays linalg.

// CHECK-LABEL: func.func @minimal
// CHECK:         %[[T:.*]] = tensor.dim %arg0, %c1
// CHECK:         scf.for %[[t:.*]] = %c0{{.*}} to %[[T]] step %c1{{.*}} iter_args(%[[OUT:.*]] = %{{.*}}, %[[H:.*]] = %{{.*}}, %[[LAST:.*]] = %{{.*}})
// CHECK:           %[[IN:.*]] = arith.subi %{{.*}}, %[[t]] : index
// CHECK:           %[[X:.*]] = tensor.extract_slice %arg0[0, %[[IN]], 0]
// CHECK:           %[[ROWS:.*]] = bufferization.to_memref %[[X]] read_only
// CHECK:           %[[INIT:.*]] = bufferization.to_memref %[[H]] read_only
// CHECK:           scf.for
// CHECK:             vector.{{(masked)?}}load %[[INIT]]
// CHECK:             scf.for
// CHECK:               memref.load %[[ROWS]]
// CHECK:               vector.broadcast
// CHECK:               vector.fma
// CHECK:           bufferization.to_tensor
// CHECK-NOT:       linalg.matmul
// LINALG-LABEL:  func.func @minimal
// LINALG:          linalg.matmul ins(%{{.*}}, %arg2
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


// -----

// The input projection rnn-hoist-input-projection puts before a sequence, a
// [T, B, D] x [D, N] contraction, is the same vector matmul over T * B rows
// (row r is [r / B, r % B]), its weights (a constant) packed; the step's
// matmul with weights given at run time reads them as given.

// CHECK-LABEL: func.func @projected
// CHECK:         %[[X:.*]] = bufferization.to_memref %arg0 read_only
// CHECK:         arith.muli
// CHECK:         %[[PACKED:.*]] = arith.constant dense<{{.*}}> : tensor<48xf32>
// CHECK:         %[[W:.*]] = bufferization.to_memref %[[PACKED]] read_only
// CHECK:         scf.for
// CHECK:           arith.divui
// CHECK:           arith.remui
// CHECK:           memref.load %[[X]]
// CHECK:           vector.{{(masked)?}}load %[[W]]
// CHECK:           vector.fma
// CHECK-NOT:     linalg.generic {{.*}}"reduction"
// CHECK:         %[[U:.*]] = bufferization.to_memref %arg1 read_only
// CHECK:         scf.for
// CHECK:           vector.{{(masked)?}}load %[[U]]
// CHECK:           vector.fma
// LINALG-LABEL:  func.func @projected
// LINALG:          linalg.generic {{.*}}"reduction"
func.func @projected(%x: tensor<?x?x3xf32>, %u: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]]> : tensor<3x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = tensor.dim %x, %c0 : tensor<?x?x3xf32>
  %b = tensor.dim %x, %c1 : tensor<?x?x3xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty(%t, %b) : tensor<?x?x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<?x?x3xf32>, tensor<3x8xf32>) outs(%init : tensor<?x?x8xf32>) {
  ^bb0(%a: f32, %k: f32, %acc: f32):
    %m = arith.mulf %a, %k : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x?x8xf32>
  %cell = rnn.custom_cell(%u : tensor<8x8xf32>)
      attributes {input_features = 8 : i64, state_features = array<i64: 8>, output_features = 8 : i64} {
  ^bb0(%in: tensor<?x8xf32>, %h: tensor<?x8xf32>, %k: tensor<8x8xf32>):
    %n = linalg.matmul ins(%h, %k : tensor<?x8xf32>, tensor<8x8xf32>) outs(%in : tensor<?x8xf32>) -> tensor<?x8xf32>
    rnn.yield %n, %n : tensor<?x8xf32>, tensor<?x8xf32>
  }
  %y, %s = rnn.dynamic_rnn %cell(%p : tensor<?x?x8xf32>) {time_major} -> tensor<?x?x8xf32>, tensor<?x8xf32>
  return %y : tensor<?x?x8xf32>
}
