// RUN: rnnc-opt %s --pass-pipeline='builtin.module(rnnc-hoist-parallel-region{threads=2})' | FileCheck %s

// One team for the time loop: each thread runs its share of a parallel
// loop's iterations (of n, thread t of T gets n / T, the first n % T threads
// one more: OpenMP's static schedule), thread 0 a run of writes outside them,
// neither followed by a barrier of its own; pure code is run by every thread.
// A barrier goes where a stage may touch what another thread wrote (or reads
// what it writes) since the last one: %a and %b are arguments, which may be
// the same buffer.
// CHECK: func.func private @omp_get_num_threads() -> i32
// CHECK: func.func private @omp_get_thread_num() -> i32
// CHECK-LABEL: func.func @time_loop
// CHECK: %[[TWO:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK: omp.parallel num_threads(%[[TWO]] : i32) {
// CHECK-NEXT: %[[TID32:.*]] = func.call @omp_get_thread_num() : () -> i32
// CHECK-NEXT: %[[TID:.*]] = arith.index_cast %[[TID32]] : i32 to index
// CHECK-NEXT: %[[NT32:.*]] = func.call @omp_get_num_threads() : () -> i32
// CHECK-NEXT: %[[NT:.*]] = arith.index_cast %[[NT32]] : i32 to index
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: scf.for
// CHECK-NEXT: %[[N:.*]] = arith.maxsi %arg2, %[[ZERO]]
// CHECK-NEXT: %[[SHARE:.*]] = arith.divui %[[N]], %[[NT]]
// CHECK-NEXT: %[[EXTRA:.*]] = arith.remui %[[N]], %[[NT]]
// CHECK-NEXT: %[[BEFORE:.*]] = arith.minui %[[TID]], %[[EXTRA]]
// CHECK-NEXT: %[[FULL:.*]] = arith.muli %[[TID]], %[[SHARE]]
// CHECK-NEXT: %[[BEGIN:.*]] = arith.addi %[[FULL]], %[[BEFORE]]
// CHECK-NEXT: %[[LONGER:.*]] = arith.cmpi ult, %[[TID]], %[[EXTRA]]
// CHECK-NEXT: %[[MORE:.*]] = arith.select %[[LONGER]], %[[ONE]], %[[ZERO]]
// CHECK-NEXT: %[[END0:.*]] = arith.addi %[[BEGIN]], %[[SHARE]]
// CHECK-NEXT: %[[END:.*]] = arith.addi %[[END0]], %[[MORE]]
// CHECK-NEXT: scf.for %[[J:.*]] = %[[BEGIN]] to %[[END]] step %c1 {
// CHECK-NEXT: memref.store %{{.*}}, %arg0[%[[J]]]
// CHECK-NEXT: }
// CHECK-NEXT: arith.addi
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpi eq, %[[TID]], %[[ZERO]]
// CHECK-NEXT: scf.if %[[FIRST]] {
// CHECK-NEXT: memref.store
// CHECK-NEXT: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: memref.load
// CHECK-NEXT: omp.barrier
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1 {
// CHECK-NEXT: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: memref.load
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: }
// CHECK-NEXT: omp.terminator
func.func @time_loop(%a: memref<?xf32>, %b: memref<?xf32>, %n: index, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      memref.store %one, %a[%j] : memref<?xf32>
      scf.reduce
    }
    memref.store %one, %b[%c0] : memref<?xf32>
    %next = arith.addi %t, %c1 : index
    memref.store %one, %b[%next] : memref<?xf32>
    %v = memref.load %b[%c0] : memref<?xf32>
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      memref.store %v, %a[%j] : memref<?xf32>
      scf.reduce
    }
    %w = memref.load %a[%c0] : memref<?xf32>
  }
  return
}

