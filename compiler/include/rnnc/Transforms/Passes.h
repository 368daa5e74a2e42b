#ifndef RNNC_TRANSFORMS_PASSES_H
#define RNNC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::rnnc {

#define GEN_PASS_DECL
#include "rnnc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "rnnc/Transforms/Passes.h.inc"

} // namespace mlir::rnnc

#endif // RNNC_TRANSFORMS_PASSES_H
