// RUN: rnnc-opt %s --pass-pipeline='builtin.module(func.func(rnnc-block-contractions{rows=2 columns=2}),canonicalize,cse)' | FileCheck %s

// A contraction outside any loop: one iteration per 2 x 2 block of outputs,
// the 4 accumulators carried through the reduction (2 + 2 operand loads per
// step), edge lanes clamped for loads and guarded for stores.
// CHECK-LABEL: func.func @projection
// CHECK: %[[ROWS:.*]] = arith.divui
// CHECK: %[[COLS:.*]] = arith.divui
// CHECK: scf.parallel (%[[BI:.*]], %[[BJ:.*]]) = (%{{.*}}, %{{.*}}) to (%[[ROWS]], %[[COLS]])
// CHECK-COUNT-4: memref.load %arg2
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32) {
// CHECK-COUNT-2: memref.load
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: scf.yield
// CHECK-COUNT-4: scf.if
// CHECK-NOT: linalg.matmul
func.func @projection(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  return
}

// A step's matmul inside the time loop keeps one output per thread.
// CHECK-LABEL: func.func @in_time_loop
// CHECK: scf.for
// CHECK: linalg.matmul
func.func @in_time_loop(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>,
                        %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %t = %c0 to %steps step %c1 {
    linalg.matmul ins(%a, %b : memref<?x?xf32>, memref<?x?xf32>) outs(%c : memref<?x?xf32>)
  }
  return
}
