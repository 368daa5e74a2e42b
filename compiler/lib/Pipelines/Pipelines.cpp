#include "rnnc/Pipelines/Pipelines.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "rnnc/Conversion/Passes.h"
#include "rnnc/Dialect/Rnn/Transforms/Passes.h"
#include "rnnc/Transforms/Passes.h"

using namespace mlir;

void mlir::rnnc::buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options) {
  buildCpuBufferizationPipeline(pm, options);
  buildCpuToLLVMPipeline(pm, options);
}

namespace {
/// Copies `from` into `to` (bufferization's copies): a linalg.copy, or with
/// `threads` > 1 inside a time loop one per row in a parallel loop, so that
/// the threads of the loop's team share a step's copies (e.g. a custom cell's
/// output row into the sequence) instead of one copying while the others
/// wait.
LogicalResult copyBuffer(OpBuilder &b, Location loc, Value from, Value to, int64_t threads) {
  auto type = cast<MemRefType>(from.getType());
  bool inTimeLoop = false;
  for (Operation *op = b.getInsertionBlock()->getParentOp(); op && !inTimeLoop;
       op = op->getParentOp())
    inTimeLoop = op->hasAttr(rnnc::kTimeLoopAttrName);
  if (threads <= 1 || type.getRank() < 2 || !inTimeLoop) {
    b.create<linalg::CopyOp>(loc, from, to);
    return success();
  }
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value one = b.create<arith::ConstantIndexOp>(loc, 1);
  Value rows = b.create<memref::DimOp>(loc, from, 0);
  auto loop = b.create<scf::ParallelOp>(loc, ValueRange{zero}, ValueRange{rows}, ValueRange{one});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  auto rowOf = [&](Value buffer) -> Value {
    auto bufferType = cast<MemRefType>(buffer.getType());
    SmallVector<OpFoldResult> offsets(bufferType.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = memref::getMixedSizes(b, loc, buffer);
    SmallVector<OpFoldResult> strides(bufferType.getRank(), b.getIndexAttr(1));
    offsets[0] = loop.getInductionVars()[0];
    sizes[0] = b.getIndexAttr(1);
    auto rowType = cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
        bufferType.getShape().drop_front(), bufferType, offsets, sizes, strides));
    return b.create<memref::SubViewOp>(loc, rowType, buffer, offsets, sizes, strides);
  };
  b.create<linalg::CopyOp>(loc, rowOf(from), rowOf(to));
  return success();
}

/// Custom-cell bodies (linalg and elementwise ops on tensors) to buffers, with
/// every temporary freed; `threads` as in copyBuffer.
void addBufferization(OpPassManager &pm, int64_t threads = 1) {
  // Custom cells may use arith/math ops on whole tensors.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());

  bufferization::OneShotBufferizationOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  // Custom-cell time loops carry new state tensors from one step to the next.
  bufferization.allowReturnAllocsFromLoops = true;
  bufferization.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  // Copies between strided buffers become loops: memref.copy would otherwise
  // call memrefCopy from MLIR's C runner library, which neither the JIT nor an
  // AOT object links.
  bufferization.memCpyFn = [threads](OpBuilder &b, Location loc, Value from, Value to) {
    return copyBuffer(b, loc, from, to, threads);
  };
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  pm.addPass(createCanonicalizerPass());
  // Frees every temporary buffer (e.g. a sequence's outputs copied into an ONNX
  // [T, dirs, B, H] result); returned buffers become the caller's.
  bufferization::buildBufferDeallocationPipeline(pm, {});
  pm.addPass(createBufferizationToMemRefPass());
}
} // namespace

namespace {
/// A model's own functions inlined into its entry: the entry alone receives
/// the runtime's exec (heap memory, launches, failed checks), and the heap
/// bound sees every allocation. Then the indices it computes are checked.
void addModelPreparation(OpPassManager &pm) {
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
  pm.addNestedPass<func::FuncOp>(rnnc::createGuardTensorIndices());
}
} // namespace

