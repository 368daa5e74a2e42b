#ifndef RNNC_TEST_FUZZ_FUZZCONTEXT_H
#define RNNC_TEST_FUZZ_FUZZCONTEXT_H

#include "rnnc/InitAll.h"

#include "mlir/IR/MLIRContext.h"

/// One MLIR context with rnnc's dialects for the whole fuzzing process:
/// creating one per input is ~100x slower than most inputs take.
inline mlir::MLIRContext *fuzzContext() {
  static mlir::MLIRContext *context = [] {
    mlir::DialectRegistry registry;
    mlir::rnnc::registerAllDialects(registry);
    return new mlir::MLIRContext(registry, mlir::MLIRContext::Threading::DISABLED);
  }();
  return context;
}

#endif // RNNC_TEST_FUZZ_FUZZCONTEXT_H
