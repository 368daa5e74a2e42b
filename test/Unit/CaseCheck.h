// The end-to-end check of a random case: compile its model text with the
// JIT, run it on the case's inputs, compare every result with the scalar
// reference (gtest assertions).
#ifndef RNNC_TEST_UNIT_CASECHECK_H
#define RNNC_TEST_UNIT_CASECHECK_H

#include <functional>
#include <string>
#include <vector>

#include "RandomCase.h"
#include "rnnc/API/Compile.h"
#include "rnnc/API/Jit.h"

namespace rnnc::test {

/// The options of the reference cases: no exposed state (the cases pass an
/// initial state only when they test it).
mlir::rnnc::CompileOptions statelessOptions();

/// Every element of `actual` within `tolerance` (absolute) of `expected`.
void expectClose(const std::vector<float> &expected, const mlir::rnnc::HostTensor &actual,
                 const std::string &what, double tolerance = 1e-5);

/// Compiles `c` with statelessOptions() as changed by `adjust`, runs it and
/// checks every result against the reference to `tolerance` (absolute); the
/// results go to `out` when given.
void checkCase(const Case &c,
               const std::function<void(mlir::rnnc::CompileOptions &)> &adjust = nullptr,
               std::vector<mlir::rnnc::HostTensor> *out = nullptr, double tolerance = 1e-5);

/// How many `opName` ops lowerModel makes of `c` with statelessOptions() as
/// changed by `adjust` (-1, with a test failure, if it cannot).
int64_t countLoweredOps(const Case &c,
                        const std::function<void(mlir::rnnc::CompileOptions &)> &adjust,
                        llvm::StringRef opName);

} // namespace rnnc::test

#endif // RNNC_TEST_UNIT_CASECHECK_H
