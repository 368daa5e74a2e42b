// The MLIR-free C++ API of rnnc/rnnc.h: ModelBuilder builds rnn-dialect ops
// in a module of its own context; Model wraps a cached JitModel. Keras's
// layers: KerasBuilder.cpp.

#include "BuilderImpl.h"
#include "rnnc/API/Jit.h"

using namespace mlir;

namespace {
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
  result.precision = options.precision;
  result.wavefront = options.wavefront;
  result.perfJitDump = options.perf_jitdump;
  return result;
}
} // namespace

namespace rnnc {

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
