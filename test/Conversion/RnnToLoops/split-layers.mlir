// RUN: rnnc-opt %s --convert-rnn-to-loops="vector-width=4 project-inputs-above-bytes=0" --canonicalize --cse | FileCheck %s
// RUN: rnnc-opt %s --convert-rnn-to-loops="vector-width=4" --canonicalize --cse | FileCheck %s --check-prefix=STACK

// A stack whose upper layer's input matmuls would run for all steps at once
// as a bottom layer (here: any, the threshold is 0) runs as one sequence per
// layer: layer 0's time loop writes its outputs, then layer 1's input
// projection reads them for all steps before layer 1's time loop.
// CHECK-LABEL: func.func @stack
// CHECK: %[[OUT0:.*]] = memref.alloc(%{{.*}}) : memref<?x1x4xf32>
// CHECK: scf.for
// CHECK: scf.for %{{.*}} = %c0 to %[[STEPS:.*]] step %c1 {
// CHECK: vector.store %{{.*}}, %[[OUT0]]
// CHECK: %[[OUT1:.*]] = memref.alloc(%{{.*}}) : memref<?x1x4xf32>
// CHECK: %[[PROJ1:.*]] = memref.alloc(%{{.*}}) : memref<?x1x4xf32>
// CHECK: scf.for
// CHECK: memref.load %[[OUT0]]
// CHECK: vector.store %{{.*}}, %[[PROJ1]]
// CHECK: scf.for %{{.*}} = %c0 to %[[STEPS]] step %c1 {
// CHECK: vector.store %{{.*}}, %[[OUT1]]
// CHECK: return

// Otherwise one time loop for both (the bottom layer's inputs are not
// projected either: its input weights are small).
// STACK-LABEL: func.func @stack
// STACK: scf.for
// STACK-NOT: scf.for %{{.*}} = %c0 to %{{.*}} step %c1 {
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
// sequence hoists its projection too.
// STACK-LABEL: func.func @cast_sizes
// STACK: %[[OUT0:.*]] = memref.alloc() : memref<5x1x160xf32>
// STACK: scf.for %{{.*}} = %c0 to %c5 step %c1 {
// STACK: vector.store %{{.*}}, %[[OUT0]]
// STACK: %[[OUT1:.*]] = memref.alloc() : memref<5x1x160xf32>
// STACK: %[[PROJ1:.*]] = memref.alloc() : memref<5x1x160xf32>
// STACK: memref.load %[[OUT0]]
// STACK: vector.store %{{.*}}, %[[PROJ1]]
// STACK: scf.for %{{.*}} = %c0 to %c5 step %c1 {
// STACK: vector.store %{{.*}}, %[[OUT1]]
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
