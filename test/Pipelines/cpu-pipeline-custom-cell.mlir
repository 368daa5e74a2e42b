// RUN: rnnc-opt %s --rnnc-cpu-pipeline="threads=2" --mlir-print-ir-after=rnnc-hoist-parallel-region -o /dev/null 2>&1 | FileCheck %s

// A cell lowered as a custom cell on two threads: its step buffers are
// allocated once before the time loop (rnnc-hoist-step-buffers), which then
// carries nothing and runs in one OpenMP team, its matmuls split between the
// threads and a barrier after each; the copy of the step's output rows into
// the sequence is shared by the threads too, row by row, rather than run by
// thread 0 alone.

// CHECK-LABEL: func.func @gru
// CHECK:         memref.alloc() : memref<16x128xf32>
// CHECK:         omp.parallel
// CHECK:           scf.for %{{.*}} = %c0 to %{{.*}} step %c1 {
// CHECK-NOT:         memref.alloc
// CHECK-NOT:         rnnc.single_thread
// CHECK:             omp.barrier
// CHECK-NOT:         memref.alloc
// CHECK-NOT:         rnnc.single_thread
// CHECK:             omp.barrier
// CHECK-NOT:         rnnc.single_thread
// CHECK:             memref.subview %{{.*}}[%{{.*}}, 0] [1, 128] [1, 1]
// CHECK-NOT:         rnnc.single_thread
// CHECK:           } {rnn.time_loop}
func.func @gru(%x: tensor<?x16x128xf32>) -> tensor<?x16x128xf32> {
  %gk = arith.constant dense<0.01> : tensor<256x256xf32>
  %gb = arith.constant dense<0.1> : tensor<256xf32>
  %ck = arith.constant dense<0.02> : tensor<256x128xf32>
  %cb = arith.constant dense<0.0> : tensor<128xf32>
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 128 : i64}
      : tensor<256x256xf32>, tensor<256xf32>, tensor<256x128xf32>, tensor<128xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x16x128xf32>) {time_major} -> tensor<?x16x128xf32>, tensor<16x128xf32>
  return %y : tensor<?x16x128xf32>
}
