// RUN: rnnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(rnnc-persistent-time-loop{ptx-fences=true}),canonicalize)' | FileCheck %s --check-prefixes=CHECK,PTX
// RUN: rnnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(rnnc-persistent-time-loop{threads=2 max-blocks=3}),canonicalize)' | FileCheck %s --check-prefixes=CHECK,HOST
// RUN: rnnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(rnnc-persistent-time-loop{max-weight-bytes=64}))' | FileCheck %s --check-prefix=WEIGHTS
// RUN: rnnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(rnnc-persistent-time-loop{lanes=4}),canonicalize)' | FileCheck %s --check-prefix=LANES
// RUN: rnnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(rnnc-persistent-time-loop{lanes=2 threads=4 shared-weight-bytes=64}),canonicalize)' | FileCheck %s --check-prefix=SHARED
// RUN: rnnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(rnnc-persistent-time-loop{wavefront=false}),canonicalize)' | FileCheck %s --check-prefix=NOWAVE

// Step kernels become grid-stride loops in one launch. A grid barrier
// follows a stage when the next one touches what it wrote other than at the
// same element through the same buffer over the same iterations (the same
// thread): here after the first (the second reads b[i, 0]) and after the
// last of each step, not after the second (the third reads a where the
// second wrote it, and writes a buffer of its own). The barrier: block
// barrier, the block's first thread releases, counts its arrival on a
// zeroed device counter, waits until every block has arrived at barrier k of
// the launch (k x gridDim arrivals), acquires, block barrier. The host keeps
// its bookkeeping (the call) in a loop without the kernels.
// CHECK-LABEL: func.func @stages
// CHECK-SAME: (%[[A:.*]]: memref<?x4xf32>, %[[B:.*]]: memref<?x4xf32>, %[[T:.*]]: index)
// PTX-DAG: %[[THREADS:.*]] = arith.constant 128 : index
// HOST-DAG: %[[THREADS:.*]] = arith.constant 2 : index
// HOST-DAG: %[[MAX:.*]] = arith.constant 3 : index
// CHECK: %[[C:.*]] = memref.alloc(%{{.*}}) : memref<?x4xf32>
// CHECK: %[[COUNTER:.*]] = memref.alloc() : memref<1xi64>
// CHECK: gpu.launch blocks
// CHECK-NEXT: memref.store %{{.*}}, %[[COUNTER]]
// HOST: %[[GRID:.*]] = arith.minui %{{.*}}, %[[MAX]]
// HOST: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%[[GX:.*]] = %[[GRID]], %{{.*}}, %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[THREADS]],
// PTX: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%[[GX:.*]] = %{{.*}}, %{{.*}}, %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[THREADS]],
// CHECK: %[[FIRST_BLOCK:.*]] = arith.muli %[[BX]], %[[THREADS]]
// CHECK: %[[FIRST:.*]] = arith.addi %[[FIRST_BLOCK]], %[[TX]]
// CHECK: %[[STRIDE:.*]] = arith.muli %[[GX]], %[[THREADS]]
// CHECK: %[[LEADER:.*]] = arith.cmpi eq, %[[TX]], %{{.*}}
// CHECK: scf.for %[[STEP:.*]] = %{{.*}} to %[[T]]
// Two barriers per step: the first waits for 2 x step + 1 arrivals per block.
// CHECK: %[[PASSED:.*]] = arith.muli %[[STEP]], %c2
// CHECK: scf.for %[[I:.*]] = %[[FIRST]] to %{{.*}} step %[[STRIDE]]
// CHECK: %[[COL:.*]] = arith.remui %[[I]], %c4
// CHECK: %[[ROW:.*]] = arith.divui %[[I]], %c4
// CHECK: memref.load %[[A]][%[[ROW]], %[[COL]]]
// CHECK: memref.store %{{.*}}, %[[B]][%[[ROW]], %[[COL]]]
// CHECK: %[[K1:.*]] = arith.addi %[[PASSED]], %c1
// CHECK: %[[TARGET1:.*]] = arith.muli %[[K1]], %[[GX]]
// CHECK: gpu.barrier
// CHECK-NEXT: scf.if %[[LEADER]]
// PTX-NEXT: llvm.inline_asm has_side_effects "fence.acq_rel.gpu;", "~{memory}"
// HOST-NEXT: llvm.fence acq_rel
// CHECK: memref.atomic_rmw addi %{{.*}}, %[[COUNTER]][%{{.*}}] {rnnc.grid_barrier}
// CHECK: scf.while
// CHECK: %[[ARRIVED:.*]] = memref.atomic_rmw addi %{{.*}}, %[[COUNTER]][%{{.*}}] {rnnc.grid_barrier}
// CHECK: %[[WANTED:.*]] = arith.index_cast %[[TARGET1]]
// CHECK: arith.cmpi ult, %[[ARRIVED]], %[[WANTED]]
// CHECK: gpu.barrier
// CHECK: scf.for %{{.*}} = %[[FIRST]] to %{{.*}} step %[[STRIDE]]
// CHECK: memref.load %[[B]]
// CHECK: memref.store %{{.*}}, %[[A]]
// CHECK-NOT: gpu.barrier
// CHECK: scf.for %{{.*}} = %[[FIRST]] to %{{.*}} step %[[STRIDE]]
// CHECK: memref.load %[[A]]
// CHECK: memref.store %{{.*}}, %[[C]]
// CHECK: %[[K2:.*]] = arith.addi %[[PASSED]], %c2
// CHECK: arith.muli %[[K2]], %[[GX]]
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[COUNTER]]
// CHECK: scf.for
// CHECK-NOT: scf.parallel
// CHECK: func.call @bookkeeping
// CHECK: } {rnn.time_loop}
func.func private @bookkeeping(index)
func.func @stages(%a: memref<?x4xf32>, %b: memref<?x4xf32>, %steps: index) -> memref<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %rows = memref.dim %a, %c0 : memref<?x4xf32>
  %c = memref.alloc(%rows) : memref<?x4xf32>
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %x = memref.load %a[%i, %j] : memref<?x4xf32>
      %y = arith.addf %x, %x : f32
      memref.store %y, %b[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %x = memref.load %b[%i, %c0] : memref<?x4xf32>
      memref.store %x, %a[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %x = memref.load %a[%i, %j] : memref<?x4xf32>
      %y = arith.mulf %x, %x : f32
      memref.store %y, %c[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    func.call @bookkeeping(%t) : (index) -> ()
  } {rnn.time_loop}
  return %c : memref<?x4xf32>
}

// -----

// A step kernel that needs a value only the host computes stays a kernel of
// its own per step; so does any loop that is not a time loop.
// CHECK-LABEL: func.func @host_dependent
// CHECK-NOT: gpu.launch
// CHECK: scf.parallel
// CHECK: } {rnn.time_loop}
// CHECK: scf.parallel
func.func private @host_value(index) -> index
func.func @host_dependent(%a: memref<?xf32>, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.for %t = %c0 to %steps step %c1 {
    %n = func.call @host_value(%t) : (index) -> index
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      memref.store %zero, %a[%i] : memref<?xf32>
      scf.reduce
    }
  } {rnn.time_loop}
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%i) = (%c0) to (%steps) step (%c1) {
      memref.store %zero, %a[%i] : memref<?xf32>
      scf.reduce
    }
  }
  return
}

