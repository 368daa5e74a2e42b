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

/// One matmul term of a gate pre-activation, for a block of batch rows:
/// `inputs[r][0:depth] @ weight[rowOffset:rowOffset+depth, :]`.
struct MatmulTerm {
  SmallVector<Row, 4> inputs;
  int64_t depth;
  Value weight;
  int64_t rowOffset;
};

/// Emits the loops of one rnn.dynamic_rnn at the builder's insertion point.
class SequenceEmitter {
public:
  SequenceEmitter(OpBuilder &builder, Location loc, int64_t width, int64_t accumulators,
                  int64_t rowBlock, int64_t projectInputsAboveBytes)
      : b(builder), loc(loc), width(width), accumulators(accumulators), rowBlock(rowBlock),
        projectInputsAboveBytes(projectInputsAboveBytes),
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
  /// masked by `tailMask` when non-null) and every row r of the block,
  /// accumulates `acc[r * count + i] += broadcast(input_r[k]) *
  /// weight[rowOffset + k, col + i * width]` over k. Each weight vector is
  /// loaded once for all rows; independent accumulators hide the FMA latency.
  SmallVector<Value> accumulate(const MatmulTerm &term, Value col, int64_t count, Value tailMask,
                                ValueRange accs) {
    size_t rows = term.inputs.size();
    auto loop = b.create<scf::ForOp>(
        loc, index(0), index(term.depth), index(1), accs,
        [&](OpBuilder &nested, Location, Value k, ValueRange iterArgs) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nested.getInsertionBlock(), nested.getInsertionPoint());
          SmallVector<Value, 4> broadcasts;
          for (const Row &input : term.inputs)
            broadcasts.push_back(b.create<vector::BroadcastOp>(loc, vecType, loadScalar(input, k)));
          Row weightRow{term.weight, {offset(k, term.rowOffset)}};
          SmallVector<Value> next(iterArgs.begin(), iterArgs.end());
          for (int64_t i = 0; i < count; ++i) {
            Value mask = i + 1 == count ? tailMask : Value();
            Value w = loadVector(weightRow, offset(col, i * width), mask);
            for (size_t r = 0; r < rows; ++r)
              next[r * count + i] = fma(broadcasts[r], w, iterArgs[r * count + i]);
          }
          b.create<scf::YieldOp>(loc, next);
        });
    return SmallVector<Value>(loop.getResults());
  }

  /// `dsts[r][0:n] = post(bias + sum of terms)` for every row r of the block;
  /// bias may be null (zero); `inits`, when given, replace the bias per row. Columns go in groups
  /// of blocks sized so that the accumulators of all rows fit the registers; the last group takes
  /// the rest, ending with a masked block when `n` is not a multiple of the width.
  void affine(ArrayRef<Row> dsts, int64_t n, Value bias, ArrayRef<MatmulTerm> terms,
              function_ref<Value(Value)> post = nullptr, ArrayRef<Row> inits = {}) {
    int64_t rows = dsts.size();
    int64_t perRow = rows == 1 ? accumulators : std::max<int64_t>(1, 2 * accumulators / rows);
    auto emitGroup = [&](Value col, int64_t count, Value tailMask) {
      SmallVector<Value> accs;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < count; ++i) {
          Value mask = i + 1 == count ? tailMask : Value();
          accs.push_back(!inits.empty() ? loadVector(inits[r], offset(col, i * width), mask)
                         : bias         ? loadVector(Row{bias, {}}, offset(col, i * width), mask)
                                        : splat(0.0f));
        }
      for (const MatmulTerm &term : terms)
        accs = accumulate(term, col, count, tailMask, accs);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t i = 0; i < count; ++i) {
          Value mask = i + 1 == count ? tailMask : Value();
          Value acc = accs[r * count + i];
          storeVector(dsts[r], offset(col, i * width), post ? post(acc) : acc, mask);
        }
    };
    int64_t fullBlocks = n / width;
    int64_t groups = fullBlocks / perRow;
    int64_t groupColumns = perRow * width;
    if (groups > 0) {
      auto loop =
          b.create<scf::ForOp>(loc, index(0), index(groups * groupColumns), index(groupColumns));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      emitGroup(loop.getInductionVar(), perRow, Value());
    }
    int64_t rest = fullBlocks - groups * perRow + (n % width != 0 ? 1 : 0);
    if (rest > 0) {
      Value tailMask = n % width != 0 ? b.create<vector::CreateMaskOp>(loc, maskType,
                                                                       ValueRange{index(n % width)})
                                      : Value();
      emitGroup(index(groups * groupColumns), rest, tailMask);
    }
  }

  /// Calls `body(first, rows)` for the batch rows in blocks of rowBlock, then
  /// for the remaining rows one by one.
  void forRowBlocks(Value batch, function_ref<void(Value, int64_t)> body) {
    Value blocked =
        b.create<arith::SubIOp>(loc, batch, b.create<arith::RemUIOp>(loc, batch, index(rowBlock)));
    {
      auto loop = b.create<scf::ForOp>(loc, index(0), blocked, index(rowBlock));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      body(loop.getInductionVar(), rowBlock);
    }
    auto loop = b.create<scf::ForOp>(loc, blocked, batch, index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVar(), 1);
  }

  /// Runs `body` only when `active` (i1; null: always).
  void guarded(Value active, function_ref<void()> body) {
    if (!active)
      return body();
    auto ifOp = b.create<scf::IfOp>(loc, active, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    body();
  }

  Value sigmoid(Value x) { return math().sigmoid(x); }
  Value clip(Value x, float limit) { return math().clip(x, limit); }
  Value activate(ActivationAttr activation, Value x) { return math().activate(activation, x); }
  CellMath math() { return CellMath(b, loc, vecType); }

  /// Scratch rows [rowBlock, n], one per row of a block.
  Value scratch(int64_t n) {
    return b.create<memref::AllocaOp>(loc, MemRefType::get({rowBlock, n}, b.getF32Type()));
  }
  SmallVector<Row, 4> scratchRows(Value temp, size_t rows) {
    SmallVector<Row, 4> result;
    for (size_t r = 0; r < rows; ++r)
      result.push_back(Row{temp, {index(r)}});
    return result;
  }
  SmallVector<Row, 4> stateRows(Value state, ArrayRef<Value> batchRows) {
    SmallVector<Row, 4> result;
    for (Value row : batchRows)
      result.push_back(Row{state, {row}});
    return result;
  }

  /// Per-layer buffers, created before the loops.
  struct Layer {
    CellOpInterface cell;
    SmallVector<Value> weights; // the cell's operands as buffers, in operand order
    SmallVector<Value> states;  // state buffers [B, size] in state order
    SmallVector<Value> temps;   // scratch rows
    /// The bottom layer's input projections (+ biases) of every step, [T, B, n]:
    /// LSTM and RNN gates; GRU gates, then the candidate.
    SmallVector<Value> projected;
  };
  /// Rows (time_r, row_r) of a projection buffer.
  SmallVector<Row, 4> projectedRows(Value buffer, ArrayRef<Value> times, ArrayRef<Value> rows) {
    SmallVector<Row, 4> result;
    for (auto [time, row] : llvm::zip(times, rows))
      result.push_back(Row{buffer, {time, row}});
    return result;
  }

  /// One step of a layer for a block of batch rows: the gate matmuls for all
  /// rows at once, then each row's state update when `active[r]` (null: always).
  /// `times[r]`: the input time of row r, where the layer's precomputed input
  /// projection is read (when it has one).
  void emitLSTM(LSTMCellOp cell, Layer &layer, ArrayRef<Row> inputs, ArrayRef<Value> batchRows,
                ArrayRef<Value> times, ArrayRef<Value> active);
  void emitGRU(GRUCellOp cell, Layer &layer, ArrayRef<Row> inputs, ArrayRef<Value> batchRows,
               ArrayRef<Value> times, ArrayRef<Value> active);
  void emitBasicRNN(BasicRNNCellOp cell, Layer &layer, ArrayRef<Row> inputs,
                    ArrayRef<Value> batchRows, ArrayRef<Value> times, ArrayRef<Value> active);
  /// Fills layer.projected for the bottom layer: its input matmuls for all T
  /// steps and B rows, before the time loop.
  void projectInputs(Layer &layer, Value inputs, Value timeSteps, Value batch, bool timeMajor);

  OpBuilder &b;
  Location loc;
  int64_t width;
  int64_t accumulators;
  /// Batch rows whose gate matmuls share each weight load.
  int64_t rowBlock;
  /// Input weights of the bottom layer above which its input projection is
  /// computed for all steps before the time loop (default about one L2).
  int64_t projectInputsAboveBytes;
  VectorType vecType;
  VectorType maskType;
};

