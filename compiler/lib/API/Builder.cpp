// The MLIR-free C++ API of rnnc/rnnc.h: ModelBuilder builds rnn-dialect ops
// in a module of its own context; Model wraps a cached JitModel.

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
#include "rnnc/API/Jit.h"
#include "rnnc/API/ModelFile.h"
#include "rnnc/Dialect/Rnn/IR/CellMath.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "rnnc/Dialect/Rnn/Utils/TensorMath.h"
#include "rnnc/InitAll.h"

using namespace mlir;

namespace {
DialectRegistry rnncDialects() {
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

mlir::rnnc::CompileOptions toCompileOptions(const ::rnnc::CompileOptions &options) {
  mlir::rnnc::CompileOptions result;
  result.name = options.name;
  result.cpu = options.cpu;
  result.batch = options.batch;
  result.maxBatch = options.max_batch;
  result.exposeState = options.expose_state;
  result.statePairs = options.state_pairs;
  result.rowBlock = options.row_block;
  result.threads = options.threads;
  result.halideProjection = options.halide_projection;
  result.wavefront = options.wavefront;
  result.perfJitDump = options.perf_jitdump;
  return result;
}
} // namespace

namespace rnnc {

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

ModelBuilder::ModelBuilder() : impl_(std::make_unique<Impl>()) {}
ModelBuilder::~ModelBuilder() = default;

Tensor ModelBuilder::input(const std::string &name, DType dtype, const std::vector<int64_t> &dims) {
  Impl &s = *impl_;
  Type element;
  switch (dtype) {
  case DType::F32:
    element = s.builder.getF32Type();
    break;
  case DType::I32:
    element = s.builder.getI32Type();
    break;
  case DType::I64:
    element = s.builder.getI64Type();
    break;
  case DType::Bool:
    element = s.builder.getI1Type();
    break;
  }
  SmallVector<int64_t> shape;
  for (int64_t d : dims) {
    if (d < kBatch) {
      s.fail("input '" + name + "': dimension " + std::to_string(d) +
             " is neither a size nor kTime/kBatch");
      return {};
    }
    shape.push_back(d < 0 ? ShapedType::kDynamic : d);
  }
  unsigned index = s.func.getNumArguments();
  auto attrs = DictionaryAttr::get(
      &s.context,
      {NamedAttribute(StringAttr::get(&s.context, "rnn.name"), StringAttr::get(&s.context, name))});
  s.func.insertArgument(index, RankedTensorType::get(shape, element), attrs, s.location());
  return s.addTensor(s.func.getArgument(index));
}

Cell ModelBuilder::BasicRNNCell(int64_t num_units, const std::vector<float> &kernel,
                                const std::vector<float> &bias,
                                const BasicRNNCellOptions &options) {
  Impl &s = *impl_;
  if (num_units <= 0 && s.fail("BasicRNNCell: num_units must be positive"))
    return {};
  Value k = s.weights(kernel, num_units, true, "BasicRNNCell kernel");
  Value b = s.weights(bias, num_units, false, "BasicRNNCell bias");
  rnn::ActivationAttr act = s.activation(options.activation, "BasicRNNCell activation");
  if (!k || !b || !s.error.empty())
    return {};
  auto op =
      s.builder.create<rnn::BasicRNNCellOp>(s.location(), rnn::CellType::get(&s.context), k, b,
                                            num_units, act, s.optionalFloat(options.gate_clip));
  return s.addCell(op);
}

Cell ModelBuilder::LSTMCell(int64_t num_units, const LSTMWeights &weights,
                            const LSTMCellOptions &options) {
  Impl &s = *impl_;
  if (num_units <= 0) {
    s.fail("LSTMCell: num_units must be positive");
    return {};
  }
  Value k = s.weights(weights.kernel, 4 * num_units, true, "LSTMCell kernel");
  Value b = s.weights(weights.bias, 4 * num_units, false, "LSTMCell bias");
  Value wi, wf, wo, proj;
  if (options.use_peepholes) {
    wi = s.weights(weights.w_i_diag, num_units, false, "LSTMCell w_i_diag");
    wf = s.weights(weights.w_f_diag, num_units, false, "LSTMCell w_f_diag");
    wo = s.weights(weights.w_o_diag, num_units, false, "LSTMCell w_o_diag");
  }
  if (options.num_proj > 0)
    proj = s.weights(weights.proj_kernel, options.num_proj, true, "LSTMCell proj_kernel");
  rnn::ActivationAttr act = s.activation(options.activation, "LSTMCell activation");
  rnn::ActivationAttr gate = s.activation(options.gate_activation, "LSTMCell gate_activation");
  rnn::ActivationAttr out = s.activation(options.output_activation, "LSTMCell output_activation");
  if (!s.error.empty())
    return {};
  auto op = s.builder.create<rnn::LSTMCellOp>(
      s.location(), rnn::CellType::get(&s.context), k, b, wi, wf, wo, proj,
      s.builder.getI64IntegerAttr(num_units), s.builder.getF32FloatAttr(options.forget_bias),
      s.optionalFloat(options.cell_clip), s.optionalFloat(options.proj_clip), act, gate, out,
      s.optionalFloat(options.gate_clip),
      options.input_forget ? s.builder.getUnitAttr() : UnitAttr());
  return s.addCell(op);
}

Cell ModelBuilder::GRUCell(int64_t num_units, const GRUWeights &weights,
                           const GRUCellOptions &options) {
  Impl &s = *impl_;
  if (num_units <= 0) {
    s.fail("GRUCell: num_units must be positive");
    return {};
  }
  Value gk = s.weights(weights.gates_kernel, 2 * num_units, true, "GRUCell gates_kernel");
  Value gb = s.weights(weights.gates_bias, 2 * num_units, false, "GRUCell gates_bias");
  Value ck = s.weights(weights.candidate_kernel, num_units, true, "GRUCell candidate_kernel");
  Value cb = s.weights(weights.candidate_bias, num_units, false, "GRUCell candidate_bias");
  Value hb = s.optionalWeights(weights.hidden_bias, num_units, false, "GRUCell hidden_bias");
  rnn::ActivationAttr act = s.activation(options.activation, "GRUCell activation");
  rnn::ActivationAttr gate = s.activation(options.gate_activation, "GRUCell gate_activation");
  if (!s.error.empty())
    return {};
  auto op = s.builder.create<rnn::GRUCellOp>(s.location(), rnn::CellType::get(&s.context), gk, gb,
                                             ck, cb, hb, s.builder.getI64IntegerAttr(num_units),
                                             options.linear_before_reset ? s.builder.getUnitAttr()
                                                                         : UnitAttr(),
                                             act, gate, s.optionalFloat(options.gate_clip));
  return s.addCell(op);
}

Cell ModelBuilder::MultiRNNCell(const std::vector<Cell> &cells) {
  Impl &s = *impl_;
  SmallVector<Value> values;
  for (Cell c : cells) {
    Value v = s.cell(c, "MultiRNNCell");
    if (!v)
      return {};
    values.push_back(v);
  }
  if (values.empty()) {
    s.fail("MultiRNNCell: needs at least one cell");
    return {};
  }
  auto op =
      s.builder.create<rnn::MultiRNNCellOp>(s.location(), rnn::CellType::get(&s.context), values);
  return s.addCell(op);
}

RNNResult ModelBuilder::dynamic_rnn(Cell cell, Tensor inputs, const DynamicRNNOptions &options) {
  Impl &s = *impl_;
  Value cellValue = s.cell(cell, "dynamic_rnn");
  Value x = s.tensor(inputs, "dynamic_rnn inputs");
  if (!cellValue || !x)
    return {};
  Value lengths, mask;
  if (options.sequence_length && !(lengths = s.tensor(options.sequence_length, "sequence_length")))
    return {};
  if (options.mask && !(mask = s.tensor(options.mask, "mask")))
    return {};
  SmallVector<Value> initial;
  for (Tensor t : options.initial_state) {
    Value v = s.tensor(t, "initial_state");
    if (!v)
      return {};
    initial.push_back(v);
  }
  SmallVector<rnn::CellOpInterface> layers;
  if (failed(rnn::getCellLayers(cellValue, layers)) || layers.empty()) {
    s.fail("dynamic_rnn: the cell is not made of rnn cells");
    return {};
  }
  auto inputType = dyn_cast<RankedTensorType>(x.getType());
  if (!inputType || inputType.getRank() != 3) {
    s.fail("dynamic_rnn: inputs must be a rank-3 tensor");
    return {};
  }
  int64_t batch = inputType.getDimSize(options.time_major ? 1 : 0);
  Type f32 = s.builder.getF32Type();
  SmallVector<Type> types = {RankedTensorType::get(
      {inputType.getDimSize(0), inputType.getDimSize(1), layers.back().getOutputSize()}, f32)};
  for (rnn::CellOpInterface layer : layers)
    for (int64_t size : layer.getStateSizes())
      types.push_back(RankedTensorType::get({batch, size}, f32));
  auto op = s.builder.create<rnn::DynamicRNNOp>(
      s.location(), types, cellValue, x, lengths, mask, initial,
      options.time_major ? s.builder.getUnitAttr() : UnitAttr(),
      options.reverse ? s.builder.getUnitAttr() : UnitAttr(), UnitAttr(),
      options.zero_output_for_mask ? s.builder.getUnitAttr() : UnitAttr(),
      options.go_backwards ? s.builder.getUnitAttr() : UnitAttr(),
      options.unroll ? s.builder.getUnitAttr() : UnitAttr());
  RNNResult result;
  result.outputs = s.addTensor(op.getOutputs());
  for (Value state : op.getFinalState())
    result.final_state.push_back(s.addTensor(state));
  return result;
}

namespace {
/// Keras weights in TensorFlow's cell layouts (docs/dialect.md): kernel and
/// recurrent kernel stacked, gate blocks reordered.
struct KerasToTF {
  std::string error;
  int64_t inputDim = 0;

