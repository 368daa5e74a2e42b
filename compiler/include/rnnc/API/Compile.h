#ifndef RNNC_API_COMPILE_H
#define RNNC_API_COMPILE_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "rnnc/API/Signature.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace mlir::rnnc {

/// The most threads a call may use (OpenMP aborts the process on teams it
/// cannot create; no machine rnnc targets has more cores).
constexpr int64_t kMaxThreads = 1024;

/// How a model is compiled for the runtime (AOT object or JIT alike).
struct CompileOptions {
  /// A C identifier; every generated symbol starts with it (`<name>_model`).
  std::string name = "model";
  /// Entry function; empty picks the module's only public function.
  std::string function;
  /// "host", "x86-64-v3", "x86-64-v4" or another LLVM CPU name.
  std::string cpu = "host";
  /// > 0: the batch dimension is fixed to this size.
  int64_t batch = 0;
  /// > 0: instances may not have more rows (dynamic batch only).
  int64_t maxBatch = 0;
  /// Give every sequence without an initial state a state input and output
  /// (rnn-expose-state), so that instances can carry state between calls.
  bool exposeState = true;
  /// Inputs that are the state of outputs (input name, output name): the
  /// runtime carries each output into its input between calls (keep_state).
  /// ONNX models pair PyTorch's h0/h_n, c0/c_n themselves where the graph
  /// makes it unambiguous; these add to or override those pairs.
  std::vector<std::pair<std::string, std::string>> statePairs;
  int64_t vectorWidth = 16;
  int64_t accumulators = 8;
  int64_t rowBlock = 4;
  /// Hoist the bottom layer's input projection when its weights exceed this.
  int64_t projectInputsAboveBytes = 1 << 20;
  /// Compute the hoisted projection with the Halide pipeline of librnnrt_halide
  /// (which AOT consumers then link) instead of rnnc's own loops.
  bool halideProjection = false;
  /// The matmuls' constant weights: "f32", "bf16" (rounded to nearest even at
  /// compile time, half the bytes) or "int8" (s8 per column, rows quantized
  /// per row as they are read); state and cell math stay f32. One for every
  /// layer or a comma-separated list with one per layer, numbered as
  /// `initial_state/<layer>` (rnn-weight-precision; docs/precision.md).
  std::string precision = "f32";
  /// Threads sharing each gate matmul of a call, by column groups (OpenMP:
  /// the code then calls libomp, which AOT consumers link).
  int64_t threads = 1;
  /// CUDA persistent kernel (and --gpu-on-host): stacked layers' steps as a
  /// wavefront (layer l's step s - l in iteration s), one grid barrier per
  /// wavefront instead of one per layer and step.
  bool wavefront = true;
  /// JIT only: describe the compiled functions in a perf jitdump (in
  /// $JITDUMPDIR/.debug/jit/), so that `perf inject --jit` names them in a
  /// profile. Off by default: every compile would leave a file behind.
  bool perfJitDump = false;
  /// Non-empty: compile for this NVIDIA GPU ("sm_80", "sm_90"; docs/cuda.md)
  /// instead of the CPU. AOT only: the result is host code that launches the
  /// kernels through the runtime.
  std::string cudaChip;
  /// The CUDA toolkit (libdevice, ptxas); empty: findCudaToolkit().
  std::string cudaToolkit;
  /// A launch per kernel per step instead of the persistent time-loop kernel
  /// (for GPUs without cooperative launches; docs/cuda.md).
  bool cudaPerStep = false;
  /// Threads of the persistent kernel that share a matmul's sum over k (a
  /// power of two, at most 32, dividing the block); 0: from k (docs/cuda.md).
  int64_t cudaLanes = 0;
  /// Shared memory per block of the persistent kernel for the weights of its
  /// matmuls (0: none, they are read through the caches); the default is
  /// what every NVIDIA GPU gives a block statically.
  int64_t cudaSharedWeightBytes = 48 * 1024;
  /// Compile the CUDA target's kernels and launches for the CPU, each kernel
  /// run one thread at a time (buildGpuOnHostPipeline): a check of the GPU
  /// code without a GPU.
  bool gpuOnHost = false;
  /// The emulated persistent kernel's grid: blocks of this many threads, at
  /// most this many blocks (each thread an OpenMP thread, all at once).
  int64_t gpuOnHostThreads = 2;
  int64_t gpuOnHostBlocks = 2;
};

/// Parses "IN=OUT" (a state pair, CompileOptions::statePairs) into `pair`;
/// false with `error` set otherwise.
bool parseStatePair(llvm::StringRef text, std::pair<std::string, std::string> &pair,
                    std::string &error);

/// Bytes the kernel allocates per call (results and temporaries): a sum of
/// terms, each a byte count times a product of run-time sizes.
struct HeapBound {
  struct Term {
    int64_t bytes = 0;
    /// Indices into ModelSignature::symbols, sorted; repeats multiply again.
    std::vector<int> symbols;
  };
  std::vector<Term> terms;
  /// Some allocation is sized by a value only the kernel knows: the terms are
  /// then a lower bound.
  bool unknown = false;

  /// E.g. "32*T*B + 96*B" over the signature's symbol names.
  std::string format(ArrayRef<std::string> symbolNames) const;
};

/// A model lowered to the LLVM dialect, ready for translation.
struct LoweredModel {
  OwningOpRef<ModuleOp> module;
  ModelSignature signature;
  /// The lowered entry function; `_mlir_ciface_<entry>` is its C interface.
  std::string entry;
  HeapBound heapPerCall;
  /// CUDA models: the kernels' PTX, the cubin ptxas made of it (empty without
  /// ptxas), the kernel names by launch index, the number of constants.
  std::string ptx;
  std::string cubin;
  std::vector<std::string> cudaKernels;
  uint32_t cudaConstants = 0;
};

/// Lowers a copy of `module` (left unchanged) for `options`. Problems are
/// reported as MLIR diagnostics on the module's context.
FailureOr<LoweredModel> lowerModel(ModuleOp module, const CompileOptions &options);

/// What the generated code contains, for the header comment.
struct ModelFacts {
  uint64_t weightBytes = 0;
  std::string target;
  HeapBound heapPerCall;
  int64_t threads = 1;
  /// The code calls the Halide projection of librnnrt_halide.
  bool callsHalide = false;
  /// The weight precision (CompileOptions::precision).
  std::string precision = "f32";
  /// The x86 features of the code that the runtime checks before running it
  /// (rnnrt_model_t::required_cpu_features); none for CUDA models.
  std::vector<std::string> cpuFeatures;
  /// CUDA models: the GPU architecture and whether a cubin is embedded.
  std::string cudaChip;
  bool hasCubin = false;
};

/// Adds the runtime ABI to the translated model (docs/runtime.md): the kernel
/// `<name>_kernel(const rnnrt_cpu_exec_t *, void *const *args)` (CUDA: the
/// host code `(const rnnrt_cuda_exec_t *, void *const *args)` with the PTX,
/// cubin and kernel names in an rnnrt_cuda_code_t), the rnnrt_model_t descriptor and its
/// accessor `<name>_model()`, the only external symbol; every other defined
/// symbol is renamed `<name>_...` and made internal.
llvm::Expected<ModelFacts> addRuntimeAbi(llvm::Module &module, const LoweredModel &model,
                                         const CompileOptions &options, StringRef target);

} // namespace mlir::rnnc

#endif // RNNC_API_COMPILE_H
