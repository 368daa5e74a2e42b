// LSTM, GRU and RNN nodes. Weights (W, R, B, P) are converted from ONNX's
// layouts (gate order i,o,f,c / z,r,h, one row per unit) to the dialect's
// TensorFlow layout: at import time when constant, by tensor ops otherwise.
// Directions become one rnn.dynamic_rnn each, assembled into ONNX's
// [T, dirs, B, H] outputs.

#include "Importer.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace mlir::rnnc::onnx_import {

FailureOr<OnnxImporter::Weight> OnnxImporter::weightInput(const onnx::NodeProto &node, int index,
                                                          StringRef role, ArrayRef<int64_t> shape) {
  FailureOr<Value> value = optionalInput(node, index);
  if (failed(value))
    return failure();
  Weight weight{*value, nullptr};
  if (!*value)
    return weight;
  auto it = constants.find(node.input(index));
  if (it != constants.end())
    weight.constant = &it->second;
  auto type = cast<RankedTensorType>(value->getType());
  if (!type.getElementType().isF32() || type.getShape() != shape)
    return nodeError(node) << "input '" << role << "' must be a float tensor of shape "
                           << rnn::formatShape(shape) << ", got " << value->getType();
  return weight;
}

Value OnnxImporter::sliceDirection(Value states, int64_t direction, bool batchMajor, Value batch) {
  auto type = cast<RankedTensorType>(states.getType());
  int64_t hidden = type.getDimSize(2);
  int64_t staticBatch = type.getDimSize(batchMajor ? 0 : 1);
  auto resultType = RankedTensorType::get({staticBatch, hidden}, b.getF32Type());
  SmallVector<OpFoldResult> offsets(3, b.getIndexAttr(0)), sizes, strides(3, b.getIndexAttr(1));
  offsets[batchMajor ? 1 : 0] = b.getIndexAttr(direction);
  OpFoldResult batchSize = ShapedType::isDynamic(staticBatch)
                               ? OpFoldResult(batch)
                               : OpFoldResult(b.getIndexAttr(staticBatch));
  if (batchMajor)
    sizes = {batchSize, b.getIndexAttr(1), b.getIndexAttr(hidden)};
  else
    sizes = {b.getIndexAttr(1), batchSize, b.getIndexAttr(hidden)};
  return b.create<tensor::ExtractSliceOp>(fileLoc, resultType, states, offsets, sizes, strides);
}

