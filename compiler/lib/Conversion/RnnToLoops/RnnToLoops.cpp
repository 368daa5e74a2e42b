// Lowers rnn.dynamic_rnn over custom cells (built-in cells are decomposed into
// custom cells first, rnn-decompose-cells) to a time loop: which sequences and
// projections are hoisted or split is decided here, the loops are emitted by
// CustomCells.cpp (the time loop) and StepMatmuls.cpp (its vector matmuls).

#include "rnnc/Conversion/Passes.h"

#include "CustomCells.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "rnnc/Dialect/Rnn/Transforms/Passes.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_CONVERTRNNTOLOOPS
#include "rnnc/Conversion/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;
using namespace mlir::rnn;

namespace {

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
bool hoistsInputProjection(CustomCellOp cell, int64_t staticBatch, int64_t aboveBytes) {
  int64_t inputDepth = cell.getInputDepth();
  int64_t inputWeightBytes = inputProjectionBytes(cell);
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

struct ConvertRnnToLoopsPass
    : public mlir::rnnc::impl::ConvertRnnToLoopsBase<ConvertRnnToLoopsPass> {
  using ConvertRnnToLoopsBase::ConvertRnnToLoopsBase;

  void runOnOperation() override {
    if (vectorWidth < 1 || accumulators < 1 || rowBlock < 1 || threads < 1) {
      getOperation().emitError(
          "vector-width, accumulators, row-block and threads must be positive");
      return signalPassFailure();
    }
    if (weightPrecision != "f32" && weightPrecision != "bf16" && weightPrecision != "int8") {
      getOperation().emitError("weight-precision must be f32, bf16 or int8, not '")
          << weightPrecision << "'";
      return signalPassFailure();
    }
    SmallVector<DynamicRNNOp> sequences;
    getOperation().walk([&](DynamicRNNOp op) { sequences.push_back(op); });
    for (DynamicRNNOp op : sequences) {
      SmallVector<CellOpInterface> layers;
      if (failed(getCellLayers(op.getCell(), layers))) {
        op.emitOpError("cell is not produced by rnn cell ops");
        return signalPassFailure();
      }
      SmallVector<CustomCellOp> custom;
      for (CellOpInterface layer : layers)
        if (auto c = dyn_cast<CustomCellOp>(layer.getOperation()))
          custom.push_back(c);
      if (custom.size() != layers.size()) {
        op.emitOpError("has built-in cells: they are lowered as custom cells, after "
                       "rnn-decompose-cells (as rnnc-cpu-pipeline runs it)");
        return signalPassFailure();
      }
      // A stack runs as one sequence per layer when that lets an upper
      // layer's input matmuls run for all steps at once, as the bottom
      // layer's do: they no longer stream their weights every step (rnnc
      // bench, 2 layers, B = 1, one thread, H = 256: LSTM 2.96 -> 2.04 ms,
      // GRU 1.92 -> 1.47 ms). Otherwise it is one time loop, its layers one
      // after the other in each step. Each layer's input projection is hoisted
      // by hoistsInputProjection's rule; where it is not, its input and state
      // matmuls run as one (accumulateMatmulSums).
      SmallVector<DynamicRNNOp> pieces{op};
      int64_t staticBatch = staticSizes(op).second;
      if (vectorMatmuls && custom.size() > 1 && !op.getGoBackwards() &&
          llvm::any_of(ArrayRef(custom).drop_front(), [&](CustomCellOp cell) {
            return hoistsInputProjection(cell, staticBatch, projectInputsAboveBytes);
          }))
        pieces = splitLayers(op, layers);
      for (DynamicRNNOp piece : pieces) {
        // The bottom cell of the piece (hoisting replaces it).
        auto bottom = [&] {
          SmallVector<CellOpInterface> pieceLayers;
          (void)getCellLayers(piece.getCell(), pieceLayers);
          return cast<CustomCellOp>(pieceLayers.front().getOperation());
        };
        if (vectorMatmuls && hoistsInputProjection(bottom(), staticBatch, projectInputsAboveBytes))
          hoistInputProjection(piece);
        SmallVector<CellOpInterface> pieceLayers;
        if (failed(getCellLayers(piece.getCell(), pieceLayers)))
          return signalPassFailure();
        SmallVector<CustomCellOp> pieceCells;
        for (CellOpInterface layer : pieceLayers)
          pieceCells.push_back(cast<CustomCellOp>(layer.getOperation()));
        if (failed(mlir::rnnc::lowerCustomCellSequence(
                piece, pieceCells,
                {vectorWidth, accumulators, rowBlock, threads, staticSizes(piece).second,
                 vectorMatmuls, halideProjection, weightPrecision, bf16DotProducts})))
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
