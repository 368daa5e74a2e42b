// RUN: rnnc-opt %s --rnnc-merge-gpu-modules --split-input-file --verify-diagnostics | FileCheck %s

// Three outlined kernels end in the first gpu.module, named after their old
// modules, and every launch follows them.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK: gpu.module @step_kernel [#nvvm.target<chip = "sm_80">] {
// CHECK: gpu.func @step_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK: gpu.func @step_kernel_0(%{{.*}}: memref<4xf32>) kernel
// CHECK: gpu.func @step_kernel_1_a(%{{.*}}: memref<4xf32>) kernel
// CHECK: gpu.func @step_kernel_1_b(%{{.*}}: memref<4xf32>) kernel
// CHECK-NOT: gpu.module
// CHECK: func.func @step
// CHECK: gpu.launch_func  @step_kernel::@step_kernel
// CHECK: gpu.launch_func  @step_kernel::@step_kernel_0
// CHECK: gpu.launch_func  @step_kernel::@step_kernel_1_a
// CHECK: gpu.launch_func  @step_kernel::@step_kernel_1_b
module attributes {gpu.container_module} {
  gpu.module @step_kernel [#nvvm.target<chip = "sm_80">] {
    gpu.func @step_kernel(%m: memref<4xf32>) kernel { gpu.return }
  }
  gpu.module @step_kernel_0 [#nvvm.target<chip = "sm_80">] {
    gpu.func @step_kernel(%m: memref<4xf32>) kernel { gpu.return }
  }
  gpu.module @step_kernel_1 [#nvvm.target<chip = "sm_80">] {
    gpu.func @a(%m: memref<4xf32>) kernel { gpu.return }
    gpu.func @b(%m: memref<4xf32>) kernel { gpu.return }
  }
  func.func @step(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @step_kernel::@step_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @step_kernel_0::@step_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @step_kernel_1::@a blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @step_kernel_1::@b blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
}

// -----

// Modules for different GPUs are not merged.
module attributes {gpu.container_module} {
  gpu.module @a [#nvvm.target<chip = "sm_80">] {
  }
  // expected-error @+1 {{cannot merge gpu.modules with different attributes}}
  gpu.module @b [#nvvm.target<chip = "sm_90">] {
  }
}

// -----

// A kernel with a grid barrier (rnnc-persistent-time-loop marks its atomics)
// is marked, and the module lists it for the host lowering.
// CHECK-LABEL: module attributes
// CHECK-SAME: rnnc.grid_barrier_kernels = ["steps"]
// CHECK: gpu.func @steps(%{{.*}}: memref<1xi64>) kernel attributes {rnnc.grid_barrier}
// CHECK: gpu.func @plain(%{{.*}}: memref<1xi64>) kernel {
module attributes {gpu.container_module} {
  gpu.module @steps [#nvvm.target<chip = "sm_80">] {
    gpu.func @steps(%counter: memref<1xi64>) kernel {
      %c0 = arith.constant 0 : index
      %one = arith.constant 1 : i64
      %old = memref.atomic_rmw addi %one, %counter[%c0] {rnnc.grid_barrier} : (i64, memref<1xi64>) -> i64
      gpu.return
    }
  }
  gpu.module @plain [#nvvm.target<chip = "sm_80">] {
    gpu.func @plain(%counter: memref<1xi64>) kernel {
      %c0 = arith.constant 0 : index
      %one = arith.constant 1 : i64
      %old = memref.atomic_rmw addi %one, %counter[%c0] : (i64, memref<1xi64>) -> i64
      gpu.return
    }
  }
}