namespace {
/// ONNX's activation names (case-insensitive), whether each takes alpha and
/// beta from `activation_alpha` / `activation_beta`.
struct OnnxActivation {
  rnn::Activation kind;
  bool alpha, beta;
};
std::optional<OnnxActivation> mapActivation(StringRef name) {
  using A = rnn::Activation;
  return llvm::StringSwitch<std::optional<OnnxActivation>>(name.lower())
      .Case("relu", OnnxActivation{A::relu, false, false})
      .Case("tanh", OnnxActivation{A::tanh, false, false})
      .Case("sigmoid", OnnxActivation{A::sigmoid, false, false})
      .Case("affine", OnnxActivation{A::affine, true, true})
      .Case("leakyrelu", OnnxActivation{A::leaky_relu, true, false})
      .Case("thresholdedrelu", OnnxActivation{A::thresholded_relu, true, false})
      .Case("scaledtanh", OnnxActivation{A::scaled_tanh, true, true})
      .Case("hardsigmoid", OnnxActivation{A::hard_sigmoid, true, true})
      .Case("elu", OnnxActivation{A::elu, true, false})
      .Case("softsign", OnnxActivation{A::softsign, false, false})
      .Case("softplus", OnnxActivation{A::softplus, false, false})
      .Default(std::nullopt);
}
} // namespace

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
  std::vector<float> alphas, betas;
  std::optional<float> clip;
  bool inputForget = false;
  llvm::StringSet<> known = {"activation_alpha", "activation_beta", "activations", "clip",
                             "direction",        "hidden_size",     "layout"};
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
      if (hiddenSize <= 0)
        return nodeError(node) << "attribute 'hidden_size' must be positive, got " << hiddenSize;
    } else if (name == "layout") {
      layout = attr.i();
    } else if (name == "linear_before_reset") {
      linearBeforeReset = attr.i();
    } else if (name == "activations") {
      activations.assign(attr.strings().begin(), attr.strings().end());
    } else if (name == "input_forget") {
      if (attr.i() != 0 && attr.i() != 1)
        return nodeError(node) << "attribute 'input_forget' must be 0 or 1, got " << attr.i();
      inputForget = attr.i() == 1;
    } else if (name == "clip") {
      if (!(attr.f() > 0.0f))
        return nodeError(node) << "attribute 'clip' must be positive, got " << attr.f();
      clip = attr.f();
    } else if (name == "activation_alpha") {
      alphas.assign(attr.floats().begin(), attr.floats().end());
    } else if (name == "activation_beta") {
      betas.assign(attr.floats().begin(), attr.floats().end());
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

  // Activations per direction: LSTM (f, g, h), GRU (f, g), RNN (f); f is the
  // gate function (the cell function for RNN). Like onnxruntime, each function
  // that takes alpha (beta) consumes the next activation_alpha (_beta) value,
  // or ONNX's default when the list has run out.
  const size_t perDirection = kind == RecurrentKind::LSTM ? 3 : kind == RecurrentKind::GRU ? 2 : 1;
  if (activations.empty()) {
    for (int64_t d = 0; d < dirs; ++d) {
      if (kind != RecurrentKind::RNN)
        activations.push_back("Sigmoid");
      activations.push_back("Tanh");
      if (kind == RecurrentKind::LSTM)
        activations.push_back("Tanh");
    }
  }
  if (activations.size() != perDirection * dirs)
    return nodeError(node) << "attribute 'activations' must list " << perDirection * dirs
                           << " functions, got " << activations.size();
  std::vector<rnn::ActivationAttr> functions;
  size_t nextAlpha = 0, nextBeta = 0;
  for (const std::string &name : activations) {
    std::optional<OnnxActivation> fn = mapActivation(name);
    if (!fn)
      return nodeError(node) << "attribute 'activations': '" << name
                             << "' is not an ONNX "
                                "activation function";
    auto [alpha, beta] = rnn::ActivationAttr::defaultParameters(fn->kind);
    if (fn->alpha && nextAlpha < alphas.size())
      alpha = alphas[nextAlpha++];
    if (fn->beta && nextBeta < betas.size())
      beta = betas[nextBeta++];
    functions.push_back(
        rnn::ActivationAttr::get(context, fn->kind, llvm::APFloat(alpha), llvm::APFloat(beta)));
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
  FailureOr<Value> wValue = optionalInput(node, 1);
  if (failed(wValue))
    return failure();
  if (!*wValue)
    return nodeError(node) << "input 'W' is required";
  auto wType = cast<RankedTensorType>(wValue->getType());
  if (wType.getRank() != 3 || ShapedType::isDynamic(wType.getDimSize(1)) ||
      wType.getDimSize(1) % gates != 0)
    return nodeError(node) << "input 'W' must have shape [num_directions, " << gates
                           << "*hidden_size, input_size], got " << wValue->getType();
  if (hiddenSize < 0)
    hiddenSize = wType.getDimSize(1) / gates;
  const int64_t H = hiddenSize, I = inputSize, GH = gates * H;
  if (H <= 0)
    return nodeError(node) << "attribute 'hidden_size' must be positive, got " << H;

  FailureOr<Weight> w = weightInput(node, 1, "W", {dirs, GH, I});
  FailureOr<Weight> r = weightInput(node, 2, "R", {dirs, GH, H});
  FailureOr<Weight> bias = weightInput(node, 3, "B", {dirs, 2 * GH});
  FailureOr<Weight> peepholes = kind == RecurrentKind::LSTM
                                    ? weightInput(node, 7, "P", {dirs, 3 * H})
                                    : FailureOr<Weight>(Weight{Value(), nullptr});
  if (failed(w) || failed(r) || failed(bias) || failed(peepholes))
    return failure();
  if (!r->value)
    return nodeError(node) << "input 'R' is required";
  // Constant weights are converted now; weights fed at run time are converted
  // by tensor ops in the model (every call).
  const bool constantWeights = w->constant && r->constant && (!bias->value || bias->constant) &&
                               (!peepholes->value || peepholes->constant);
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
    if (!type || type.getRank() != 1 ||
        !(type.getElementType().isInteger(32) || type.getElementType().isInteger(64)))
      return nodeError(node) << "input 'sequence_lens' must be a 1-D int32 or int64 tensor, got "
                             << lengths->getType();
  }
  for (auto [value, name] :
       {std::pair<Value, StringRef>{*initialH, "initial_h"}, {*initialC, "initial_c"}}) {
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
                             << rnn::formatShape(expected) << ", got " << value.getType();
  }

  // A zero initial state is no initial state: PyTorch exports one for every
  // model called without h0, and without one the sequence gets state inputs
  // and outputs an instance can carry between calls (rnn-expose-state).
  auto isZeroFill = [](Value v) {
    for (int depth = 0; v && depth < 8; ++depth) {
      Operation *def = v.getDefiningOp();
      if (auto fill = dyn_cast_or_null<linalg::FillOp>(def))
        return matchPattern(fill.value(), m_AnyZeroFloat());
      if (!isa_and_nonnull<tensor::ExtractSliceOp, tensor::CastOp, tensor::ExpandShapeOp,
                           tensor::CollapseShapeOp>(def))
        return false;
      v = def->getOperand(0);
    }
    return !v;
  };

  Location loc = nodeLoc(node);
  Value batch = b.create<tensor::DimOp>(loc, *x, batchDim);
  Value time = b.create<tensor::DimOp>(loc, *x, timeDim);
  auto stateType = RankedTensorType::get({staticB, H}, b.getF32Type());
  auto outputType = RankedTensorType::get(batchMajor ? SmallVector<int64_t>{staticB, staticT, H}
                                                     : SmallVector<int64_t>{staticT, staticB, H},
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
    // kernel[k, col] = concat(W, R, axis=1)[row(col), k]: TensorFlow's [I + H, columns].
    auto constantKernel = [&](ArrayRef<int64_t> onnxGates) {
      const float *W = w->constant->values.data() + d * GH * I;
      const float *R = r->constant->values.data() + d * GH * H;
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
    auto constantBias = [&](ArrayRef<int64_t> onnxGates, bool input, bool recurrent) {
      auto at = [&](int64_t k) {
        return bias->constant ? bias->constant->values[d * 2 * GH + k] : 0.0f;
      };
      std::vector<float> v;
      for (int64_t g : onnxGates)
        for (int64_t u = 0; u < H; ++u)
          v.push_back((input ? at(g * H + u) : 0.0f) + (recurrent ? at(GH + g * H + u) : 0.0f));
      return constant({(int64_t)v.size()}, v);
    };
    // The same conversions as tensor ops, for weights known only at run time.
    auto slice = [&](Value source, ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes,
                     ArrayRef<int64_t> resultShape) {
      SmallVector<OpFoldResult> o, z, st;
      for (size_t i = 0; i < offsets.size(); ++i) {
        o.push_back(b.getIndexAttr(offsets[i]));
        z.push_back(b.getIndexAttr(sizes[i]));
        st.push_back(b.getIndexAttr(1));
      }
      return b
          .create<tensor::ExtractSliceOp>(loc, RankedTensorType::get(resultShape, b.getF32Type()),
                                          source, o, z, st)
          .getResult();
    };
    auto insert = [&](Value part, Value into, int64_t row, int64_t col) {
      auto shape = cast<RankedTensorType>(part.getType()).getShape();
      SmallVector<OpFoldResult> o, z, st(shape.size(), b.getIndexAttr(1));
      o.push_back(b.getIndexAttr(row));
      if (shape.size() == 2)
        o.push_back(b.getIndexAttr(col));
      for (int64_t size : shape)
        z.push_back(b.getIndexAttr(size));
      return b.create<tensor::InsertSliceOp>(loc, part, into, o, z, st).getResult();
    };
    auto transposed = [&](Value m) -> Value {
      auto shape = cast<RankedTensorType>(m.getType()).getShape();
      Value init =
          b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{shape[1], shape[0]}, b.getF32Type());
      return b.create<linalg::TransposeOp>(loc, m, init, ArrayRef<int64_t>{1, 0}).getResult()[0];
    };
    auto runtimeKernel = [&](ArrayRef<int64_t> onnxGates) -> Value {
      int64_t columns = onnxGates.size() * H;
      Value k = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{I + H, columns}, b.getF32Type());
      for (size_t g = 0; g < onnxGates.size(); ++g) {
        int64_t row = onnxGates[g] * H;
        k = insert(transposed(slice(w->value, {d, row, 0}, {1, H, I}, {H, I})), k, 0, g * H);
        k = insert(transposed(slice(r->value, {d, row, 0}, {1, H, H}, {H, H})), k, I, g * H);
      }
      return k;
    };
    auto runtimeBias = [&](ArrayRef<int64_t> onnxGates, bool input, bool recurrent) -> Value {
      int64_t n = onnxGates.size() * H;
      if (!bias->value || (!input && !recurrent))
        return constant({n}, std::vector<float>(n, 0.0f));
      Value v = b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{n}, b.getF32Type());
      for (size_t g = 0; g < onnxGates.size(); ++g) {
        int64_t k = onnxGates[g] * H;
        Value part = input ? slice(bias->value, {d, k}, {1, H}, {H}) : Value();
        Value rec = recurrent ? slice(bias->value, {d, GH + k}, {1, H}, {H}) : Value();
        if (part && rec)
          part =
              *elementwise(node, {part, rec}, [](OpBuilder &n, Location l, ValueRange a) -> Value {
                return n.create<arith::AddFOp>(l, a[0], a[1]);
              });
        v = insert(part ? part : rec, v, g * H, 0);
      }
      return v;
    };
    auto kernel = [&](ArrayRef<int64_t> onnxGates) -> Value {
      return constantWeights ? constantKernel(onnxGates) : runtimeKernel(onnxGates);
    };
    auto sumBias = [&](ArrayRef<int64_t> onnxGates, bool input, bool recurrent) -> Value {
      return constantWeights ? constantBias(onnxGates, input, recurrent)
                             : runtimeBias(onnxGates, input, recurrent);
    };
    auto peephole = [&](int64_t k) -> Value { // ONNX P: i, o, f
      if (constantWeights)
        return constant({H},
                        ArrayRef<float>(peepholes->constant->values.data() + d * 3 * H + k * H, H));
      return slice(peepholes->value, {d, k * H}, {1, H}, {H});
    };
    auto unitsAttr = b.getI64IntegerAttr(H);
    ArrayRef<rnn::ActivationAttr> fns(&functions[d * perDirection], perDirection);
    FloatAttr clipAttr = clip ? b.getF32FloatAttr(*clip) : FloatAttr();
    Value cell;
    if (kind == RecurrentKind::LSTM) {
      // ONNX i, o, f, c -> TensorFlow i, j(c), f, o.
      SmallVector<int64_t> order = {0, 3, 2, 1};
      Value wi, wf, wo;
      if (peepholes->value) {
        wi = peephole(0);
        wo = peephole(1);
        wf = peephole(2);
      }
      auto op = b.create<rnn::LSTMCellOp>(
          loc, rnn::CellType::get(context), kernel(order), sumBias(order, true, true), wi, wf, wo,
          Value(), unitsAttr, b.getF32FloatAttr(0.0f), FloatAttr(), FloatAttr(), fns[1], fns[0],
          fns[2], clipAttr, inputForget ? b.getUnitAttr() : UnitAttr());
      cell = op;
    } else if (kind == RecurrentKind::GRU) {
      // ONNX z, r, h -> TensorFlow gates r, u(=z) and the candidate h.
      SmallVector<int64_t> gateOrder = {1, 0}, candidate = {2};
      Value hiddenBias = linearBeforeReset ? sumBias(candidate, false, true) : Value();
      Value candidateBias = sumBias(candidate, true, !linearBeforeReset);
      auto op = b.create<rnn::GRUCellOp>(
          loc, rnn::CellType::get(context), kernel(gateOrder), sumBias(gateOrder, true, true),
          kernel(candidate), candidateBias, hiddenBias, unitsAttr,
          linearBeforeReset ? b.getUnitAttr() : UnitAttr(), fns[1], fns[0], clipAttr);
      cell = op;
    } else {
      SmallVector<int64_t> only = {0};
      cell = b.create<rnn::BasicRNNCellOp>(loc, rnn::CellType::get(context), kernel(only),
                                           sumBias(only, true, true), unitsAttr, fns[0], clipAttr);
    }

    SmallVector<Value> initial;
    if (!isZeroFill(*initialH) || !isZeroFill(*initialC)) {
      if (kind == RecurrentKind::LSTM)
        initial.push_back(*initialC ? sliceDirection(*initialC, d, batchMajor, batch)
                                    : zeroState());
      initial.push_back(*initialH ? sliceDirection(*initialH, d, batchMajor, batch) : zeroState());
    }
    SmallVector<Type> resultTypes = {outputType, stateType};
    if (kind == RecurrentKind::LSTM)
      resultTypes.push_back(stateType);
    bool reverse = direction == "reverse" || d == 1;
    auto sequence = b.create<rnn::DynamicRNNOp>(
        loc, resultTypes, cell, *x, *lengths, Value(), initial,
        batchMajor ? UnitAttr() : b.getUnitAttr(), reverse ? b.getUnitAttr() : UnitAttr(),
        *lengths ? b.getUnitAttr() : UnitAttr(), UnitAttr());
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
    if (parts.size() == 1) {
      // One direction: a unit dimension; kept as a reshape so that a following
      // Squeeze folds away and stacked layers connect directly.
      // The unit dimension joins the previous group (the next one when first),
      // as Squeeze's collapse does.
      SmallVector<ReassociationIndices> groups;
      for (int64_t r = 0; r < (int64_t)shape.size(); ++r) {
        if (r == (int64_t)dirDim && r > 0)
          groups.back().push_back(r);
        else if (r == (int64_t)dirDim + 1 && dirDim == 0)
          groups.back().push_back(r);
        else
          groups.push_back({r});
      }
      return b.create<tensor::ExpandShapeOp>(loc, type, parts[0], groups, sizes);
    }
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

} // namespace mlir::rnnc::onnx_import