  /// Rows of kernel then recurrent_kernel, each row's blocks of `units`
  /// columns taken from `blocks` of the Keras row (of `kerasBlocks` blocks).
  std::vector<float> stack(const KerasWeights &w, int64_t units, int64_t kerasBlocks,
                           ArrayRef<int> blocks) {
    int64_t width = kerasBlocks * units;
    std::vector<float> out;
    int64_t rows = inputDim + units;
    out.reserve(rows * blocks.size() * units);
    for (int64_t r = 0; r < rows; ++r) {
      const float *src =
          r < inputDim ? &w.kernel[r * width] : &w.recurrent_kernel[(r - inputDim) * width];
      for (int block : blocks)
        out.insert(out.end(), src + block * units, src + (block + 1) * units);
    }
    return out;
  }

  std::vector<float> slice(const std::vector<float> &bias, int64_t offset, int64_t units,
                           ArrayRef<int> blocks) {
    std::vector<float> out;
    for (int block : blocks) {
      for (int64_t u = 0; u < units; ++u)
        out.push_back(bias.empty() ? 0.0f : bias[offset + block * units + u]);
    }
    return out;
  }

  bool check(const KerasWeights &w, int64_t units, int64_t blocks, int64_t biasSize,
             const char *layer) {
    int64_t width = blocks * units;
    if (units <= 0 || w.kernel.empty() || w.kernel.size() % width != 0) {
      error = std::string(layer) + ": kernel must be [input_dim, " + std::to_string(width) +
              "], got " + std::to_string(w.kernel.size()) + " values";
      return false;
    }
    inputDim = w.kernel.size() / width;
    if ((int64_t)w.recurrent_kernel.size() != units * width) {
      error = std::string(layer) + ": recurrent_kernel must be [" + std::to_string(units) + ", " +
              std::to_string(width) + "], got " + std::to_string(w.recurrent_kernel.size()) +
              " values";
      return false;
    }
    if (!w.bias.empty() && (int64_t)w.bias.size() != biasSize) {
      error = std::string(layer) + ": bias must have " + std::to_string(biasSize) +
              " values, got " + std::to_string(w.bias.size());
      return false;
    }
    return true;
  }
};
} // namespace

Cell ModelBuilder::Impl::kerasCell(ModelBuilder &b, const KerasLayer &layer) {
  const KerasRNNOptions &o = layer.options;
  const int64_t H = layer.units;
  KerasToTF convert;
  switch (layer.kind) {
  case KerasLayer::SimpleRNN: {
    if (!convert.check(layer.weights, H, 1, H, "SimpleRNN")) {
      fail(convert.error);
      return {};
    }
    BasicRNNCellOptions options;
    options.activation = o.activation;
    return b.BasicRNNCell(H, convert.stack(layer.weights, H, 1, {0}),
                          convert.slice(layer.weights.bias, 0, H, {0}), options);
  }
  case KerasLayer::LSTM: {
    if (!convert.check(layer.weights, H, 4, 4 * H, "LSTM")) {
      fail(convert.error);
      return {};
    }
    // TensorFlow's blocks i, j, f, o are Keras's i, c, f, o.
    const int order[] = {0, 2, 1, 3};
    LSTMWeights weights;
    weights.kernel = convert.stack(layer.weights, H, 4, order);
    weights.bias = convert.slice(layer.weights.bias, 0, H, order);
    LSTMCellOptions options;
    options.forget_bias = 0.0f; // Keras folds unit_forget_bias into the bias
    options.activation = o.activation;
    options.gate_activation = o.recurrent_activation;
    return b.LSTMCell(H, weights, options);
  }
  case KerasLayer::GRU: {
    int64_t biasSize = o.reset_after ? 6 * H : 3 * H;
    if (!convert.check(layer.weights, H, 3, biasSize, "GRU")) {
      fail(convert.error);
      return {};
    }
    // TensorFlow's gates r, u are Keras's r, z; the candidate is Keras's h.
    const int gates[] = {1, 0}, candidate[] = {2};
    GRUWeights weights;
    weights.gates_kernel = convert.stack(layer.weights, H, 3, gates);
    weights.candidate_kernel = convert.stack(layer.weights, H, 3, candidate);
    weights.gates_bias = convert.slice(layer.weights.bias, 0, H, gates);
    weights.candidate_bias = convert.slice(layer.weights.bias, 0, H, candidate);
    GRUCellOptions options;
    options.activation = o.activation;
    options.gate_activation = o.recurrent_activation;
    if (o.reset_after) {
      // Keras adds the recurrent bias to z and r; h's goes inside r * (...).
      std::vector<float> recurrent = convert.slice(layer.weights.bias, 3 * H, H, gates);
      for (size_t i = 0; i < recurrent.size(); ++i)
        weights.gates_bias[i] += recurrent[i];
      weights.hidden_bias = convert.slice(layer.weights.bias, 3 * H, H, candidate);
      options.linear_before_reset = true;
    }
    return b.GRUCell(H, weights, options);
  }
  }
  return {};
}

Value ModelBuilder::Impl::kerasLastOutput(Value h, Value mask, bool zeroOutputForMask,
                                          bool goBackwards) {
  // Keras (backend.rnn with TensorFlow) returns outputs[-1], the output the
  // last step emitted: a masked step emits the previous step's output (zeros
  // before the first unmasked step), or zeros with zero_output_for_mask. With
  // the state kept over masked steps, that is the final h for a row with an
  // unmasked step (with zero_output_for_mask: whose last processed step is
  // unmasked), else 0 (not the initial state).
  Location loc = location();
  OpBuilder &b = builder;
  Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.0f));
  SmallVector<Value> dynamic;
  auto type = cast<RankedTensorType>(h.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(b.create<tensor::DimOp>(loc, h, d));
  Value init = b.create<tensor::EmptyOp>(loc, type, dynamic);
  init = b.create<linalg::FillOp>(loc, zero, init).getResult(0);
  // Loops (b, h, t); t reduces.
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {d(0), d(1)}, ctx),
                                 AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                                 AffineMap::get(3, 0, {d(0), d(1)}, ctx)};
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                utils::IteratorType::parallel,
                                                utils::IteratorType::reduction};
  return b
      .create<linalg::GenericOp>(
          loc, type, ValueRange{h, mask}, init, maps, iterators,
          [&](OpBuilder &n, Location l, ValueRange a) {
            Value keep = a[1];
            if (zeroOutputForMask) {
              // The last processed step: T - 1, or 0 going backwards.
              Value t = n.create<linalg::IndexOp>(l, 2);
              Value last = goBackwards ? n.create<arith::ConstantIndexOp>(l, 0).getResult()
                                       : n.create<arith::SubIOp>(
                                              l, n.create<tensor::DimOp>(l, mask, 1),
                                              n.create<arith::ConstantIndexOp>(l, 1))
                                             .getResult();
              Value isLast = n.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, t, last);
              keep = n.create<arith::AndIOp>(l, keep, isLast);
            }
            n.create<linalg::YieldOp>(l, n.create<arith::SelectOp>(l, keep, a[0], a[2]).getResult());
          })
      .getResult(0);
}

