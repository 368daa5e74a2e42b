// The MLIR-free C++ API of rnnc/rnnc.h: ModelBuilder builds rnn-dialect ops
// in a module of its own context; Model wraps a cached JitModel.

#include "rnnc/rnnc.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "rnnc/API/Jit.h"
#include "rnnc/API/ModelFile.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
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
          os << diag.getLocation() << ": " << diag;
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
      options.zero_output_for_mask ? s.builder.getUnitAttr() : UnitAttr());
  RNNResult result;
  result.outputs = s.addTensor(op.getOutputs());
  for (Value state : op.getFinalState())
    result.final_state.push_back(s.addTensor(state));
  return result;
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
  OwningOpRef<ModuleOp> module = mlir::rnnc::loadModelFile(path, sourceMgr, &context);
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
