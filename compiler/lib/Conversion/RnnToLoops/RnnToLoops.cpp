// Lowers rnn.dynamic_rnn to scf loops over memrefs. The gate matmuls and the
// cell equations are emitted directly as 1-D vector ops (one vector = a block of
// `vector-width` output columns), so every inner loop is SIMD regardless of what
// LLVM's vectorizer decides.

#include "rnnc/Conversion/Passes.h"

#include "CustomCells.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/Builders.h"
#include "rnnc/Dialect/Rnn/IR/CellMath.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_CONVERTRNNTOLOOPS
#include "rnnc/Conversion/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;
using namespace mlir::rnn;

namespace {

/// A contiguous run of features: `memref[prefix..., k]`.
struct Row {
  Value memref;
  SmallVector<Value, 2> prefix;
};

/// One matmul term of a gate pre-activation: `row[0:depth] @ weight[rowOffset:rowOffset+depth, :]`.
struct MatmulTerm {
  Row input;
  int64_t depth;
  Value weight;
  int64_t rowOffset;
};

/// Emits the loops of one rnn.dynamic_rnn at the builder's insertion point.
class SequenceEmitter {
public:
  SequenceEmitter(OpBuilder &builder, Location loc, int64_t width, int64_t accumulators)
      : b(builder), loc(loc), width(width), accumulators(accumulators),
        vecType(VectorType::get({width}, builder.getF32Type())),
        maskType(VectorType::get({width}, builder.getI1Type())) {}

  LogicalResult lower(DynamicRNNOp op);

private:
  Value index(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  Value splat(float v) {
    return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(vecType, b.getF32FloatAttr(v)));
  }
  Value add(Value x, Value y) { return b.create<arith::AddFOp>(loc, x, y); }
  Value sub(Value x, Value y) { return b.create<arith::SubFOp>(loc, x, y); }
  Value mul(Value x, Value y) { return b.create<arith::MulFOp>(loc, x, y); }
  Value fma(Value x, Value y, Value acc) { return b.create<vector::FMAOp>(loc, x, y, acc); }
  Value offset(Value base, int64_t delta) {
    return delta == 0 ? base : b.create<arith::AddIOp>(loc, base, index(delta));
  }

  /// Operands are only read: `read_only` keeps bufferization from copying them
  /// (constants included), and a layout with any offset and outer strides lets
  /// slices of larger tensors through without a copy. The innermost stride stays 1
  /// so rows load as vectors.
  Value toBuffer(Value tensor) {
    auto type = cast<RankedTensorType>(tensor.getType());
    SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
    if (!strides.empty())
      strides.back() = 1;
    auto layout = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
    auto buffer = b.create<bufferization::ToMemrefOp>(
        loc, MemRefType::get(type.getShape(), type.getElementType(), layout), tensor);
    buffer.setReadOnly(true);
    return buffer;
  }

  Value loadScalar(const Row &row, Value k) {
    SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
    indices.push_back(k);
    return b.create<memref::LoadOp>(loc, row.memref, indices);
  }
  /// Loads `width` features at `k`; with a mask, lanes past the end read 0.
  Value loadVector(const Row &row, Value k, Value mask) {
    SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
    indices.push_back(k);
    if (!mask)
      return b.create<vector::LoadOp>(loc, vecType, row.memref, indices);
    return b.create<vector::MaskedLoadOp>(loc, vecType, row.memref, indices, mask, splat(0.0f));
  }
  void storeVector(const Row &row, Value k, Value value, Value mask) {
    SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
    indices.push_back(k);
    if (!mask)
      b.create<vector::StoreOp>(loc, value, row.memref, indices);
    else
      b.create<vector::MaskedStoreOp>(loc, row.memref, indices, mask, value);
  }