KerasRNNResult ModelBuilder::Impl::keras(ModelBuilder &b, const KerasLayer &layer, Tensor inputs,
                                         bool backwardAligned) {
  const KerasRNNOptions &o = layer.options;
  Cell cell = kerasCell(b, layer);
  if (!cell)
    return {};
  DynamicRNNOptions options;
  options.mask = o.mask;
  options.time_major = o.time_major;
  options.unroll = o.unroll;
  options.zero_output_for_mask = o.zero_output_for_mask && o.mask;
  // Keras's Bidirectional flips the go_backwards outputs back into input
  // order: that is running backwards with time-aligned outputs.
  options.reverse = backwardAligned;
  options.go_backwards = o.go_backwards && !backwardAligned;
  options.initial_state = o.initial_state;
  if (layer.kind == KerasLayer::LSTM && o.initial_state.size() == 2)
    options.initial_state = {o.initial_state[1], o.initial_state[0]}; // Keras [h, c]
  RNNResult r = b.dynamic_rnn(cell, inputs, options);
  if (!r.outputs)
    return {};
  KerasRNNResult result;
  result.output = o.return_sequences ? r.outputs : r.final_state.back();
  if (!o.return_sequences && o.mask)
    result.output = addTensor(kerasLastOutput(tensors[result.output.id], tensors[o.mask.id],
                                              options.zero_output_for_mask, options.go_backwards));
  result.states = r.final_state;
  if (layer.kind == KerasLayer::LSTM)
    result.states = {r.final_state[1], r.final_state[0]};
  return result;
}

