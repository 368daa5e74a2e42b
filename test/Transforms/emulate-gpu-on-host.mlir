// RUN: rnnc-opt %s --rnnc-emulate-gpu-on-host --split-input-file --verify-diagnostics | FileCheck %s

// Each kernel becomes a host function taking the block and thread indices and
// the sizes after its own arguments; each launch a loop nest over blocks and
// threads (x innermost) calling it.
// CHECK-NOT: gpu.module
// CHECK-LABEL: func.func @launch
// CHECK: scf.for %[[BZ:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[BY:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[BX:.*]] = %{{.*}} to %[[GX:.*]] step
// CHECK: scf.for %[[TZ:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[TY:.*]] = %{{.*}} to %{{.*}} step
// CHECK: scf.for %[[TX:.*]] = %{{.*}} to %[[BDX:.*]] step
// CHECK: call @kernel_on_host(%arg0, %[[BX]], %[[BY]], %[[BZ]], %[[TX]], %[[TY]], %[[TZ]], %[[BDX]], %{{.*}}, %{{.*}}, %[[GX]], %{{.*}}, %{{.*}})
// Arguments: a, block x/y/z (arg1-3), thread x/y/z (arg4-6), block sizes (arg7-9), grid sizes.
// CHECK-LABEL: func.func private @kernel_on_host(%arg0: memref<?xf32>, %arg1: index,
// CHECK-SAME: %arg12: index)
// CHECK: %[[ROW:.*]] = arith.muli %arg1, %arg7
// CHECK: %[[I:.*]] = arith.addi %[[ROW]], %arg4
// CHECK: memref.store %{{.*}}, %arg0[%[[I]]]
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @kernel(%a: memref<?xf32>) kernel {
      %b = gpu.block_id x
      %t = gpu.thread_id x
      %d = gpu.block_dim x
      %row = arith.muli %b, %d : index
      %i = arith.addi %row, %t : index
      %one = arith.constant 1.0 : f32
      memref.store %one, %a[%i] : memref<?xf32>
      gpu.return
    }
  }
  func.func @launch(%a: memref<?xf32>, %blocks: index) {
    %c1 = arith.constant 1 : index
    %c32 = arith.constant 32 : index
    gpu.launch_func @kernels::@kernel blocks in (%blocks, %c1, %c1) threads in (%c32, %c1, %c1) args(%a : memref<?xf32>)
    return
  }
}

// -----

// Threads run one after another: a kernel that synchronizes them cannot.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @+1 {{cannot emulate a kernel that synchronizes or shuffles threads or uses workgroup memory outside a grid-barrier kernel}}
    gpu.func @kernel(%a: memref<?xf32>) kernel {
      gpu.barrier
      gpu.return
    }
  }
}

// -----

// Nor one that shuffles them.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @+1 {{cannot emulate a kernel that synchronizes or shuffles threads or uses workgroup memory outside a grid-barrier kernel}}
    gpu.func @kernel(%x: f32) kernel {
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      %y, %valid = gpu.shuffle xor %x, %c1, %c32 : f32
      gpu.return
    }
  }
}

// -----

// Nor one with workgroup memory.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @+1 {{cannot emulate a kernel that synchronizes or shuffles threads or uses workgroup memory outside a grid-barrier kernel}}
    gpu.func @kernel() workgroup(%tile : memref<4xf32, #gpu.address_space<workgroup>>) kernel {
      gpu.return
    }
  }
}

// -----

// Only xor shuffles of floats, even in a grid-barrier kernel.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @+1 {{shuffles other than floats by xor}}
    gpu.func @kernel(%x: f32) kernel attributes {rnnc.grid_barrier} {
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      %y, %valid = gpu.shuffle down %x, %c1, %c32 : f32
      gpu.return
    }
  }
}

// -----

