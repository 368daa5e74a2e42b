// Lowers rnn.dynamic_rnn to scf loops over memrefs. The gate matmuls and the
// cell equations are emitted directly as 1-D vector ops (one vector = a block of
// `vector-width` output columns), so every inner loop is SIMD regardless of what
// LLVM's vectorizer decides.

#include "rnnc/Conversion/Passes.h"

#include "CustomCells.h"
#include "VectorEmitter.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "rnnc/Dialect/Rnn/IR/CellMath.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "rnnc/Dialect/Rnn/Transforms/Passes.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/SaveAndRestore.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_CONVERTRNNTOLOOPS
#include "rnnc/Conversion/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;
using namespace mlir::rnn;
using namespace mlir::rnnc::rnn_to_loops;

namespace {

/// What a layer reads for batch row `row` at the current step.
struct Step {
  Value batch;
  /// The layer's input row (the sequence, or the layer below's output).
  std::function<Row(Value)> input;
  /// The input time of the row, where a precomputed input projection is read.
  std::function<Value(Value)> time;
  /// i1: whether the row advances at this step; null: always.
  std::function<Value(Value)> active;
};

/// Moves the ops of several layers' steps (one list per layer, in order;
/// no layer touches another's buffers) before `end` stage by stage: every
/// layer's first op that touches memory (with the pure ops before it), then
/// every layer's second, and so on, so that stages of different layers that
/// may run at the same time are adjacent.
void interleaveStages(ArrayRef<SmallVector<Operation *>> layers, Operation *end) {
  SmallVector<SmallVector<SmallVector<Operation *>>> stages;
  size_t count = 0;
  for (ArrayRef<Operation *> ops : layers) {
    auto &layerStages = stages.emplace_back(1);
    for (Operation *op : ops) {
      layerStages.back().push_back(op);
      if (!isMemoryEffectFree(op))
        layerStages.emplace_back();
    }
    count = std::max(count, layerStages.size());
  }
  for (size_t k = 0; k < count; ++k)
    for (auto &layerStages : stages)
      if (k < layerStages.size())
        for (Operation *op : layerStages[k])
          op->moveBefore(end);
}

/// T and B of a sequence where known at compile time (else kDynamic): a static
/// size from any operand or result type, also from the source of a cast
/// (rnnc --batch fixes the function's arguments and casts them back to the
/// dynamic type the sequence takes).
std::pair<int64_t, int64_t> staticSizes(DynamicRNNOp op) {
  unsigned timeDim = op.getTimeDim(), batchDim = op.getBatchDim();
  auto staticDim = [](Value v, unsigned d) {
    int64_t size = cast<ShapedType>(v.getType()).getDimSize(d);
    if (auto castOp = v.getDefiningOp<tensor::CastOp>(); castOp && ShapedType::isDynamic(size))
      size = cast<ShapedType>(castOp.getSource().getType()).getDimSize(d);
    return size;
  };
  auto staticSize = [&](ArrayRef<std::pair<Value, unsigned>> candidates) {
    for (auto [value, d] : candidates)
      if (!ShapedType::isDynamic(staticDim(value, d)))
        return staticDim(value, d);
    return ShapedType::kDynamic;
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
  // A projection rnn-hoist-input-projection put before the sequence keeps
  // the T and B of the sequence it projects.
  if (auto projection = op.getInputs().getDefiningOp<linalg::GenericOp>();
      projection && projection.getNumDpsInputs() == 2 && projection.getNumLoops() == 4 &&
      projection.getIndexingMapsArray()[0].isProjectedPermutation() &&
      projection.getIndexingMapsArray()[0].getResults().take_front(2) ==
          projection.getIndexingMapsArray()[2].getResults().take_front(2)) {
    timeSources.push_back({projection.getDpsInputs()[0], timeDim});
    batchSources.push_back({projection.getDpsInputs()[0], batchDim});
  }
  return {staticSize(timeSources), staticSize(batchSources)};
}

/// Whether the input matmuls of `cell` as the bottom layer of a sequence are
/// computed for all steps before the time loop (they do not depend on the
/// state), given the batch (kDynamic: unknown) and the threshold of input
/// weights above which to (project-inputs-above-bytes). When they are too
/// large to stay in L2 across a step (measured with rnnc-bench: LSTM H=1024
/// B=1 324 -> 110 ms; below 1 MiB the round trip of the projections through
/// memory costs more, ~10% at H=256 B=16). A batch known to be small (16 rows
/// per input feature or fewer) reads each input weight for few rows per step,
/// and the projections it writes are small: there a sixteenth of the
/// threshold (rnnc-bench, 1 thread, H = 256, B = 1: LSTM 1.86 -> 0.87 ms, GRU
/// 1.22 -> 0.53-0.64 ms; B = 16 and 64, where the batch is not small, lost
/// 3-10% when hoisted). A batch known to be large (32 rows or more) amortizes
/// the input weights over its rows, and its projections would be tens of MiB:
/// not hoisted up to 8 times the threshold (LSTM H=512 B=64: 124 -> 100 ms on 1
/// thread, 73 -> 54 ms on 2; above, at H=1024, streaming the weights every
/// step lost 5-10%).
/// Custom cells: the weights of their step-input matmuls
/// (rnn::inputProjectionBytes).
bool hoistsInputProjection(CellOpInterface cell, int64_t staticBatch, int64_t aboveBytes) {
  int64_t inputDepth = cell.getInputDepth();
  int64_t inputWeightBytes =
      TypeSwitch<Operation *, int64_t>(cell.getOperation())
          .Case([&](LSTMCellOp c) { return 4 * inputDepth * 4 * c.getNumUnits(); })
          .Case([&](GRUCellOp c) { return 4 * inputDepth * 3 * c.getNumUnits(); })
          .Case([&](BasicRNNCellOp c) { return 4 * inputDepth * c.getNumUnits(); })
          .Case([](CustomCellOp c) { return inputProjectionBytes(c); })
          .Default([](Operation *) { return 0; });
  if (inputWeightBytes == 0)
    return false;
  bool smallBatch = !ShapedType::isDynamic(staticBatch) && 16 * staticBatch < inputDepth;
  bool largeBatch = !ShapedType::isDynamic(staticBatch) && staticBatch >= 32 &&
                    inputWeightBytes <= 8 * aboveBytes;
  return (inputWeightBytes > aboveBytes && !largeBatch) ||
         (smallBatch && inputWeightBytes > aboveBytes / 16);
}

/// `op`, whose cell stacks `layers`, as one sequence per layer, each taking
/// the outputs of the one below (what rnn-fuse-stacked-sequences merges): the
/// same results, as the upper layers' inputs past a row's length or at its
/// masked steps are never used. Not for go_backwards (its outputs come in
/// processing order). Returns the sequences, bottom first.
SmallVector<DynamicRNNOp> splitLayers(DynamicRNNOp op, ArrayRef<CellOpInterface> layers) {
  OpBuilder b(op);
  auto outputsType = cast<RankedTensorType>(op.getOutputs().getType());
  // The layers' outputs between them get the sizes known anywhere in `op`,
  // so that each sequence is lowered for them (a static batch of 1, ...).
  auto [staticTime, staticBatch] = staticSizes(op);
  Value inputs = op.getInputs();
  SmallVector<DynamicRNNOp> sequences;
  SmallVector<Value> finalStates;
  size_t nextState = 0;
  for (CellOpInterface cell : layers) {
    size_t states = cell.getStateSizes().size();
    SmallVector<int64_t> shape(outputsType.getShape());
    if (sequences.size() + 1 < layers.size()) {
      shape[op.getTimeDim()] = staticTime;
      shape[op.getBatchDim()] = staticBatch;
    }
    shape.back() = cell.getOutputSize();
    ValueRange initial =
        op.getInitialState().empty() ? ValueRange() : op.getInitialState().slice(nextState, states);
    auto sequence = b.create<DynamicRNNOp>(
        op.getLoc(), RankedTensorType::get(shape, outputsType.getElementType()),
        op.getFinalState().slice(nextState, states).getTypes(), cell->getResult(0), inputs,
        op.getSequenceLength(), op.getMask(), initial, op.getTimeMajorAttr(), op.getReverseAttr(),
        op.getZeroFinalStateForEmptyRowsAttr(), op.getZeroOutputForMaskAttr(), UnitAttr(),
        op.getUnrollAttr());
    sequences.push_back(sequence);
    llvm::append_range(finalStates, sequence.getFinalState());
    inputs = sequence.getOutputs();
    nextState += states;
  }
  SmallVector<Value> results{inputs};
  llvm::append_range(results, finalStates);
  op->replaceAllUsesWith(results);
  op->erase();
  return sequences;
}

/// Emits the loops of one rnn.dynamic_rnn at the builder's insertion point.
class SequenceEmitter : public VectorEmitter {
public:
  SequenceEmitter(OpBuilder &builder, Location loc, int64_t width, int64_t accumulators,
                  int64_t rowBlock, int64_t projectInputsAboveBytes, bool halideProjection,
                  int64_t threads, bool wavefront)
      : VectorEmitter(builder, loc, width, accumulators, rowBlock, threads),
        projectInputsAboveBytes(projectInputsAboveBytes), halideProjection(halideProjection),
        wavefront(wavefront) {}

  LogicalResult lower(DynamicRNNOp op);

private:
  Value sigmoid(Value x) { return math().sigmoid(x); }
  Value clip(Value x, float limit) { return math().clip(x, limit); }
  Value activate(ActivationAttr activation, Value x) { return math().activate(activation, x); }
  CellMath math() { return CellMath(b, loc, vecType); }

  /// Per-layer buffers, created before the loops.
  struct Layer {
    CellOpInterface cell;
    SmallVector<Weights> weights; // the cell's operands as buffers, in operand order
    SmallVector<Value> states;    // state buffers [B, size] in state order
    SmallVector<Value> temps;     // scratch [B, n]
    /// The bottom layer's input projections (+ biases) of every step, [T, B, n]:
    /// LSTM and RNN gates; GRU gates, then the candidate.
    SmallVector<Value> projected;
    /// The kernel packed for fusedGateRows (null buffer: the cell is not fused).
    Weights fusedKernel;
    /// The input rows of the kernels in `projected`, packed for projectInputs.
    SmallVector<Weights, 2> projectionKernels;
  };

  /// One step of a layer for every batch row: each gate matmul for all rows
  /// (affineRows), then each active row's state update.
  void emitLSTM(LSTMCellOp cell, Layer &layer, const Step &step);
  void emitGRU(GRUCellOp cell, Layer &layer, const Step &step);
  void emitBasicRNN(BasicRNNCellOp cell, Layer &layer, const Step &step);
  /// Gate pre-activations `dst[row] = bias + input(row) @ kernel[0:depth] +
  /// recurrent[row] @ kernel[depth:]` for all rows, or `projected[time, row] +
  /// recurrent[row] @ kernel[depth:]` when the layer's inputs are projected.
  /// `store` as in affineRows; its `dst` is `Row{dst, {row}}`.
  void gateMatmul(Layer &layer, const Step &step, Value dst, int64_t n, Weights kernel, Value bias,
                  Value recurrent, int64_t recurrentDepth, Value projected,
                  StoreResult store = nullptr);
  /// Fills layer.projected for the bottom layer: its input matmuls for all T
  /// steps and B rows, before the time loop.
  void projectInputs(Layer &layer, Value inputs, Value timeSteps, Value batch, bool timeMajor);
  /// projectInputs by calls of the Halide pipeline rnnrt_halide_project_inputs
  /// (runtime/include/rnnrt/halide.h): one per thread, each over a range of steps.
  void projectInputsWithHalide(Value inputs, Value timeSteps, Value batch, bool timeMajor,
                               int64_t depth, Value kernel, Value bias, int64_t columns,
                               Value projected);
  /// The address of a memref's first element, as an index.
  Value addressOf(Value memref, ValueRange elementOffsets = {});

  /// Input weights of the bottom layer above which its input projection is
  /// computed for all steps before the time loop (default about one L2).
  int64_t projectInputsAboveBytes;
  bool halideProjection;
  /// Stacked layers run as a wavefront when threads > 1 (see lower()).
  bool wavefront;
};

void SequenceEmitter::gateMatmul(Layer &layer, const Step &step, Value dst, int64_t n,
                                 Weights kernel, Value bias, Value recurrent,
                                 int64_t recurrentDepth, Value projected, StoreResult store) {
  int64_t depth = layer.cell.getInputDepth();
  affineRows(
      step.batch, n, projected ? Value() : bias,
      [&](Value first, int64_t rows) {
        RowBlock block;
        SmallVector<Row, 4> inputs, recurrentRows;
        for (int64_t r = 0; r < rows; ++r) {
          Value row = offset(first, r);
          block.dsts.push_back(Row{dst, {row}});
          recurrentRows.push_back(Row{recurrent, {row}});
          if (projected)
            block.inits.push_back(Row{projected, {step.time(row), row}});
          else
            inputs.push_back(step.input(row));
        }
        if (!projected)
          block.terms.push_back(MatmulTerm{inputs, depth, kernel, 0});
        block.terms.push_back(MatmulTerm{recurrentRows, recurrentDepth, kernel, depth});
        return block;
      },
      store);
}

void SequenceEmitter::emitLSTM(LSTMCellOp cell, Layer &layer, const Step &step) {
  int64_t units = cell.getNumUnits();
  Value c = layer.states[0], h = layer.states[1], gates = layer.temps[0];
  Value projected = layer.projected.empty() ? Value() : layer.projected[0];

  bool peep = cell.hasPeepholes();
  Value wi = peep ? layer.weights[2].buffer : Value(),
        wf = peep ? layer.weights[3].buffer : Value(),
        wo = peep ? layer.weights[4].buffer : Value();
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
  // Updates units [col, col + width) of one row's c (in place) from the gate
  // pre-activations and returns the new m.
  auto update = [&](Row cRow, Value col, Value mask, Value i, Value j, Value f, Value o) {
    Value cPrev = loadVector(cRow, col, mask);
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
    storeVector(cRow, col, cNew, mask);
    return mul(activate(gateAct, clipGate(o)), activate(outAct, cNew));
  };

  if (layer.fusedKernel.buffer) {
    // The new h goes to scratch while other column groups still read h, and
    // is copied into h once the matmul is done.
    Value hNext = gates;
    int64_t depth = layer.cell.getInputDepth();
    SmallVector<Value, 4> blockRows;
    fusedGateRows(
        step.batch, units, 4, std::max<int64_t>(1, groupVectors / 4),
        projected ? Value() : layer.weights[1].buffer,
        [&](Value first, int64_t rows) {
          RowBlock block;
          SmallVector<Row, 4> inputs, hRows;
          blockRows.clear();
          for (int64_t r = 0; r < rows; ++r) {
            Value row = offset(first, r);
            blockRows.push_back(row);
            hRows.push_back(Row{h, {row}});
            if (projected)
              block.inits.push_back(Row{projected, {step.time(row), row}});
            else
              inputs.push_back(step.input(row));
          }
          if (!projected)
            block.terms.push_back(MatmulTerm{inputs, depth, layer.fusedKernel, 0});
          block.terms.push_back(MatmulTerm{hRows, units, layer.fusedKernel, projected ? 0 : depth});
          return block;
        },
        [&](int64_t r, Value col, ArrayRef<Value> acc, Value mask) {
          Value row = blockRows[r];
          guarded(step.active(row), [&] {
            Value m = update(Row{c, {row}}, col, mask, acc[0], acc[1], acc[2], acc[3]);
            storeVector(Row{hNext, {row}}, col, m, mask);
          });
        });
    forEachRow(step.batch, [&](Value row) {
      guarded(step.active(row), [&] { copyFeatures(Row{hNext, {row}}, Row{h, {row}}, units); });
    });
    return;
  }

  gateMatmul(layer, step, gates, 4 * units, layer.weights[0], layer.weights[1].buffer, h,
             cell.getOutputSize(), projected);
  forEachRow(step.batch, [&](Value row) {
    guarded(step.active(row), [&] {
      Row g{gates, {row}};
      // Without projection m is the new h; with it, m is projected into h afterwards.
      Row m = cell.hasProjection() ? Row{layer.temps[1], {row}} : Row{h, {row}};
      forEachBlock(units, [&](Value col, Value mask) {
        Value mNew = update(Row{c, {row}}, col, mask, loadVector(g, col, mask),
                            loadVector(g, offset(col, units), mask),
                            loadVector(g, offset(col, 2 * units), mask),
                            loadVector(g, offset(col, 3 * units), mask));
        storeVector(m, col, mNew, mask);
      });
    });
  });
  if (!cell.hasProjection())
    return;
  // h = m @ projection for every row, kept only for the active rows: an
  // inactive row's m may never have been written.
  Weights proj = layer.weights[peep ? 5 : 2];
  Value m = layer.temps[1], projectedM = layer.temps[2];
  int64_t outputSize = cell.getOutputSize();
  auto store = [&](const Row &dst, Value col, Value value, Value mask) {
    storeVector(dst, col, projClip ? clip(value, *projClip) : value, mask);
  };
  affineRows(
      step.batch, outputSize, Value(),
      [&](Value first, int64_t rows) {
        RowBlock block;
        SmallVector<Row, 4> mRows;
        for (int64_t r = 0; r < rows; ++r) {
          Value row = offset(first, r);
          block.dsts.push_back(Row{projectedM, {row}});
          mRows.push_back(Row{m, {row}});
        }
        block.terms.push_back(MatmulTerm{mRows, units, proj, 0});
        return block;
      },
      store);
  forEachRow(step.batch, [&](Value row) {
    guarded(step.active(row), [&] {
      copyFeatures(Row{projectedM, {row}}, Row{h, {row}}, outputSize);
    });
  });
}

void SequenceEmitter::emitGRU(GRUCellOp cell, Layer &layer, const Step &step) {
  int64_t units = cell.getNumUnits();
  Weights gatesKernel = layer.weights[0], candKernel = layer.weights[2];
  Value gatesBias = layer.weights[1].buffer, candBias = layer.weights[3].buffer;
  Value h = layer.states[0], gates = layer.temps[0], cand = layer.temps[1], aux = layer.temps[2];
  bool lbr = cell.getLinearBeforeReset();
  std::optional<float> gateClip;
  if (auto v = cell.getGateClip())
    gateClip = v->convertToFloat();
  auto clipGate = [&](Value v) { return gateClip ? clip(v, *gateClip) : v; };
  ActivationAttr gateAct = cell.getGateActivationOrDefault();
  auto gateActivation = [&](Value v) { return activate(gateAct, clipGate(v)); };

  Value projectedGates = layer.projected.empty() ? Value() : layer.projected[0];
  Value projectedCand = layer.projected.empty() ? Value() : layer.projected[1];
  ActivationAttr act = cell.getCellActivation();
  // h = u * h + (1 - u) * c at units [col, col + width) of a row.
  auto updateState = [&](Value row, Value col, Value c, Value mask) {
    Row hRow{h, {row}};
    Value u = loadVector(Row{gates, {row}}, offset(col, units), mask);
    Value hPrev = loadVector(hRow, col, mask);
    storeVector(hRow, col, add(mul(u, hPrev), mul(sub(splat(1.0f), u), c)), mask);
  };
  // Reset before the candidate's matmul, units in whole vectors: the gate
  // matmul's epilogue also writes aux = r * h, and the candidate matmul's
  // epilogue updates h (nothing else reads h while it runs), so no pass over
  // the rows runs between or after the matmuls (at a batch of 1 on threads,
  // each on one thread between two barriers).
  bool fusedCell = !lbr && units % width == 0;
  auto storeGates = [&](const Row &dst, Value col, Value value, Value mask) {
    Value gate = gateActivation(value);
    storeVector(dst, col, gate, mask);
    if (!fusedCell)
      return;
    Value row = dst.prefix.front();
    Value isReset = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, col, index(units));
    guarded(isReset, [&] {
      storeVector(Row{aux, {row}}, col, mul(gate, loadVector(Row{h, {row}}, col, mask)), mask);
    });
  };
  gateMatmul(layer, step, gates, 2 * units, gatesKernel, gatesBias, h, units, projectedGates,
             storeGates);
  if (lbr) {
    // cand = the candidate's input part and bias (read from the projection
    // when there is one); aux = h @ U_c + hidden_bias.
    if (!projectedCand)
      affineRows(step.batch, units, candBias, [&](Value first, int64_t rows) {
        RowBlock block;
        SmallVector<Row, 4> inputs;
        for (int64_t r = 0; r < rows; ++r) {
          Value row = offset(first, r);
          block.dsts.push_back(Row{cand, {row}});
          inputs.push_back(step.input(row));
        }
        block.terms.push_back(MatmulTerm{inputs, layer.cell.getInputDepth(), candKernel, 0});
        return block;
      });
    affineRows(step.batch, units, layer.weights[4].buffer, [&](Value first, int64_t rows) {
      RowBlock block;
      SmallVector<Row, 4> hRows;
      for (int64_t r = 0; r < rows; ++r) {
        Value row = offset(first, r);
        block.dsts.push_back(Row{aux, {row}});
        hRows.push_back(Row{h, {row}});
      }
      block.terms.push_back(MatmulTerm{hRows, units, candKernel, layer.cell.getInputDepth()});
      return block;
    });
  } else {
    // aux = r * h feeds the recurrent half of the candidate matmul.
    if (!fusedCell)
      forEachRow(step.batch, [&](Value row) {
        forEachBlock(units, [&](Value col, Value mask) {
          storeVector(
              Row{aux, {row}}, col,
              mul(loadVector(Row{gates, {row}}, col, mask), loadVector(Row{h, {row}}, col, mask)),
              mask);
        });
      });
    auto storeCandidate = [&](const Row &dst, Value col, Value value, Value mask) {
      Value row = dst.prefix.front();
      guarded(step.active(row),
              [&] { updateState(row, col, activate(act, clipGate(value)), mask); });
    };
    gateMatmul(layer, step, cand, units, candKernel, candBias, aux, units, projectedCand,
               fusedCell ? StoreResult(storeCandidate) : StoreResult());
    if (fusedCell)
      return;
  }

  forEachRow(step.batch, [&](Value row) {
    guarded(step.active(row), [&] {
      Row candRow =
          lbr && projectedCand ? Row{projectedCand, {step.time(row), row}} : Row{cand, {row}};
      forEachBlock(units, [&](Value col, Value mask) {
        Value pre = loadVector(candRow, col, mask);
        if (lbr)
          pre = fma(loadVector(Row{gates, {row}}, col, mask),
                    loadVector(Row{aux, {row}}, col, mask), pre);
        updateState(row, col, activate(act, clipGate(pre)), mask);
      });
    });
  });
}

void SequenceEmitter::emitBasicRNN(BasicRNNCellOp cell, Layer &layer, const Step &step) {
  int64_t units = cell.getNumUnits();
  Value h = layer.states[0], pre = layer.temps[0];
  // The whole pre-activation must be computed before h is overwritten.
  gateMatmul(layer, step, pre, units, layer.weights[0], layer.weights[1].buffer, h, units,
             layer.projected.empty() ? Value() : layer.projected[0]);
  ActivationAttr act = cell.getCellActivation();
  std::optional<APFloat> gateClip = cell.getGateClip();
  forEachRow(step.batch, [&](Value row) {
    guarded(step.active(row), [&] {
      forEachBlock(units, [&](Value col, Value mask) {
        Value x = loadVector(Row{pre, {row}}, col, mask);
        if (gateClip)
          x = clip(x, gateClip->convertToFloat());
        storeVector(Row{h, {row}}, col, activate(act, x), mask);
      });
    });
  });
}

void SequenceEmitter::projectInputs(Layer &layer, Value inputs, Value timeSteps, Value batch,
                                    bool timeMajor) {
  Operation *cell = layer.cell.getOperation();
  int64_t depth = layer.cell.getInputDepth();
  // (kernel operand, bias, columns) of each projection.
  SmallVector<std::tuple<unsigned, Value, int64_t>, 2> parts;
  if (auto lstm = dyn_cast<LSTMCellOp>(cell))
    parts.push_back({0, layer.weights[1].buffer, 4 * lstm.getNumUnits()});
  else if (auto gru = dyn_cast<GRUCellOp>(cell))
    parts = {{0, layer.weights[1].buffer, 2 * gru.getNumUnits()},
             {2, layer.weights[3].buffer, gru.getNumUnits()}};
  else if (auto rnn = dyn_cast<BasicRNNCellOp>(cell))
    parts.push_back({0, layer.weights[1].buffer, rnn.getNumUnits()});
  // Every (step, row) pair is independent: one matmul over T * B rows, whose
  // column groups each stream their input weights once.
  Value count = b.create<arith::MulIOp>(loc, timeSteps, batch);
  // Rows come by the hundred: blocked as a large batch's are.
  llvm::SaveAndRestore<int64_t> projectionGroups(groupVectors, batchGroupVectors());
  for (auto [part, entry] : llvm::enumerate(parts)) {
    auto [kernelOperand, bias, columns] = entry;
    Value projected = b.create<memref::AllocOp>(
        loc, MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, columns}, b.getF32Type()),
        ValueRange{timeSteps, batch});
    layer.projected.push_back(projected);
    if (halideProjection) {
      // Halide reads the kernel in its own layout, not the packed one.
      projectInputsWithHalide(inputs, timeSteps, batch, timeMajor, depth,
                              toBuffer(cell->getOperand(kernelOperand)), bias, columns, projected);
      continue;
    }
    const Weights &kernel = layer.projectionKernels[part];
    affineRows(count, columns, bias, [&](Value first, int64_t rows) {
      RowBlock block;
      SmallVector<Row, 4> in;
      for (int64_t r = 0; r < rows; ++r) {
        Value flat = offset(first, r);
        Value t = b.create<arith::DivUIOp>(loc, flat, batch);
        Value row = b.create<arith::RemUIOp>(loc, flat, batch);
        in.push_back(
            Row{inputs, timeMajor ? SmallVector<Value, 2>{t, row} : SmallVector<Value, 2>{row, t}});
        block.dsts.push_back(Row{projected, {t, row}});
      }
      block.terms.push_back(MatmulTerm{in, depth, kernel, 0});
      return block;
    });
  }
}

