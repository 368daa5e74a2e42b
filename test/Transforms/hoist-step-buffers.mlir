// RUN: rnnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(rnnc-hoist-step-buffers),canonicalize)' | FileCheck %s
// RUN: rnnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(rnnc-hoist-step-buffers{carry-state=true}),canonicalize)' | FileCheck %s --check-prefix=CARRY

// A step's temporary is allocated once before the loop and freed after it;
// the carried state alternates between two buffers (step i writes the first
// when i is even) that are freed before the return, and is no longer carried:
// a step reads the buffer the previous step wrote (the first step the initial
// state), and what the loop returned is the buffer of its last step (the
// initial state when it runs no step). The ownership flag the deallocation
// code carried is gone with it, and so the conditional free of the previous
// step's state.
// With carry-state (the GPU's persistent kernel, whose wavefront follows
// carried buffers) the loop carries the buffer the step wrote.
// CARRY-LABEL: func.func @step_buffers
// CARRY-SAME: (%[[INIT:[^:]*]]: memref<?x8xf32>
// CARRY: %[[TMP:.*]] = memref.alloc
// CARRY: %[[EVEN:.*]] = memref.alloc
// CARRY: %[[ODD:.*]] = memref.alloc
// CARRY: scf.for %{{.*}} iter_args(%[[H:.*]] = %[[INIT]]) -> (memref<?x8xf32>) {
// CARRY-NOT: memref.alloc
// CARRY: %[[NEXT:.*]] = arith.select %{{.*}}, %[[EVEN]], %[[ODD]]
// CARRY: linalg.add ins(%[[TMP]], %[[H]] : {{.*}}) outs(%[[NEXT]]
// CARRY: scf.yield %[[NEXT]]
// CHECK-LABEL: func.func @step_buffers
// CHECK-SAME: (%[[INIT:.*]]: memref<?x8xf32>, %[[OUT:.*]]: memref<?x8xf32>, %[[T:.*]]: index)
// CHECK: %[[ROWS:.*]] = memref.dim %[[INIT]], %c0
// CHECK-DAG: %[[TMP:.*]] = memref.alloc(%[[ROWS]])
// CHECK-DAG: %[[EVEN:.*]] = memref.alloc(%[[ROWS]])
// CHECK-DAG: %[[ODD:.*]] = memref.alloc(%[[ROWS]])
// CHECK: scf.for %[[STEP:.*]] = %c0 to %[[T]] step %c1 {
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: %[[PARITY:.*]] = arith.remui %[[STEP]], %c2
// CHECK: %[[IS_EVEN:.*]] = arith.cmpi eq, %[[PARITY]], %c0
// CHECK: %[[IS_FIRST:.*]] = arith.cmpi eq, %[[STEP]], %c0
// CHECK: %[[PREVIOUS:.*]] = arith.select %[[IS_EVEN]], %[[ODD]], %[[EVEN]]
// CHECK: %[[H:.*]] = arith.select %[[IS_FIRST]], %[[INIT]], %[[PREVIOUS]]
// CHECK: linalg.fill ins(%{{.*}}) outs(%[[TMP]]
// CHECK: %[[NEXT:.*]] = arith.select %[[IS_EVEN]], %[[EVEN]], %[[ODD]]
// CHECK: linalg.add ins(%[[TMP]], %[[H]] : {{.*}}) outs(%[[NEXT]]
// CHECK-NOT: scf.yield
// CHECK: } {rnn.time_loop}
// CHECK: %[[STEPS:.*]] = arith.maxsi %[[T]], %c0
// CHECK: %[[RAN:.*]] = arith.cmpi ugt, %[[STEPS]], %c0
// CHECK: %[[LAST:.*]] = arith.subi %[[STEPS]], %c1
// CHECK: %[[LAST_PARITY:.*]] = arith.remui %[[LAST]], %c2
// CHECK: %[[LAST_EVEN:.*]] = arith.cmpi eq, %[[LAST_PARITY]], %c0
// CHECK: %[[LAST_BUFFER:.*]] = arith.select %[[LAST_EVEN]], %[[EVEN]], %[[ODD]]
// CHECK: %[[FINAL:.*]] = arith.select %[[RAN]], %[[LAST_BUFFER]], %[[INIT]]
// CHECK: memref.dealloc %[[TMP]]
// CHECK: linalg.copy ins(%[[FINAL]] : {{.*}}) outs(%[[OUT]]
// CHECK: memref.dealloc %[[EVEN]]
// CHECK: memref.dealloc %[[ODD]]
// CHECK-NEXT: return
func.func @step_buffers(%init: memref<?x8xf32>, %out: memref<?x8xf32>, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %false = arith.constant false
  %true = arith.constant true
  %zero = arith.constant 0.0 : f32
  %r:2 = scf.for %t = %c0 to %steps step %c1 iter_args(%h = %init, %owned = %false)
      -> (memref<?x8xf32>, i1) {
    %rows = memref.dim %h, %c0 : memref<?x8xf32>
    %tmp = memref.alloc(%rows) : memref<?x8xf32>
    linalg.fill ins(%zero : f32) outs(%tmp : memref<?x8xf32>)
    %next = memref.alloc(%rows) : memref<?x8xf32>
    linalg.add ins(%tmp, %h : memref<?x8xf32>, memref<?x8xf32>) outs(%next : memref<?x8xf32>)
    scf.if %owned {
      memref.dealloc %h : memref<?x8xf32>
    }
    memref.dealloc %tmp : memref<?x8xf32>
    scf.yield %next, %true : memref<?x8xf32>, i1
  } {rnn.time_loop}
  linalg.copy ins(%r#0 : memref<?x8xf32>) outs(%out : memref<?x8xf32>)
  return
}

// -----

// A buffer whose size changes from step to step, or a loop that is not a
// time loop (whose carried shapes may change), keeps its allocations.
// CHECK-LABEL: func.func @left_alone
// CHECK: scf.for
// CHECK: memref.alloc(%{{.*}})
// CHECK: memref.dealloc
// CHECK: } {rnn.time_loop}
// CHECK: scf.for
// CHECK: memref.dim %{{.*}}, %c0
// CHECK: memref.alloc(%{{.*}})
// CHECK: scf.yield
func.func @left_alone(%init: memref<?xf32>, %steps: index) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.for %t = %c0 to %steps step %c1 {
    %n = arith.addi %t, %c1 : index
    %grows = memref.alloc(%n) : memref<?xf32>
    linalg.fill ins(%zero : f32) outs(%grows : memref<?xf32>)
    memref.dealloc %grows : memref<?xf32>
  } {rnn.time_loop}
  %r = scf.for %t = %c0 to %steps step %c1 iter_args(%h = %init) -> (memref<?xf32>) {
    %rows = memref.dim %h, %c0 : memref<?xf32>
    %next = memref.alloc(%rows) : memref<?xf32>
    linalg.copy ins(%h : memref<?xf32>) outs(%next : memref<?xf32>)
    scf.yield %next : memref<?xf32>
  }
  return %r : memref<?xf32>
}