// A kernel with a grid barrier runs on an OpenMP team of grid x block
// threads, all at once (thread t: block t / blockDim, thread t % blockDim);
// its block barriers are team barriers.
// CHECK-LABEL: func.func @launch_persistent
// CHECK: %[[THREADS:.*]] = arith.muli %[[GRID:.*]], %[[BLOCK:.*]] : index
// CHECK: %[[BUFFER:.*]] = memref.alloc(%[[THREADS]]) : memref<?xf64>
// CHECK: scf.if
// CHECK: %[[TEAM:.*]] = arith.index_cast %[[THREADS]] : index to i32
// CHECK: omp.parallel num_threads(%[[TEAM]] : i32)
// A smaller team than asked for runs nothing (it would wait forever).
// CHECK: %[[SIZE:.*]] = func.call @omp_get_num_threads() : () -> i32
// CHECK: %[[SIZE_INDEX:.*]] = arith.index_cast %[[SIZE]]
// CHECK: %[[COMPLETE:.*]] = arith.cmpi eq, %[[SIZE_INDEX]], %[[THREADS]]
// CHECK: scf.if %[[COMPLETE]]
// CHECK: %[[NUM:.*]] = func.call @omp_get_thread_num() : () -> i32
// CHECK: %[[T:.*]] = arith.index_cast %[[NUM]]
// CHECK: %[[B:.*]] = arith.divui %[[T]], %[[BLOCK]]
// CHECK: %[[TX:.*]] = arith.remui %[[T]], %[[BLOCK]]
// CHECK: func.call @steps_on_host(%arg0, %arg1, %[[B]], %{{.*}}, %{{.*}}, %[[TX]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[BUFFER]])
// CHECK: omp.terminator
// CHECK: memref.dealloc %[[BUFFER]]
// Its warp shuffles go through a buffer of one f64 per thread of the team
// (the last argument): write at the thread's place, wait, read the
// partner's (thread xor offset), wait.
// CHECK: func.func private @steps_on_host
// CHECK-SAME: %arg14: memref<?xf64>) attributes {rnnc.grid_barrier}
// CHECK: omp.barrier
// CHECK: %[[FIRST:.*]] = arith.muli %arg2, %arg8
// CHECK: %[[THREAD:.*]] = arith.addi %[[FIRST]], %arg5
// CHECK: %[[WIDE:.*]] = arith.extf %arg1 : f32 to f64
// CHECK: memref.store %[[WIDE]], %arg14[%[[THREAD]]]
// CHECK: omp.barrier
// CHECK: %[[OFFSET:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[PARTNER:.*]] = arith.xori %[[THREAD]], %[[OFFSET]]
// CHECK: %[[THEIRS:.*]] = memref.load %arg14[%[[PARTNER]]]
// CHECK: omp.barrier
// CHECK: %[[NARROW:.*]] = arith.truncf %[[THEIRS]] : f64 to f32
// CHECK: memref.store %[[NARROW]], %arg0
// CHECK-NOT: gpu.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @steps(%a: memref<?xf32>, %x: f32) kernel attributes {rnnc.grid_barrier} {
      gpu.barrier
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      %y, %valid = gpu.shuffle xor %x, %c1, %c32 : f32
      memref.store %y, %a[%c0] : memref<?xf32>
      gpu.return
    }
  }
  func.func @launch_persistent(%a: memref<?xf32>, %x: f32, %blocks: index) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    gpu.launch_func @kernels::@steps blocks in (%blocks, %c1, %c1) threads in (%c2, %c1, %c1) args(%a : memref<?xf32>, %x : f32)
    return
  }
}

// -----

// A grid-barrier kernel's workgroup memory: one buffer of its shape per
// block, allocated for the launch (after the shuffle buffer), each block's
// threads using their block's part.
// CHECK-LABEL: func.func @launch_shared
// CHECK: %[[THREADS:.*]] = arith.muli %[[GRID:.*]], %{{.*}} : index
// CHECK: %[[SHUFFLES:.*]] = memref.alloc(%[[THREADS]]) : memref<?xf64>
// CHECK: %[[BLOCKS:.*]] = memref.alloc(%[[GRID]]) : memref<?x2x3xf32>
// CHECK: func.call @tile_on_host(%arg0, %{{.*}}, %[[SHUFFLES]], %[[BLOCKS]])
// CHECK: memref.dealloc %[[SHUFFLES]]
// CHECK: memref.dealloc %[[BLOCKS]]
// CHECK: func.func private @tile_on_host
// CHECK-SAME: %arg13: memref<?xf64>, %arg14: memref<?x2x3xf32>) attributes {rnnc.grid_barrier}
// CHECK: %[[MINE:.*]] = memref.subview %arg14[%arg1, 0, 0] [1, 2, 3] [1, 1, 1] : memref<?x2x3xf32> to memref<2x3xf32, strided<[3, 1], offset: ?>>
// CHECK: memref.store %{{.*}}, %[[MINE]][%{{.*}}, %{{.*}}]
// CHECK: omp.barrier
// CHECK: memref.load %[[MINE]]
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @tile(%a: memref<?xf32>) workgroup(%tile : memref<2x3xf32, #gpu.address_space<workgroup>>) kernel attributes {rnnc.grid_barrier} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %one = arith.constant 1.0 : f32
      memref.store %one, %tile[%c1, %c0] : memref<2x3xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %x = memref.load %tile[%c1, %c0] : memref<2x3xf32, #gpu.address_space<workgroup>>
      memref.store %x, %a[%c0] : memref<?xf32>
      gpu.return
    }
  }
  func.func @launch_shared(%a: memref<?xf32>, %blocks: index) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    gpu.launch_func @kernels::@tile blocks in (%blocks, %c1, %c1) threads in (%c2, %c1, %c1) args(%a : memref<?xf32>)
    return
  }
}