void SequenceEmitter::emitLSTM(LSTMCellOp cell, Layer &layer, ArrayRef<Row> inputs,
                               ArrayRef<Value> batchRows, ArrayRef<Value> times,
                               ArrayRef<Value> active) {
  int64_t units = cell.getNumUnits();
  int64_t depth = cell.getInputDepth();
  Value kernel = layer.weights[0], bias = layer.weights[1];
  size_t rows = batchRows.size();
  SmallVector<Row, 4> c = stateRows(layer.states[0], batchRows),
                      h = stateRows(layer.states[1], batchRows);
  SmallVector<Row, 4> gates = scratchRows(layer.temps[0], rows);
  if (!layer.projected.empty())
    affine(gates, 4 * units, Value(), {MatmulTerm{h, cell.getOutputSize(), kernel, depth}}, nullptr,
           projectedRows(layer.projected[0], times, batchRows));
  else
    affine(gates, 4 * units, bias,
           {MatmulTerm{SmallVector<Row, 4>(inputs), depth, kernel, 0},
            MatmulTerm{h, cell.getOutputSize(), kernel, depth}});

  bool peep = cell.hasPeepholes();
  Value wi = peep ? layer.weights[2] : Value(), wf = peep ? layer.weights[3] : Value(),
        wo = peep ? layer.weights[4] : Value();
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

  for (size_t r = 0; r < rows; ++r)
    guarded(active[r], [&] {
      // Without projection m is the new h; with it, m is projected into h afterwards.
      Row m = cell.hasProjection() ? Row{layer.temps[1], {index(r)}} : h[r];
      forEachBlock(units, [&](Value col, Value mask) {
        Value i = loadVector(gates[r], col, mask);
        Value j = loadVector(gates[r], offset(col, units), mask);
        Value f = loadVector(gates[r], offset(col, 2 * units), mask);
        Value o = loadVector(gates[r], offset(col, 3 * units), mask);
        Value cPrev = loadVector(c[r], col, mask);
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
        storeVector(c[r], col, cNew, mask);
        storeVector(m, col, mNew, mask);
      });
      if (cell.hasProjection()) {
        Value proj = layer.weights[peep ? 5 : 2];
        auto post = [&](Value v) { return projClip ? clip(v, *projClip) : v; };
        affine({h[r]}, cell.getOutputSize(), Value(), {MatmulTerm{{m}, units, proj, 0}}, post);
      }
    });
}

