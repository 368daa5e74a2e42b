// RUN: rnnc-opt %s --pass-pipeline='builtin.module(func.func(rnnc-tile-parallel-loops{threads=128}))' | FileCheck %s

// The innermost dimension in tiles of 128 (guarded), the others by 1; the
// nested loop of a tile is what becomes the threads of a block.
// CHECK-LABEL: func.func @rows_by_columns
// CHECK: %[[C128:.*]] = arith.constant 128 : index
// CHECK: %[[STEP:.*]] = arith.muli %{{.*}}, %[[C128]]
// CHECK: scf.parallel (%{{.*}}, %[[J0:.*]]) = (%{{.*}}, %{{.*}}) to (%arg1, %arg2) step (%{{.*}}, %[[STEP]])
// CHECK-NEXT: scf.parallel (%{{.*}}, %[[J:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %[[STEP]])
// CHECK: %[[COLUMN:.*]] = arith.addi %[[J]], %[[J0]]
// CHECK: arith.cmpi ult, %{{.*}}, %arg2
// CHECK: scf.if
// CHECK-NEXT: memref.store %{{.*}}, %arg0[%{{.*}}, %[[COLUMN]]]
func.func @rows_by_columns(%a: memref<?x?xf32>, %rows: index, %columns: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %columns) step (%c1, %c1) {
    memref.store %zero, %a[%i, %j] : memref<?x?xf32>
    scf.reduce
  }
  return
}

// A static innermost size below 128 is one tile; a third dimension (CUDA's
// threadIdx.z) at most 64.
// CHECK-LABEL: func.func @small_and_deep
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[STEP32:.*]] = arith.muli %{{.*}}, %[[C32]]
// CHECK: scf.parallel {{.*}} step (%{{.*}}, %[[STEP32]])
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: %[[STEP64:.*]] = arith.muli %{{.*}}, %[[C64]]
// CHECK: scf.parallel {{.*}} step (%{{.*}}, %{{.*}}, %[[STEP64]])
func.func @small_and_deep(%a: memref<?x32xf32>, %b: memref<?x?x?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c32) step (%c1, %c1) {
    memref.store %zero, %a[%i, %j] : memref<?x32xf32>
    scf.reduce
  }
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%n, %n, %n) step (%c1, %c1, %c1) {
    memref.store %zero, %b[%i, %j, %k] : memref<?x?x?xf32>
    scf.reduce
  }
  return
}
