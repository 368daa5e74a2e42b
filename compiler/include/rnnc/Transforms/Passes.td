#ifndef RNNC_TRANSFORMS_PASSES_TD
#define RNNC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MergeGpuModules : Pass<"rnnc-merge-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Move every kernel into the first gpu.module";
  let description = [{
    `gpu-kernel-outlining` puts each kernel in a gpu.module of its own; a
    model's kernels are meant to be one device module (one PTX file, one
    module load). Each kernel takes its module's name (unique in the parent
    symbol table) when the module holds one kernel, else `<module>_<kernel>`,
    is moved into the first gpu.module, and every `gpu.launch_func` is
    redirected. Modules whose attributes (targets) differ are refused.
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

def HoistParallelRegion : Pass<"rnnc-hoist-parallel-region", "::mlir::func::FuncOp"> {
  let summary = "Run a loop of parallel loops (the time loop) in one OpenMP team";
  let description = [{
    `convert-scf-to-openmp` makes each `scf.parallel` its own `omp.parallel`:
    in a time loop, a fork and join of the thread team per matmul per step. This
    pass puts each outermost `scf.for` that contains `scf.parallel` loops into
    one `omp.parallel` of `threads` threads instead: every thread runs the loop
    control and the code without side effects; each `scf.parallel` becomes an
    `omp.wsloop` (static schedule: a thread gets the same iterations, so the
    same weights, every step; its implicit barrier ends the stage), each run of
    other ops that write memory an `omp.single`, with an `omp.barrier` before a
    stage whenever memory may have been read since the last one. Loops that
    allocate or whose writes produce values stay as they are.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"2", "Threads of the team">,
  ];
  let dependentDialects = ["::mlir::omp::OpenMPDialect", "::mlir::LLVM::LLVMDialect"];
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
    another, so kernels must not synchronize within a block (`gpu.barrier`,
    shared memory): rnnc's do not, and the pass refuses any that does.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // RNNC_TRANSFORMS_PASSES_TD