void SequenceEmitter::emitGRU(GRUCellOp cell, Layer &layer, ArrayRef<Row> inputs,
                              ArrayRef<Value> batchRows, ArrayRef<Value> times,
                              ArrayRef<Value> active) {
  int64_t units = cell.getNumUnits();
  int64_t depth = cell.getInputDepth();
  Value gatesKernel = layer.weights[0], gatesBias = layer.weights[1], candKernel = layer.weights[2],
        candBias = layer.weights[3];
  size_t rows = batchRows.size();
  SmallVector<Row, 4> h = stateRows(layer.states[0], batchRows);
  SmallVector<Row, 4> gates = scratchRows(layer.temps[0], rows),
                      cand = scratchRows(layer.temps[1], rows),
                      aux = scratchRows(layer.temps[2], rows);
  SmallVector<Row, 4> in(inputs);
  bool lbr = cell.getLinearBeforeReset();
  std::optional<float> gateClip;
  if (auto v = cell.getGateClip())
    gateClip = v->convertToFloat();
  auto clipGate = [&](Value v) { return gateClip ? clip(v, *gateClip) : v; };
  ActivationAttr gateAct = cell.getGateActivationOrDefault();

  auto gateActivation = [&](Value v) { return activate(gateAct, clipGate(v)); };
  bool projected = !layer.projected.empty();
  if (projected)
    affine(gates, 2 * units, Value(), {MatmulTerm{h, units, gatesKernel, depth}}, gateActivation,
           projectedRows(layer.projected[0], times, batchRows));
  else
    affine(gates, 2 * units, gatesBias,
           {MatmulTerm{in, depth, gatesKernel, 0}, MatmulTerm{h, units, gatesKernel, depth}},
           gateActivation);
  if (lbr) {
    // The candidate's input part (and bias) is the precomputed projection.
    if (projected)
      cand = projectedRows(layer.projected[1], times, batchRows);
    else
      affine(cand, units, candBias, {MatmulTerm{in, depth, candKernel, 0}});
    affine(aux, units, layer.weights[4], {MatmulTerm{h, units, candKernel, depth}});
  } else {
    // aux = r * h feeds the recurrent half of the candidate matmul.
    for (size_t r = 0; r < rows; ++r)
      forEachBlock(units, [&](Value col, Value mask) {
        storeVector(aux[r], col, mul(loadVector(gates[r], col, mask), loadVector(h[r], col, mask)),
                    mask);
      });
    if (projected)
      affine(cand, units, Value(), {MatmulTerm{aux, units, candKernel, depth}}, nullptr,
             projectedRows(layer.projected[1], times, batchRows));
    else
      affine(cand, units, candBias,
             {MatmulTerm{in, depth, candKernel, 0}, MatmulTerm{aux, units, candKernel, depth}});
  }

  ActivationAttr act = cell.getCellActivation();
  for (size_t r = 0; r < rows; ++r)
    guarded(active[r], [&] {
      forEachBlock(units, [&](Value col, Value mask) {
        Value pre = loadVector(cand[r], col, mask);
        if (lbr)
          pre = fma(loadVector(gates[r], col, mask), loadVector(aux[r], col, mask), pre);
        Value c = activate(act, clipGate(pre));
        Value u = loadVector(gates[r], offset(col, units), mask);
        Value hPrev = loadVector(h[r], col, mask);
        storeVector(h[r], col, add(mul(u, hPrev), mul(sub(splat(1.0f), u), c)), mask);
      });
    });
}