KerasRNNResult ModelBuilder::rnn(const KerasLayer &layer, Tensor inputs) {
  return impl_->keras(*this, layer, inputs, /*backwardAligned=*/false);
}

BidirectionalResult ModelBuilder::Bidirectional(const KerasLayer &forward,
                                                const KerasLayer &backward, Tensor inputs,
                                                const std::string &merge_mode) {
  Impl &s = *impl_;
  if (merge_mode != "concat" && merge_mode != "sum" && merge_mode != "ave" && merge_mode != "mul" &&
      merge_mode != "none") {
    s.fail("Bidirectional: merge_mode must be concat, sum, ave, mul or none, got '" + merge_mode +
           "'");
    return {};
  }
  if (forward.options.return_sequences != backward.options.return_sequences) {
    s.fail("Bidirectional: both layers must agree on return_sequences");
    return {};
  }
  KerasLayer fw = forward, bw = backward;
  fw.options.zero_output_for_mask = fw.options.return_sequences;
  bw.options.zero_output_for_mask = bw.options.return_sequences;
  BidirectionalResult result;
  result.forward = s.keras(*this, fw, inputs, false);
  result.backward = s.keras(*this, bw, inputs, true);
  if (!result.forward.output || !result.backward.output || merge_mode == "none")
    return result;
  Value a = s.tensors[result.forward.output.id], b = s.tensors[result.backward.output.id];
  if (merge_mode == "concat") {
    result.output = s.addTensor(s.math().concatColumns(a, b));
  } else if (a.getType() != b.getType()) {
    s.fail("Bidirectional: merge_mode '" + merge_mode + "' needs outputs of one shape");
  } else {
    result.output = s.elementwise(merge_mode == "sum" ? "add" : merge_mode,
                                  {result.forward.output, result.backward.output});
  }
  return result;
}