  /// Calls `body(offset, mask)` for every block of `width` features in [0, n):
  /// a loop over the full blocks (mask null), then one masked remainder block.
  void forEachBlock(int64_t n, function_ref<void(Value, Value)> body) {
    int64_t full = n / width * width;
    if (full > 0) {
      auto loop = b.create<scf::ForOp>(loc, index(0), index(full), index(width));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      body(loop.getInductionVar(), Value());
    }
    if (n % width != 0) {
      Value mask = b.create<vector::CreateMaskOp>(loc, maskType, ValueRange{index(n % width)});
      body(index(full), mask);
    }
  }

  /// For the `count` adjacent column blocks starting at `col` (the last one
  /// masked by `tailMask` when non-null), accumulates
  /// `acc[i] += broadcast(input[k]) * weight[rowOffset + k, col + i * width]`
  /// over k. Independent accumulators hide the FMA latency.
  SmallVector<Value> accumulate(const MatmulTerm &term, Value col, int64_t count, Value tailMask,
                                ValueRange accs) {
    auto loop = b.create<scf::ForOp>(
        loc, index(0), index(term.depth), index(1), accs,
        [&](OpBuilder &nested, Location, Value k, ValueRange iterArgs) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nested.getInsertionBlock(), nested.getInsertionPoint());
          Value a = b.create<vector::BroadcastOp>(loc, vecType, loadScalar(term.input, k));
          Row weightRow{term.weight, {offset(k, term.rowOffset)}};
          SmallVector<Value> next;
          for (int64_t i = 0; i < count; ++i) {
            Value mask = i + 1 == count ? tailMask : Value();
            Value w = loadVector(weightRow, offset(col, i * width), mask);
            next.push_back(fma(a, w, iterArgs[i]));
          }
          b.create<scf::YieldOp>(loc, next);
        });
    return SmallVector<Value>(loop.getResults());
  }

  /// `dst[0:n] = post(bias + sum of terms)`; bias may be null (zero). Columns
  /// go in groups of `accumulators` blocks; the last group takes the rest,
  /// ending with a masked block when `n` is not a multiple of the width.
  void affine(const Row &dst, int64_t n, Value bias, ArrayRef<MatmulTerm> terms,
              function_ref<Value(Value)> post = nullptr) {
    auto emitGroup = [&](Value col, int64_t count, Value tailMask) {
      SmallVector<Value> accs;
      for (int64_t i = 0; i < count; ++i) {
        Value mask = i + 1 == count ? tailMask : Value();
        accs.push_back(bias ? loadVector(Row{bias, {}}, offset(col, i * width), mask)
                            : splat(0.0f));
      }
      for (const MatmulTerm &term : terms)
        accs = accumulate(term, col, count, tailMask, accs);
      for (int64_t i = 0; i < count; ++i) {
        Value mask = i + 1 == count ? tailMask : Value();
        storeVector(dst, offset(col, i * width), post ? post(accs[i]) : accs[i], mask);
      }
    };
    int64_t fullBlocks = n / width;
    int64_t groups = fullBlocks / accumulators;
    int64_t groupColumns = accumulators * width;
    if (groups > 0) {
      auto loop =
          b.create<scf::ForOp>(loc, index(0), index(groups * groupColumns), index(groupColumns));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      emitGroup(loop.getInductionVar(), accumulators, Value());
    }
    int64_t rest = fullBlocks - groups * accumulators + (n % width != 0 ? 1 : 0);
    if (rest > 0) {
      Value tailMask = n % width != 0 ? b.create<vector::CreateMaskOp>(loc, maskType,
                                                                       ValueRange{index(n % width)})
                                      : Value();
      emitGroup(index(groups * groupColumns), rest, tailMask);
    }
  }

  Value sigmoid(Value x) { return math().sigmoid(x); }
  Value clip(Value x, float limit) { return math().clip(x, limit); }
  Value activate(ActivationAttr activation, Value x) { return math().activate(activation, x); }
  CellMath math() { return CellMath(b, loc, vecType); }

  Value scratch(int64_t n) {
    return b.create<memref::AllocaOp>(loc, MemRefType::get({n}, b.getF32Type()));
  }

  /// Per-layer buffers, created before the loops.
  struct Layer {
    CellOpInterface cell;
    SmallVector<Value> weights; // the cell's operands as buffers, in operand order
    SmallVector<Value> states;  // state buffers [B, size] in state order
    SmallVector<Value> temps;   // scratch rows
  };

  void emitLSTM(LSTMCellOp cell, Layer &layer, const Row &input, Value batchRow);
  void emitGRU(GRUCellOp cell, Layer &layer, const Row &input, Value batchRow);
  void emitBasicRNN(BasicRNNCellOp cell, Layer &layer, const Row &input, Value batchRow);

  OpBuilder &b;
  Location loc;
  int64_t width;
  int64_t accumulators;
  VectorType vecType;
  VectorType maskType;
};