void SequenceEmitter::emitBasicRNN(BasicRNNCellOp cell, Layer &layer, ArrayRef<Row> inputs,
                                   ArrayRef<Value> batchRows, ArrayRef<Value> times,
                                   ArrayRef<Value> active) {
  int64_t units = cell.getNumUnits();
  int64_t depth = cell.getInputDepth();
  size_t rows = batchRows.size();
  SmallVector<Row, 4> h = stateRows(layer.states[0], batchRows);
  SmallVector<Row, 4> pre = scratchRows(layer.temps[0], rows);
  // The whole pre-activation must be computed before h is overwritten.
  if (!layer.projected.empty())
    affine(pre, units, Value(), {MatmulTerm{h, units, layer.weights[0], depth}}, nullptr,
           projectedRows(layer.projected[0], times, batchRows));
  else
    affine(pre, units, layer.weights[1],
           {MatmulTerm{SmallVector<Row, 4>(inputs), depth, layer.weights[0], 0},
            MatmulTerm{h, units, layer.weights[0], depth}});
  ActivationAttr act = cell.getCellActivation();
  std::optional<APFloat> gateClip = cell.getGateClip();
  for (size_t r = 0; r < rows; ++r)
    guarded(active[r], [&] {
      forEachBlock(units, [&](Value col, Value mask) {
        Value x = loadVector(pre[r], col, mask);
        if (gateClip)
          x = clip(x, gateClip->convertToFloat());
        storeVector(h[r], col, activate(act, x), mask);
      });
    });
}