BidirectionalRNNResult ModelBuilder::bidirectional_dynamic_rnn(Cell forward, Cell backward,
                                                               Tensor inputs,
                                                               const DynamicRNNOptions &options) {
  if (options.reverse || options.go_backwards) {
    impl_->fail("bidirectional_dynamic_rnn: the options must not ask for reverse or go_backwards");
    return {};
  }
  BidirectionalRNNResult result;
  DynamicRNNOptions fw = options, bw = options;
  bw.reverse = true;
  // initial_state holds the forward cell's states, then the backward cell's.
  if (!options.initial_state.empty()) {
    Value fwCell = impl_->cell(forward, "bidirectional_dynamic_rnn");
    SmallVector<mlir::rnn::CellOpInterface> layers;
    if (!fwCell || failed(mlir::rnn::getCellLayers(fwCell, layers)))
      return {};
    size_t count = 0;
    for (mlir::rnn::CellOpInterface layer : layers)
      count += layer.getStateSizes().size();
    if (options.initial_state.size() < count) {
      impl_->fail("bidirectional_dynamic_rnn: initial_state needs the forward cell's " +
                  std::to_string(count) + " states, then the backward cell's");
      return {};
    }
    fw.initial_state.assign(options.initial_state.begin(), options.initial_state.begin() + count);
    bw.initial_state.assign(options.initial_state.begin() + count, options.initial_state.end());
  }
  result.forward = dynamic_rnn(forward, inputs, fw);
  result.backward = dynamic_rnn(backward, inputs, bw);
  return result;
}

