// RUN: rnnc-opt %s --pass-pipeline='builtin.module(func.func(rnnc-hoist-parallel-region{threads=2}))' | FileCheck %s

// One team for the time loop: parallel loops become worksharing loops (each
// ends with a barrier), a run of writes outside them one omp.single (with a
// barrier before it after reads), pure code is run by every thread.
// CHECK-LABEL: func.func @time_loop
// CHECK: %[[TWO:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK: omp.parallel num_threads(%[[TWO]] : i32) {
// CHECK-NEXT: scf.for
// CHECK-NEXT: omp.wsloop {
// CHECK-NEXT: omp.loop_nest (%[[J:.*]]) : index = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK: memref.store %{{.*}}, %arg0[%[[J]]]
// CHECK: omp.yield
// CHECK: arith.addi
// CHECK-NEXT: omp.single {
// CHECK-NEXT: memref.store
// CHECK-NEXT: memref.store
// CHECK-NEXT: omp.terminator
// CHECK: memref.load
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: omp.wsloop
// CHECK: omp.barrier
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