// -----

// Steps that read more weights than max-weight-bytes (here 16 x 8 floats,
// through a view) keep a launch per kernel per step.
// CHECK-LABEL: func.func @large_weights
// WEIGHTS-LABEL: func.func @large_weights
// WEIGHTS-NOT: gpu.launch
// WEIGHTS: scf.parallel
// WEIGHTS: } {rnn.time_loop}
memref.global "private" constant @weights : memref<16x8xf32> = dense<1.0>
func.func @large_weights(%a: memref<8xf32>, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %w = memref.get_global @weights : memref<16x8xf32>
  %row = memref.subview %w[0, 0] [1, 8] [1, 1] : memref<16x8xf32> to memref<8xf32, strided<[1]>>
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
      %x = memref.load %row[%i] : memref<8xf32, strided<[1]>>
      memref.store %x, %a[%i] : memref<8xf32>
      scf.reduce
    }
  } {rnn.time_loop}
  return
}

// -----

// Gates and their cell update: a stage over [rows, 8] whose result a stage
// over [rows, 4] reads in two column slices (offsets 0 and 4) deals its
// iterations by units of 4: thread (i, u) computes columns u and u + 4 in
// turn, the ones the update of unit u reads. So does the zero fill feeding
// it elementwise. No barrier separates the three; the step's last stage has
// one.
// CHECK-LABEL: func.func @gates_and_update
// CHECK: gpu.launch blocks
// CHECK: gpu.launch blocks
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step
// CHECK: %[[ROWS4:.*]] = arith.muli %{{.*}}, %c4
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[ROWS4]] step
// CHECK: %[[U:.*]] = arith.remui %[[I]], %c4
// CHECK: scf.for %[[G:.*]] = %c0 to %c2 step %c1
// CHECK: %[[SLICE:.*]] = arith.muli %[[G]], %c4
// CHECK: %[[COL:.*]] = arith.addi %[[U]], %[[SLICE]]
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}, %[[COL]]]
// CHECK-NOT: gpu.barrier
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK-NOT: gpu.barrier
// CHECK: memref.load %{{.*}} : memref<?x4xf32, strided<[8, 1]>>
// CHECK: memref.load %{{.*}} : memref<?x4xf32, strided<[8, 1], offset: 4>>
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: gpu.terminator
func.func @gates_and_update(%h: memref<?x4xf32>, %steps: index) -> memref<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %rows = memref.dim %h, %c0 : memref<?x4xf32>
  %gates = memref.alloc(%rows) : memref<?x8xf32>
  %out = memref.alloc(%rows) : memref<?x4xf32>
  %first = memref.subview %gates[0, 0] [%rows, 4] [1, 1] : memref<?x8xf32> to memref<?x4xf32, strided<[8, 1]>>
  %second = memref.subview %gates[0, 4] [%rows, 4] [1, 1] : memref<?x8xf32> to memref<?x4xf32, strided<[8, 1], offset: 4>>
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c8) step (%c1, %c1) {
      memref.store %zero, %gates[%i, %j] : memref<?x8xf32>
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c8) step (%c1, %c1) {
      %g = memref.load %gates[%i, %j] : memref<?x8xf32>
      %x = memref.load %h[%i, %c0] : memref<?x4xf32>
      %y = arith.addf %g, %x : f32
      memref.store %y, %gates[%i, %j] : memref<?x8xf32>
      scf.reduce
    }
    scf.parallel (%i, %u) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %a = memref.load %first[%i, %u] : memref<?x4xf32, strided<[8, 1]>>
      %b = memref.load %second[%i, %u] : memref<?x4xf32, strided<[8, 1], offset: 4>>
      %y = arith.mulf %a, %b : f32
      memref.store %y, %out[%i, %u] : memref<?x4xf32>
      scf.reduce
    }
  } {rnn.time_loop}
  memref.dealloc %gates : memref<?x8xf32>
  return %out : memref<?x4xf32>
}

