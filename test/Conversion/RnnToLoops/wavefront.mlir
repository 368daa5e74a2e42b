// RUN: rnnc-opt %s --convert-rnn-to-loops="threads=2 vector-width=4 accumulators=1" --canonicalize --cse | FileCheck %s
// RUN: rnnc-opt %s --convert-rnn-to-loops="threads=2 vector-width=4 accumulators=1 wavefront=0" --canonicalize --cse | FileCheck %s --check-prefix=LAYERS
// RUN: rnnc-opt %s --convert-rnn-to-loops="vector-width=4 accumulators=1" --canonicalize --cse | FileCheck %s --check-prefix=LAYERS

// Two stacked layers on two threads as a wavefront: iteration s runs layer
// 0's step s and layer 1's step s - 1 (steps + 1 iterations, none without
// steps), each clamped into [0, steps) and run only when in it; both layers'
// matmuls come first (parallel loops over column groups), then both
// updates; layer 1 reads a copy of layer 0's output taken at the end of the
// previous iteration, the output is layer 1's step.
// CHECK-LABEL: func.func @stack
// CHECK-DAG: %[[STEPS:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG: %[[H0:.*]] = memref.alloc() : memref<1x8xf32>
// CHECK: %[[ANY:.*]] = arith.cmpi sgt, %[[STEPS]], %c0
// CHECK: %[[MORE:.*]] = arith.addi %[[STEPS]], %c1
// CHECK: %[[N:.*]] = arith.select %[[ANY]], %[[MORE]], %c0
// CHECK: scf.for %[[S:.*]] = %c0 to %[[N]] step %c1 {
// CHECK: %[[LAST:.*]] = arith.addi %[[STEPS]], %c-1
// CHECK: %[[T0:.*]] = arith.minsi %{{.*}}, %[[LAST]]
// CHECK: %[[S1:.*]] = arith.subi %[[S]], %c1
// CHECK: %[[STARTED1:.*]] = arith.cmpi sge, %[[S1]], %c0
// CHECK: %[[BEFORE1:.*]] = arith.cmpi slt, %[[S1]], %[[STEPS]]
// CHECK: %[[RUN1:.*]] = arith.andi %[[STARTED1]], %[[BEFORE1]]
// CHECK: %[[T1C:.*]] = arith.maxsi %[[S1]], %c0
// CHECK: %[[T1:.*]] = arith.minsi %[[T1C]], %[[LAST]]
// CHECK: scf.parallel
// CHECK: tensor.extract %arg0[%[[T0]], %c0, %{{.*}}]
// CHECK: memref.load %[[H0]]
// CHECK: scf.parallel
// CHECK: memref.load %[[BELOW:[a-z_0-9]+]]
// CHECK: scf.if %[[RUN0:.*]] {
// CHECK: vector.store %{{.*}}, %[[H0]]
// CHECK: scf.if %[[RUN1]] {
// CHECK: scf.if %[[RUN0]] {
// CHECK-NEXT: scf.for
// CHECK-NEXT: vector.load %[[H0]]
// CHECK-NEXT: vector.store %{{.*}}, %[[BELOW]]
// CHECK: scf.if %[[RUN1]] {
// CHECK: vector.store %{{.*}}, %{{.*}}[%[[T1]], %c0, %{{.*}}]

// Layer after layer (one thread, or wavefront=0): layer 1 reads layer 0's
// state, steps iterations, no guards.
// LAYERS-LABEL: func.func @stack
// LAYERS-DAG: %[[STEPS:.*]] = tensor.dim %arg0, %c0
// LAYERS-DAG: %[[H0:.*]] = memref.alloc() : memref<1x8xf32>
// LAYERS: scf.for %{{.*}} = %c0 to %[[STEPS]] step %c1 {
// LAYERS-NOT: scf.if
// LAYERS: memref.load %[[H0]]
// LAYERS-NOT: scf.if
// LAYERS: memref.load %[[H0]]
// LAYERS-NOT: scf.if
func.func @stack(%x: tensor<?x1x4xf32>) -> tensor<?x1x8xf32> {
  %k0 = arith.constant dense<0.1> : tensor<12x8xf32>
  %k1 = arith.constant dense<0.2> : tensor<16x8xf32>
  %b = arith.constant dense<0.0> : tensor<8xf32>
  %c0 = rnn.basic_rnn_cell %k0, %b {num_units = 8 : i64} : tensor<12x8xf32>, tensor<8xf32>
  %c1 = rnn.basic_rnn_cell %k1, %b {num_units = 8 : i64} : tensor<16x8xf32>, tensor<8xf32>
  %stack = rnn.multi_rnn_cell %c0, %c1
  %out, %h:2 = rnn.dynamic_rnn %stack(%x : tensor<?x1x4xf32>) {time_major}
      -> tensor<?x1x8xf32>, tensor<1x8xf32>, tensor<1x8xf32>
  return %out : tensor<?x1x8xf32>
}