void SequenceEmitter::projectInputs(Layer &layer, Value inputs, Value timeSteps, Value batch,
                                    bool timeMajor) {
  Operation *cell = layer.cell.getOperation();
  int64_t depth = layer.cell.getInputDepth();
  // (kernel, bias, columns) of each projection.
  SmallVector<std::tuple<Value, Value, int64_t>, 2> parts;
  if (auto lstm = dyn_cast<LSTMCellOp>(cell))
    parts.push_back({layer.weights[0], layer.weights[1], 4 * lstm.getNumUnits()});
  else if (auto gru = dyn_cast<GRUCellOp>(cell))
    parts = {{layer.weights[0], layer.weights[1], 2 * gru.getNumUnits()},
             {layer.weights[2], layer.weights[3], gru.getNumUnits()}};
  else if (auto rnn = dyn_cast<BasicRNNCellOp>(cell))
    parts.push_back({layer.weights[0], layer.weights[1], rnn.getNumUnits()});
  for (auto &[kernel, bias, columns] : parts)
    layer.projected.push_back(b.create<memref::AllocOp>(
        loc, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, columns}, b.getF32Type()),
        ValueRange{timeSteps, batch}));
  // Every (step, row) pair is independent: blocks of rows of one step share
  // each weight load, as in the time loop.
  auto timeLoop = b.create<scf::ForOp>(loc, index(0), timeSteps, index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(timeLoop.getBody()->getTerminator());
  Value t = timeLoop.getInductionVar();
  auto emitRows = [&](Value first, int64_t rows) {
    SmallVector<Row, 4> in, out;
    for (int64_t r = 0; r < rows; ++r) {
      Value row = offset(first, r);
      in.push_back(
          Row{inputs, timeMajor ? SmallVector<Value, 2>{t, row} : SmallVector<Value, 2>{row, t}});
    }
    for (auto [i, part] : llvm::enumerate(parts)) {
      auto &[kernel, bias, columns] = part;
      out.clear();
      for (int64_t r = 0; r < rows; ++r)
        out.push_back(Row{layer.projected[i], {t, offset(first, r)}});
      affine(out, columns, bias, {MatmulTerm{in, depth, kernel, 0}});
    }
  };
  forRowBlocks(batch, emitRows);
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

  SmallVector<Layer, 2> layers;
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

  // The bottom layer's input matmuls do not depend on the state: all steps at
  // once, when its input weights are too large to stay in L2 across a step
  // (measured with rnnc-bench: LSTM H=1024 B=1 324 -> 110 ms; below 1 MiB the
  // round trip of the projections through memory costs more, ~10% at H=256 B=16).
  Operation *bottom = layers.front().cell.getOperation();
  int64_t gateColumns = TypeSwitch<Operation *, int64_t>(bottom)
                            .Case([](LSTMCellOp c) { return 4 * c.getNumUnits(); })
                            .Case([](GRUCellOp c) { return 3 * c.getNumUnits(); })
                            .Case([](BasicRNNCellOp c) { return c.getNumUnits(); })
                            .Default([](Operation *) { return 0; });
  int64_t inputWeightBytes = 4 * layers.front().cell.getInputDepth() * gateColumns;
  if (inputWeightBytes > projectInputsAboveBytes)
    projectInputs(layers.front(), inputs, timeSteps, batch, op.getTimeMajor());

  // Unrolled code covers all T steps; the length guard skips what is past a row's end.
  if (op.getUnroll())
    steps = timeSteps;
  auto timeLoop = b.create<scf::ForOp>(loc, index(0), steps, index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(timeLoop.getBody()->getTerminator());
  Value t = timeLoop.getInductionVar();
  const int64_t outputSize = layers.back().cell.getOutputSize();
  auto copyRow = [&](const Row &from, const Row &to) {
    forEachBlock(outputSize, [&](Value col, Value mask) {
      storeVector(to, col, loadVector(from, col, mask), mask);
    });
  };

  // One step for the batch rows first .. first + rows - 1: each layer's gate
  // matmuls for all of them at once, then each row's update if it is active.
  auto emitBlock = [&](Value first, int64_t rows) {
    SmallVector<Value> batchRows, active, times;
    SmallVector<Row, 4> inputRows, outputRows;
    for (int64_t r = 0; r < rows; ++r) {
      Value row = offset(first, r);
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
      batchRows.push_back(row);
      times.push_back(time);
      inputRows.push_back(Row{inputs, sequenceIndex(time)});
      outputRows.push_back(Row{outputs, sequenceIndex(outputTime)});
      if (lengths)
        active.push_back(b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, t, rowLength));
      else if (maskBuffer)
        active.push_back(b.create<memref::LoadOp>(loc, maskBuffer, ValueRange{row, time}));
      else
        active.push_back(Value());
    }
    for (Layer &layer : layers) {
      TypeSwitch<Operation *>(layer.cell.getOperation())
          .Case(
              [&](LSTMCellOp cell) { emitLSTM(cell, layer, inputRows, batchRows, times, active); })
          .Case([&](GRUCellOp cell) { emitGRU(cell, layer, inputRows, batchRows, times, active); })
          .Case([&](BasicRNNCellOp cell) {
            emitBasicRNN(cell, layer, inputRows, batchRows, times, active);
          });
      // Every cell's output is its last state (h, or m for LSTM).
      inputRows = stateRows(layer.states.back(), batchRows);
    }
    for (int64_t r = 0; r < rows; ++r) {
      if (!active[r] || !lastOutput) {
        guarded(active[r], [&] { copyRow(inputRows[r], outputRows[r]); });
        continue;
      }
      // A masked step repeats the row's previous output.
      auto ifOp = b.create<scf::IfOp>(loc, active[r], /*withElseRegion=*/true);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      copyRow(inputRows[r], outputRows[r]);
      copyRow(inputRows[r], Row{lastOutput, {batchRows[r]}});
      b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
      copyRow(Row{lastOutput, {batchRows[r]}}, outputRows[r]);
    }
  };

  forRowBlocks(batch, emitBlock);

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
    if (vectorWidth < 1 || accumulators < 1 || rowBlock < 1) {
      getOperation().emitError("vector-width, accumulators and row-block must be positive");
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
      SequenceEmitter emitter(builder, op.getLoc(), vectorWidth, accumulators, rowBlock,
                              projectInputsAboveBytes);
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
