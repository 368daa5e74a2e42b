// RUN: rnnc-opt %s --rnnc-prefetch-shared-buffers | FileCheck %s

// In the time loop of a marked team (rnnc-hoist-parallel-region's), each
// epoch between barriers starts by prefetching every line of the small
// buffers it reads, does not write, and the loop writes (what other threads
// wrote in the previous epoch). Not: the weights (never written), a buffer
// the epoch writes, a large one, what only thread 0's stage reads, nor
// anything in an unmarked team.

// CHECK-LABEL: func.func @epochs(
// CHECK-SAME:    %[[W:[^:]*]]: memref<64xf32>
// CHECK:         %[[H:.*]] = memref.alloc() : memref<1x32xf32>
// CHECK:         %[[G:.*]] = memref.alloc() : memref<2x24xf32>
// CHECK:         %[[BIG:.*]] = memref.alloc() : memref<4096xf32>
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<32xf32>
// The indices, created once before the time loop.
// CHECK:         omp.parallel
// CHECK-DAG:       %[[I0:.*]] = arith.constant 0 : index
// CHECK-DAG:       %[[I1:.*]] = arith.constant 1 : index
// CHECK-DAG:       %[[I8:.*]] = arith.constant 8 : index
// CHECK-DAG:       %[[I16:.*]] = arith.constant 16 : index
// CHECK-DAG:       %[[I23:.*]] = arith.constant 23 : index
// CHECK-DAG:       %[[I31:.*]] = arith.constant 31 : index
// CHECK:           scf.for
// Every line of h ([1, 32]: elements 0 and 16, and the last, in case the
// buffer starts inside a line), and nothing else.
// CHECK-NEXT:        memref.prefetch %[[H]][%[[I0]], %[[I0]]], read, locality<3>, data
// CHECK-NEXT:        memref.prefetch %[[H]][%[[I0]], %[[I16]]], read, locality<3>, data
// CHECK-NEXT:        memref.prefetch %[[H]][%[[I0]], %[[I31]]], read, locality<3>, data
// CHECK-NEXT:        scf.for
// CHECK-NOT:         memref.prefetch
// CHECK:             omp.barrier
// g ([2, 24]: lines at elements 0, 16, 32 and the last, 47).
// CHECK-NEXT:        memref.prefetch %[[G]][%[[I0]], %[[I0]]]
// CHECK-NEXT:        memref.prefetch %[[G]][%[[I0]], %[[I16]]]
// CHECK-NEXT:        memref.prefetch %[[G]][%[[I1]], %[[I8]]]
// CHECK-NEXT:        memref.prefetch %[[G]][%[[I1]], %[[I23]]]
// CHECK-NEXT:        scf.for
// CHECK-NOT:         memref.prefetch
// CHECK:             omp.barrier
// CHECK-NEXT:        arith.constant true
// CHECK-NEXT:        scf.if
// CHECK-NOT:       memref.prefetch
// CHECK:         omp.terminator
// CHECK-LABEL: func.func @unmarked(
// CHECK-NOT:     memref.prefetch
func.func @epochs(%w: memref<64xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %h = memref.alloc() : memref<1x32xf32>
  %g = memref.alloc() : memref<2x24xf32>
  %big = memref.alloc() : memref<4096xf32>
  %out = memref.alloc() : memref<32xf32>
  omp.parallel {
    scf.for %t = %c0 to %n step %c1 {
      // g = w * h; big written and read.
      scf.for %j = %c0 to %c1 step %c1 {
        %x = memref.load %w[%j] : memref<64xf32>
        %y = memref.load %h[%c0, %j] : memref<1x32xf32>
        %z = arith.mulf %x, %y : f32
        memref.store %z, %g[%c0, %j] : memref<2x24xf32>
        %b = memref.load %big[%j] : memref<4096xf32>
        memref.store %b, %big[%t] : memref<4096xf32>
      }
      omp.barrier
      // h = g, and a read of big (too large).
      scf.for %j = %c0 to %c1 step %c1 {
        %x = memref.load %g[%c1, %j] : memref<2x24xf32>
        %b = memref.load %big[%j] : memref<4096xf32>
        %s = arith.addf %x, %b : f32
        memref.store %s, %h[%c0, %j] : memref<1x32xf32>
      }
      omp.barrier
      // Thread 0 alone copies h into the output.
      %first = arith.constant true
      scf.if %first {
        %x = memref.load %h[%c0, %c0] : memref<1x32xf32>
        memref.store %x, %out[%c0] : memref<32xf32>
      } {rnnc.single_thread}
    }
    omp.terminator
  } {rnnc.spin_barriers}
  memref.dealloc %h : memref<1x32xf32>
  memref.dealloc %g : memref<2x24xf32>
  memref.dealloc %big : memref<4096xf32>
  memref.dealloc %out : memref<32xf32>
  return
}

func.func @unmarked(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %h = memref.alloc() : memref<32xf32>
  %g = memref.alloc() : memref<32xf32>
  omp.parallel {
    scf.for %t = %c0 to %n step %c1 {
      %x = memref.load %h[%c0] : memref<32xf32>
      memref.store %x, %g[%c0] : memref<32xf32>
      omp.barrier
      %y = memref.load %g[%c0] : memref<32xf32>
      memref.store %y, %h[%c0] : memref<32xf32>
    }
    omp.terminator
  }
  memref.dealloc %h : memref<32xf32>
  memref.dealloc %g : memref<32xf32>
  return
}