// -----

// Carried state in two buffers alternating with the step's parity
// (rnnc-hoist-step-buffers): the step reads one and writes the other, so
// writing the new state needs no barrier after the stage reading the old
// one (any element of it); one barrier per step remains.
// CHECK-LABEL: func.func @alternating_state
// CHECK: scf.for
// CHECK: memref.load %{{.*}}[%{{.*}}, %c0]
// CHECK-NOT: gpu.barrier
// CHECK: arith.select
// CHECK: memref.store
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK: gpu.terminator
func.func @alternating_state(%init: memref<?x4xf32>, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %rows = memref.dim %init, %c0 : memref<?x4xf32>
  %even = memref.alloc(%rows) : memref<?x4xf32>
  %odd = memref.alloc(%rows) : memref<?x4xf32>
  %tmp = memref.alloc(%rows) : memref<?x4xf32>
  %final = scf.for %t = %c0 to %steps step %c1 iter_args(%h = %init) -> (memref<?x4xf32>) {
    %parity = arith.remui %t, %c2 : index
    %isEven = arith.cmpi eq, %parity, %c0 : index
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %x = memref.load %h[%i, %c0] : memref<?x4xf32>
      memref.store %x, %tmp[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    %next = arith.select %isEven, %even, %odd : memref<?x4xf32>
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %x = memref.load %tmp[%i, %j] : memref<?x4xf32>
      memref.store %x, %next[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    scf.yield %next : memref<?x4xf32>
  } {rnn.time_loop}
  return
}

// -----

// The same with a state buffer that does not alternate: the reads of the
// old state and the writes of the new one need a barrier between them.
// CHECK-LABEL: func.func @same_buffer_state
// CHECK: scf.for
// CHECK: memref.load %{{.*}}[%{{.*}}, %c0]
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK: memref.store
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK: gpu.terminator
func.func @same_buffer_state(%init: memref<?x4xf32>, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %rows = memref.dim %init, %c0 : memref<?x4xf32>
  %state = memref.alloc(%rows) : memref<?x4xf32>
  %tmp = memref.alloc(%rows) : memref<?x4xf32>
  %final = scf.for %t = %c0 to %steps step %c1 iter_args(%h = %init) -> (memref<?x4xf32>) {
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %x = memref.load %h[%i, %c0] : memref<?x4xf32>
      memref.store %x, %tmp[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %x = memref.load %tmp[%i, %j] : memref<?x4xf32>
      memref.store %x, %state[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    scf.yield %state : memref<?x4xf32>
  } {rnn.time_loop}
  return
}

// -----

// A matmul's sum over k: the stage's one loop adds products to the element
// it stores. Summed in a register and added to the element once, products
// and sums free to contract to fma. With lanes, every stage is
// dealt per group of consecutive threads (4 in the lanes=4 run) in rounds that every thread runs:
// lane l sums k = l, l + 4, ...; a butterfly of xor shuffles (2, 1) adds the
// lanes' sums; the group's first lane adds the total to the element, and
// runs the elementwise stage, both only for iterations before the end.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.for %[[K:.*]] = %c0 to %c8 step %c1 iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32)
// CHECK: %[[PRODUCT:.*]] = arith.mulf %{{.*}}, %{{.*}} fastmath<contract> : f32
// CHECK: %[[NEXT:.*]] = arith.addf %[[ACC]], %[[PRODUCT]] fastmath<contract> : f32
// CHECK: scf.yield %[[NEXT]]
// CHECK: %[[OLD:.*]] = memref.load %[[SUMS:.*]][
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %{{.*}} : f32
// CHECK: memref.store %[[NEW]], %[[SUMS]][
// CHECK-NOT: gpu.shuffle
// LANES-LABEL: func.func @matmul
// LANES: gpu.launch blocks
// LANES: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}}, %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in
// LANES: %[[THREAD:.*]] = arith.addi
// LANES: %[[GRID_THREADS:.*]] = arith.muli
// LANES: %[[GROUP:.*]] = arith.divui %[[THREAD]], %c4
// LANES: %[[GROUPS:.*]] = arith.divui %[[GRID_THREADS]], %c4
// LANES: %[[LANE:.*]] = arith.remui %[[TX]], %c4
// LANES: %[[FIRST_LANE:.*]] = arith.cmpi eq, %[[LANE]], %c0
// LANES: scf.for %{{.*}} = %c0 to %{{.*}} step %c1 {
// LANES: scf.for %[[ROUND:.*]] = %c0 to %{{.*}} step %c1 {
// LANES: %[[BASE:.*]] = arith.muli %[[ROUND]], %[[GROUPS]]
// LANES: %[[ITERATION:.*]] = arith.addi %[[BASE]], %[[GROUP]]
// LANES: %[[VALID:.*]] = arith.cmpi ult, %[[ITERATION]], %{{.*}}
// LANES: %[[GUARD:.*]] = arith.andi %[[VALID]], %[[FIRST_LANE]]
// LANES: %[[PARTIAL:.*]] = scf.if %[[VALID]] -> (f32) {
// LANES: scf.for %{{.*}} = %[[LANE]] to %c8 step %c4 iter_args(
// LANES: } else {
// LANES-NEXT: scf.yield %cst
// LANES: %[[SHUFFLED2:.*]], %{{.*}} = gpu.shuffle  xor %[[PARTIAL]], %c2_i32, %c32_i32 : f32
// LANES: %[[TWO:.*]] = arith.addf %[[PARTIAL]], %[[SHUFFLED2]]
// LANES: %[[SHUFFLED1:.*]], %{{.*}} = gpu.shuffle  xor %[[TWO]], %c1_i32, %c32_i32 : f32
// LANES: %[[TOTAL:.*]] = arith.addf %[[TWO]], %[[SHUFFLED1]]
// LANES: scf.if %[[GUARD]] {
// LANES: %[[OLD:.*]] = memref.load
// LANES: arith.addf %[[OLD]], %[[TOTAL]]
// LANES: memref.store
// The elementwise stage on the group's first lane.
// LANES: scf.for %{{.*}} = %c0 to %{{.*}} step %c1 {
// LANES: scf.if %{{.*}} {
// LANES: arith.mulf
// LANES: gpu.barrier
// With shared-weight-bytes, the sum's weights (w, [k = 8, n = 4], read at
// [k, j]) stay in shared memory: 64 bytes hold 2 units of 8 weights, but a
// chunk is as many units as make about 128 chunks, here 1, so 4 chunks (and
// blocks) of 1 unit. Before the time loop each block copies column
// blockIdx.x of w into its [8, 1] of shared memory, its threads in turn,
// then waits. Every 2-D stage is dealt by chunks: chunk c = round x gridDim
// + blockIdx.x, the block's 2 groups of 2 lanes taking its (row, unit)
// pairs in turn; in round 0 the sum reads the shared copy, in later rounds
// (a grid smaller than 4 blocks) w itself.
// SHARED-LABEL: func.func @matmul
// SHARED-SAME: (%[[H:.*]]: memref<?x8xf32>, %[[W:.*]]: memref<8x4xf32>,
// SHARED: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%[[GX:.*]] = %c4, %{{.*}}, %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c4, %{{.*}}, %{{.*}}) workgroup(%[[TILE:.*]] : memref<8x1xf32, #gpu.address_space<workgroup>>)
// SHARED: scf.for %[[I:.*]] = %[[TX]] to %c8 step %c4 {
// SHARED: %[[INSIDE:.*]] = arith.cmpi ult, %[[BX]], %c4
// SHARED: scf.if %[[INSIDE]] {
// SHARED: %[[X:.*]] = memref.load %[[W]][%[[I]], %[[BX]]]
// SHARED: memref.store %[[X]], %[[TILE]][%[[I]], %c0]
// SHARED: gpu.barrier
// SHARED: %[[GROUP:.*]] = arith.divui %[[TX]], %c2
// SHARED: scf.for %{{.*}} = %c0 to %{{.*}} step %c1 {
// SHARED: scf.for %[[ROUND:.*]] = %c0 to %{{.*}} step %c1 {
// SHARED: %[[FROM_ROUND:.*]] = arith.muli %[[ROUND]], %[[GX]]
// SHARED: %[[CHUNK:.*]] = arith.addi %[[FROM_ROUND]], %[[BX]]
// SHARED: %[[RESIDENT:.*]] = arith.cmpi eq, %[[ROUND]], %c0
// SHARED: scf.for %[[PAIRS:.*]] = %c0 to %{{.*}} step %c1 {
// SHARED: %[[FIRST_PAIR:.*]] = arith.muli %[[PAIRS]], %c2
// SHARED: %[[ROW:.*]] = arith.addi %[[FIRST_PAIR]], %[[GROUP]]
// SHARED: scf.if %[[RESIDENT]] -> (f32) {
// SHARED: scf.for %[[K:.*]] = %{{.*}} to %c8 step %c2 iter_args(
// SHARED: memref.load %[[H]][%[[ROW]], %[[K]]]
// SHARED: memref.load %[[TILE]][%[[K]], %c0]
// SHARED: } else {
// SHARED: scf.for %[[K2:.*]] = %{{.*}} to %c8 step %c2 iter_args(
// SHARED: memref.load %[[W]][%[[K2]], %[[CHUNK]]]
// SHARED: gpu.shuffle  xor
// SHARED: gpu.barrier
func.func @matmul(%h: memref<?x8xf32>, %w: memref<8x4xf32>, %steps: index) -> memref<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %rows = memref.dim %h, %c0 : memref<?x8xf32>
  %sums = memref.alloc(%rows) : memref<?x4xf32>
  %out = memref.alloc(%rows) : memref<?x4xf32>
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      scf.for %k = %c0 to %c8 step %c1 {
        %a = memref.load %h[%i, %k] : memref<?x8xf32>
        %b = memref.load %w[%k, %j] : memref<8x4xf32>
        %c = memref.load %sums[%i, %j] : memref<?x4xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %sums[%i, %j] : memref<?x4xf32>
      }
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %x = memref.load %sums[%i, %j] : memref<?x4xf32>
      %y = arith.mulf %x, %x : f32
      memref.store %y, %out[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
  } {rnn.time_loop}
  return %out : memref<?x4xf32>
}

// -----

// Weights that a step writes are not copied once into shared memory.
// SHARED-LABEL: func.func @written_weights
// SHARED-NOT: workgroup(
// SHARED: gpu.shuffle
func.func @written_weights(%h: memref<?x8xf32>, %w: memref<8x4xf32>, %steps: index) -> memref<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %rows = memref.dim %h, %c0 : memref<?x8xf32>
  %sums = memref.alloc(%rows) : memref<?x4xf32>
  scf.for %t = %c0 to %steps step %c1 {
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      scf.for %k = %c0 to %c8 step %c1 {
        %a = memref.load %h[%i, %k] : memref<?x8xf32>
        %b = memref.load %w[%k, %j] : memref<8x4xf32>
        %c = memref.load %sums[%i, %j] : memref<?x4xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %sums[%i, %j] : memref<?x4xf32>
      }
      scf.reduce
    }
    scf.parallel (%k, %j) = (%c0, %c0) to (%c8, %c4) step (%c1, %c1) {
      %x = memref.load %w[%k, %j] : memref<8x4xf32>
      %y = arith.mulf %x, %x : f32
      memref.store %y, %w[%k, %j] : memref<8x4xf32>
      scf.reduce
    }
  } {rnn.time_loop}
  return %sums : memref<?x4xf32>
}

// -----

// Stacked layers: the second phase of a step (stages 3 and 4, after the
// barrier that stage 3's read of x[i, 0] needs) runs step t - 1 while the
// first runs step t, one barrier per wavefront instead of two per step.
// The step buffer x, written by the first phase and read by the second, gets
// a twin alternating with the step's parity (each phase picks its step's);
// y, only the second phase's, does not. The loop runs T + 1 wavefronts; a
// phase runs when its step exists, its pure ops seeing the step clamped
// into [0, T). Carried values: the first phase's (h1, h2 of step t) and the
// second's (h2 of step t - 1).
// HOST-LABEL: func.func @stacked
// HOST: gpu.launch blocks
// HOST: %[[WAVEFRONTS:.*]] = arith.addi %arg2, %c1
// HOST: scf.for %[[W:.*]] = %c0 to %[[WAVEFRONTS]] step %c1 iter_args(%[[H1:.*]] = %arg0, %{{.*}} = %arg1, %[[H2_BEFORE:.*]] = %arg1)
// HOST: %[[PREVIOUS:.*]] = arith.subi %[[W]], %c1
// HOST: %[[X_NOW:.*]] = arith.select %{{.*}}, %[[X:alloc_[0-9]+]], %[[X_TWIN:alloc_[0-9]+]]
// HOST: %[[X_BEFORE:.*]] = arith.select %{{.*}}, %[[X]], %[[X_TWIN]]
// HOST: %[[FIRST_RUNS:.*]] = arith.cmpi ult, %[[W]], %arg2
// HOST: scf.if %{{.*}} {
// HOST: memref.load %[[H1]][
// HOST: memref.store %{{.*}}, %[[X_NOW]][
// HOST: memref.load %[[X_NOW]][
// HOST: %[[SECOND_STARTED:.*]] = arith.cmpi uge, %[[W]], %c1
// HOST: scf.if %{{.*}} {
// HOST: memref.load %[[X_BEFORE]][%{{.*}}, %c0]
// HOST: memref.load %[[H2_BEFORE]][
// HOST: memref.store %{{.*}}, %[[Y:alloc_[0-9]+]][
// HOST: gpu.barrier
// HOST: scf.while
// HOST: gpu.barrier
// HOST-NOT: gpu.barrier
// HOST: scf.yield
// HOST: memref.dealloc %[[X]]
// HOST-NEXT: memref.dealloc %[[X_TWIN]]
// Without the wavefront: two barriers per step.
// NOWAVE-LABEL: func.func @stacked
// NOWAVE: scf.for %{{.*}} = %c0 to %arg2 step %c1 iter_args(%{{[^)]*}}) -> (memref<?x4xf32>, memref<?x4xf32>) {
// NOWAVE-COUNT-2: scf.while
func.func @stacked(%init1: memref<?x4xf32>, %init2: memref<?x4xf32>, %steps: index) -> (memref<?x4xf32>, memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %rows = memref.dim %init1, %c0 : memref<?x4xf32>
  %even1 = memref.alloc(%rows) : memref<?x4xf32>
  %odd1 = memref.alloc(%rows) : memref<?x4xf32>
  %even2 = memref.alloc(%rows) : memref<?x4xf32>
  %odd2 = memref.alloc(%rows) : memref<?x4xf32>
  %x = memref.alloc(%rows) : memref<?x4xf32>
  %y = memref.alloc(%rows) : memref<?x4xf32>
  %final:2 = scf.for %t = %c0 to %steps step %c1 iter_args(%h1 = %init1, %h2 = %init2) -> (memref<?x4xf32>, memref<?x4xf32>) {
    %parity = arith.remui %t, %c2 : index
    %isEven = arith.cmpi eq, %parity, %c0 : index
    %next1 = arith.select %isEven, %even1, %odd1 : memref<?x4xf32>
    %next2 = arith.select %isEven, %even2, %odd2 : memref<?x4xf32>
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %v = memref.load %h1[%i, %c0] : memref<?x4xf32>
      memref.store %v, %x[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %v = memref.load %x[%i, %j] : memref<?x4xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %next1[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %v = memref.load %x[%i, %c0] : memref<?x4xf32>
      %u = memref.load %h2[%i, %j] : memref<?x4xf32>
      %w = arith.addf %v, %u : f32
      memref.store %w, %y[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%rows, %c4) step (%c1, %c1) {
      %v = memref.load %y[%i, %j] : memref<?x4xf32>
      memref.store %v, %next2[%i, %j] : memref<?x4xf32>
      scf.reduce
    }
    scf.yield %next1, %next2 : memref<?x4xf32>, memref<?x4xf32>
  } {rnn.time_loop}
  memref.dealloc %x : memref<?x4xf32>
  memref.dealloc %y : memref<?x4xf32>
  return %final#0, %final#1 : memref<?x4xf32>, memref<?x4xf32>
}
