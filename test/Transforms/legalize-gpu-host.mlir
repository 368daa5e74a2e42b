// RUN: rnnc-opt %s --rnnc-legalize-gpu-host --split-input-file --verify-diagnostics | FileCheck %s

// Buffers only host code touches (like the deallocation pipeline's ownership
// arrays) become stack allocations at the function entry, even from inside a
// loop; their deallocations go. Device buffers stay memref.alloc, and copies
// become linalg.copy (kernels later).
// CHECK-LABEL: func.func @host_arrays
// CHECK-NEXT: %[[FLAGS:.*]] = memref.alloca() : memref<2xi1>
// CHECK-NOT: memref.alloca
// CHECK: scf.for
// CHECK: %[[DEVICE:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: memref.store %{{.*}}, %[[FLAGS]][%{{.*}}] : memref<2xi1>
// CHECK: memref.load %[[FLAGS]]
// CHECK: call @helper(%{{.*}})
// CHECK: linalg.copy ins(%{{.*}} : memref<?xf32>) outs(%[[DEVICE]] : memref<?xf32>)
// CHECK-NOT: memref.copy
// CHECK: memref.dealloc %[[DEVICE]]
// CHECK-NOT: memref.dealloc
func.func private @helper(%flags: memref<?xi1>) -> i1 {
  %c1 = arith.constant 1 : index
  %f = memref.load %flags[%c1] : memref<?xi1>
  return %f : i1
}
func.func @host_arrays(%a: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %true = arith.constant true
  scf.for %i = %c0 to %n step %c1 {
    %device = memref.alloc(%n) : memref<?xf32>
    %flags = memref.alloc() : memref<2xi1>
    memref.store %true, %flags[%c0] : memref<2xi1>
    %f = memref.load %flags[%c0] : memref<2xi1>
    %cast = memref.cast %flags : memref<2xi1> to memref<?xi1>
    %g = func.call @helper(%cast) : (memref<?xi1>) -> i1
    memref.copy %a, %device : memref<?xf32> to memref<?xf32>
    memref.dealloc %flags : memref<2xi1>
    memref.dealloc %device : memref<?xf32>
  }
  return
}

// -----

// Host code may not read a buffer a kernel writes.
func.func @reads_device(%a: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{host code would read or write device memory here}}
  %v = memref.load %a[%c0] : memref<?xf32>
  return %v : f32
}
