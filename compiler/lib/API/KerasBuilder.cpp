// ModelBuilder's Keras layers: recurrent layers with Keras's weights, masks
// and last-output rules (docs/semantics.md), Bidirectional.

#include "BuilderImpl.h"

namespace rnnc {

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

Tensor ModelBuilder::Dense(Tensor inputs, int64_t units, const std::vector<float> &kernel,
                           const std::vector<float> &bias, const std::string &activation) {
  Impl &s = *impl_;
  Value x = s.tensor(inputs, "Dense");
  if (!x)
    return {};
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() < 2 || type.isDynamicDim(type.getRank() - 1) ||
      !type.getElementType().isF32()) {
    s.fail("Dense: takes f32 [B, D] or [B, T, D] inputs with a static D, got " +
           mlir::rnn::formatShape(type.getShape()));
    return {};
  }
  if (units <= 0) {
    s.fail("Dense: units must be positive");
    return {};
  }
  int64_t depth = type.getShape().back();
  if ((int64_t)kernel.size() != depth * units) {
    s.fail("Dense: kernel holds " + std::to_string(kernel.size()) + " values, expected " +
           std::to_string(depth) + " x " + std::to_string(units));
    return {};
  }
  Value k = s.weights(kernel, units, true, "Dense kernel");
  Value b = s.optionalWeights(bias, units, false, "Dense bias");
  rnn::ActivationAttr act = s.activation(activation, "Dense activation");
  if (!k || !s.error.empty())
    return {};
  Value y = s.math().matmul(x, k);
  SmallVector<Value> operands = {y};
  if (b)
    operands.push_back(b);
  y = s.math().map(operands, [&](OpBuilder &nb, Location loc, ValueRange args) {
    mlir::rnn::CellMath scalar(nb, loc, nb.getF32Type());
    Value v = args.size() > 1 ? scalar.add(args[0], args[1]) : args[0];
    return act ? scalar.activate(act, v) : v;
  });
  return s.addTensor(y);
}

Tensor ModelBuilder::Activation(Tensor inputs, const std::string &activation) {
  Impl &s = *impl_;
  Value x = s.tensor(inputs, "Activation");
  rnn::ActivationAttr act = s.activation(activation, "Activation");
  if (!x || !act)
    return {};
  if (!cast<RankedTensorType>(x.getType()).getElementType().isF32()) {
    s.fail("Activation: takes f32 tensors");
    return {};
  }
  return s.addTensor(s.math().map({x}, [&](OpBuilder &nb, Location loc, ValueRange args) {
    return mlir::rnn::CellMath(nb, loc, nb.getF32Type()).activate(act, args[0]);
  }));
}

MaskedTensor ModelBuilder::Masking(Tensor inputs, float mask_value, bool time_major) {
  Impl &s = *impl_;
  Value x = s.tensor(inputs, "Masking");
  if (!x)
    return {};
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getRank() != 3 || !type.getElementType().isF32()) {
    s.fail("Masking: takes f32 [B, T, D] inputs, got " + mlir::rnn::formatShape(type.getShape()));
    return {};
  }
  Location loc = s.location();
  OpBuilder &b = s.builder;
  // mask[b, t] = any(x[b, t, :] != mask_value) (NaN counts as different);
  // time-major x is [T, B, D] and the mask still [B, T].
  int64_t batchDim = time_major ? 1 : 0, timeDim = 1 - batchDim;
  SmallVector<Value> dynamic;
  for (int64_t d : {batchDim, timeDim})
    if (type.isDynamicDim(d))
      dynamic.push_back(s.math().dim(x, d));
  Value init = b.create<tensor::EmptyOp>(
      loc, ArrayRef<int64_t>{type.getDimSize(batchDim), type.getDimSize(timeDim)}, b.getI1Type(),
      dynamic);
  init = b.create<linalg::FillOp>(loc, b.create<arith::ConstantIntOp>(loc, 0, 1).getResult(),
                                  init)
             .getResult(0);
  MLIRContext *ctx = &s.context;
  AffineMap all = AffineMap::getMultiDimIdentityMap(3, ctx);
  AffineMap rows = AffineMap::get(
      3, 0, {b.getAffineDimExpr(batchDim), b.getAffineDimExpr(timeDim)}, ctx);
  Value mask =
      b.create<linalg::GenericOp>(
           loc, init.getType(), ValueRange{x}, ValueRange{init}, ArrayRef<AffineMap>{all, rows},
           ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                         utils::IteratorType::parallel,
                                         utils::IteratorType::reduction},
           [&](OpBuilder &nb, Location l, ValueRange args) {
             Value value = nb.create<arith::ConstantOp>(l, nb.getF32FloatAttr(mask_value));
             Value differs =
                 nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNE, args[0], value);
             nb.create<linalg::YieldOp>(l, nb.create<arith::OrIOp>(l, args[1], differs).getResult());
           })
          .getResult(0);
  Value output =
      b.create<linalg::GenericOp>(
           loc, x.getType(), ValueRange{x, mask},
           ValueRange{s.math().emptyLike(x, type.getShape().back())},
           ArrayRef<AffineMap>{all, rows, all},
           SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
           [&](OpBuilder &nb, Location l, ValueRange args) {
             Value zero = nb.create<arith::ConstantOp>(l, nb.getF32FloatAttr(0.0f));
             nb.create<linalg::YieldOp>(
                 l, nb.create<arith::SelectOp>(l, args[1], args[0], zero).getResult());
           })
          .getResult(0);
  return {s.addTensor(output), s.addTensor(mask)};
}

