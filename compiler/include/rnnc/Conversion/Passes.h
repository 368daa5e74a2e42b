#ifndef RNNC_CONVERSION_PASSES_H
#define RNNC_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::rnnc {

#define GEN_PASS_DECL
#include "rnnc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "rnnc/Conversion/Passes.h.inc"

} // namespace mlir::rnnc

#endif // RNNC_CONVERSION_PASSES_H
