#ifndef RNNC_API_BUILDERIMPL_H
#define RNNC_API_BUILDERIMPL_H

// ModelBuilder's state, shared by its files: Builder.cpp (cells, sequences,
// tensor operations, compiling) and KerasBuilder.cpp (Keras's layers).

#include "rnnc/rnnc.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "rnnc/API/ModelFile.h"
#include "rnnc/Dialect/Rnn/IR/CellMath.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "rnnc/Dialect/Rnn/Utils/TensorMath.h"
#include "rnnc/InitAll.h"

namespace rnnc::detail {
using namespace mlir;
inline DialectRegistry rnncDialects() {
  DialectRegistry registry;
  mlir::rnnc::registerAllDialects(registry);
  return registry;
}

/// Collects the diagnostics of a context into one message.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext *context)
      : handler(context, [this](Diagnostic &diag) {
          if (!text.empty())
            text += "\n";
          llvm::raw_string_ostream os(text);
          std::string where = mlir::rnnc::describeLocation(diag.getLocation());
          os << (where.empty() ? "" : where + ": ") << diag;
          for (Diagnostic &note : diag.getNotes())
            os << "\n  note: " << note;
          return success();
        }) {}
  std::string text;

private:
  ScopedDiagnosticHandler handler;
};
} // namespace rnnc::detail

namespace rnnc {
using namespace mlir;
using detail::DiagnosticCollector;
using detail::rnncDialects;

struct ModelBuilder::Impl {
  Impl() : context(rnncDialects()), builder(&context), collector(&context) {
    context.loadAllAvailableDialects();
    Location loc = location();
    module = ModuleOp::create(loc);
    func = func::FuncOp::create(loc, "model", FunctionType::get(&context, {}, {}));
    module->push_back(func);
    builder.setInsertionPointToEnd(func.addEntryBlock());
  }

  Location location() { return NameLoc::get(StringAttr::get(&context, "ModelBuilder")); }

  bool fail(const std::string &message) {
    if (error.empty())
      error = message;
    return false;
  }

  Value tensor(Tensor handle, const char *what) {
    if (handle.id < 0 || handle.id >= (int)tensors.size()) {
      fail(std::string(what) + ": not a tensor of this builder");
      return nullptr;
    }
    return tensors[handle.id];
  }

  Value cell(Cell handle, const char *what) {
    if (handle.id < 0 || handle.id >= (int)cells.size()) {
      fail(std::string(what) + ": not a cell of this builder");
      return nullptr;
    }
    return cells[handle.id];
  }

  Tensor addTensor(Value value) {
    tensors.push_back(value);
    return Tensor{(int)tensors.size() - 1};
  }

  Cell addCell(Value value) {
    cells.push_back(value);
    return Cell{(int)cells.size() - 1};
  }

  /// A constant of `columns` columns (rows from the data size), or 1-D.
  Value weights(const std::vector<float> &data, int64_t columns, bool matrix, const char *what) {
    if (columns <= 0 || data.empty() || data.size() % columns != 0 ||
        (!matrix && (int64_t)data.size() != columns)) {
      fail(std::string(what) + ": expected " +
           (matrix ? "a multiple of " + std::to_string(columns) : std::to_string(columns)) +
           " values, got " + std::to_string(data.size()));
      return nullptr;
    }
    SmallVector<int64_t> shape;
    if (matrix)
      shape = {(int64_t)data.size() / columns, columns};
    else
      shape = {columns};
    auto type = RankedTensorType::get(shape, builder.getF32Type());
    auto attr = DenseElementsAttr::get(type, ArrayRef<float>(data));
    return builder.create<arith::ConstantOp>(location(), attr);
  }

  Value optionalWeights(const std::vector<float> &data, int64_t columns, bool matrix,
                        const char *what) {
    return data.empty() ? Value() : weights(data, columns, matrix, what);
  }

