// ONNX -> rnn dialect. Weights (W, R, B, P) are converted at import time from
// ONNX's layouts (gate order i,o,f,c / z,r,h, one row per unit) to the dialect's
// TensorFlow layout; directions become one rnn.dynamic_rnn each, assembled into
// ONNX's [T, dirs, B, H] outputs with tensor.insert_slice.

#include "rnnc/Frontend/Onnx/OnnxImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <fstream>
#include <optional>

using namespace mlir;

namespace {

enum class RecurrentKind { LSTM, GRU, RNN };

/// A constant tensor known at import time (initializer or Constant node).
struct ConstantTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

class OnnxImporter {
public:
  OnnxImporter(MLIRContext *context, StringRef path)
      : context(context), b(context), fileLoc(FileLineColLoc::get(context, path, 0, 0)) {}

  OwningOpRef<ModuleOp> import(const onnx::ModelProto &model);

private:
  Location nodeLoc(const onnx::NodeProto &node) {
    std::string name = node.name().empty() ? node.op_type() : node.name();
    return NameLoc::get(StringAttr::get(context, name), fileLoc);
  }
  InFlightDiagnostic nodeError(const onnx::NodeProto &node) {
    return emitError(nodeLoc(node)) << "node '" << node.name() << "' (" << node.op_type() << "): ";
  }

  LogicalResult importTensor(const onnx::TensorProto &tensor, Location loc, Value &value);
  LogicalResult importNode(const onnx::NodeProto &node);
  LogicalResult importConstantNode(const onnx::NodeProto &node);
  LogicalResult importRecurrent(const onnx::NodeProto &node, RecurrentKind kind);

  /// Input `index` of `node`, or null when absent ("" or past the end).
  FailureOr<Value> optionalInput(const onnx::NodeProto &node, int index);
  FailureOr<const ConstantTensor *> constantInput(const onnx::NodeProto &node, int index,
                                                  StringRef role, ArrayRef<int64_t> shape);

  Value constant(ArrayRef<int64_t> shape, ArrayRef<float> values) {
    auto type = RankedTensorType::get(shape, b.getF32Type());
    return b.create<arith::ConstantOp>(fileLoc, DenseElementsAttr::get(type, values));
  }
  Value sliceDirection(Value states, int64_t direction, bool batchMajor, Value batch);

  MLIRContext *context;
  OpBuilder b;
  Location fileLoc;
  llvm::StringMap<Value> values;
  llvm::StringMap<ConstantTensor> constants;
};

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + (ShapedType::isDynamic(shape[i]) ? std::string("?")
                                                               : std::to_string(shape[i]));
  return text + "]";
}

std::optional<Type> elementType(int32_t onnxType, MLIRContext *context) {
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return Float32Type::get(context);
  case onnx::TensorProto::INT32:
    return IntegerType::get(context, 32);
  case onnx::TensorProto::INT64:
    return IntegerType::get(context, 64);
  default:
    return std::nullopt;
  }
}

LogicalResult OnnxImporter::importTensor(const onnx::TensorProto &tensor, Location loc,
                                         Value &value) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return emitError(loc) << "tensor '" << tensor.name()
                          << "' uses external data, which is not supported";
  std::vector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d))
      return emitError(loc) << "tensor '" << tensor.name() << "' has a bad shape "
                            << shapeText(shape);
    count *= d;
  }
  std::optional<Type> type = elementType(tensor.data_type(), context);
  if (!type)
    return emitError(loc) << "tensor '" << tensor.name() << "' has unsupported element type "
                          << tensor.data_type() << " (supported: float, int32, int64)";
  auto tensorType = RankedTensorType::get(shape, *type);
  const std::string &raw = tensor.raw_data();
  size_t width = type->getIntOrFloatBitWidth() / 8;
  auto sizeError = [&](size_t got) {
    return emitError(loc) << "tensor '" << tensor.name() << "' of shape " << shapeText(shape)
                          << " holds " << got << " values";
  };
  DenseElementsAttr attr;
  if (!raw.empty()) {
    if (raw.size() != (size_t)count * width)
      return sizeError(raw.size() / width);
    attr = DenseElementsAttr::getFromRawBuffer(tensorType, ArrayRef<char>(raw.data(), raw.size()));
  } else if (type->isF32()) {
    if (tensor.float_data_size() != count)
      return sizeError(tensor.float_data_size());
    attr = DenseElementsAttr::get(tensorType, ArrayRef<float>(tensor.float_data().data(), count));
  } else if (type->isInteger(32)) {
    if (tensor.int32_data_size() != count)
      return sizeError(tensor.int32_data_size());
    attr = DenseElementsAttr::get(tensorType, ArrayRef<int32_t>(tensor.int32_data().data(), count));
  } else {
    if (tensor.int64_data_size() != count)
      return sizeError(tensor.int64_data_size());
    std::vector<int64_t> data(tensor.int64_data().begin(), tensor.int64_data().end());
    attr = DenseElementsAttr::get(tensorType, ArrayRef<int64_t>(data));
  }
  if (type->isF32()) {
    ConstantTensor &c = constants[tensor.name()];
    c.shape = shape;
    c.values.assign(attr.getValues<float>().begin(), attr.getValues<float>().end());
  }
  value = b.create<arith::ConstantOp>(loc, attr);
  return success();
}