void SequenceEmitter::emitLSTM(LSTMCellOp cell, Layer &layer, const Row &input, Value batchRow) {
  int64_t units = cell.getNumUnits();
  int64_t depth = cell.getInputDepth();
  Value kernel = layer.weights[0], bias = layer.weights[1];
  Row c{layer.states[0], {batchRow}}, h{layer.states[1], {batchRow}};
  Row gates{layer.temps[0], {}};
  affine(gates, 4 * units, bias,
         {MatmulTerm{input, depth, kernel, 0}, MatmulTerm{h, cell.getOutputSize(), kernel, depth}});

  bool peep = cell.hasPeepholes();
  Value wi = peep ? layer.weights[2] : Value(), wf = peep ? layer.weights[3] : Value(),
        wo = peep ? layer.weights[4] : Value();
  // Without projection m is the new h; with it, m is projected into h afterwards.
  Row m = cell.hasProjection() ? Row{layer.temps[1], {}} : h;
  float forgetBias = cell.getForgetBias().convertToFloat();
  std::optional<float> cellClip, projClip;
  if (auto v = cell.getCellClip())
    cellClip = v->convertToFloat();
  if (auto v = cell.getProjClip())
    projClip = v->convertToFloat();
  std::optional<float> gateClip;
  if (auto v = cell.getGateClip())
    gateClip = v->convertToFloat();
  auto clipGate = [&](Value v) { return gateClip ? clip(v, *gateClip) : v; };
  ActivationAttr act = cell.getCellActivation();
  ActivationAttr gateAct = cell.getGateActivationOrDefault();
  ActivationAttr outAct = cell.getOutputActivationOrDefault();
  bool inputForget = cell.getInputForget();

  forEachBlock(units, [&](Value col, Value mask) {
    Value i = loadVector(gates, col, mask);
    Value j = loadVector(gates, offset(col, units), mask);
    Value f = loadVector(gates, offset(col, 2 * units), mask);
    Value o = loadVector(gates, offset(col, 3 * units), mask);
    Value cPrev = loadVector(c, col, mask);
    if (peep) {
      i = fma(loadVector(Row{wi, {}}, col, mask), cPrev, i);
      f = fma(loadVector(Row{wf, {}}, col, mask), cPrev, f);
    }
    Value iGate = activate(gateAct, clipGate(i));
    Value fGate = inputForget ? sub(splat(1.0f), iGate)
                              : activate(gateAct, clipGate(add(f, splat(forgetBias))));
    Value cNew = add(mul(fGate, cPrev), mul(iGate, activate(act, clipGate(j))));
    if (cellClip)
      cNew = clip(cNew, *cellClip);
    if (peep)
      o = fma(loadVector(Row{wo, {}}, col, mask), cNew, o);
    Value mNew = mul(activate(gateAct, clipGate(o)), activate(outAct, cNew));
    storeVector(c, col, cNew, mask);
    storeVector(m, col, mNew, mask);
  });

  if (cell.hasProjection()) {
    Value proj = layer.weights[peep ? 5 : 2];
    auto post = [&](Value v) { return projClip ? clip(v, *projClip) : v; };
    affine(h, cell.getOutputSize(), Value(), {MatmulTerm{m, units, proj, 0}}, post);
  }
}