MaskedTensor ModelBuilder::Embedding(Tensor ids, int64_t input_dim, int64_t output_dim,
                                     const std::vector<float> &embeddings, bool mask_zero) {
  Impl &s = *impl_;
  Value x = s.tensor(ids, "Embedding");
  if (!x)
    return {};
  auto type = cast<RankedTensorType>(x.getType());
  Type element = type.getElementType();
  bool floatIds = element.isF32();
  if (type.getRank() != 2 ||
      !(floatIds || element.isSignlessInteger(32) || element.isSignlessInteger(64))) {
    s.fail("Embedding: takes int32, int64 or float32 ids [B, T], got " +
           mlir::rnn::formatShape(type.getShape()));
    return {};
  }
  if (input_dim <= 0 || output_dim <= 0 || (int64_t)embeddings.size() != input_dim * output_dim) {
    s.fail("Embedding: embeddings hold " + std::to_string(embeddings.size()) +
           " values, expected input_dim x output_dim = " + std::to_string(input_dim) + " x " +
           std::to_string(output_dim));
    return {};
  }
  Value table = s.weights(embeddings, output_dim, true, "Embedding embeddings");
  if (!table)
    return {};
  Location loc = s.location();
  OpBuilder &b = s.builder;
  SmallVector<int64_t> shape(type.getShape());
  shape.push_back(output_dim);
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < 2; ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(s.math().dim(x, d));
  auto resultType = RankedTensorType::get(shape, b.getF32Type());
  Value init = b.create<tensor::EmptyOp>(loc, shape, b.getF32Type(), dynamic);
  MLIRContext *ctx = &s.context;
  AffineMap all = AffineMap::getMultiDimIdentityMap(3, ctx);
  AffineMap rows = AffineMap::get(3, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(1)}, ctx);
  // An id the model reads from its input: rnnc-guard-tensor-indices checks
  // it against the table's rows.
  Value output =
      b.create<linalg::GenericOp>(
           loc, resultType, ValueRange{x}, ValueRange{init}, ArrayRef<AffineMap>{rows, all},
           SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
           [&](OpBuilder &nb, Location l, ValueRange args) {
             // Float ids are cast to integers first, as Keras does.
             Value id = floatIds ? nb.create<arith::FPToSIOp>(l, nb.getI64Type(), args[0])
                                 : args[0];
             Value row = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), id);
             Value column = nb.create<linalg::IndexOp>(l, 2);
             nb.create<linalg::YieldOp>(
                 l, nb.create<tensor::ExtractOp>(l, table, ValueRange{row, column}).getResult());
           })
          .getResult(0);
  MaskedTensor result{s.addTensor(output), {}};
  if (mask_zero) {
    Value mask = b.create<tensor::EmptyOp>(loc, type.getShape(), b.getI1Type(), dynamic);
    mask = b.create<linalg::GenericOp>(
                loc, mask.getType(), ValueRange{x}, ValueRange{mask},
                ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(2, ctx),
                                    AffineMap::getMultiDimIdentityMap(2, ctx)},
                SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
                [&](OpBuilder &nb, Location l, ValueRange args) {
                  // Keras compares the ids as given with 0.
                  Value zero = nb.create<arith::ConstantOp>(l, nb.getZeroAttr(args[0].getType()));
                  Value kept =
                      floatIds ? nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNE, args[0],
                                                          zero)
                                     .getResult()
                               : nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, args[0],
                                                          zero)
                                     .getResult();
                  nb.create<linalg::YieldOp>(l, kept);
                })
               .getResult(0);
    result.mask = s.addTensor(mask);
  }
  return result;
}

Tensor ModelBuilder::merge_masks(const std::vector<Tensor> &masks) {
  Impl &s = *impl_;
  SmallVector<Value> values;
  for (Tensor mask : masks) {
    if (!mask)
      continue;
    Value v = s.tensor(mask, "merge_masks");
    if (!v)
      return {};
    values.push_back(v);
  }
  if (values.empty())
    return {};
  if (values.size() == 1)
    return s.addTensor(values.front());
  Value merged = s.math().map(values, [&](OpBuilder &nb, Location l, ValueRange args) {
    Value all = args[0];
    for (Value v : args.drop_front())
      all = nb.create<arith::AndIOp>(l, all, v);
    return all;
  });
  if (!merged) {
    s.fail("merge_masks: the masks differ in shape");
    return {};
  }
  return s.addTensor(merged);
}

} // namespace rnnc