FailureOr<Value> OnnxImporter::optionalInput(const onnx::NodeProto &node, int index) {
  if (index >= node.input_size() || node.input(index).empty())
    return Value();
  auto it = values.find(node.input(index));
  if (it == values.end())
    return nodeError(node) << "input '" << node.input(index)
                           << "' is not a graph input, initializer or output of an earlier node";
  return it->second;
}

FailureOr<const ConstantTensor *> OnnxImporter::constantInput(const onnx::NodeProto &node,
                                                              int index, StringRef role,
                                                              ArrayRef<int64_t> shape) {
  if (failed(optionalInput(node, index)))
    return failure();
  auto it = constants.find(node.input(index));
  if (it == constants.end())
    return nodeError(node) << "input '" << role << "' ('" << node.input(index)
                           << "') must be a float initializer or Constant; weights fed at run "
                              "time are not supported";
  if (it->second.shape != std::vector<int64_t>(shape.begin(), shape.end()))
    return nodeError(node) << "input '" << role << "' must have shape " << shapeText(shape)
                           << ", got " << shapeText(it->second.shape);
  return &it->second;
}

LogicalResult OnnxImporter::importConstantNode(const onnx::NodeProto &node) {
  if (node.attribute_size() != 1)
    return nodeError(node) << "expects exactly one value attribute";
  const onnx::AttributeProto &attr = node.attribute(0);
  onnx::TensorProto tensor;
  if (attr.name() == "value") {
    tensor = attr.t();
  } else if (attr.name() == "value_float") {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_float_data(attr.f());
  } else if (attr.name() == "value_floats") {
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_dims(attr.floats_size());
    for (float f : attr.floats())
      tensor.add_float_data(f);
  } else if (attr.name() == "value_int") {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_int64_data(attr.i());
  } else if (attr.name() == "value_ints") {
    tensor.set_data_type(onnx::TensorProto::INT64);
    tensor.add_dims(attr.ints_size());
    for (int64_t i : attr.ints())
      tensor.add_int64_data(i);
  } else {
    return nodeError(node) << "attribute '" << attr.name() << "' is not supported";
  }
  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  tensor.set_name(node.output(0));
  Value value;
  if (failed(importTensor(tensor, nodeLoc(node), value)))
    return failure();
  values[node.output(0)] = value;
  return success();
}

Value OnnxImporter::sliceDirection(Value states, int64_t direction, bool batchMajor,
                                   Value batch) {
  auto type = cast<RankedTensorType>(states.getType());
  int64_t hidden = type.getDimSize(2);
  int64_t staticBatch = type.getDimSize(batchMajor ? 0 : 1);
  auto resultType = RankedTensorType::get({staticBatch, hidden}, b.getF32Type());
  SmallVector<OpFoldResult> offsets(3, b.getIndexAttr(0)), sizes, strides(3, b.getIndexAttr(1));
  offsets[batchMajor ? 1 : 0] = b.getIndexAttr(direction);
  OpFoldResult batchSize = ShapedType::isDynamic(staticBatch) ? OpFoldResult(batch)
                                                              : OpFoldResult(b.getIndexAttr(staticBatch));
  if (batchMajor)
    sizes = {batchSize, b.getIndexAttr(1), b.getIndexAttr(hidden)};
  else
    sizes = {b.getIndexAttr(1), batchSize, b.getIndexAttr(hidden)};
  return b.create<tensor::ExtractSliceOp>(fileLoc, resultType, states, offsets, sizes, strides);
}