void mlir::rnnc::buildCpuBufferizationPipeline(OpPassManager &pm,
                                               const CpuPipelineOptions &options) {
  addModelPreparation(pm);
  // Each layer's precision on its cell, numbered as the model gives them.
  rnn::RnnWeightPrecisionOptions precision;
  precision.precision = options.precision;
  pm.addPass(rnn::createRnnWeightPrecision(precision));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(rnn::createRnnFuseStackedSequences());
  pm.addPass(rnn::createRnnDecomposeCells());
  // Custom cells' arith and math ops on whole tensors as linalg.generic ops,
  // which their matmuls' epilogues take in. convert-rnn-to-loops hoists
  // their input projections by the built-in cells' rule.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  ConvertRnnToLoopsOptions loopOptions;
  loopOptions.vectorWidth = options.vectorWidth;
  loopOptions.accumulators = options.accumulators;
  loopOptions.rowBlock = options.rowBlock;
  loopOptions.projectInputsAboveBytes = options.projectInputsAboveBytes;
  loopOptions.halideProjection = options.halideProjection;
  loopOptions.threads = options.threads;
  loopOptions.bf16DotProducts = options.avx512Bf16;
  pm.addPass(createConvertRnnToLoops(loopOptions));
  pm.addPass(createCanonicalizerPass());
  addBufferization(pm, options.threads);
  // Custom cells' step buffers allocated once, before the time loop: no heap
  // allocation per step, and a time loop without one runs in one OpenMP team
  // (rnnc-hoist-parallel-region) instead of a fork and join per matmul.
  pm.addNestedPass<func::FuncOp>(createHoistStepBuffers());
  pm.addPass(createCanonicalizerPass());
}

void mlir::rnnc::buildCudaBufferizationPipeline(OpPassManager &pm) {
  addModelPreparation(pm);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(rnn::createRnnFuseStackedSequences());
  // Every cell as linalg ops, the input matmul hoisted out of the time loop.
  pm.addPass(rnn::createRnnDecomposeCells());
  pm.addPass(rnn::createRnnHoistInputProjection());
  ConvertRnnToLoopsOptions loopOptions;
  loopOptions.vectorMatmuls = false;
  pm.addPass(createConvertRnnToLoops(loopOptions));
  pm.addPass(createCanonicalizerPass());
  // One kernel per chain of elementwise ops (bias adds, gate math, masks):
  // fewer launches per step, and intermediates that never reach memory.
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createLinalgElementwiseOpFusionPass());
  // Length masks recomputed by their readers: no kernel (or grid barrier) of
  // their own per step.
  pm.addNestedPass<func::FuncOp>(rnnc::createFuseBroadcastProducers());
  pm.addPass(createCanonicalizerPass());
  addBufferization(pm);
  // A kernel cannot report a failed check; the guarded code stays in bounds.
  pm.addPass(createConvertAssertToRnnrt());
  pm.addPass(createLegalizeGpuHost());
  // Step buffers allocated once: what a time loop in one kernel needs; the
  // state carried, which the persistent kernel's wavefront follows.
  HoistStepBuffersOptions stepBuffers;
  stepBuffers.carryState = true;
  pm.addNestedPass<func::FuncOp>(createHoistStepBuffers(stepBuffers));
  pm.addPass(createCanonicalizerPass());
}

namespace {
/// Each linalg op as a parallel loop nest of blocks of threads, then a GPU
/// kernel of its own, gathered in one gpu.module; a time loop whose steps
/// are only such loops one persistent kernel.
void addGpuKernels(OpPassManager &pm, std::optional<rnnc::PersistentTimeLoopOptions> persistent) {
  // The hoisted projection in register blocks of 4 x 4 outputs per thread.
  pm.addNestedPass<func::FuncOp>(rnnc::createBlockContractions());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  // Adjacent loops over the same space and buffers in one kernel.
  pm.addNestedPass<func::FuncOp>(createParallelLoopFusionPass());
  if (persistent)
    pm.addNestedPass<func::FuncOp>(rnnc::createPersistentTimeLoop(*persistent));
  // The other kernels' matmul sums (per-step kernels) in registers.
  pm.addNestedPass<func::FuncOp>(rnnc::createSumInRegisters());
  pm.addNestedPass<func::FuncOp>(rnnc::createTileParallelLoops());
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createParallelLoopToGpuPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(rnnc::createMergeGpuModules());
}
} // namespace