void SequenceEmitter::emitGRU(GRUCellOp cell, Layer &layer, const Row &input, Value batchRow) {
  int64_t units = cell.getNumUnits();
  int64_t depth = cell.getInputDepth();
  Value gatesKernel = layer.weights[0], gatesBias = layer.weights[1], candKernel = layer.weights[2],
        candBias = layer.weights[3];
  Row h{layer.states[0], {batchRow}};
  Row gates{layer.temps[0], {}}, cand{layer.temps[1], {}}, aux{layer.temps[2], {}};
  bool lbr = cell.getLinearBeforeReset();
  std::optional<float> gateClip;
  if (auto v = cell.getGateClip())
    gateClip = v->convertToFloat();
  auto clipGate = [&](Value v) { return gateClip ? clip(v, *gateClip) : v; };
  ActivationAttr gateAct = cell.getGateActivationOrDefault();

  affine(gates, 2 * units, gatesBias,
         {MatmulTerm{input, depth, gatesKernel, 0}, MatmulTerm{h, units, gatesKernel, depth}},
         [&](Value v) { return activate(gateAct, clipGate(v)); });
  if (lbr) {
    affine(cand, units, candBias, {MatmulTerm{input, depth, candKernel, 0}});
    affine(aux, units, layer.weights[4], {MatmulTerm{h, units, candKernel, depth}});
  } else {
    // aux = r * h feeds the recurrent half of the candidate matmul.
    forEachBlock(units, [&](Value col, Value mask) {
      storeVector(aux, col, mul(loadVector(gates, col, mask), loadVector(h, col, mask)), mask);
    });
    affine(cand, units, candBias,
           {MatmulTerm{input, depth, candKernel, 0}, MatmulTerm{aux, units, candKernel, depth}});
  }

  ActivationAttr act = cell.getCellActivation();
  forEachBlock(units, [&](Value col, Value mask) {
    Value pre = loadVector(cand, col, mask);
    if (lbr)
      pre = fma(loadVector(gates, col, mask), loadVector(aux, col, mask), pre);
    Value c = activate(act, clipGate(pre));
    Value u = loadVector(gates, offset(col, units), mask);
    Value hPrev = loadVector(h, col, mask);
    storeVector(h, col, add(mul(u, hPrev), mul(sub(splat(1.0f), u), c)), mask);
  });
}

void SequenceEmitter::emitBasicRNN(BasicRNNCellOp cell, Layer &layer, const Row &input,
                                   Value batchRow) {
  int64_t units = cell.getNumUnits();
  int64_t depth = cell.getInputDepth();
  Row h{layer.states[0], {batchRow}};
  Row pre{layer.temps[0], {}};
  // The whole pre-activation must be computed before h is overwritten.
  affine(pre, units, layer.weights[1],
         {MatmulTerm{input, depth, layer.weights[0], 0},
          MatmulTerm{h, units, layer.weights[0], depth}});
  ActivationAttr act = cell.getCellActivation();
  std::optional<APFloat> gateClip = cell.getGateClip();
  forEachBlock(units, [&](Value col, Value mask) {
    Value x = loadVector(pre, col, mask);
    if (gateClip)
      x = clip(x, gateClip->convertToFloat());
    storeVector(h, col, activate(act, x), mask);
  });
}