/// The ONNX activations rnnc's cells compute, by ONNX name.
std::optional<rnn::Activation> mapActivation(StringRef name) {
  return llvm::StringSwitch<std::optional<rnn::Activation>>(name)
      .Case("Tanh", rnn::Activation::tanh)
      .Case("Sigmoid", rnn::Activation::sigmoid)
      .Case("Relu", rnn::Activation::relu)
      .Case("Softsign", rnn::Activation::softsign)
      .Case("Softplus", rnn::Activation::softplus)
      .Default(std::nullopt);
}

LogicalResult OnnxImporter::importRecurrent(const onnx::NodeProto &node, RecurrentKind kind) {
  const int64_t gates = kind == RecurrentKind::LSTM ? 4 : kind == RecurrentKind::GRU ? 3 : 1;
  const int maxInputs = kind == RecurrentKind::LSTM ? 8 : 6;
  const int maxOutputs = kind == RecurrentKind::LSTM ? 3 : 2;
  if (node.input_size() < 3 || node.input_size() > maxInputs)
    return nodeError(node) << "expects 3 to " << maxInputs << " inputs, got " << node.input_size();
  if (node.output_size() > maxOutputs)
    return nodeError(node) << "expects at most " << maxOutputs << " outputs, got "
                           << node.output_size();

  std::string direction = "forward";
  int64_t hiddenSize = -1, layout = 0, linearBeforeReset = 0;
  std::vector<std::string> activations;
  llvm::StringSet<> known = {"activation_alpha", "activation_beta", "activations", "clip",
                             "direction", "hidden_size", "layout"};
  if (kind == RecurrentKind::LSTM)
    known.insert("input_forget");
  if (kind == RecurrentKind::GRU)
    known.insert("linear_before_reset");
  for (const onnx::AttributeProto &attr : node.attribute()) {
    const std::string &name = attr.name();
    if (!known.contains(name))
      return nodeError(node) << "attribute '" << name << "' is not an attribute of "
                             << node.op_type();
    if (name == "direction") {
      direction = attr.s();
    } else if (name == "hidden_size") {
      hiddenSize = attr.i();
    } else if (name == "layout") {
      layout = attr.i();
    } else if (name == "linear_before_reset") {
      linearBeforeReset = attr.i();
    } else if (name == "activations") {
      activations.assign(attr.strings().begin(), attr.strings().end());
    } else if (name == "input_forget") {
      if (attr.i() != 0)
        return nodeError(node) << "attribute 'input_forget' = " << attr.i()
                               << " is not supported";
    } else if (name == "clip") {
      return nodeError(node) << "attribute 'clip' is not supported";
    } else if ((name == "activation_alpha" && attr.floats_size() > 0) ||
               (name == "activation_beta" && attr.floats_size() > 0)) {
      return nodeError(node) << "attribute '" << name << "' is not supported";
    }
  }
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return nodeError(node) << "attribute 'direction' must be forward, reverse or bidirectional, "
                              "got '"
                           << direction << "'";
  if (layout != 0 && layout != 1)
    return nodeError(node) << "attribute 'layout' must be 0 or 1, got " << layout;
  if (linearBeforeReset != 0 && linearBeforeReset != 1)
    return nodeError(node) << "attribute 'linear_before_reset' must be 0 or 1, got "
                           << linearBeforeReset;
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;

  // Activations: LSTM (f, g, h), GRU (f, g), RNN (f) per direction. Gates (f)
  // must be Sigmoid; LSTM's g and h must agree (TensorFlow's single activation).
  const size_t perDirection = kind == RecurrentKind::LSTM ? 3 : kind == RecurrentKind::GRU ? 2 : 1;
  std::vector<rnn::Activation> cellActivation(dirs, rnn::Activation::tanh);
  if (!activations.empty()) {
    if (activations.size() != perDirection * dirs)
      return nodeError(node) << "attribute 'activations' must list " << perDirection * dirs
                             << " functions, got " << activations.size();
    for (int64_t d = 0; d < dirs; ++d) {
      ArrayRef<std::string> mine(&activations[d * perDirection], perDirection);
      if (kind != RecurrentKind::RNN && mine[0] != "Sigmoid")
        return nodeError(node) << "attribute 'activations': gate activation '" << mine[0]
                               << "' is not supported (only Sigmoid)";
      if (kind == RecurrentKind::LSTM && mine[1] != mine[2])
        return nodeError(node) << "attribute 'activations': different cell and hidden "
                                  "activations ('"
                               << mine[1] << "', '" << mine[2] << "') are not supported";
      StringRef name = kind == RecurrentKind::RNN ? mine[0] : mine[1];
      std::optional<rnn::Activation> act = mapActivation(name);
      if (!act)
        return nodeError(node) << "attribute 'activations': '" << name << "' is not supported";
      cellActivation[d] = *act;
    }
  }

  FailureOr<Value> x = optionalInput(node, 0);
  if (failed(x))
    return failure();
  if (!*x)
    return nodeError(node) << "input 'X' is required";
  auto xType = dyn_cast<RankedTensorType>(x->getType());
  if (!xType || xType.getRank() != 3 || !xType.getElementType().isF32())
    return nodeError(node) << "input 'X' must be a rank-3 float tensor, got " << x->getType();
  const int64_t inputSize = xType.getDimSize(2);
  if (ShapedType::isDynamic(inputSize))
    return nodeError(node) << "input 'X' must have a static input size (dimension 2)";
  if (node.input(1).empty() || !constants.count(node.input(1)))
    return nodeError(node) << "input 'W' ('" << node.input(1)
                           << "') must be a float initializer or Constant; weights fed at run "
                              "time are not supported";
  const ConstantTensor &wInfo = constants[node.input(1)];
  if (wInfo.shape.size() != 3 || wInfo.shape[1] % gates != 0)
    return nodeError(node) << "input 'W' must have shape [num_directions, " << gates
                           << "*hidden_size, input_size], got " << shapeText(wInfo.shape);
  if (hiddenSize < 0)
    hiddenSize = wInfo.shape[1] / gates;
  const int64_t H = hiddenSize, I = inputSize, GH = gates * H;
  if (H <= 0)
    return nodeError(node) << "attribute 'hidden_size' must be positive, got " << H;

  auto w = constantInput(node, 1, "W", {dirs, GH, I});
  auto r = constantInput(node, 2, "R", {dirs, GH, H});
  if (failed(w) || failed(r))
    return failure();
  const ConstantTensor *bias = nullptr, *peepholes = nullptr;
  if (node.input_size() > 3 && !node.input(3).empty()) {
    auto bi = constantInput(node, 3, "B", {dirs, 2 * GH});
    if (failed(bi))
      return failure();
    bias = *bi;
  }
  if (kind == RecurrentKind::LSTM && node.input_size() > 7 && !node.input(7).empty()) {
    auto p = constantInput(node, 7, "P", {dirs, 3 * H});
    if (failed(p))
      return failure();
    peepholes = *p;
  }
  FailureOr<Value> lengths = optionalInput(node, 4);
  FailureOr<Value> initialH = optionalInput(node, 5);
  FailureOr<Value> initialC =
      kind == RecurrentKind::LSTM ? optionalInput(node, 6) : FailureOr<Value>(Value());
  if (failed(lengths) || failed(initialH) || failed(initialC))
    return failure();

  const bool batchMajor = layout == 1;
  const unsigned timeDim = batchMajor ? 1 : 0, batchDim = batchMajor ? 0 : 1;
  const int64_t staticT = xType.getDimSize(timeDim), staticB = xType.getDimSize(batchDim);
  if (*lengths) {
    auto type = dyn_cast<RankedTensorType>(lengths->getType());
    if (!type || type.getRank() != 1 || !(type.getElementType().isInteger(32) ||
                                          type.getElementType().isInteger(64)))
      return nodeError(node) << "input 'sequence_lens' must be a 1-D int32 or int64 tensor, got "
                             << lengths->getType();
  }
  for (auto [value, name] : {std::pair<Value, StringRef>{*initialH, "initial_h"},
                             {*initialC, "initial_c"}}) {
    if (!value)
      continue;
    auto type = dyn_cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> expected = batchMajor ? SmallVector<int64_t>{staticB, dirs, H}
                                               : SmallVector<int64_t>{dirs, staticB, H};
    bool ok = type && type.getRank() == 3 && type.getElementType().isF32();
    for (int i = 0; ok && i < 3; ++i)
      ok = ShapedType::isDynamic(expected[i]) || ShapedType::isDynamic(type.getDimSize(i)) ||
           expected[i] == type.getDimSize(i);
    if (!ok)
      return nodeError(node) << "input '" << name << "' must be a float tensor of shape "
                             << shapeText(expected) << ", got " << value.getType();
  }

  Location loc = nodeLoc(node);
  Value batch = b.create<tensor::DimOp>(loc, *x, batchDim);
  Value time = b.create<tensor::DimOp>(loc, *x, timeDim);
  auto stateType = RankedTensorType::get({staticB, H}, b.getF32Type());
  auto outputType = RankedTensorType::get(
      batchMajor ? SmallVector<int64_t>{staticB, staticT, H} : SmallVector<int64_t>{staticT, staticB, H},
      b.getF32Type());
  Value zeros;
  auto zeroState = [&]() {
    if (!zeros) {
      SmallVector<Value> dynamic;
      if (ShapedType::isDynamic(staticB))
        dynamic.push_back(batch);
      Value empty = b.create<tensor::EmptyOp>(loc, stateType, dynamic);
      Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.0f));
      zeros = b.create<linalg::FillOp>(loc, zero, empty).getResult(0);
    }
    return zeros;
  };

  SmallVector<Value> outputs, finalH, finalC;
  for (int64_t d = 0; d < dirs; ++d) {
    const float *W = (*w)->values.data() + d * GH * I;
    const float *R = (*r)->values.data() + d * GH * H;
    auto biasAt = [&](int64_t k) { return bias ? bias->values[d * 2 * GH + k] : 0.0f; };
    // kernel[k, col] = concat(W, R, axis=1)[row(col), k]: TensorFlow's [I + H, columns].
    auto kernel = [&](ArrayRef<int64_t> onnxGates) {
      int64_t columns = onnxGates.size() * H;
      std::vector<float> k((I + H) * columns);
      for (size_t g = 0; g < onnxGates.size(); ++g)
        for (int64_t u = 0; u < H; ++u) {
          int64_t row = onnxGates[g] * H + u, col = g * H + u;
          for (int64_t i = 0; i < I; ++i)
            k[i * columns + col] = W[row * I + i];
          for (int64_t h = 0; h < H; ++h)
            k[(I + h) * columns + col] = R[row * H + h];
        }
      return constant({I + H, columns}, k);
    };
    auto sumBias = [&](ArrayRef<int64_t> onnxGates, bool input, bool recurrent) {
      std::vector<float> v;
      for (int64_t g : onnxGates)
        for (int64_t u = 0; u < H; ++u)
          v.push_back((input ? biasAt(g * H + u) : 0.0f) +
                      (recurrent ? biasAt(GH + g * H + u) : 0.0f));
      return constant({(int64_t)v.size()}, v);
    };
    auto unitsAttr = b.getI64IntegerAttr(H);
    auto actAttr = rnn::ActivationAttr::get(context, cellActivation[d]);
    Value cell;
    if (kind == RecurrentKind::LSTM) {
      // ONNX i, o, f, c -> TensorFlow i, j(c), f, o.
      SmallVector<int64_t> order = {0, 3, 2, 1};
      Value wi, wf, wo;
      if (peepholes) {
        const float *p = peepholes->values.data() + d * 3 * H; // ONNX P: i, o, f
        wi = constant({H}, ArrayRef<float>(p, H));
        wo = constant({H}, ArrayRef<float>(p + H, H));
        wf = constant({H}, ArrayRef<float>(p + 2 * H, H));
      }
      auto op = b.create<rnn::LSTMCellOp>(loc, rnn::CellType::get(context), kernel(order),
                                          sumBias(order, true, true), wi, wf, wo, Value(),
                                          unitsAttr, b.getF32FloatAttr(0.0f), FloatAttr(),
                                          FloatAttr(), actAttr);
      cell = op;
    } else if (kind == RecurrentKind::GRU) {
      // ONNX z, r, h -> TensorFlow gates r, u(=z) and the candidate h.
      SmallVector<int64_t> gateOrder = {1, 0}, candidate = {2};
      Value hiddenBias = linearBeforeReset ? sumBias(candidate, false, true) : Value();
      Value candidateBias = sumBias(candidate, true, !linearBeforeReset);
      auto op = b.create<rnn::GRUCellOp>(
          loc, rnn::CellType::get(context), kernel(gateOrder), sumBias(gateOrder, true, true),
          kernel(candidate), candidateBias, hiddenBias, unitsAttr,
          linearBeforeReset ? b.getUnitAttr() : UnitAttr(), actAttr);
      cell = op;
    } else {
      SmallVector<int64_t> only = {0};
      cell = b.create<rnn::BasicRNNCellOp>(loc, rnn::CellType::get(context), kernel(only),
                                           sumBias(only, true, true), unitsAttr, actAttr);
    }

    SmallVector<Value> initial;
    if (*initialH || *initialC) {
      if (kind == RecurrentKind::LSTM)
        initial.push_back(*initialC ? sliceDirection(*initialC, d, batchMajor, batch)
                                    : zeroState());
      initial.push_back(*initialH ? sliceDirection(*initialH, d, batchMajor, batch)
                                  : zeroState());
    }
    SmallVector<Type> resultTypes = {outputType, stateType};
    if (kind == RecurrentKind::LSTM)
      resultTypes.push_back(stateType);
    bool reverse = direction == "reverse" || d == 1;
    auto sequence = b.create<rnn::DynamicRNNOp>(
        loc, resultTypes, cell, *x, *lengths, initial, batchMajor ? UnitAttr() : b.getUnitAttr(),
        reverse ? b.getUnitAttr() : UnitAttr(), *lengths ? b.getUnitAttr() : UnitAttr());
    outputs.push_back(sequence.getOutputs());
    finalH.push_back(sequence.getFinalState().back());
    if (kind == RecurrentKind::LSTM)
      finalC.push_back(sequence.getFinalState().front());
  }

  // Y: [T, dirs, B, H] (layout 0) or [B, T, dirs, H]; Y_h, Y_c: [dirs, B, H] or [B, dirs, H].
  auto assemble = [&](ArrayRef<Value> parts, bool isSequence) -> Value {
    SmallVector<int64_t> shape;
    SmallVector<OpFoldResult> sizes;
    SmallVector<Value> dynamic;
    unsigned dirDim;
    auto addDim = [&](int64_t staticSize, Value size) {
      shape.push_back(staticSize);
      sizes.push_back(ShapedType::isDynamic(staticSize) ? OpFoldResult(size)
                                                        : OpFoldResult(b.getIndexAttr(staticSize)));
      if (ShapedType::isDynamic(staticSize))
        dynamic.push_back(size);
    };
    auto addDirs = [&] {
      dirDim = shape.size();
      shape.push_back(dirs);
      sizes.push_back(b.getIndexAttr(1));
    };
    if (isSequence && !batchMajor) {
      addDim(staticT, time), addDirs(), addDim(staticB, batch);
    } else if (isSequence) {
      addDim(staticB, batch), addDim(staticT, time), addDirs();
    } else if (!batchMajor) {
      addDirs(), addDim(staticB, batch);
    } else {
      addDim(staticB, batch), addDirs();
    }
    shape.push_back(H);
    sizes.push_back(b.getIndexAttr(H));
    auto type = RankedTensorType::get(shape, b.getF32Type());
    Value result = b.create<tensor::EmptyOp>(loc, type, dynamic);
    SmallVector<OpFoldResult> strides(shape.size(), b.getIndexAttr(1));
    for (auto [d, part] : llvm::enumerate(parts)) {
      SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0));
      offsets[dirDim] = b.getIndexAttr(d);
      result = b.create<tensor::InsertSliceOp>(loc, part, result, offsets, sizes, strides);
    }
    return result;
  };
  for (int i = 0; i < node.output_size(); ++i) {
    if (node.output(i).empty())
      continue;
    ArrayRef<Value> parts = i == 0 ? outputs : i == 1 ? finalH : finalC;
    values[node.output(i)] = assemble(parts, i == 0);
  }
  return success();
}

