#ifndef RNNC_TRANSFORMS_PASSES_H
#define RNNC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::rnnc {

/// Marks the scf.for over time steps that rnn.dynamic_rnn lowers to (custom
/// cells): its carried values keep their shapes across iterations.
constexpr llvm::StringLiteral kTimeLoopAttrName = "rnn.time_loop";

/// Marks a kernel (gpu.func) that synchronizes its whole grid: its launches
/// need every block resident at once (cuLaunchCooperativeKernel).
constexpr llvm::StringLiteral kGridBarrierAttrName = "rnnc.grid_barrier";

/// On the top-level module: the names of the kernels marked
/// kGridBarrierAttrName (rnnc-merge-gpu-modules), for the host lowering.
constexpr llvm::StringLiteral kGridBarrierKernelsAttrName = "rnnc.grid_barrier_kernels";

/// Marks an omp.parallel made by rnnc-hoist-parallel-region, whose
/// omp.barrier ops rnnc-spin-barriers replaces.
constexpr llvm::StringLiteral kSpinBarrierTeam = "rnnc.spin_barriers";

/// Marks the scf.if in such a team that runs a stage on thread 0 only.
constexpr llvm::StringLiteral kSingleThreadStage = "rnnc.single_thread";

/// `func.func private @name() -> i32` in `module` (a C function of the
/// runtime libraries: libomp, libc), declared once.
func::FuncOp declareI32Function(ModuleOp module, StringRef name);

#define GEN_PASS_DECL
#include "rnnc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "rnnc/Transforms/Passes.h.inc"

} // namespace mlir::rnnc

#endif // RNNC_TRANSFORMS_PASSES_H