LogicalResult SequenceEmitter::lower(DynamicRNNOp op) {
  SmallVector<CellOpInterface> cells;
  if (failed(getCellLayers(op.getCell(), cells)))
    return op.emitOpError("cell is not produced by rnn cell ops");

  unsigned timeDim = op.getTimeDim(), batchDim = op.getBatchDim();
  Value inputs = toBuffer(op.getInputs());

  // T and B: a static size from any operand or result type beats a run-time dim.
  auto staticDim = [](Value v, unsigned d) { return cast<ShapedType>(v.getType()).getDimSize(d); };
  auto pickSize = [&](ArrayRef<std::pair<Value, unsigned>> candidates, unsigned inputDim) {
    for (auto [value, d] : candidates)
      if (!ShapedType::isDynamic(staticDim(value, d)))
        return index(staticDim(value, d));
    return Value(b.create<memref::DimOp>(loc, inputs, inputDim));
  };
  SmallVector<std::pair<Value, unsigned>> timeSources{{op.getInputs(), timeDim},
                                                      {op.getOutputs(), timeDim}};
  SmallVector<std::pair<Value, unsigned>> batchSources{{op.getInputs(), batchDim},
                                                       {op.getOutputs(), batchDim}};
  if (op.getSequenceLength())
    batchSources.push_back({op.getSequenceLength(), 0});
  if (op.getMask()) {
    batchSources.push_back({op.getMask(), 0});
    timeSources.push_back({op.getMask(), 1});
  }
  for (Value v : op.getInitialState())
    batchSources.push_back({v, 0});
  for (Value v : op.getFinalState())
    batchSources.push_back({v, 0});
  Value timeSteps = pickSize(timeSources, timeDim);
  Value batch = pickSize(batchSources, batchDim);

  auto allocResult = [&](Value result) {
    auto type = cast<RankedTensorType>(result.getType());
    SmallVector<Value> dynamicSizes;
    for (unsigned d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      bool isTime = type.getRank() == 3 && d == timeDim;
      dynamicSizes.push_back(isTime ? timeSteps : batch);
    }
    return b
        .create<memref::AllocOp>(loc, MemRefType::get(type.getShape(), type.getElementType()),
                                 dynamicSizes)
        .getResult();
  };
  Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.0f));

  // Outputs past a row's length, and past max(length), stay zero.
  Value outputs = allocResult(op.getOutputs());
  b.create<linalg::FillOp>(loc, ValueRange{zero}, ValueRange{outputs});

  SmallVector<Value> states;
  for (auto [i, result] : llvm::enumerate(op.getFinalState())) {
    Value state = allocResult(result);
    if (op.getInitialState().empty())
      b.create<linalg::FillOp>(loc, ValueRange{zero}, ValueRange{state});
    else
      b.create<linalg::CopyOp>(loc, toBuffer(op.getInitialState()[i]), state);
    states.push_back(state);
  }

  SmallVector<Layer> layers;
  size_t nextState = 0;
  for (CellOpInterface cell : cells) {
    Layer layer{cell, {}, {}, {}};
    for (Value operand : cell->getOperands())
      layer.weights.push_back(toBuffer(operand));
    for (size_t i = 0; i < cell.getStateSizes().size(); ++i)
      layer.states.push_back(states[nextState++]);
    int64_t units = cell.getStateSizes().front();
    TypeSwitch<Operation *>(cell.getOperation())
        .Case([&](LSTMCellOp lstm) {
          layer.temps.push_back(scratch(4 * units));
          if (lstm.hasProjection())
            layer.temps.push_back(scratch(units));
        })
        .Case([&](GRUCellOp) {
          layer.temps.push_back(scratch(2 * units));
          layer.temps.push_back(scratch(units));
          layer.temps.push_back(scratch(units));
        })
        .Case([&](BasicRNNCellOp) { layer.temps.push_back(scratch(units)); });
    layers.push_back(std::move(layer));
  }

  // Lengths are clamped to [0, T]; only steps below the largest are computed.
  Value lengths = op.getSequenceLength() ? toBuffer(op.getSequenceLength()) : Value();
  auto lengthOf = [&](Value row) {
    Value raw = b.create<memref::LoadOp>(loc, lengths, ValueRange{row});
    Value len = b.create<arith::IndexCastOp>(loc, b.getIndexType(), raw);
    len = b.create<arith::MaxSIOp>(loc, len, index(0));
    return b.create<arith::MinSIOp>(loc, len, timeSteps).getResult();
  };
  Value maskBuffer = op.getMask() ? toBuffer(op.getMask()) : Value();
  // The last output of each row, repeated at masked steps (Keras); zero at first.
  Value lastOutput;
  if (maskBuffer && !op.getZeroOutputForMask()) {
    int64_t size = cells.back().getOutputSize();
    lastOutput = b.create<memref::AllocOp>(
        loc, MemRefType::get({ShapedType::kDynamic, size}, b.getF32Type()), ValueRange{batch});
    b.create<linalg::FillOp>(loc, ValueRange{zero}, ValueRange{lastOutput});
  }
  Value steps = timeSteps;
  if (lengths && op.getZeroFinalStateForEmptyRows()) {
    // onnxruntime: a row that never runs ends in a zero state, not its initial one.
    auto rows = b.create<scf::ForOp>(loc, index(0), batch, index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(rows.getBody()->getTerminator());
    Value row = rows.getInductionVar();
    Value empty = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, lengthOf(row), index(0));
    auto ifOp = b.create<scf::IfOp>(loc, empty, /*withElseRegion=*/false);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    for (Value state : states) {
      int64_t size = cast<MemRefType>(state.getType()).getDimSize(1);
      forEachBlock(size, [&](Value col, Value mask) {
        storeVector(Row{state, {row}}, col, splat(0.0f), mask);
      });
    }
  }
  if (lengths) {
    auto maxLoop = b.create<scf::ForOp>(
        loc, index(0), batch, index(1), ValueRange{index(0)},
        [&](OpBuilder &nested, Location, Value row, ValueRange iterArgs) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nested.getInsertionBlock(), nested.getInsertionPoint());
          Value longest = b.create<arith::MaxSIOp>(loc, iterArgs[0], lengthOf(row));
          b.create<scf::YieldOp>(loc, longest);
        });
    steps = maxLoop.getResult(0);
  }

  // Unrolled code covers all T steps; the length guard skips what is past a row's end.
  if (op.getUnroll())
    steps = timeSteps;
  auto timeLoop = b.create<scf::ForOp>(loc, index(0), steps, index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(timeLoop.getBody()->getTerminator());
  Value t = timeLoop.getInductionVar();
  auto rowLoop = b.create<scf::ForOp>(loc, index(0), batch, index(1));
  b.setInsertionPoint(rowLoop.getBody()->getTerminator());
  Value row = rowLoop.getInductionVar();
  Value rowLength = lengths ? lengthOf(row) : timeSteps;
  // Backwards, step t reads (and writes the output of) time length - 1 - t;
  // go_backwards reads time T - 1 - t and writes output t.
  Value time = t, outputTime = t;
  if (op.getReverse())
    time = outputTime =
        b.create<arith::SubIOp>(loc, b.create<arith::SubIOp>(loc, rowLength, index(1)), t);
  if (op.getGoBackwards())
    time = b.create<arith::SubIOp>(loc, b.create<arith::SubIOp>(loc, timeSteps, index(1)), t);
  auto sequenceIndex = [&](Value at) {
    return op.getTimeMajor() ? SmallVector<Value, 2>{at, row} : SmallVector<Value, 2>{row, at};
  };
  SmallVector<Value, 2> seqIndex = sequenceIndex(time);
  Row outputRow{outputs, sequenceIndex(outputTime)};
  const int64_t outputSize = layers.back().cell.getOutputSize();
  auto copyRow = [&](const Row &from, const Row &to) {
    forEachBlock(outputSize, [&](Value col, Value mask) {
      storeVector(to, col, loadVector(from, col, mask), mask);
    });
  };

  if (lengths) {
    Value active = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, t, rowLength);
    auto ifOp = b.create<scf::IfOp>(loc, active, /*withElseRegion=*/false);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  } else if (maskBuffer) {
    // A masked step repeats the row's previous output (unless outputs are zeroed).
    Value active = b.create<memref::LoadOp>(loc, maskBuffer, ValueRange{row, time});
    auto ifOp = b.create<scf::IfOp>(loc, active, /*withElseRegion=*/lastOutput != nullptr);
    if (lastOutput) {
      b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
      copyRow(Row{lastOutput, {row}}, outputRow);
    }
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  }

  Row input{inputs, seqIndex};
  for (Layer &layer : layers) {
    TypeSwitch<Operation *>(layer.cell.getOperation())
        .Case([&](LSTMCellOp cell) { emitLSTM(cell, layer, input, row); })
        .Case([&](GRUCellOp cell) { emitGRU(cell, layer, input, row); })
        .Case([&](BasicRNNCellOp cell) { emitBasicRNN(cell, layer, input, row); });
    // Every cell's output is its last state (h, or m for LSTM).
    input = Row{layer.states.back(), {row}};
  }
  copyRow(input, outputRow);
  if (lastOutput)
    copyRow(input, Row{lastOutput, {row}});

  if (op.getUnroll()) {
    int64_t count = cast<ShapedType>(op.getInputs().getType()).getDimSize(timeDim);
    if (count > 0 && failed(loopUnrollByFactor(timeLoop, count)))
      return op.emitOpError("could not unroll the time loop");
  }

  b.setInsertionPoint(op);
  SmallVector<Value> buffers{outputs};
  llvm::append_range(buffers, states);
  SmallVector<Value> results;
  for (Value buffer : buffers)
    results.push_back(b.create<bufferization::ToTensorOp>(loc, buffer, /*restrict=*/true,
                                                          /*writable=*/true));
  op->replaceAllUsesWith(results);
  op->erase();
  return success();
}

