// RUN: rnnc-opt %s --rnnc-cpu-pipeline | FileCheck %s
// RUN: rnnc-opt %s --rnnc-cpu-pipeline="vector-width=8" | FileCheck %s --check-prefix=W8
// RUN: rnnc-opt %s --rnnc-cpu-pipeline="project-inputs-above-bytes=0" | FileCheck %s --check-prefix=PROJ
// RUN: rnnc-opt %s --rnnc-cpu-pipeline="threads=2 accumulators=1" | FileCheck %s --check-prefix=THREADS

// The whole model ends up in the LLVM dialect: the gate matmuls are vector
// FMAs, remainders use masked loads, and the nonlinearities are polynomials
// (no libm calls that would leave SIMD registers).

// CHECK-LABEL: llvm.func @lstm(
// CHECK-NOT:     rnn.
// CHECK-NOT:     llvm.call @tanhf
// CHECK-NOT:     llvm.call @expf
// Weights and inputs are read in place (no per-call copies); the results
// and the step buffers (allocated once, before the time loop) come from
// malloc, which the runtime's workspace replaces (convert-malloc-to-rnnrt).
// CHECK-NOT:     memrefCopy
// CHECK:         llvm.call @malloc
// CHECK:         llvm.intr.fmuladd(%{{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// CHECK:         llvm.intr.masked.load %{{.*}} {alignment = 4 : i32} : (!llvm.ptr, vector<16xi1>, vector<16xf32>) -> vector<16xf32>
// CHECK:         llvm.return
// CHECK-LABEL: llvm.func @_mlir_ciface_lstm(

// With the input projection hoisted, its buffer is allocated and freed per call.
// PROJ-LABEL: llvm.func @lstm(
// PROJ:         llvm.call @malloc
// PROJ:         llvm.call @free
// PROJ:         llvm.return

// With threads, the time loop runs in a parallel region of that many
// threads, each computing its share of each step's column groups; the
// threads wait for each other at barriers only, spinning ones (the
// team's counter and flag on the caller's stack) unless the team has more
// threads than there are processors.
// THREADS:       llvm.func @sched_yield() -> i32
// THREADS:       llvm.func @omp_get_num_threads() -> i32
// THREADS:       llvm.func @omp_get_thread_num() -> i32
// THREADS-LABEL: llvm.func @lstm(
// THREADS:         %[[SHARED:.*]] = llvm.alloca %{{.*}} x i32 {alignment = 64 : i64}
// THREADS:         omp.parallel num_threads(%{{.*}} : i32) {
// THREADS-NEXT:      llvm.alloca
// THREADS-NEXT:      llvm.store
// THREADS-NEXT:      llvm.call @omp_get_thread_num()
// THREADS-NEXT:      llvm.sext
// THREADS-NEXT:      llvm.call @omp_get_num_threads()
// THREADS:           llvm.call @omp_get_num_procs()
// THREADS-NOT:       omp.wsloop
// THREADS:           llvm.intr.fmuladd
// THREADS:           llvm.atomicrmw add %[[SHARED]], %{{.*}} acq_rel
// THREADS:           llvm.store %{{.*}} atomic release
// THREADS:           llvm.load %{{.*}} atomic acquire

// W8-LABEL: llvm.func @lstm(
// W8:         llvm.intr.fmuladd(%{{.*}}) : (vector<8xf32>, vector<8xf32>, vector<8xf32>) -> vector<8xf32>
func.func @lstm(%x: tensor<?x?x3xf32>, %len: tensor<?xi32>)
    -> (tensor<?x?x20xf32>, tensor<?x20xf32>, tensor<?x20xf32>) attributes {llvm.emit_c_interface} {
  %k = arith.constant dense<0.1> : tensor<23x80xf32>
  %b = arith.constant dense<0.0> : tensor<80xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 20 : i64} : tensor<23x80xf32>, tensor<80xf32>
  %out, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) sequence_length(%len : tensor<?xi32>)
      {time_major} -> tensor<?x?x20xf32>, tensor<?x20xf32>, tensor<?x20xf32>
  return %out, %c, %h : tensor<?x?x20xf32>, tensor<?x20xf32>, tensor<?x20xf32>
}

// Temporaries are freed: the last-output buffer of a masked sequence, and an
// output copied into a larger result.
// CHECK-LABEL: llvm.func @temporaries(
// CHECK-COUNT-2: llvm.call @free
// CHECK:         llvm.return
func.func @temporaries(%x: tensor<?x?x3xf32>, %mask: tensor<?x?xi1>) -> tensor<?x2x?x4xf32> {
  %k = arith.constant dense<0.1> : tensor<7x4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) mask(%mask : tensor<?x?xi1>) {time_major}
      -> tensor<?x?x4xf32>, tensor<?x4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = tensor.dim %x, %c0 : tensor<?x?x3xf32>
  %n = tensor.dim %x, %c1 : tensor<?x?x3xf32>
  %empty = tensor.empty(%t, %n) : tensor<?x2x?x4xf32>
  %zero = arith.constant 0.0 : f32
  %filled = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
  %y = tensor.insert_slice %out into %filled[0, 1, 0, 0] [%t, 1, %n, 4] [1, 1, 1, 1]
      : tensor<?x?x4xf32> into tensor<?x2x?x4xf32>
  return %y : tensor<?x2x?x4xf32>
}

// A batch of 1 on threads: after a barrier of the team each thread prefetches
// the rows the others just wrote (rnnc-prefetch-shared-buffers).
// THREADS-LABEL: llvm.func @gru_batch_one(
// THREADS:         omp.parallel
// THREADS:           llvm.atomicrmw add
// THREADS:           "llvm.intr.prefetch"(%{{.*}}) <{cache = 1 : i32, hint = 3 : i32, rw = 0 : i32}>
func.func @gru_batch_one(%x: tensor<5x1x3xf32>) -> tensor<5x1x32xf32> {
  %gk = arith.constant dense<0.1> : tensor<35x64xf32>
  %gb = arith.constant dense<1.0> : tensor<64xf32>
  %ck = arith.constant dense<0.1> : tensor<35x32xf32>
  %cb = arith.constant dense<0.0> : tensor<32xf32>
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 32 : i64}
      : tensor<35x64xf32>, tensor<64xf32>, tensor<35x32xf32>, tensor<32xf32>
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x1x3xf32>) {time_major}
      -> tensor<5x1x32xf32>, tensor<1x32xf32>
  return %out : tensor<5x1x32xf32>
}
