#ifndef RNNC_TARGET_CPU_CPUTARGET_H
#define RNNC_TARGET_CPU_CPUTARGET_H

#include <memory>
#include <string>
#include <vector>

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

namespace mlir::rnnc {

struct CpuTargetOptions {
  /// "host" (this machine's CPU and features), or an LLVM CPU name such as
  /// "x86-64-v3" (AVX2) or "x86-64-v4" (AVX-512).
  std::string cpu = "host";
};

/// Initializes the native LLVM target once per process (thread-safe).
void initializeNativeTarget();

/// A TargetMachine for `options`; errors name an unknown CPU.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CpuTargetOptions &options);

/// Whether the CPU of `options` has the LLVM subtarget feature `feature`
/// ("avx512vnni"); false for an unknown CPU.
bool cpuHasFeature(const CpuTargetOptions &options, llvm::StringRef feature);

/// The features of the CPU of `options` among those the runtime can check
/// before a model runs (rnnrt_model_t::required_cpu_features), in a fixed
/// order.
std::vector<std::string> runtimeCheckedFeatures(const CpuTargetOptions &options);

/// Translates a module in the LLVM dialect to LLVM IR for `machine`: data
/// layout, triple, and the CPU and features on every function.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateForTarget(ModuleOp module, llvm::LLVMContext &context, llvm::TargetMachine &machine);

/// Runs LLVM's O3 pipeline (this is where loops get unrolled and scheduled).
llvm::Error optimizeModule(llvm::Module &module, llvm::TargetMachine &machine);

/// Writes assembly or an object file for `module`.
llvm::Error emitMachineCode(llvm::Module &module, llvm::TargetMachine &machine,
                            llvm::CodeGenFileType type, llvm::raw_pwrite_stream &os);

} // namespace mlir::rnnc

#endif // RNNC_TARGET_CPU_CPUTARGET_H
