#ifndef RNNC_TRANSFORMS_PASSES_TD
#define RNNC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def GuardTensorIndices : Pass<"rnnc-guard-tensor-indices", "::mlir::func::FuncOp"> {
  let summary = "Check a model's element indices at run time; never read outside a tensor";
  let description = [{
    Runs on the model's own ops, before lowering. Every `tensor.extract` and
    `tensor.insert` whose indices are not constants within static sizes (an
    index the model computes, from data or from run-time sizes) runs only
    when each index lies in [0, size): an `scf.if` around it yields zero (an
    extract) or the unchanged tensor (an insert) otherwise. Every
    `tensor.extract_slice` and `tensor.insert_slice` that does not provably
    stay inside its tensor (constants within static sizes, or a whole
    dimension) is checked the same way, and an insert's source against the
    sizes it is inserted with; out of range its computed offsets become 0,
    its sizes 0 and its strides 1 (`arith.select`), so the slice is empty
    (slices of static sizes are read or written through a run-time sized
    one). A `cf.assert` naming the op's location reports the failure
    (`convert-assert-to-rnnrt`: the call fails with the message). Untrusted
    models cannot read or write out of bounds through computed indices.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::cf::ControlFlowDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MergeGpuModules : Pass<"rnnc-merge-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Move every kernel into the first gpu.module";
  let description = [{
    `gpu-kernel-outlining` puts each kernel in a gpu.module of its own; a
    model's kernels are meant to be one device module (one PTX file, one
    module load). Each kernel takes its module's name (unique in the parent
    symbol table) when the module holds one kernel, else `<module>_<kernel>`,
    is moved into the first gpu.module, and every `gpu.launch_func` is
    redirected. Modules whose attributes (targets) differ are refused.
    Kernels holding a grid barrier (ops marked `rnnc.grid_barrier`, from
    `rnnc-persistent-time-loop`) get that attribute, and the top-level
    module lists their names in `rnnc.grid_barrier_kernels`, which
    `convert-gpu-launch-to-rnnrt` reads to launch them cooperatively.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def LegalizeGpuHost : Pass<"rnnc-legalize-gpu-host", "::mlir::ModuleOp"> {
  let summary = "Keep a bufferized model's host code off device memory";
  let description = [{
    Runs on the bufferized model before its loops become GPU kernels. On a GPU
    every buffer the kernels touch is device memory, which host code may only
    pass around, never read or write. So: each `memref.copy` becomes a
    `linalg.copy` (then a kernel like any other linalg op); each statically
    shaped allocation that host code alone uses (`memref.load`/`store`, the
    deallocation pipeline's ownership arrays and helper calls) becomes a
    `memref.alloca` at the function entry (its deallocations dropped), which
    leaves every `memref.alloc` a device buffer. Any other host access to a
    buffer is reported as an error at the access.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::memref::MemRefDialect"];
}

def TileParallelLoops : Pass<"rnnc-tile-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Split each outermost scf.parallel into blocks of threads";
  let description = [{
    Tiles the innermost dimension of every outermost `scf.parallel` by
    `threads` (or its static size, when smaller) and the others by 1, so that
    `gpu-map-parallel-loops` maps the tile loop to blocks and the loop inside
    a tile to the threads of a block: consecutive threads take consecutive
    elements of the innermost dimension, whose loads coalesce (in a 3-D nest
    it is threadIdx.z, which CUDA caps at 64 per block). Partial tiles
    are guarded by an `scf.if` (the thread loop keeps a constant bound).
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"128",
           "Threads per block along the innermost dimension">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect"];
}

def HoistParallelRegion : Pass<"rnnc-hoist-parallel-region", "::mlir::ModuleOp"> {
  let summary = "Run a loop of parallel loops (the time loop) in one OpenMP team";
  let description = [{
    `convert-scf-to-openmp` makes each `scf.parallel` its own `omp.parallel`:
    in a time loop, a fork and join of the thread team per matmul per step. This
    pass puts each outermost `scf.for` that contains `scf.parallel` loops into
    one `omp.parallel` of `threads` threads instead: every thread runs the loop
    control and the code without side effects; each `scf.parallel` becomes an
    `scf.for` over the calling thread's share of its iterations (of n, thread t
    of the team's T gets n / T, the first n % T one more, in order: OpenMP's
    static schedule, computed from `omp_get_thread_num` and
    `omp_get_num_threads` once per team instead of a libomp call per loop), so
    a thread gets the same iterations, so the same weights, every step; each
    run of other ops that write memory runs on thread 0 (an `scf.if` marked
    `rnnc.single_thread`); and an `omp.barrier` goes before a stage when it
    may conflict with what ran since the last one (one of the two writes a
    buffer the other touches: buffers traced to their allocations, which never
    overlap each other or globals; arguments may overlap), at the end of a
    nested loop body or branch when anything ran since, and at the end of the
    time loop's body when what ran since may conflict with a stage the next
    iteration runs before its first barrier (or the body has none). Two parallel
    loops over the same iterations do not conflict on a buffer that both index
    only by their induction variable in its first dimension: iteration i of
    both runs on the same thread. Loops that allocate or whose writes produce
    values stay as they are. The team is marked `rnnc.spin_barriers` for
    rnnc-spin-barriers.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"2", "Threads of the team">,
  ];
  let dependentDialects = ["::mlir::omp::OpenMPDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect"];
}

def SpinBarriers : Pass<"rnnc-spin-barriers", "::mlir::ModuleOp"> {
  let summary = "Replace the barriers of rnnc-hoist-parallel-region's teams by spinning ones";
  let description = [{
    In each `omp.parallel` marked `rnnc.spin_barriers` (the teams of
    rnnc-hoist-parallel-region), every `omp.barrier` of the team becomes a
    sense-reversing barrier on a counter and a flag on the calling thread's
    stack: each thread flips its own sense and atomically counts itself in
    (`memref.atomic_rmw`, acquire-release); the last to arrive resets the
    count and stores its sense into the flag (release); the others read the
    flag (acquire) until it flips, pausing between reads, and yielding the
    core at each read after a while (more threads than cores). The team's
    size is its actual one (`omp_get_num_threads`). libomp's barrier cost
    0.15 us here (`__kmpc_barrier`, two threads), this one 0.03 us, and a
    step of a small batch crosses two to four. A team of more threads than
    OpenMP's processors (`omp_get_num_procs`) keeps libomp's barrier, which
    yields and sleeps: spinning, each barrier waited for a scheduler time
    slice.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def PrefetchSharedBuffers : Pass<"rnnc-prefetch-shared-buffers", "::mlir::ModuleOp"> {
  let summary = "Prefetch, after each barrier of a time loop's team, the small buffers other threads just wrote";
  let description = [{
    In each `omp.parallel` marked `rnnc.spin_barriers` (the teams of
    rnnc-hoist-parallel-region), the body of the time loop is cut into
    epochs by its `omp.barrier`s. At the start of each epoch, every thread
    prefetches (`memref.prefetch`) each cache line of the buffers the epoch
    reads and does not write, that the loop writes, static and of at most
    2048 elements: at a small batch the state rows that the threads wrote in
    the previous epoch, in the other core's cache. The matmuls' k loops read
    them one element at a time, and each new line was a cross-core miss that
    the out-of-order window did not hide (`rnnc bench`, GRU H=256 B=1, two
    threads: 0.451 -> 0.414 ms).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def BlockContractions : Pass<"rnnc-block-contractions", "::mlir::func::FuncOp"> {
  let summary = "Give each GPU thread a register block of a time-parallel contraction";
  let description = [{
    A linalg op on buffers with a reduction, outside any loop (on the GPU
    target: the hoisted input projection of all steps), becomes a parallel
    loop over blocks of `rows` x `columns` outputs (its outermost and
    innermost parallel dimensions; `rows` x `columns` accumulators carried
    through the reduction loops, so that they stay in registers), each block
    one thread's work: per step of the reduction it loads `rows` + `columns`
    operands instead of 2 per output. Edge blocks read clamped indices and
    store only their valid outputs. Ops whose maps are not projected
    permutations, whose body reads `linalg.index`, or with other than one
    output are left alone, as are contractions inside the time loop (a step's
    matmul has too few outputs to share).
  }];
  let options = [
    Option<"rows", "rows", "int64_t", /*default=*/"4",
           "Outputs per thread along the outermost parallel dimension">,
    Option<"columns", "columns", "int64_t", /*default=*/"4",
           "Outputs per thread along the innermost parallel dimension">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def EmulateGpuOnHost : Pass<"rnnc-emulate-gpu-on-host", "::mlir::ModuleOp"> {
  let summary = "Run outlined GPU kernels on the host, one call per thread";
  let description = [{
    For checking the GPU mapping without a GPU: every kernel of a gpu.module
    becomes a host function taking its block and thread indices and the grid
    and block sizes as extra arguments (`gpu.block_id`, `gpu.thread_id`,
    `gpu.block_dim`, `gpu.grid_dim` read them), and every `gpu.launch_func`
    a loop nest over blocks and threads calling it. Threads run one after
    another, so such kernels must not synchronize within a block
    (`gpu.barrier`, shared memory): the pass refuses any that does. The
    exception is a kernel with a grid barrier (`rnnc.grid_barrier`, from
    `rnnc-persistent-time-loop`): its launch is an OpenMP team of one thread
    per GPU thread, all running at once, and its block barriers are team
    barriers (a team smaller than asked for, which would wait forever at the
    grid barrier, runs nothing). Its warp shuffles (`gpu.shuffle xor` of
    floats) go through a buffer of one value per thread of the team: write,
    team barrier, read the partner's, team barrier; every thread of the team
    must shuffle, as every lane of a warp must on a GPU.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::omp::OpenMPDialect"];
}

def HoistStepBuffers : Pass<"rnnc-hoist-step-buffers", "::mlir::func::FuncOp"> {
  let summary = "Allocate a bufferized time loop's step buffers once, before it";
  let description = [{
    Bufferization allocates each step's temporaries, and the state it
    carries to the next step, inside the time loop (`rnn.time_loop`); a
    persistent GPU kernel cannot. Carried buffers keep their shapes (the
    marker says so), so `memref.dim` of an iter_arg becomes that of its
    initial value, and every allocation of loop-invariant size moves out: one
    freed in the same step becomes one buffer before the loop (freed after
    it); one carried to the next step becomes two, step i writing buffer
    i % 2 while it reads the other. Carried buffers then no longer own their
    memory (ownership flags yield false): what the loop returns is copied by
    the deallocation code when it is returned, and the pairs are freed before
    the function returns. A loop with any other use of its step buffers is
    left as it is. Unless `carry-state`, the alternating buffers are then
    computed instead of carried (the first step reads the initial value, step
    i the one step i - 1 wrote; the result is the last one written), so the
    loop carries nothing and runs in one OpenMP team on the CPU; the GPU's
    persistent kernel keeps them carried, which its wavefront over stacked
    layers follows (rnnc-persistent-time-loop).
  }];
  let options = [
    Option<"carryState", "carry-state", "bool", /*default=*/"false",
           "Keep the alternating state buffers carried by the loop">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def PersistentTimeLoop : Pass<"rnnc-persistent-time-loop", "::mlir::func::FuncOp"> {
  let summary = "Run a time loop of parallel loops as one GPU kernel with grid barriers";
  let description = [{
    A time loop (`rnn.time_loop`) whose parallel loops (the per-step
    kernels) depend on nothing but pure ops (views, index arithmetic) and
    carried values computed by pure ops, as `rnnc-hoist-step-buffers` leaves
    it, becomes one `gpu.launch` of 1-D
    blocks of `threads` threads that runs every step: each parallel loop a
    grid-stride loop over its iterations (the same iterations for a thread in
    every step), followed by a grid-wide barrier (block barrier, the block's
    first thread releases with a fence, counts its arrival on a device
    counter, waits for all blocks, acquires with a fence, block barrier)
    unless the next loop only touches what the loops since the last barrier
    touched at the same element in the same thread, or other buffers
    (allocations, globals and the function's arguments, carried buffers being
    any of their initial and yielded buffers, except that a carried buffer
    and the one yielded for it alternating with the step's parity are never
    the same within a step); the last loop of a step always has one. A loop over [rows, n] whose result a later loop over [rows, u]
    reads in column slices (an LSTM's gates, read per gate by the cell update)
    deals its iterations by units of u: the thread of (i, j mod u) computes
    (i, j), so that it computes the gates of the units it updates; so do the
    loops over [rows, n] feeding it elementwise. The
    grid asks for enough blocks for the largest step kernel (at most
    `max-blocks` when positive); the runtime launches it cooperatively, capped
    at what the device holds at once, which the barrier needs. The host keeps
    the loop without its parallel loops, run after the kernel: which buffer
    holds the final state, and buffer deallocation's ownership bookkeeping
    (host memory only; it frees no buffer a later step reads). A loop whose
    steps read more than `max-weight-bytes` of weights keeps a launch per
    kernel per step: the persistent kernel relies on each block reading the
    same weights every step from the GPU's caches. A loop whose body sums
    products into its iteration's element over k (a matmul) is split over a
    group of `lanes` consecutive threads (a power of two dividing the warp):
    lane l sums k = l, l + lanes, ... in a register, a butterfly of warp
    shuffles adds the lanes' sums, and the group's first lane adds the total
    to the element. With `lanes` above 1 every loop's iterations are dealt
    per group (the loops without such a sum run on the group's first lane)
    in rounds that every thread of the grid runs, the shuffles' threads all
    present. `lanes` 0 chooses from the sums' depth k: k / 32, a power of
    two, at most 32 and `threads`. With `shared-weight-bytes`, the weights of
    such sums (a constant [k, n] buffer read at [k, j]) stay in shared
    memory: the units (columns modulo the unit of the stage's iterations)
    are dealt in chunks of the same number of units to blocks, chunk c to
    block c mod gridDim, a block's groups taking the chunk's (row, unit)
    pairs; before the time loop each block copies the weight columns of its
    first chunk (every slice of its units) into shared memory, which that
    chunk's sums then read. A chunk is as many units as make about 128
    chunks, at most as many as fit the bytes; every 2-D stage is dealt by
    chunks then (the same thread for the same element, as above). With
    `wavefront`, the stages fall into phases (each after every stage it needs
    a barrier after, none before one it depends on, none before what it
    needs of the step before) and phase p runs step t - p while phase 0 runs
    step t, then one barrier, when no phase touches in a later step what a
    later phase touches (one writing it): a buffer alternating with the
    step's parity differs between steps an odd number apart; a step buffer
    written in one phase and read in another gets a twin alternating so. Fences are PTX
    (`fence.acq_rel.gpu`) with `ptx-fences`, LLVM's `fence` otherwise (for
    running the kernel on the host).
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"128", "Threads per block">,
    Option<"maxBlocks", "max-blocks", "int64_t", /*default=*/"0",
           "Most blocks to launch (0: as many as the largest step kernel needs)">,
    Option<"ptxFences", "ptx-fences", "bool", /*default=*/"false",
           "Fence with PTX inline assembly (NVPTX) instead of LLVM fences">,
    Option<"lanes", "lanes", "int64_t", /*default=*/"0",
           "Threads that share a matmul's sum over k (a power of two dividing the "
           "warp; 0: from k)">,
    Option<"sharedWeightBytes", "shared-weight-bytes", "int64_t", /*default=*/"0",
           "Shared memory per block for the weights of matmul sums (0: none)">,
    Option<"wavefront", "wavefront", "bool", /*default=*/"true",
           "Run the phases of a step (stacked layers) as a wavefront over steps, one "
           "barrier each, where that is safe">,
    Option<"maxWeightBytes", "max-weight-bytes", "int64_t", /*default=*/"0",
           "Leave time loops whose steps read more constant bytes (weights) than "
           "this to a launch per kernel per step (0: no limit)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
                           "::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def X86DotProducts : Pass<"rnnc-x86-dot-products"> {
  let summary = "Lower the int8 and bf16 matmuls' dot products to vpdpbusd and vdpbf16ps";
  let description = [{
    The int8 vector matmuls (convert-rnn-to-loops weight-precision=int8)
    accumulate, per i32 lane i, the products of the bytes 4i .. 4i + 3 of a
    u8 and an s8 vector: a vector.multi_reduction <add> over the inner
    dimension of a [lanes, 4] shape_cast of `extui(a) * extsi(w)`; the bf16
    ones (bf16-dot-products), per f32 lane, the products of the elements
    2i, 2i + 1 of two bf16 vectors, `extf(a) * extf(w)` as [lanes, 2]. With
    `vnni` (the target has AVX512-VNNI) and 16 lanes, the first become one
    llvm.x86.avx512.vpdpbusd.512 each; with `avx512-bf16` and 16 lanes the
    second llvm.x86.avx512bf16.dpbf16ps.512 (which flushes denormal products
    to zero). Otherwise the products' strided quarters or halves are
    shuffled out and added, which any target lowers. Runs just before the
    vector dialect goes to LLVM: the intrinsic call has no memory effects
    MLIR knows of, and earlier passes would treat it as a write.
  }];
  let options = [
    Option<"vnni", "vnni", "bool", /*default=*/"false",
           "The target has AVX512-VNNI">,
    Option<"avx512Bf16", "avx512-bf16", "bool", /*default=*/"false",
           "The target has AVX512_BF16">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def SumInRegisters : Pass<"rnnc-sum-in-registers", "::mlir::func::FuncOp"> {
  let summary = "Carry a loop's sum into one memory element in a register";
  let description = [{
    A loop whose only store adds a term to the element it loads (the same
    buffer at indices the loop does not change, which no other load of the
    loop may read: told apart by their allocations), as linalg lowers a
    matmul's reduction over k, becomes a loop carrying the sum: the element
    loaded once before it, each term added to the carried value in the same
    order, the sum stored once after it. Its multiplies and adds may
    contract to fma. For the GPU kernels: the store in every iteration could
    otherwise not leave the loop (the other loads might read it).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def FuseBroadcastProducers : Pass<"rnnc-fuse-broadcast-producers", "::mlir::func::FuncOp"> {
  let summary = "Recompute small broadcast elementwise ops in each of their consumers";
  let description = [{
    `linalg-fuse-elementwise-ops` fuses a producer into its consumer only
    when that consumer is its one user. An elementwise linalg.generic of
    fewer dimensions than its consumer and at most `max-ops` scalar ops (a
    step's length mask over the batch, read by each masked select over
    [batch, units]) is cheaper to recompute in each consumer than to store
    and load: on the GPU target it is otherwise a kernel of its own per step,
    and in a persistent kernel a grid barrier before its readers, which read
    rows other threads computed. This pass fuses such producers into every
    consumer (tensors); the producer goes once unused.
  }];
  let options = [
    Option<"maxOps", "max-ops", "int64_t", /*default=*/"4",
           "Most scalar ops in a producer that is recomputed">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

#endif // RNNC_TRANSFORMS_PASSES_TD
