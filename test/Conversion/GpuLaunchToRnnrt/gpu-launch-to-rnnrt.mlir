// RUN: rnnc-opt %s --gpu-to-llvm --convert-malloc-to-rnnrt --convert-gpu-launch-to-rnnrt --split-input-file --verify-diagnostics | FileCheck %s

// The entry's allocations, weights and launches go through the exec struct
// (self, alloc, free, constant, launch) of its first argument.
// CHECK-LABEL: module attributes
// CHECK-SAME: rnnc.cuda_constants = 1 : i32
// CHECK-SAME: rnnc.cuda_kernels = ["k", "k2"]
// CHECK-NOT: gpu.binary
// CHECK-NOT: llvm.func @malloc
// CHECK: llvm.func @entry(%[[EXEC:[a-z0-9]*]]: !llvm.ptr,
// CHECK: %[[PARAMS:.*]] = llvm.alloca %{{.*}} x !llvm.ptr
// CHECK: %[[ALLOC_SLOT:.*]] = llvm.getelementptr %[[EXEC]][1]
// CHECK: %[[ALLOC:.*]] = llvm.load %[[ALLOC_SLOT]]
// CHECK: %[[BUFFER:.*]] = llvm.call %[[ALLOC]](%{{.*}}, %{{.*}}) : !llvm.ptr, (!llvm.ptr, i64) -> !llvm.ptr
// CHECK: %[[WEIGHTS:.*]] = llvm.mlir.addressof @weights
// CHECK: %[[CONSTANT_SLOT:.*]] = llvm.getelementptr %[[EXEC]][3]
// CHECK: %[[CONSTANT:.*]] = llvm.load %[[CONSTANT_SLOT]]
// CHECK: llvm.call %[[CONSTANT]](%{{.*}}, %{{.*}}, %[[WEIGHTS]], %{{.*}}) : !llvm.ptr, (!llvm.ptr, i32, !llvm.ptr, i64) -> !llvm.ptr
// CHECK: %[[LAUNCH_SLOT:.*]] = llvm.getelementptr %[[EXEC]][4]
// CHECK: %[[LAUNCH:.*]] = llvm.load %[[LAUNCH_SLOT]]
// CHECK: llvm.call %[[LAUNCH]](%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[PARAMS]]) : !llvm.ptr, (!llvm.ptr, i32, i64, i64, i64, i64, i64, i64, i32, !llvm.ptr) -> ()
// CHECK-NOT: gpu.launch_func
// CHECK: %[[FREE_SLOT:.*]] = llvm.getelementptr %[[EXEC]][2]
// CHECK: %[[FREE:.*]] = llvm.load %[[FREE_SLOT]]
// CHECK: llvm.call %[[FREE]](%{{.*}}, %{{.*}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr) -> ()
module attributes {gpu.container_module} {
  gpu.binary @kernels [#gpu.object<#nvvm.target, "PTX">]
  memref.global "private" constant @weights : memref<8xf32> = dense<1.0>
  func.func @entry(%exec: !llvm.ptr, %a: memref<?x8xf32>) attributes {rnnc.exec} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = memref.dim %a, %c0 : memref<?x8xf32>
    %b = memref.alloc(%n) : memref<?x8xf32>
    %w = memref.get_global @weights : memref<8xf32>
    %f = arith.constant 1.0 : f32
    gpu.launch_func @kernels::@k blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1) args(%f : f32, %a : memref<?x8xf32>, %b : memref<?x8xf32>, %w : memref<8xf32>)
    gpu.launch_func @kernels::@k2 blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1) args(%b : memref<?x8xf32>)
    gpu.launch_func @kernels::@k blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1) args(%f : f32, %b : memref<?x8xf32>, %a : memref<?x8xf32>, %w : memref<8xf32>)
    memref.dealloc %b : memref<?x8xf32>
    return
  }
}

// -----

// Only the entry has the runtime's exec.
module attributes {gpu.container_module} {
  gpu.binary @kernels [#gpu.object<#nvvm.target, "PTX">]
  func.func @helper(%a: memref<?xf32>) {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{a constant or a kernel launch outside the model's entry function}}
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    return
  }
}

// -----

// Kernels with a grid barrier (listed by rnnc-merge-gpu-modules) go through
// the exec's launch_cooperative (field 5); the list is dropped.
// CHECK-LABEL: module attributes
// CHECK-NOT: rnnc.grid_barrier_kernels
// CHECK-SAME: rnnc.cuda_kernels = ["steps", "k"]
// CHECK: llvm.func @entry(%[[EXEC:[a-z0-9]*]]: !llvm.ptr,
// CHECK: %[[COOPERATIVE_SLOT:.*]] = llvm.getelementptr %[[EXEC]][5]
// CHECK: %[[COOPERATIVE:.*]] = llvm.load %[[COOPERATIVE_SLOT]]
// CHECK: llvm.call %[[COOPERATIVE]](
// CHECK: %[[LAUNCH_SLOT:.*]] = llvm.getelementptr %[[EXEC]][4]
// CHECK: %[[LAUNCH:.*]] = llvm.load %[[LAUNCH_SLOT]]
// CHECK: llvm.call %[[LAUNCH]](
module attributes {gpu.container_module, rnnc.grid_barrier_kernels = ["steps"]} {
  gpu.binary @kernels [#gpu.object<#nvvm.target, "PTX">]
  func.func @entry(%exec: !llvm.ptr, %a: memref<?xf32>) attributes {rnnc.exec} {
    %c1 = arith.constant 1 : index
    %c128 = arith.constant 128 : index
    gpu.launch_func @kernels::@steps blocks in (%c128, %c1, %c1) threads in (%c128, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    return
  }
}