// Distinct allocations cannot overlap: stages that read and write different
// ones (two layers' matmuls of a wavefront) share one barrier; what reads a
// buffer another stage wrote, or writes one it read, waits for it.
// CHECK-LABEL: func.func @independent_stages
// CHECK: %[[H0:.*]] = memref.alloc
// CHECK: %[[H1:.*]] = memref.alloc
// CHECK: %[[G0:.*]] = memref.alloc
// CHECK: %[[G1:.*]] = memref.alloc
// CHECK: omp.parallel
// CHECK-NOT: omp.barrier
// CHECK: memref.store %{{.*}}, %[[G0]]
// CHECK-NOT: omp.barrier
// CHECK: memref.store %{{.*}}, %[[G1]]
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: arith.cmpi eq
// CHECK-NEXT: scf.if
// CHECK: memref.store %{{.*}}, %[[H0]]
// CHECK-NOT: omp.barrier
// CHECK: memref.store %{{.*}}, %[[H1]]
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
// The last stage (g1 = h0, rows of its own) cannot race with the next
// step's stages before its first barrier (they write g1's rows on the same
// threads and only read h0): no barrier ends the body.
// CHECK: memref.load %[[H0]]
// CHECK-NOT: omp.barrier
// CHECK: }
// CHECK-NEXT: }
// CHECK-NEXT: omp.terminator
func.func @independent_stages(%w: memref<?xf32>, %n: index, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %h0 = memref.alloc(%n) : memref<?xf32>
  %h1 = memref.alloc(%n) : memref<?xf32>
  %g0 = memref.alloc(%n) : memref<?xf32>
  %g1 = memref.alloc(%n) : memref<?xf32>
  scf.for %t = %c0 to %steps step %c1 {
    // g0 = w * h0 and g1 = w * h1: no conflict.
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      %x = memref.load %w[%j] : memref<?xf32>
      %y = memref.load %h0[%j] : memref<?xf32>
      %z = arith.mulf %x, %y : f32
      memref.store %z, %g0[%j] : memref<?xf32>
      scf.reduce
    }
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      %x = memref.load %w[%j] : memref<?xf32>
      %y = memref.load %h1[%j] : memref<?xf32>
      %z = arith.mulf %x, %y : f32
      memref.store %z, %g1[%j] : memref<?xf32>
      scf.reduce
    }
    // Reads g0 (written by another thread) and writes h0 (read by another).
    scf.for %j = %c0 to %n step %c1 {
      %x = memref.load %g0[%j] : memref<?xf32>
      memref.store %x, %h0[%j] : memref<?xf32>
    }
    // Writes h1, read only before the barrier.
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      memref.store %one, %h1[%j] : memref<?xf32>
      scf.reduce
    }
    // Reads h0, written by the single.
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      %x = memref.load %h0[%j] : memref<?xf32>
      memref.store %x, %g1[%j] : memref<?xf32>
      scf.reduce
    }
  }
  memref.dealloc %h0 : memref<?xf32>
  memref.dealloc %h1 : memref<?xf32>
  memref.dealloc %g0 : memref<?xf32>
  memref.dealloc %g1 : memref<?xf32>
  return
}

// The end of the body waits only for what the next step's stages before its
// first barrier may race with: thread 0's copy of h into the output (a GRU at
// a batch of 1) runs on while the others start the next step's matmul, which
// only reads h; a copy into h must wait for it.
// CHECK-LABEL: func.func @body_end
// CHECK: %[[H:.*]] = memref.alloc
// CHECK: %[[G:.*]] = memref.alloc
// CHECK: omp.parallel
// CHECK: memref.store %{{.*}}, %[[G]]
// CHECK: omp.barrier
// CHECK: memref.store %{{.*}}, %[[H]]
// CHECK: omp.barrier
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %arg0
// CHECK-NEXT: }
// CHECK-NEXT: } {rnnc.single_thread}
// CHECK-NEXT: }
// CHECK-NEXT: omp.terminator
// CHECK: omp.parallel
// CHECK: memref.store %{{.*}}, %[[G]]
// CHECK: omp.barrier
// CHECK: memref.store %{{.*}}, %arg0
// CHECK: omp.barrier
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[H]]
// CHECK-NEXT: }
// CHECK-NEXT: } {rnnc.single_thread}
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: }
// CHECK-NEXT: omp.terminator
func.func @body_end(%out: memref<?xf32>, %n: index, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %h = memref.alloc(%n) : memref<?xf32>
  %g = memref.alloc(%n) : memref<?xf32>
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      %x = memref.load %h[%c0] : memref<?xf32>
      memref.store %x, %g[%j] : memref<?xf32>
      scf.reduce
    }
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      %x = memref.load %g[%c0] : memref<?xf32>
      memref.store %x, %h[%j] : memref<?xf32>
      scf.reduce
    }
    scf.for %j = %c0 to %n step %c1 {
      %x = memref.load %h[%j] : memref<?xf32>
      memref.store %x, %out[%j] : memref<?xf32>
    }
  }
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      %x = memref.load %h[%c0] : memref<?xf32>
      memref.store %x, %g[%j] : memref<?xf32>
      scf.reduce
    }
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      %x = memref.load %g[%c0] : memref<?xf32>
      memref.store %x, %out[%j] : memref<?xf32>
      scf.reduce
    }
    scf.for %j = %c0 to %n step %c1 {
      %x = memref.load %out[%j] : memref<?xf32>
      memref.store %x, %h[%j] : memref<?xf32>
    }
  }
  memref.dealloc %h : memref<?xf32>
  memref.dealloc %g : memref<?xf32>
  return
}