LogicalResult OnnxImporter::importNode(const onnx::NodeProto &node) {
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return nodeError(node) << "domain '" << node.domain() << "' is not supported";
  const std::string &op = node.op_type();
  if (op == "LSTM")
    return importRecurrent(node, RecurrentKind::LSTM);
  if (op == "GRU")
    return importRecurrent(node, RecurrentKind::GRU);
  if (op == "RNN")
    return importRecurrent(node, RecurrentKind::RNN);
  if (op == "Constant")
    return importConstantNode(node);
  if (op == "Identity") {
    if (node.input_size() != 1 || node.output_size() != 1)
      return nodeError(node) << "expects one input and one output";
    FailureOr<Value> input = optionalInput(node, 0);
    if (failed(input) || !*input)
      return failure();
    values[node.output(0)] = *input;
    auto it = constants.find(node.input(0));
    if (it != constants.end())
      constants[node.output(0)] = it->second;
    return success();
  }
  return nodeError(node) << "op type '" << op << "' is not supported";
}

OwningOpRef<ModuleOp> OnnxImporter::import(const onnx::ModelProto &model) {
  if (!model.has_graph())
    return emitError(fileLoc) << "the model has no graph", nullptr;
  int64_t opset = -1;
  for (const onnx::OperatorSetIdProto &id : model.opset_import())
    if (id.domain().empty() || id.domain() == "ai.onnx")
      opset = id.version();
  if (opset < 7 || opset > 22)
    return emitError(fileLoc) << "default-domain opset " << opset
                              << " is not supported (rnnc imports opsets 7 to 22)",
           nullptr;
  const onnx::GraphProto &graph = model.graph();

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module->getBody());

  llvm::StringSet<> initializerNames;
  for (const onnx::TensorProto &t : graph.initializer())
    initializerNames.insert(t.name());
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    if (!input.type().has_tensor_type() || !input.type().tensor_type().has_shape())
      return emitError(fileLoc) << "graph input '" << input.name()
                                << "' must be a tensor with a known rank",
             nullptr;
    const auto &tensorType = input.type().tensor_type();
    std::optional<Type> element = elementType(tensorType.elem_type(), context);
    if (!element)
      return emitError(fileLoc) << "graph input '" << input.name()
                                << "' has unsupported element type " << tensorType.elem_type(),
             nullptr;
    SmallVector<int64_t> shape;
    for (const auto &dim : tensorType.shape().dim())
      shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0 ? dim.dim_value()
                                                                  : ShapedType::kDynamic);
    argTypes.push_back(RankedTensorType::get(shape, *element));
    argNames.push_back(input.name());
  }

  std::string name = graph.name();
  bool identifier = !name.empty() && !isdigit((unsigned char)name[0]) &&
                    llvm::all_of(name, [](char c) { return isalnum((unsigned char)c) || c == '_'; });
  auto func = b.create<func::FuncOp>(fileLoc, identifier ? name : "model",
                                     b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (auto [i, argName] : llvm::enumerate(argNames)) {
    values[argName] = entry->getArgument(i);
    func.setArgAttr(i, "rnn.name", b.getStringAttr(argName));
  }
  for (const onnx::TensorProto &t : graph.initializer()) {
    Value value;
    if (failed(importTensor(t, fileLoc, value)))
      return nullptr;
    values[t.name()] = value;
  }
  for (const onnx::NodeProto &node : graph.node())
    if (failed(importNode(node)))
      return nullptr;

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end())
      return emitError(fileLoc) << "graph output '" << output.name() << "' is never computed",
             nullptr;
    auto type = cast<RankedTensorType>(it->second.getType());
    if (output.type().has_tensor_type() && output.type().tensor_type().has_shape()) {
      const auto &dims = output.type().tensor_type().shape().dim();
      bool ok = dims.size() == type.getRank();
      for (int i = 0; ok && i < dims.size(); ++i)
        ok = !dims[i].has_dim_value() || ShapedType::isDynamic(type.getDimSize(i)) ||
             dims[i].dim_value() == type.getDimSize(i);
      if (!ok)
        return emitError(fileLoc) << "graph output '" << output.name()
                                  << "' is declared with a shape that does not match the "
                                     "computed "
                                  << shapeText(type.getShape()),
               nullptr;
    }
    results.push_back(it->second);
  }
  b.create<func::ReturnOp>(fileLoc, results);
  func.setFunctionType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "rnn.name", b.getStringAttr(output.name()));
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

} // namespace

OwningOpRef<ModuleOp> mlir::rnnc::importOnnxFile(StringRef path, MLIRContext *context) {
  context->loadDialect<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                       rnn::RnnDialect, tensor::TensorDialect>();
  Location loc = FileLineColLoc::get(context, path, 0, 0);
  std::ifstream in(path.str(), std::ios::binary);
  if (!in)
    return emitError(loc) << "cannot open the ONNX model", nullptr;
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in))
    return emitError(loc) << "is not a valid ONNX model (protobuf parsing failed: truncated "
                             "or corrupt file)",
           nullptr;
  return OnnxImporter(context, path).import(model);
}