Cell ModelBuilder::CustomCell(const CustomCellSpec &spec, const CellStepFn &step) {
  Impl &s = *impl_;
  SmallVector<Value> weights;
  for (Tensor w : spec.weights) {
    Value v = s.tensor(w, "CustomCell weight");
    if (!v)
      return {};
    weights.push_back(v);
  }
  if (spec.input_features <= 0 || spec.output_features <= 0 || spec.state_features.empty() ||
      !step) {
    s.fail("CustomCell: needs positive input and output features, at least one state and a step");
    return {};
  }
  Type f32 = s.builder.getF32Type();
  auto rows = [&](int64_t features) {
    return RankedTensorType::get({ShapedType::kDynamic, features}, f32);
  };
  auto op = s.builder.create<mlir::rnn::CustomCellOp>(
      s.location(), mlir::rnn::CellType::get(&s.context), weights,
      s.builder.getI64IntegerAttr(spec.input_features),
      s.builder.getDenseI64ArrayAttr(spec.state_features),
      s.builder.getI64IntegerAttr(spec.output_features));
  Block *block = new Block();
  op.getBody().push_back(block);
  Tensor input = s.addTensor(block->addArgument(rows(spec.input_features), s.location()));
  std::vector<Tensor> states, weightArgs;
  for (int64_t features : spec.state_features)
    states.push_back(s.addTensor(block->addArgument(rows(features), s.location())));
  for (Value w : weights)
    weightArgs.push_back(s.addTensor(block->addArgument(w.getType(), s.location())));

  OpBuilder::InsertionGuard guard(s.builder);
  s.builder.setInsertionPointToEnd(block);
  CellStep result = step(*this, input, states, weightArgs);
  SmallVector<Value> yielded;
  if (Value out = s.tensor(result.output, "CustomCell step output"))
    yielded.push_back(out);
  for (Tensor state : result.states)
    if (Value v = s.tensor(state, "CustomCell step state"))
      yielded.push_back(v);
  s.builder.create<mlir::rnn::YieldOp>(s.location(), yielded);
  if (!s.error.empty())
    return {};
  return s.addCell(op);
}