// A loop whose writes produce values, and one without parallel loops, stay.
// CHECK-LABEL: func.func @stays
// CHECK-NOT: omp.
func.func @stays(%a: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  scf.for %t = %c0 to %n step %c1 {
    %m = memref.alloc(%n) : memref<?xf32>
    scf.parallel (%j) = (%c0) to (%n) step (%c1) {
      memref.store %one, %m[%j] : memref<?xf32>
      scf.reduce
    }
    memref.dealloc %m : memref<?xf32>
  }
  scf.for %t = %c0 to %n step %c1 {
    memref.store %one, %a[%t] : memref<?xf32>
  }
  return
}

// Parallel loops over the same iterations give iteration i to the same
// thread: rows that both touch only in iteration i need no barrier between
// them; other bounds, or another row, do.
// CHECK-LABEL: func.func @same_rows
// CHECK: %[[H:.*]] = memref.alloc
// CHECK: %[[OUT:.*]] = memref.alloc
// CHECK: omp.parallel
// CHECK-NOT: omp.barrier
// CHECK: memref.store %{{.*}}, %[[H]][%{{.*}}, %c0]
// CHECK-NOT: omp.barrier
// CHECK: memref.load %[[H]]
// CHECK-NEXT: memref.store %{{.*}}, %[[OUT]][%{{.*}}, %c0]
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
// CHECK: memref.load %[[H]]
// CHECK-NEXT: memref.store %{{.*}}, %[[OUT]][%{{.*}}, %c1]
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
// CHECK: memref.load %[[OUT]][%c0, %c0]
// CHECK-NEXT: memref.store %{{.*}}, %[[H]][%{{.*}}, %c1]
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: }
func.func @same_rows(%n: index, %m: index, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %h = memref.alloc(%n) : memref<?x4xf32>
  %out = memref.alloc(%n) : memref<?x4xf32>
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%r) = (%c0) to (%n) step (%c1) {
      memref.store %one, %h[%r, %c0] : memref<?x4xf32>
      scf.reduce
    }
    // Reads row r of h, written in iteration r above: no barrier.
    scf.parallel (%r) = (%c0) to (%n) step (%c1) {
      %x = memref.load %h[%r, %c0] : memref<?x4xf32>
      memref.store %x, %out[%r, %c0] : memref<?x4xf32>
      scf.reduce
    }
    // Other bounds: a barrier.
    scf.parallel (%r) = (%c0) to (%m) step (%c1) {
      %x = memref.load %h[%r, %c0] : memref<?x4xf32>
      memref.store %x, %out[%r, %c1] : memref<?x4xf32>
      scf.reduce
    }
    // Every iteration reads row 0 of out, which the loop above writes in its
    // iteration 0: a barrier.
    scf.parallel (%r) = (%c0) to (%m) step (%c1) {
      %x = memref.load %out[%c0, %c0] : memref<?x4xf32>
      memref.store %x, %h[%r, %c1] : memref<?x4xf32>
      scf.reduce
    }
  }
  memref.dealloc %h : memref<?x4xf32>
  memref.dealloc %out : memref<?x4xf32>
  return
}

// A parallel loop of two dimensions: the threads share the first, each runs
// all of the second.
// CHECK-LABEL: func.func @two_dimensions
// CHECK: omp.parallel
// CHECK: scf.for %{{.*}} =
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %c1 {
// CHECK-NEXT: scf.for %[[J:.*]] = %c0 to %arg1 step %c1 {
// CHECK-NEXT: memref.store %{{.*}}, %arg2[%[[I]], %[[J]]]
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
func.func @two_dimensions(%n: index, %m: index, %a: memref<?x?xf32>, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%i, %j) = (%c0, %c0) to (%n, %m) step (%c1, %c1) {
      memref.store %one, %a[%i, %j] : memref<?x?xf32>
      scf.reduce
    }
  }
  return
}