struct ConvertRnnToLoopsPass
    : public mlir::rnnc::impl::ConvertRnnToLoopsBase<ConvertRnnToLoopsPass> {
  using ConvertRnnToLoopsBase::ConvertRnnToLoopsBase;

  void runOnOperation() override {
    if (vectorWidth < 1 || accumulators < 1) {
      getOperation().emitError("vector-width and accumulators must be positive");
      return signalPassFailure();
    }
    SmallVector<DynamicRNNOp> sequences;
    getOperation().walk([&](DynamicRNNOp op) { sequences.push_back(op); });
    for (DynamicRNNOp op : sequences) {
      SmallVector<CellOpInterface> layers;
      if (succeeded(getCellLayers(op.getCell(), layers)) &&
          llvm::any_of(layers, [](CellOpInterface c) { return isa<CustomCellOp>(c); })) {
        SmallVector<CustomCellOp> custom;
        for (CellOpInterface layer : layers)
          if (auto c = dyn_cast<CustomCellOp>(layer.getOperation()))
            custom.push_back(c);
        if (custom.size() != layers.size()) {
          op.emitOpError("stacks mixing rnn.custom_cell and built-in cells are lowered with "
                         "--generic-cells (rnn-decompose-cells) only");
          return signalPassFailure();
        }
        if (failed(mlir::rnnc::lowerCustomCellSequence(op, custom)))
          return signalPassFailure();
        continue;
      }
      OpBuilder builder(op);
      SequenceEmitter emitter(builder, op.getLoc(), vectorWidth, accumulators);
      if (failed(emitter.lower(op)))
        return signalPassFailure();
    }
    // Cell ops only describe the sequences just lowered; any left in use is an error.
    bool erased = true;
    while (erased) {
      erased = false;
      getOperation().walk([&](Operation *op) {
        if (isa<RnnDialect>(op->getDialect()) && op->use_empty()) {
          op->erase();
          erased = true;
        }
      });
    }
    WalkResult leftover = getOperation().walk([&](Operation *op) {
      if (!isa<RnnDialect>(op->getDialect()))
        return WalkResult::advance();
      op->emitOpError("is used by an op that is not rnn.dynamic_rnn and cannot be lowered");
      return WalkResult::interrupt();
    });
    if (leftover.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