Tensor ModelBuilder::constant(const std::vector<float> &values, const std::vector<int64_t> &shape) {
  Impl &s = *impl_;
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d < 0 ? 0 : d;
  if ((int64_t)values.size() != count) {
    s.fail("constant: " + std::to_string(values.size()) + " values for " + std::to_string(count) +
           " elements");
    return {};
  }
  auto type = RankedTensorType::get(shape, s.builder.getF32Type());
  return s.addTensor(s.builder.create<arith::ConstantOp>(
      s.location(), DenseElementsAttr::get(type, ArrayRef<float>(values))));
}

Tensor ModelBuilder::matmul(Tensor a, Tensor b) {
  Impl &s = *impl_;
  Value lhs = s.tensor(a, "matmul"), rhs = s.tensor(b, "matmul");
  if (!lhs || !rhs)
    return {};
  auto lt = cast<RankedTensorType>(lhs.getType()), rt = cast<RankedTensorType>(rhs.getType());
  // Says which operand and which size is wrong, with the shapes.
  std::string shapes = rnn::formatShape(lt.getShape()) + " x " + rnn::formatShape(rt.getShape());
  if (lt.getRank() != 2 || rt.getRank() != 2) {
    s.fail("matmul: the " + std::string(lt.getRank() != 2 ? "left" : "right") +
           " operand has rank " + std::to_string(lt.getRank() != 2 ? lt.getRank() : rt.getRank()) +
           " (" + shapes + "); matmul takes [M, K] x [K, N]");
    return {};
  }
  if (ShapedType::isDynamic(rt.getDimSize(0)) || ShapedType::isDynamic(rt.getDimSize(1))) {
    s.fail("matmul: the right operand's sizes must be static (" + shapes + ")");
    return {};
  }
  if (lt.getDimSize(1) != rt.getDimSize(0)) {
    s.fail("matmul: the left operand's K (" + std::to_string(lt.getDimSize(1)) +
           ") is not the right operand's (" + std::to_string(rt.getDimSize(0)) + "): " + shapes);
    return {};
  }
  return s.addTensor(s.math().matmul(lhs, rhs));
}

Tensor ModelBuilder::add(Tensor a, Tensor b) { return impl_->elementwise("add", {a, b}); }
Tensor ModelBuilder::sub(Tensor a, Tensor b) { return impl_->elementwise("sub", {a, b}); }
Tensor ModelBuilder::mul(Tensor a, Tensor b) { return impl_->elementwise("mul", {a, b}); }
Tensor ModelBuilder::sigmoid(Tensor a) { return impl_->elementwise("sigmoid", {a}); }
Tensor ModelBuilder::tanh(Tensor a) { return impl_->elementwise("tanh", {a}); }
Tensor ModelBuilder::relu(Tensor a) { return impl_->elementwise("relu", {a}); }