Value SequenceEmitter::addressOf(Value memref, ValueRange elementOffsets) {
  auto metadata = b.create<memref::ExtractStridedMetadataOp>(loc, memref);
  Value address = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, metadata.getBaseBuffer());
  Value element = metadata.getOffset();
  for (Value extra : elementOffsets)
    element = b.create<arith::AddIOp>(loc, element, extra);
  Value bytes = b.create<arith::MulIOp>(loc, element, index(sizeof(float)));
  return b.create<arith::AddIOp>(loc, address, bytes);
}

void SequenceEmitter::projectInputsWithHalide(Value inputs, Value timeSteps, Value batch,
                                              bool timeMajor, int64_t depth, Value kernel,
                                              Value bias, int64_t columns, Value projected) {
  // Every argument is an index (i64 once lowered); the C side takes pointers
  // and int64_t, which the x86-64 ABI passes the same way.
  StringRef callee = "rnnrt_halide_project_inputs";
  auto module = b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  SmallVector<Type, 11> argumentTypes(11, b.getIndexType());
  if (!module.lookupSymbol(callee)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto declaration = b.create<func::FuncOp>(loc, callee, b.getFunctionType(argumentTypes, {}));
    declaration.setPrivate();
  }
  auto inputStrides = b.create<memref::ExtractStridedMetadataOp>(loc, inputs).getStrides();
  Value timeStride = inputStrides[timeMajor ? 0 : 1];
  Value batchStride = inputStrides[timeMajor ? 1 : 0];
  Value kernelStride = b.create<memref::ExtractStridedMetadataOp>(loc, kernel).getStrides()[0];
  Value stepColumns = b.create<arith::MulIOp>(loc, batch, index(columns));
  auto call = [&](Value first, Value count) {
    Value inputOffset = b.create<arith::MulIOp>(loc, first, timeStride);
    Value projectedOffset = b.create<arith::MulIOp>(loc, first, stepColumns);
    b.create<func::CallOp>(loc, callee, TypeRange{},
                           ValueRange{addressOf(inputs, inputOffset), count, batch, index(depth),
                                      timeStride, batchStride, addressOf(kernel), kernelStride,
                                      index(columns), addressOf(bias),
                                      addressOf(projected, projectedOffset)});
  };
  if (threads == 1)
    return call(index(0), timeSteps);
  // Thread i projects steps [i*T/threads, (i+1)*T/threads).
  auto loop = b.create<scf::ParallelOp>(loc, ValueRange{index(0)}, ValueRange{index(threads)},
                                        ValueRange{index(1)});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value thread = loop.getInductionVars()[0];
  auto boundary = [&](Value i) {
    return b.create<arith::DivUIOp>(loc, b.create<arith::MulIOp>(loc, i, timeSteps),
                                    index(threads));
  };
  Value first = boundary(thread);
  Value last = boundary(offset(thread, 1));
  call(first, b.create<arith::SubIOp>(loc, last, first));
}