  rnn::ActivationAttr activation(const std::string &text, const char *what) {
    if (text.empty())
      return nullptr;
    Attribute attr = parseAttribute("#rnn.activation<" + text + ">", &context);
    auto activation = dyn_cast_or_null<rnn::ActivationAttr>(attr);
    if (!activation)
      fail(std::string(what) + ": '" + text + "' is not an activation (" + collector.text + ")");
    return activation;
  }

  mlir::rnn::TensorMath math() { return mlir::rnn::TensorMath(builder, location()); }

  /// An elementwise op over f32 tensors with row/scalar broadcasting.
  Tensor elementwise(StringRef kind, ArrayRef<Tensor> operands) {
    SmallVector<Value> values;
    for (Tensor t : operands) {
      Value v = tensor(t, kind.str().c_str());
      if (!v)
        return {};
      values.push_back(v);
    }
    Value result = math().map(values, [&](OpBuilder &b, Location loc, ValueRange args) {
      mlir::rnn::CellMath scalar(b, loc, b.getF32Type());
      if (kind == "add")
        return scalar.add(args[0], args[1]);
      if (kind == "sub")
        return scalar.sub(args[0], args[1]);
      if (kind == "mul")
        return scalar.mul(args[0], args[1]);
      if (kind == "ave")
        return scalar.mul(scalar.add(args[0], args[1]), scalar.constant(0.5f));
      if (kind == "tanh")
        return scalar.activate(
            mlir::rnn::ActivationAttr::get(&context, mlir::rnn::Activation::tanh), args[0]);
      if (kind == "relu")
        return scalar.activate(
            mlir::rnn::ActivationAttr::get(&context, mlir::rnn::Activation::relu), args[0]);
      return scalar.sigmoid(args[0]);
    });
    if (!result) {
      fail(kind.str() + ": shapes do not match or broadcast (equal shapes, a [N] row or a "
                        "scalar)");
      return {};
    }
    return addTensor(result);
  }

  FloatAttr optionalFloat(const std::optional<float> &value) {
    return value ? builder.getF32FloatAttr(*value) : FloatAttr();
  }

  /// The module with its return op, verified; null with error() set.
  OwningOpRef<ModuleOp> finish() {
    if (!error.empty())
      return nullptr;
    IRMapping mapping;
    OwningOpRef<ModuleOp> copy = cast<ModuleOp>(module->getOperation()->clone(mapping));
    auto copyFunc = cast<func::FuncOp>(copy->getBody()->front());
    OpBuilder b(&context);
    b.setInsertionPointToEnd(&copyFunc.getBody().front());
    SmallVector<Value> values;
    SmallVector<Type> types;
    for (auto &[name, value] : outputs) {
      values.push_back(mapping.lookup(value));
      types.push_back(value.getType());
    }
    b.create<func::ReturnOp>(location(), values);
    copyFunc.setFunctionType(FunctionType::get(&context, copyFunc.getArgumentTypes(), types));
    for (auto [i, output] : llvm::enumerate(outputs))
      copyFunc.setResultAttr(i, "rnn.name", StringAttr::get(&context, output.first));
    collector.text.clear();
    if (failed(verify(*copy))) {
      error = collector.text.empty() ? "the model does not verify" : collector.text;
      return nullptr;
    }
    return copy;
  }

  Cell kerasCell(ModelBuilder &b, const KerasLayer &layer);
  /// Keras' last output of a masked layer that does not return sequences
  /// (h [B, H] where a row emitted an output, 0 elsewhere); mask [B, T].
  Value kerasLastOutput(Value h, Value mask, bool zeroOutputForMask, bool goBackwards);
  KerasRNNResult keras(ModelBuilder &b, const KerasLayer &layer, Tensor inputs,
                       bool backwardAligned);

  MLIRContext context;
  OpBuilder builder;
  DiagnosticCollector collector;
  OwningOpRef<ModuleOp> module;
  func::FuncOp func;
  std::vector<Value> tensors, cells;
  std::vector<std::pair<std::string, Value>> outputs;
  std::string error;
};

} // namespace rnnc

#endif // RNNC_API_BUILDERIMPL_H