void mlir::rnnc::buildCudaKernelPipeline(OpPassManager &pm, const CudaPipelineOptions &options) {
  PersistentTimeLoopOptions persistent;
  persistent.ptxFences = true;
  persistent.lanes = options.lanes;
  persistent.sharedWeightBytes = options.sharedWeightBytes;
  persistent.wavefront = options.wavefront;
  // No weight limit: beyond the L2 the persistent kernel streams the weights
  // from memory each step as per-step kernels do. Measured on an H200
  // (docs/cuda.md): at B <= 4 it is 2-14x faster than per-step kernels at
  // every H up to 2048; at B = 64 it is 2-3.6x slower at every H, which a
  // weight limit does not capture.
  addGpuKernels(pm, options.perStep ? std::nullopt : std::optional(persistent));

  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  // Views taken inside a persistent kernel.
  kernels.addPass(memref::createExpandStridedMetadataPass());
  kernels.addPass(createLowerAffinePass());
  // Reductions (a matmul's k) stay sequential loops inside a kernel.
  kernels.addPass(createConvertSCFToCFPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  // What gpu-to-nvvm leaves of the math dialect (math.fma of the generic
  // cells) has LLVM intrinsics that NVPTX selects.
  kernels.addPass(createConvertMathToLLVMPass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = options.toolkit;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::rnnc::buildCudaPipeline(OpPassManager &pm, const CudaPipelineOptions &options) {
  buildCudaBufferizationPipeline(pm);
  buildCudaKernelPipeline(pm, options);
}

void mlir::rnnc::buildCudaHostToLLVMPipeline(OpPassManager &pm) {
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertMallocToRnnrt());
  pm.addPass(createConvertGpuLaunchToRnnrt());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::rnnc::buildGpuOnHostPipeline(OpPassManager &pm, bool perStep, int64_t threads,
                                        int64_t blocks, int64_t lanes, int64_t sharedWeightBytes,
                                        bool wavefront) {
  // A persistent kernel's blocks and threads are OpenMP threads here, all
  // running at once: few of them, but more than one of each.
  PersistentTimeLoopOptions persistent;
  persistent.threads = threads;
  persistent.maxBlocks = blocks;
  persistent.lanes = lanes;
  persistent.sharedWeightBytes = sharedWeightBytes;
  persistent.wavefront = wavefront;
  addGpuKernels(pm, perStep ? std::nullopt : std::optional(persistent));
  pm.addPass(rnnc::createEmulateGpuOnHost());
  pm.addPass(createCanonicalizerPass());
}

void mlir::rnnc::buildCpuToLLVMPipeline(OpPassManager &pm, const CpuPipelineOptions &options) {

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertAssertToRnnrt());
  pm.addPass(rnn::createRnnApproximateMath());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  // The column-group loops of multi-threaded matmuls (scf.parallel) are
  // shared by an OpenMP team: calls into libomp once translated.
  // Single-threaded code has none, except the GPU parallel form
  // (buildGpuOnHostPipeline), which runs sequentially.
  if (options.threads > 1) {
    // One team for the whole time loop, not a fork/join per matmul and step.
    HoistParallelRegionOptions team;
    team.threads = options.threads;
    pm.addPass(createHoistParallelRegion(team));
    pm.addPass(createPrefetchSharedBuffers());
    pm.addPass(createSpinBarriers());
    ConvertSCFToOpenMPPassOptions openmp;
    openmp.numThreads = options.threads;
    pm.addPass(createConvertSCFToOpenMPPass(openmp));
  }
  // Inlines the memref.alloca_scope wrapped around each parallel body (there
  // is no alloca in it); the scope would otherwise hold several blocks after
  // the lowering of its scf loops, which it may not.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertSCFToCFPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  X86DotProductsOptions dotProducts;
  dotProducts.vnni = options.vnni;
  dotProducts.avx512Bf16 = options.avx512Bf16;
  pm.addPass(createX86DotProducts(dotProducts));
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::rnnc::registerPipelines() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "rnnc-cpu-pipeline", "Lower rnn dialect models to the LLVM dialect with vectorized CPU loops",
      buildCpuPipeline);
  PassPipelineRegistration<CudaPipelineOptions>(
      "rnnc-cuda-pipeline", "Lower rnn dialect models to GPU kernels compiled to PTX",
      buildCudaPipeline);
  PassPipelineRegistration<>(
      "rnnc-gpu-on-host-pipeline",
      "Lower rnn dialect models through the GPU kernels, run on the host (LLVM dialect)",
      [](OpPassManager &pm) {
        buildCudaBufferizationPipeline(pm);
        buildGpuOnHostPipeline(pm);
        buildCpuToLLVMPipeline(pm, CpuPipelineOptions());
      });
}
