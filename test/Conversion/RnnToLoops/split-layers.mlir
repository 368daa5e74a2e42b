// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="vector-width=4 project-inputs-above-bytes=0" --canonicalize --cse | FileCheck %s
// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="vector-width=4" --canonicalize --cse | FileCheck %s --check-prefix=STACK

// A stack whose upper layer's input matmuls would run for all steps at once
// as a bottom layer (here: any, the threshold is 0) runs as one sequence per
// layer: layer 0's projection and time loop, then layer 1's input projection
// reads layer 0's outputs for all steps before layer 1's time loop.
// CHECK-LABEL: func.func @stack
// CHECK: %[[PROJ0:.*]] = memref.alloc(%{{.*}}) : memref<?x1x4xf32>
// CHECK: vector.store %{{.*}}, %[[PROJ0]]
// CHECK: %[[OUT0:.*]]:2 = scf.for {{.*}} -> (tensor<?x1x4xf32>, tensor<1x4xf32>)
// CHECK: } {rnn.time_loop}
// CHECK: %[[T1:.*]] = tensor.dim %[[OUT0]]#0, %c0
// CHECK: %[[PROJ1:.*]] = memref.alloc(%[[T1]]) : memref<?x1x4xf32>
// CHECK: vector.store %{{.*}}, %[[PROJ1]]
// CHECK: scf.for {{.*}} -> (tensor<?x1x4xf32>, tensor<1x4xf32>)
// CHECK: } {rnn.time_loop}
// CHECK: return

// Otherwise one time loop for both (the bottom layer's inputs are not
// projected either: its input weights are small).
// STACK-LABEL: func.func @stack
// STACK-NOT: memref<?x1x4xf32>
// STACK: scf.for {{.*}} -> (tensor<?x1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>)
// STACK: } {rnn.time_loop}
// STACK-NOT: rnn.time_loop
// STACK: return
func.func @stack(%x: tensor<?x1x4xf32>) -> tensor<?x1x4xf32> {
  %k0 = arith.constant dense<0.1> : tensor<8x4xf32>
  %b0 = arith.constant dense<0.0> : tensor<4xf32>
  %k1 = arith.constant dense<0.2> : tensor<8x4xf32>
  %c0 = rnn.basic_rnn_cell %k0, %b0 {num_units = 4 : i64} : tensor<8x4xf32>, tensor<4xf32>
  %c1 = rnn.basic_rnn_cell %k1, %b0 {num_units = 4 : i64} : tensor<8x4xf32>, tensor<4xf32>
  %stack = rnn.multi_rnn_cell %c0, %c1
  %out, %h:2 = rnn.dynamic_rnn %stack(%x : tensor<?x1x4xf32>) {time_major}
      -> tensor<?x1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
  return %out : tensor<?x1x4xf32>
}

// With the default threshold: the upper layer's input weights (100 KiB) are
// hoisted only for a batch known to be small, here from the cast that fixed
// the argument (as rnnc --batch does): the stack runs as one sequence per
// layer, and the outputs between them keep that batch, so that the upper
// sequence hoists its projection too (the bottom one's weights are small).
// STACK-LABEL: func.func @cast_sizes
// STACK: %[[OUT0:.*]]:2 = scf.for %{{.*}} = %c0 to %c5 step %c1 iter_args({{.*}}) -> (tensor<5x1x160xf32>, tensor<?x160xf32>)
// STACK: } {rnn.time_loop}
// STACK: %[[PROJ1:.*]] = memref.alloc() : memref<5x1x160xf32>
// STACK: vector.store %{{.*}}, %[[PROJ1]]
// STACK: scf.for %{{.*}} = %c0 to %c5 step %c1 iter_args({{.*}}) -> (tensor<5x1x160xf32>, tensor<?x160xf32>)
// STACK: } {rnn.time_loop}
// STACK: return
func.func @cast_sizes(%fixed: tensor<5x1x4xf32>) -> tensor<?x?x160xf32> {
  %x = tensor.cast %fixed : tensor<5x1x4xf32> to tensor<?x?x4xf32>
  %k0 = arith.constant dense<0.1> : tensor<164x160xf32>
  %k1 = arith.constant dense<0.2> : tensor<320x160xf32>
  %b = arith.constant dense<0.0> : tensor<160xf32>
  %c0 = rnn.basic_rnn_cell %k0, %b {num_units = 160 : i64} : tensor<164x160xf32>, tensor<160xf32>
  %c1 = rnn.basic_rnn_cell %k1, %b {num_units = 160 : i64} : tensor<320x160xf32>, tensor<160xf32>
  %stack = rnn.multi_rnn_cell %c0, %c1
  %out, %h:2 = rnn.dynamic_rnn %stack(%x : tensor<?x?x4xf32>) {time_major}
      -> tensor<?x?x160xf32>, tensor<?x160xf32>, tensor<?x160xf32>
  return %out : tensor<?x?x160xf32>
}
