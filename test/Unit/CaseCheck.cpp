#include "CaseCheck.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "rnnc/API/Jit.h"
#include "rnnc/InitAll.h"

namespace rnnc::test {

/// The reference cases pass no initial state unless they test it.
mlir::rnnc::CompileOptions statelessOptions() {
  mlir::rnnc::CompileOptions options;
  options.exposeState = false;
  return options;
}

void expectClose(const std::vector<float> &expected, const mlir::rnnc::HostTensor &actual,
                 const std::string &what, double tolerance) {
  ASSERT_EQ((int64_t)expected.size(), actual.numElements()) << what;
  double worst = 0;
  size_t worstIndex = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    double err = std::fabs((double)expected[i] - actual.f32()[i]);
    if (!(err <= worst)) {
      worst = err;
      worstIndex = i;
    }
  }
  EXPECT_LE(worst, tolerance) << what << ": element " << worstIndex << " expected "
                               << expected[worstIndex] << " got " << actual.f32()[worstIndex];
}

namespace {
/// A case's model parsed in a context of its own, with its diagnostics.
struct ParsedCase {
  explicit ParsedCase(const Case &c) : context(registry()) {
    text = buildModelText(c.config, weights);
    module = mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  }
  static mlir::DialectRegistry registry() {
    mlir::DialectRegistry registry;
    mlir::rnnc::registerAllDialects(registry);
    return registry;
  }
  mlir::MLIRContext context;
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler{&context, [this](mlir::Diagnostic &d) {
                                          diagnostics += d.str() + "\n";
                                          return mlir::success();
                                        }};
  std::vector<WeightArg> weights;
  std::string text;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

mlir::rnnc::CompileOptions adjusted(
    const std::function<void(mlir::rnnc::CompileOptions &)> &adjust) {
  mlir::rnnc::CompileOptions options = statelessOptions();
  if (adjust)
    adjust(options);
  return options;
}
} // namespace

int64_t countLoweredOps(const Case &c,
                        const std::function<void(mlir::rnnc::CompileOptions &)> &adjust,
                        llvm::StringRef opName) {
  ParsedCase parsed(c);
  EXPECT_TRUE(parsed.module) << parsed.diagnostics << parsed.text;
  if (!parsed.module)
    return -1;
  auto lowered = mlir::rnnc::lowerModel(*parsed.module, adjusted(adjust));
  EXPECT_TRUE(succeeded(lowered)) << parsed.diagnostics << parsed.text;
  if (failed(lowered))
    return -1;
  int64_t count = 0;
  lowered->module->walk([&](mlir::Operation *op) {
    if (op->getName().getStringRef() == opName)
      ++count;
  });
  return count;
}

void checkCase(const Case &c, const std::function<void(mlir::rnnc::CompileOptions &)> &adjust,
               std::vector<mlir::rnnc::HostTensor> *out, double tolerance) {
  const ModelConfig &m = c.config;
  SCOPED_TRACE(describe(m));
  ParsedCase parsed(c);
  ASSERT_TRUE(parsed.module) << parsed.diagnostics << parsed.text;
  auto model = mlir::rnnc::JitModel::compile(*parsed.module, adjusted(adjust));
  ASSERT_TRUE(succeeded(model)) << parsed.diagnostics << parsed.text;

  using mlir::rnnc::ElementType;
  using mlir::rnnc::TensorRef;
  const int64_t D = m.layers.front().inputDepth;
  std::vector<TensorRef> inputs;
  inputs.push_back(
      TensorRef{ElementType::F32,
                m.timeMajor ? std::vector<int64_t>{m.T, m.B, D} : std::vector<int64_t>{m.B, m.T, D},
                c.inputs.data()});
  std::vector<int32_t> lengths32(c.lengths.begin(), c.lengths.end());
  if (m.withLengths)
    inputs.push_back(m.lengthsI64 ? TensorRef{ElementType::I64, {m.B}, c.lengths.data()}
                                  : TensorRef{ElementType::I32, {m.B}, lengths32.data()});
  if (m.withMask)
    inputs.push_back(TensorRef{ElementType::Bool, {m.B, m.T}, c.mask.data()});
  for (size_t i = 0; i < c.initialState.size(); ++i)
    inputs.push_back(TensorRef{ElementType::F32,
                               {m.B, (int64_t)(c.initialState[i].size() / m.B)},
                               c.initialState[i].data()});
  for (const WeightArg &w : parsed.weights)
    inputs.push_back(TensorRef{ElementType::F32, w.shape, w.data->data()});

  std::vector<mlir::rnnc::HostTensor> results;
  std::string error;
  ASSERT_TRUE((*model)->run(inputs, results, error)) << error;

  reference::Result expected = reference::dynamicRnn(
      m.layers, c.inputs, m.T, m.B, m.timeMajor, m.withLengths ? &c.lengths : nullptr,
      m.withInitialState ? &c.initialState : nullptr, m.reverse, m.zeroStateForEmptyRows,
      m.withMask ? &c.mask : nullptr, m.zeroOutputForMask, m.goBackwards);
  ASSERT_EQ(results.size(), 1 + expected.finalStates.size());
  EXPECT_EQ(results[0].name, "outputs");
  expectClose(expected.outputs, results[0], "outputs", tolerance);
  for (size_t i = 0; i < expected.finalStates.size(); ++i)
    expectClose(expected.finalStates[i], results[i + 1], results[i + 1].name, tolerance);
  if (out)
    *out = std::move(results);
}

} // namespace rnnc::test
