#ifndef RNNC_CONVERSION_PASSES_TD
#define RNNC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertRnnToLoops : Pass<"convert-rnn-to-loops", "::mlir::ModuleOp"> {
  let summary = "Lower rnn.dynamic_rnn over custom cells to a time loop of vector matmuls";
  let description = [{
    Replaces every `rnn.dynamic_rnn` over `rnn.custom_cell`s (built-in cells
    are decomposed into custom cells first: `rnn-decompose-cells`, which
    rnnc-cpu-pipeline runs; a built-in cell left is an error) by a time loop
    over tensors that inlines each layer's step for the whole batch and applies
    lengths or masks row by row with selects. A stack runs as one sequence per
    layer where an upper layer's input projection is then hoisted; a layer's
    input matmuls are hoisted before the loop as one contraction over T * B
    rows where their weights are large for the batch (`project-inputs-above-
    bytes`), else the input and state matmuls are one matmul of two terms.
    With `vector-matmuls`, every step matmul with weights and the hoisted
    projection become register-blocked vector matmuls: constant weights
    packed at compile time into contiguous column groups (gate-interleaved
    where the step slices the result into gates), a block of `row-block` rows
    sharing each weight load, `accumulators` vector accumulators, and the
    cell's elementwise equations evaluated on the accumulators (the matmul's
    epilogue). With `threads` > 1 the column groups are an `scf.parallel`
    loop. Tensor operands are read through `bufferization.to_memref`; results
    are fresh buffers handed back by `bufferization.to_tensor`, so one-shot
    bufferization finishes the job.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector (16 = one AVX-512 register)">,
    Option<"accumulators", "accumulators", "int64_t", /*default=*/"8",
           "Column blocks (vector accumulators) computed together by each matmul">,
    Option<"rowBlock", "row-block", "int64_t", /*default=*/"4",
           "Batch rows whose gate matmuls share each weight load">,
    Option<"projectInputsAboveBytes", "project-inputs-above-bytes", "int64_t",
           /*default=*/"1048576",
           "Compute the bottom layer's input projection for all steps before the "
           "time loop when its input weights exceed this many bytes (a sixteenth "
           "of it for a static batch below a sixteenth of the input depth, 8 times "
           "it for a static batch of 32 rows or more)">,
    Option<"halideProjection", "halide-projection", "bool", /*default=*/"false",
           "Compute the hoisted input projection by calling the Halide pipeline "
           "rnnrt_halide_project_inputs (librnnrt_halide) instead of emitting loops">,
    Option<"threads", "threads", "int64_t", /*default=*/"1",
           "Threads sharing each matmul's column groups (scf.parallel when > 1)">,
    Option<"weightPrecision", "weight-precision", "std::string", /*default=*/"\"f32\"",
           "Constant weights of the vector matmuls of cells without "
           "rnn.weight_precision (rnn-weight-precision): f32, bf16 (rounded to "
           "nearest even, half the bytes, widened to f32 as loaded) or int8 (the "
           "steps' matmuls and the input projection: s8 per column, rows quantized "
           "per row to u8 as they are read, sums in i32)">,
    Option<"bf16DotProducts", "bf16-dot-products", "bool", /*default=*/"false",
           "bf16: round the matmuls' rows to bf16 too and sum products of two "
           "rows per lane (vdpbf16ps once rnnc-x86-dot-products runs; for "
           "targets with AVX512_BF16) instead of widening the weights">,
    Option<"vectorMatmuls", "vector-matmuls", "bool", /*default=*/"true",
           "Custom cells: emit the steps' matmuls with weights and the hoisted "
           "input projection as the built-in cells' vector matmuls (off: keep "
           "them linalg ops, for the GPU's mapping)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"];
}

def ConvertAssertToRnnrt : Pass<"convert-assert-to-rnnrt", "::mlir::ModuleOp"> {
  let summary = "Report failed model checks (cf.assert) to the runtime";
  let description = [{
    A model's run-time checks (`cf.assert`, from `rnnc-guard-tensor-indices`)
    in functions marked `rnnc.exec` become, where they fail, a call of the
    exec's `fail(self, message)` (`rnnrt_cpu_exec_t`): the code goes on (its
    accesses are guarded) and the runtime reports the call as failed with the
    message. Elsewhere (GPU kernels, which cannot reach the runtime) checks
    are dropped. Runs before `scf` is lowered.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def ConvertMallocToRnnrt : Pass<"convert-malloc-to-rnnrt", "::mlir::ModuleOp"> {
  let summary = "Take the model's heap memory from the runtime's exec, not malloc";
  let description = [{
    Runs on the LLVM dialect. Functions marked `rnnc.exec` take the runtime's
    exec as their first argument (`const rnnrt_cpu_exec_t *` or
    `const rnnrt_cuda_exec_t *`; both begin with self, alloc, free); in them
    every call to `malloc` becomes the exec's `alloc` and every `free` its
    `free`, so that the runtime serves a call's temporaries and results from
    the instance's workspace (or device memory) instead of the C library.
    `malloc` or `free` in any other function is an error; their declarations
    are dropped once unused.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ConvertGpuLaunchToRnnrt : Pass<"convert-gpu-launch-to-rnnrt", "::mlir::ModuleOp"> {
  let summary = "Turn the host side of GPU code into calls through rnnrt_cuda_exec";
  let description = [{
    Runs after `gpu-to-llvm` (host code in the LLVM dialect, `gpu.launch_func`
    with flattened operands, the kernels a `gpu.binary`). Functions marked
    `rnnc.exec` take a `const rnnrt_cuda_exec_t *` (runtime/include/
    rnnrt/cuda.h) as their first argument; in them (their heap calls are
    `convert-malloc-to-rnnrt`'s), every address of a
    constant global (weights) the exec's `constant` (its device copy, by
    index), and every `gpu.launch_func` the exec's `launch` with the kernel's
    index and its operands packed as cuLaunchKernel expects (`launch_cooperative`
    for the kernels the module lists in `rnnc.grid_barrier_kernels`, an
    attribute it then drops). The gpu.binary is
    erased; the module gets `rnnc.cuda_kernels` (the kernel names, by index)
    and `rnnc.cuda_constants` (how many constants). Launches or
    constants anywhere else are errors.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // RNNC_CONVERSION_PASSES_TD