LogicalResult SequenceEmitter::lower(DynamicRNNOp op) {
  SmallVector<CellOpInterface> cells;
  if (failed(getCellLayers(op.getCell(), cells)))
    return op.emitOpError("cell is not produced by rnn cell ops");

  unsigned timeDim = op.getTimeDim(), batchDim = op.getBatchDim();
  Value inputs = toBuffer(op.getInputs());

  auto pickSize = [&](int64_t size, unsigned inputDim) {
    return ShapedType::isDynamic(size) ? Value(b.create<memref::DimOp>(loc, inputs, inputDim))
                                       : index(size);
  };
  auto [staticTime, staticBatch] = staticSizes(op);
  Value timeSteps = pickSize(staticTime, timeDim);
  Value batch = pickSize(staticBatch, batchDim);
  setBatch(staticBatch);

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

  auto scratch = [&](int64_t n) {
    return b
        .create<memref::AllocOp>(loc, MemRefType::get({ShapedType::kDynamic, n}, b.getF32Type()),
                                 ValueRange{batch})
        .getResult();
  };
  bool hoistProjection = hoistsInputProjection(cells.front(), staticBatch, projectInputsAboveBytes);

  SmallVector<Layer, 2> layers;
  size_t nextState = 0;
  for (CellOpInterface cell : cells) {
    Layer layer{cell, {}, {}, {}, {}, {}, {}};
    bool hoisted = layers.empty() && hoistProjection;
    int64_t units = cell.getStateSizes().front();
    // An LSTM without projection runs its cell equations in the gate matmul's
    // epilogue (fusedGateRows) when its kernel is a constant to pack for it.
    // Not at a batch of 1 on one thread: there the separate matmul, whose
    // column groups stream their weights back to back, measured 5-10% faster
    // (rnnc-bench, LSTM H=256 and 512, B=1); for larger batches the two are
    // even. On several threads the epilogue splits the cell equations between
    // them, which B = 1 otherwise runs on one (rnnc bench, two threads, B=1,
    // alternating runs: H=256 0.65-0.71 -> 0.51-0.52 ms; H=512 and 1024 even).
    if (auto lstm = dyn_cast<LSTMCellOp>(cell.getOperation());
        lstm && !lstm.hasProjection() && (!singleRow || threads > 1))
      layer.fusedKernel =
          gateInterleavedMatrix(lstm.getKernel(), hoisted ? lstm.getInputDepth() : 0,
                                ShapedType::kDynamic, 4, units,
                                std::max<int64_t>(1, groupVectors / 4));
    // The operands used as matmul weights.
    SmallVector<unsigned, 2> matrices =
        TypeSwitch<Operation *, SmallVector<unsigned, 2>>(cell.getOperation())
            .Case([](LSTMCellOp lstm) {
              if (!lstm.hasProjection())
                return SmallVector<unsigned, 2>{0};
              return SmallVector<unsigned, 2>{0, lstm.hasPeepholes() ? 5u : 2u};
            })
            .Case([](GRUCellOp) {
              return SmallVector<unsigned, 2>{0, 2};
            })
            .Default([](Operation *) { return SmallVector<unsigned, 2>{0}; });
    int64_t depth = cell.getInputDepth();
    for (auto [i, operand] : llvm::enumerate(cell->getOperands())) {
      // Hoisted, the input rows of a kernel (GRU: both) are packed apart, for
      // projectInputs' T * B rows, and the steps' matmuls read the rest.
      bool projectedKernel = hoisted && (i == 0 || (i == 2 && isa<GRUCellOp>(cell)));
      if (projectedKernel && !halideProjection)
        layer.projectionKernels.push_back(matrix(operand, 0, depth, batchGroupVectors()));
      if (i == 0 && layer.fusedKernel.buffer)
        layer.weights.push_back(Weights{});
      else if (!llvm::is_contained(matrices, i))
        layer.weights.push_back(Weights{toBuffer(operand), false});
      else
        layer.weights.push_back(
            matrix(operand, projectedKernel ? depth : 0, ShapedType::kDynamic, groupVectors));
    }
    for (size_t i = 0; i < cell.getStateSizes().size(); ++i)
      layer.states.push_back(states[nextState++]);
    TypeSwitch<Operation *>(cell.getOperation())
        .Case([&](LSTMCellOp lstm) {
          // Fused: the new h, which goes to scratch while h is still being read.
          layer.temps.push_back(scratch(layer.fusedKernel.buffer ? units : 4 * units));
          if (lstm.hasProjection()) {
            layer.temps.push_back(scratch(units));
            layer.temps.push_back(scratch(lstm.getOutputSize()));
          }
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

  if (hoistProjection)
    projectInputs(layers.front(), inputs, timeSteps, batch, op.getTimeMajor());

  // Unrolled code covers all T steps; the length guard skips what is past a row's end.
  if (op.getUnroll())
    steps = timeSteps;

  // Stacked layers as a wavefront when threads share the steps: iteration s
  // runs layer l's step s - l (if any), so that no layer of an iteration
  // waits for another and their stages share barriers (rnnc-hoist-parallel-
  // region places them by conflicts). Layer l reads the output the layer
  // below made in the previous iteration from a copy taken at the end of it.
  int64_t skew = wavefront && threads > 1 ? static_cast<int64_t>(layers.size()) - 1 : 0;
  SmallVector<Value> belowCopies(layers.size());
  for (int64_t l = 1; l <= skew; ++l) {
    belowCopies[l] = scratch(layers[l - 1].cell.getOutputSize());
    b.create<linalg::FillOp>(loc, ValueRange{zero}, ValueRange{belowCopies[l]});
  }
  Value iterations = steps;
  if (skew > 0) {
    Value any = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, steps, index(0));
    iterations = b.create<arith::SelectOp>(loc, any, offset(steps, skew), index(0)).getResult();
  }
  auto timeLoop = b.create<scf::ForOp>(loc, index(0), iterations, index(1));
  OpBuilder::InsertionGuard guard(b);
  Operation *end = timeLoop.getBody()->getTerminator();
  b.setInsertionPoint(end);
  Value iteration = timeLoop.getInductionVar();
  const int64_t outputSize = layers.back().cell.getOutputSize();

  // Backwards, step t reads (and writes the output of) time length - 1 - t;
  // go_backwards reads time T - 1 - t and writes output t.
  auto rowLength = [&](Value row) { return lengths ? lengthOf(row) : timeSteps; };
  auto outputTime = [&](Value row, Value t) -> Value {
    if (!op.getReverse())
      return t;
    return b.create<arith::SubIOp>(loc, b.create<arith::SubIOp>(loc, rowLength(row), index(1)), t);
  };
  auto inputTime = [&](Value row, Value t) -> Value {
    if (op.getGoBackwards())
      return b.create<arith::SubIOp>(loc, b.create<arith::SubIOp>(loc, timeSteps, index(1)), t);
    // A row past its length still has its input read (the matmuls cover all
    // rows; its results are dropped), but backwards that time is negative:
    // read time 0 instead of before the buffer (found by the TSan build).
    if (op.getReverse() && lengths)
      return b.create<arith::MaxSIOp>(loc, outputTime(row, t), index(0));
    return outputTime(row, t);
  };
  auto sequenceRow = [&](Value memref, Value row, Value at) {
    return Row{memref,
               op.getTimeMajor() ? SmallVector<Value, 2>{at, row} : SmallVector<Value, 2>{row, at}};
  };
  auto active = [&](Value row, Value t) -> Value {
    if (lengths)
      return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, t, rowLength(row));
    if (maskBuffer)
      return b.create<memref::LoadOp>(loc, maskBuffer, ValueRange{row, inputTime(row, t)});
    return Value();
  };

  // Each layer's step in this iteration, clamped into [0, steps) so that
  // every index stays in bounds, and whether it is one (null: always).
  SmallVector<Value> times, running;
  for (int64_t l = 0; l < static_cast<int64_t>(layers.size()); ++l) {
    if (skew == 0) {
      times.push_back(iteration);
      running.push_back(Value());
      continue;
    }
    Value t = b.create<arith::SubIOp>(loc, iteration, index(l));
    Value started = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sge, t, index(0));
    Value before = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, t, steps);
    running.push_back(b.create<arith::AndIOp>(loc, started, before));
    Value last = offset(steps, -1);
    times.push_back(
        b.create<arith::MinSIOp>(loc, b.create<arith::MaxSIOp>(loc, t, index(0)), last));
  }
  auto both = [&](Value a, Value c) -> Value {
    return !a ? c : !c ? a : b.create<arith::AndIOp>(loc, a, c).getResult();
  };

  SmallVector<SmallVector<Operation *>> emitted;
  for (size_t l = 0; l < layers.size(); ++l) {
    auto &layer = layers[l];
    Value below = l == 0 ? Value() : skew > 0 ? belowCopies[l] : layers[l - 1].states.back();
    Value t = times[l], isRunning = running[l];
    Step step{batch,
              [&, below, t](Value row) {
                return below ? Row{below, {row}} : sequenceRow(inputs, row, inputTime(row, t));
              },
              [&, t](Value row) { return inputTime(row, t); },
              [&, t, isRunning](Value row) { return both(isRunning, active(row, t)); }};
    Operation *previous = end->getPrevNode();
    TypeSwitch<Operation *>(layer.cell.getOperation())
        .Case([&](LSTMCellOp cell) { emitLSTM(cell, layer, step); })
        .Case([&](GRUCellOp cell) { emitGRU(cell, layer, step); })
        .Case([&](BasicRNNCellOp cell) { emitBasicRNN(cell, layer, step); });
    SmallVector<Operation *> &ops = emitted.emplace_back();
    for (Operation *op = previous ? previous->getNextNode() : &end->getBlock()->front(); op != end;
         op = op->getNextNode())
      ops.push_back(op);
  }
  if (skew > 0) {
    interleaveStages(emitted, end);
    for (int64_t l = 1; l <= skew; ++l)
      forEachRow(batch, [&](Value row) {
        guarded(running[l - 1], [&] {
          copyFeatures(Row{layers[l - 1].states.back(), {row}}, Row{belowCopies[l], {row}},
                       layers[l - 1].cell.getOutputSize());
        });
      });
  }

  // Every cell's output is its last state (h, or m for LSTM).
  Value top = layers.back().states.back();
  Value topTime = times.back();
  forEachRow(batch, [&](Value row) {
    guarded(running.back(), [&] {
      Value isActive = active(row, topTime);
      Row result{top, {row}}, output = sequenceRow(outputs, row, outputTime(row, topTime));
      if (!isActive || !lastOutput) {
        guarded(isActive, [&] { copyFeatures(result, output, outputSize); });
        return;
      }
      // A masked step repeats the row's previous output.
      auto ifOp = b.create<scf::IfOp>(loc, isActive, /*withElseRegion=*/true);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      copyFeatures(result, output, outputSize);
      copyFeatures(result, Row{lastOutput, {row}}, outputSize);
      b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
      copyFeatures(Row{lastOutput, {row}}, output, outputSize);
    });
  });

  if (op.getUnroll()) {
    int64_t count = cast<ShapedType>(op.getInputs().getType()).getDimSize(timeDim);
    if (count > 0 && failed(loopUnrollByFactor(timeLoop, count + skew)))
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
    if (vectorWidth < 1 || accumulators < 1 || rowBlock < 1 || threads < 1) {
      getOperation().emitError(
          "vector-width, accumulators, row-block and threads must be positive");
      return signalPassFailure();
    }
    SmallVector<DynamicRNNOp> sequences;
    getOperation().walk([&](DynamicRNNOp op) { sequences.push_back(op); });
    for (DynamicRNNOp op : sequences) {
      SmallVector<CellOpInterface> layers;
      bool known = succeeded(getCellLayers(op.getCell(), layers));
      if (known && llvm::any_of(layers, [](CellOpInterface c) { return isa<CustomCellOp>(c); })) {
        SmallVector<CustomCellOp> custom;
        for (CellOpInterface layer : layers)
          if (auto c = dyn_cast<CustomCellOp>(layer.getOperation()))
            custom.push_back(c);
        if (custom.size() != layers.size()) {
          op.emitOpError("stacks mixing rnn.custom_cell and built-in cells are lowered with "
                         "--generic-cells (rnn-decompose-cells) only");
          return signalPassFailure();
        }
        // As for built-in stacks below: one sequence per layer when an upper
        // layer's input matmuls then run for all steps at once; each layer's
        // input projection hoisted where a built-in cell's would be (else
        // its input and state matmuls run as one, accumulateMatmulSums).
        SmallVector<DynamicRNNOp> pieces{op};
        int64_t staticBatch = staticSizes(op).second;
        if (vectorMatmuls && custom.size() > 1 && !op.getGoBackwards() &&
            llvm::any_of(ArrayRef(layers).drop_front(), [&](CellOpInterface cell) {
              return hoistsInputProjection(cell, staticBatch, projectInputsAboveBytes);
            }))
          pieces = splitLayers(op, layers);
        if (vectorMatmuls)
          for (DynamicRNNOp piece : pieces) {
            SmallVector<CellOpInterface> pieceLayers;
            if (succeeded(getCellLayers(piece.getCell(), pieceLayers)) &&
                hoistsInputProjection(pieceLayers.front(), staticBatch, projectInputsAboveBytes))
              hoistInputProjection(piece);
          }
        for (DynamicRNNOp piece : pieces) {
          SmallVector<CellOpInterface> pieceLayers;
          SmallVector<CustomCellOp> pieceCells;
          if (failed(getCellLayers(piece.getCell(), pieceLayers)))
            return signalPassFailure();
          for (CellOpInterface layer : pieceLayers)
            pieceCells.push_back(cast<CustomCellOp>(layer.getOperation()));
          if (failed(mlir::rnnc::lowerCustomCellSequence(
                  piece, pieceCells,
                  {vectorWidth, accumulators, rowBlock, threads, staticSizes(piece).second,
                   vectorMatmuls})))
            return signalPassFailure();
        }
        continue;
      }
      // A stack runs as one sequence per layer when that lets an upper
      // layer's input matmuls run for all steps at once, as the bottom
      // layer's do: they no longer stream their weights every step (rnnc
      // bench, 2 layers, B = 1, one thread, H = 256: LSTM 2.96 -> 2.04 ms,
      // GRU 1.92 -> 1.47 ms; rnnc-bench, two threads, against the stack as a
      // wavefront: 14-27% faster at H = 256 and 512; at B = 16, H = 512 the
      // wavefront was 3-4% faster). Otherwise it is one time loop.
      SmallVector<DynamicRNNOp> pieces{op};
      int64_t staticBatch = staticSizes(op).second;
      if (known && layers.size() > 1 && !op.getGoBackwards() &&
          llvm::any_of(ArrayRef(layers).drop_front(), [&](CellOpInterface cell) {
            return hoistsInputProjection(cell, staticBatch, projectInputsAboveBytes);
          }))
        pieces = splitLayers(op, layers);
      for (DynamicRNNOp piece : pieces) {
        OpBuilder builder(piece);
        SequenceEmitter emitter(builder, piece.getLoc(), vectorWidth, accumulators, rowBlock,
                                projectInputsAboveBytes, halideProjection, threads, wavefront);
        if (failed(emitter.lower(piece)))
          return signalPassFailure();
      }
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