Tensor ModelBuilder::slice(Tensor a, int64_t begin, int64_t size) {
  Impl &s = *impl_;
  Value v = s.tensor(a, "slice");
  if (!v)
    return {};
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  if (rank == 0 || begin < 0 || size <= 0 || ShapedType::isDynamic(type.getShape().back()) ||
      begin + size > type.getShape().back()) {
    s.fail("slice: columns [" + std::to_string(begin) + ", " + std::to_string(begin + size) +
           ") are not within the last dimension");
    return {};
  }
  return s.addTensor(s.math().sliceColumns(v, begin, size));
}

Tensor ModelBuilder::concat(Tensor a, Tensor b) {
  Impl &s = *impl_;
  Value lhs = s.tensor(a, "concat"), rhs = s.tensor(b, "concat");
  if (!lhs || !rhs)
    return {};
  auto lt = cast<RankedTensorType>(lhs.getType()), rt = cast<RankedTensorType>(rhs.getType());
  if (lt.getRank() != rt.getRank() || lt.getRank() == 0) {
    s.fail("concat: both tensors need the same rank (at least 1)");
    return {};
  }
  return s.addTensor(s.math().concatColumns(lhs, rhs));
}

RNNResult ModelBuilder::dynamic_rnn(Cell cell, const std::vector<Tensor> &inputs,
                                    const DynamicRNNOptions &options) {
  if (inputs.empty()) {
    impl_->fail("dynamic_rnn: needs at least one input");
    return {};
  }
  Tensor joined = inputs.front();
  for (size_t i = 1; i < inputs.size() && joined; ++i)
    joined = concat(joined, inputs[i]);
  if (!joined)
    return {};
  return dynamic_rnn(cell, joined, options);
}

void ModelBuilder::output(const std::string &name, Tensor value) {
  Value v = impl_->tensor(value, ("output '" + name + "'").c_str());
  if (v)
    impl_->outputs.emplace_back(name, v);
}

std::string ModelBuilder::str() const {
  OwningOpRef<ModuleOp> module = impl_->finish();
  if (!module)
    return "";
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return text;
}

const std::string &ModelBuilder::error() const { return impl_->error; }

Model::~Model() = default;

std::shared_ptr<const Model> Model::compile(const ModelBuilder &builder,
                                            const CompileOptions &options, std::string *error) {
  ModelBuilder::Impl &s = *builder.impl_;
  OwningOpRef<ModuleOp> module = s.finish();
  if (!module) {
    if (error)
      *error = s.error;
    return nullptr;
  }
  s.collector.text.clear();
  auto jit = mlir::rnnc::compileCached(*module, toCompileOptions(options));
  if (failed(jit)) {
    if (error)
      *error = s.collector.text.empty() ? "compilation failed" : s.collector.text;
    return nullptr;
  }
  std::shared_ptr<Model> model(new Model());
  model->jit_ = *jit;
  return model;
}

std::shared_ptr<const Model> Model::load(const std::string &path, const CompileOptions &options,
                                         std::string *error) {
  MLIRContext context(rnncDialects());
  context.loadAllAvailableDialects();
  DiagnosticCollector collector(&context);
  llvm::SourceMgr sourceMgr;
  mlir::rnnc::ModelFileOptions fileOptions;
  fileOptions.memoryLimit = options.memory_limit;
  fileOptions.trustedIR = options.trusted_ir;
  OwningOpRef<ModuleOp> module = mlir::rnnc::loadModelFile(path, sourceMgr, &context, fileOptions);
  FailureOr<std::shared_ptr<const mlir::rnnc::JitModel>> jit = failure();
  if (module)
    jit = mlir::rnnc::compileCached(*module, toCompileOptions(options));
  if (!module || failed(jit)) {
    if (error)
      *error = collector.text.empty() ? "cannot compile " + path : collector.text;
    return nullptr;
  }
  std::shared_ptr<Model> model(new Model());
  model->jit_ = *jit;
  return model;
}

const rnnrt_model_t *Model::descriptor() const { return jit_->model(); }

} // namespace rnnc
