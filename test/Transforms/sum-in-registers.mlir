// RUN: rnnc-opt %s --split-input-file --rnnc-sum-in-registers | FileCheck %s

// A matmul's sum over k into an allocation read by no other load of the
// loop: the element is loaded once, the sum carried (in the same order,
// free to contract to fma) and stored once.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[C:.*]] = memref.alloc
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK: %[[FIRST:.*]] = memref.load %[[C]][%[[I]], %[[J]]]
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %c0 to %c8 step %c1 iter_args(%[[ACC:.*]] = %[[FIRST]]) -> (f32) {
// CHECK-NEXT: %[[A:.*]] = memref.load %arg0[%[[I]], %[[K]]]
// CHECK-NEXT: %[[B:.*]] = memref.load %arg1[%[[K]], %[[J]]]
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[A]], %[[B]] fastmath<contract>
// CHECK-NEXT: %[[NEXT:.*]] = arith.addf %[[ACC]], %[[P]] fastmath<contract>
// CHECK-NEXT: scf.yield %[[NEXT]]
// CHECK: memref.store %[[SUM]], %[[C]][%[[I]], %[[J]]]
// CHECK-NOT: memref.store
func.func @matmul(%a: memref<?x8xf32>, %w: memref<8x4xf32>) -> memref<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %rows = memref.dim %a, %c0 : memref<?x8xf32>
  %c = memref.alloc(%rows) : memref<?x4xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<?x8xf32>
      %y = memref.load %w[%k, %j] : memref<8x4xf32>
      %s = memref.load %c[%i, %j] : memref<?x4xf32>
      %p = arith.mulf %x, %y : f32
      %n = arith.addf %s, %p : f32
      memref.store %n, %c[%i, %j] : memref<?x4xf32>
    }
    scf.reduce
  }
  return %c : memref<?x4xf32>
}

// -----

// Function arguments may be the same buffer: a sum into one, with loads of
// another, stays as it is; so does a loop that also stores elsewhere.
// CHECK-LABEL: func.func @may_alias
// CHECK: scf.for
// CHECK-NOT: iter_args
// CHECK: memref.store
// CHECK-LABEL: func.func @two_stores
// CHECK: scf.for
// CHECK-NOT: iter_args
func.func @may_alias(%a: memref<8xf32>, %c: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %a[%k] : memref<8xf32>
    %s = memref.load %c[%c0] : memref<1xf32>
    %n = arith.addf %s, %x : f32
    memref.store %n, %c[%c0] : memref<1xf32>
  }
  return
}
func.func @two_stores(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c = memref.alloc() : memref<1xf32>
  %d = memref.alloc() : memref<8xf32>
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %a[%k] : memref<8xf32>
    %s = memref.load %c[%c0] : memref<1xf32>
    %n = arith.addf %s, %x : f32
    memref.store %n, %c[%c0] : memref<1xf32>
    memref.store %x, %d[%k] : memref<8xf32>
  }
  return
}
