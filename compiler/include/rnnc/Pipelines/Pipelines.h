#ifndef RNNC_PIPELINES_PIPELINES_H
#define RNNC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::rnnc {

struct CpuPipelineOptions : public PassPipelineOptions<CpuPipelineOptions> {
  Option<int64_t> vectorWidth{*this, "vector-width",
                              llvm::cl::desc("f32 lanes per vector in the generated loops"),
                              llvm::cl::init(16)};
  Option<int64_t> accumulators{*this, "accumulators",
                               llvm::cl::desc("Vector accumulators per matmul column group"),
                               llvm::cl::init(8)};
  Option<int64_t> rowBlock{*this, "row-block",
                           llvm::cl::desc("Batch rows whose gate matmuls share each weight load"),
                           llvm::cl::init(4)};
  Option<int64_t> projectInputsAboveBytes{
      *this, "project-inputs-above-bytes",
      llvm::cl::desc("Hoist the bottom layer's input projection above this weight size"),
      llvm::cl::init(1 << 20)};
  Option<bool> halideProjection{
      *this, "halide-projection",
      llvm::cl::desc("Compute the hoisted input projection with the Halide pipeline"),
      llvm::cl::init(false)};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("Constant weights of the matmuls: f32, bf16 or int8 (docs/precision.md), "
                     "for every layer or as a comma-separated list, one per layer "
                     "(rnn-weight-precision)"),
      llvm::cl::init("f32")};
  Option<bool> vnni{*this, "vnni",
                    llvm::cl::desc("The target has AVX512-VNNI (int8 dot products by vpdpbusd)"),
                    llvm::cl::init(false)};
  Option<bool> avx512Bf16{
      *this, "avx512-bf16",
      llvm::cl::desc("The target has AVX512_BF16 (bf16 dot products by vdpbf16ps)"),
      llvm::cl::init(false)};
  Option<int64_t> threads{
      *this, "threads",
      llvm::cl::desc("Threads sharing each gate matmul (OpenMP, libomp, when > 1)"),
      llvm::cl::init(1)};
};

/// rnn dialect (on tensors) -> loops over memrefs -> LLVM dialect, ready for
/// translation to LLVM IR. Entry functions keep tensor arguments and results;
/// after bufferization they take and return memrefs with identity layouts.
void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options);

/// The two halves of buildCpuPipeline: down to loops over memrefs with every
/// buffer allocated and freed explicitly, then down to the LLVM dialect.
void buildCpuBufferizationPipeline(OpPassManager &pm, const CpuPipelineOptions &options);
void buildCpuToLLVMPipeline(OpPassManager &pm, const CpuPipelineOptions &options);

struct CudaPipelineOptions : public PassPipelineOptions<CudaPipelineOptions> {
  Option<std::string> chip{*this, "chip", llvm::cl::desc("The GPU architecture (sm_80, sm_90)"),
                           llvm::cl::init("sm_80")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("The CUDA toolkit, for libdevice (math functions); empty: CUDA_HOME"),
      llvm::cl::init("")};
  Option<bool> perStep{
      *this, "per-step",
      llvm::cl::desc("Launch each kernel of a time loop per step instead of one persistent "
                     "kernel with grid barriers"),
      llvm::cl::init(false)};
  Option<int64_t> lanes{
      *this, "lanes",
      llvm::cl::desc("Threads of the persistent kernel that share a matmul's sum over k "
                     "(0: from k)"),
      llvm::cl::init(0)};
  Option<int64_t> sharedWeightBytes{
      *this, "shared-weight-bytes",
      llvm::cl::desc("Shared memory per block of the persistent kernel for its matmuls' weights "
                     "(0: none)"),
      llvm::cl::init(48 * 1024)};
  Option<bool> wavefront{
      *this, "wavefront",
      llvm::cl::desc("Run stacked layers' steps as a wavefront in the persistent kernel"),
      llvm::cl::init(true)};
};

/// rnn dialect (on tensors) -> cells in their generic form (linalg) ->
/// buffers -> one GPU kernel per linalg op (the hoisted input projection
/// before the time loop, the recurrent matmul and the fused gate math in each
/// step) -> NVVM -> a gpu.binary holding the kernels' PTX; the host code stays
/// loops over memrefs that launch them. The two halves:
/// buildCudaBufferizationPipeline (down to buffers, with host code that never
/// touches device memory: rnnc-legalize-gpu-host) and buildCudaKernelPipeline.
void buildCudaPipeline(OpPassManager &pm, const CudaPipelineOptions &options);
void buildCudaBufferizationPipeline(OpPassManager &pm);
void buildCudaKernelPipeline(OpPassManager &pm, const CudaPipelineOptions &options);

/// The host code of buildCudaPipeline's result to the LLVM dialect, launching
/// kernels through the runtime's rnnrt_cuda_exec (convert-gpu-launch-to-rnnrt).
void buildCudaHostToLLVMPipeline(OpPassManager &pm);

/// buildCudaBufferizationPipeline's result as the same outlined GPU kernels
/// and launches as buildCudaKernelPipeline makes (`perStep`: without the
/// persistent time-loop kernel), then each kernel run on the host one thread
/// at a time, the persistent one on concurrent threads: at most `blocks`
/// blocks of `threads` (rnnc-emulate-gpu-on-host): the GPU algorithm, its
/// mapping to blocks and threads and the launches checked against the
/// reference without a GPU. Then buildCpuToLLVMPipeline.
void buildGpuOnHostPipeline(OpPassManager &pm, bool perStep = false, int64_t threads = 2,
                            int64_t blocks = 2, int64_t lanes = 0,
                            int64_t sharedWeightBytes = 48 * 1024, bool wavefront = true);

/// Registers `rnnc-cpu-pipeline` and `rnnc-cuda-pipeline` for rnnc-opt.
void registerPipelines();

} // namespace mlir::rnnc

#endif // RNNC_PIPELINES_PIPELINES_H
