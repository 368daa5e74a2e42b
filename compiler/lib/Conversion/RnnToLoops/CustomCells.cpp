#include "CustomCells.h"
#include "StepMatmuls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "rnnc/Dialect/Rnn/Transforms/Passes.h"
#include "rnnc/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::rnn;
using namespace mlir::rnnc::rnn_to_loops;
using mlir::rnnc::VectorOptions;

namespace {
class CustomSequenceEmitter {
public:
  CustomSequenceEmitter(DynamicRNNOp op, const VectorOptions &vectors)
      : b(op), loc(op.getLoc()), op(op), vectors(vectors) {}

  LogicalResult lower(ArrayRef<CustomCellOp> layers);

private:
  Value index(int64_t value) { return b.create<arith::ConstantIndexOp>(loc, value); }

  /// A zero-filled tensor of `type`; dynamic sizes are T (dimension `timeDim`
  /// of a rank-3 type) or B.
  Value zeros(RankedTensorType type) {
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(type.getRank() == 3 && d == op.getTimeDim() ? timeSteps : batch);
    Value empty = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(), dynamic);
    Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0.0f));
    return b.create<linalg::FillOp>(loc, zero, empty).getResult(0);
  }

  Value castTo(Value value, Type type) {
    return value.getType() == type ? value : b.create<tensor::CastOp>(loc, type, value);
  }

  /// A copy of `value` in a new tensor of `type` (dynamic sizes B): the loop
  /// carries it in a buffer of its own with an identity layout. Carried as
  /// given, a slice of a larger tensor (an ONNX model's initial state, one
  /// layer's of [L, B, H]) gave the loop strided buffers, which bufferization
  /// then failed to allocate.
  Value copyOf(Value value, RankedTensorType type) {
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynamic.push_back(batch);
    Value empty = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(), dynamic);
    return b.create<linalg::CopyOp>(loc, castTo(value, type), empty).getResult(0);
  }

  /// Row `b` of the result is `valid[b] ? onTrue[b] : onFalse[b]`.
  Value selectRows(Value valid, Value onTrue, Value onFalse) {
    auto type = cast<RankedTensorType>(onTrue.getType());
    onFalse = castTo(onFalse, type);
    SmallVector<Value> dynamic;
    if (type.isDynamicDim(0))
      dynamic.push_back(batch);
    Value init = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(), dynamic);
    MLIRContext *context = b.getContext();
    AffineMap rows = AffineMap::get(2, 0, {getAffineDimExpr(0, context)}, context);
    AffineMap identity = b.getMultiDimIdentityMap(2);
    return b
        .create<linalg::GenericOp>(
            loc, type, ValueRange{valid, onTrue, onFalse}, ValueRange{init},
            ArrayRef<AffineMap>{rows, identity, identity, identity},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                          utils::IteratorType::parallel},
            [](OpBuilder &nested, Location l, ValueRange args) {
              nested.create<linalg::YieldOp>(
                  l, ValueRange{nested.create<arith::SelectOp>(l, args[0], args[1], args[2])});
            })
        .getResult(0);
  }

  /// [B] i1: which rows take step `t` (reading input time `time`); null when
  /// every row does.
  Value validRows(Value t, Value time) {
    auto rowsType = RankedTensorType::get({batchSize()}, b.getI1Type());
    if (Value mask = maskValue) {
      SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), time};
      SmallVector<OpFoldResult> sizes = {sizeOf(batchSize(), batch), b.getIndexAttr(1)};
      SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
      return b.create<tensor::ExtractSliceOp>(loc, rowsType, mask, offsets, sizes, strides);
    }
    Value lengths = op.getSequenceLength();
    if (!lengths)
      return nullptr;
    Type lengthType = cast<RankedTensorType>(lengths.getType()).getElementType();
    Value step = b.create<arith::IndexCastOp>(loc, lengthType, t);
    // Sized by the batch, not by the lengths (equal, which the IR cannot
    // show): what reads the mask then visibly runs over the batch's rows.
    lengths = b.create<tensor::ExtractSliceOp>(
        loc, RankedTensorType::get({batchSize()}, lengthType), lengths,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0)}, ArrayRef<OpFoldResult>{sizeOf(batchSize(), batch)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    SmallVector<Value> dynamic;
    if (ShapedType::isDynamic(batchSize()))
      dynamic.push_back(batch);
    Value init = b.create<tensor::EmptyOp>(loc, rowsType.getShape(), b.getI1Type(), dynamic);
    AffineMap identity = b.getMultiDimIdentityMap(1);
    return b
        .create<linalg::GenericOp>(loc, rowsType, ValueRange{lengths}, ValueRange{init},
                                   ArrayRef<AffineMap>{identity, identity},
                                   ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
                                   [&](OpBuilder &nested, Location l, ValueRange args) {
                                     Value active = nested.create<arith::CmpIOp>(
                                         l, arith::CmpIPredicate::slt, step, args[0]);
                                     nested.create<linalg::YieldOp>(l, ValueRange{active});
                                   })
        .getResult(0);
  }

  OpFoldResult sizeOf(int64_t staticSize, Value dynamic) {
    return ShapedType::isDynamic(staticSize) ? OpFoldResult(dynamic)
                                             : OpFoldResult(b.getIndexAttr(staticSize));
  }

  int64_t batchSize() {
    return cast<RankedTensorType>(op.getInputs().getType()).getDimSize(op.getBatchDim());
  }

  /// The [B, depth] slice of a sequence tensor at time `time`.
  Value timeSlice(Value sequence, Value time) {
    auto type = cast<RankedTensorType>(sequence.getType());
    int64_t depth = type.getDimSize(2);
    auto rowType = RankedTensorType::get({batchSize(), depth}, type.getElementType());
    SmallVector<OpFoldResult> offsets(3, b.getIndexAttr(0)), sizes(3, b.getIndexAttr(1)),
        strides(3, b.getIndexAttr(1));
    offsets[op.getTimeDim()] = time;
    sizes[op.getBatchDim()] = sizeOf(batchSize(), batch);
    sizes[2] = b.getIndexAttr(depth);
    return b.create<tensor::ExtractSliceOp>(loc, rowType, sequence, offsets, sizes, strides);
  }

  Value insertTimeSlice(Value row, Value sequence, Value time) {
    auto type = cast<RankedTensorType>(sequence.getType());
    SmallVector<OpFoldResult> offsets(3, b.getIndexAttr(0)), sizes(3, b.getIndexAttr(1)),
        strides(3, b.getIndexAttr(1));
    offsets[op.getTimeDim()] = time;
    sizes[op.getBatchDim()] = sizeOf(batchSize(), batch);
    sizes[2] = b.getIndexAttr(type.getDimSize(2));
    auto rowType = RankedTensorType::get({batchSize(), type.getDimSize(2)}, type.getElementType());
    return b.create<tensor::InsertSliceOp>(loc, castTo(row, rowType), sequence, offsets, sizes,
                                           strides);
  }

  Value reverseSequence(Value sequence);
  Value emptyRows();

  OpBuilder b;
  Location loc;
  DynamicRNNOp op;
  VectorOptions vectors;
  Value timeSteps, batch;
  /// The mask the loop reads (flipped for `reverse`).
  Value maskValue;
};

/// TF's reverse_sequence: row b's first len[b] steps reversed (all T without
/// lengths), the rest in place. Its own inverse.
Value CustomSequenceEmitter::reverseSequence(Value sequence) {
  auto type = cast<RankedTensorType>(sequence.getType());
  unsigned timeDim = op.getTimeDim(), batchDim = op.getBatchDim();
  Value lengths = op.getSequenceLength();
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(b.create<tensor::DimOp>(loc, sequence, d));
  Value init = b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(), dynamic);
  SmallVector<utils::IteratorType> iterators(type.getRank(), utils::IteratorType::parallel);
  Value steps = timeSteps;
  return b
      .create<linalg::GenericOp>(
          loc, type, ValueRange{}, ValueRange{init},
          ArrayRef<AffineMap>{b.getMultiDimIdentityMap(type.getRank())}, iterators,
          [&](OpBuilder &nb, Location l, ValueRange) {
            SmallVector<Value> indices;
            for (int64_t d = 0; d < type.getRank(); ++d)
              indices.push_back(nb.create<linalg::IndexOp>(l, d));
            Value t = indices[timeDim], row = indices[batchDim];
            Value length = steps;
            if (lengths) {
              Value raw = nb.create<tensor::ExtractOp>(l, lengths, ValueRange{row});
              length = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), raw);
              length = nb.create<arith::MaxSIOp>(l, nb.create<arith::MinSIOp>(l, length, steps),
                                                 nb.create<arith::ConstantIndexOp>(l, 0));
            }
            Value inside = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, t, length);
            Value mirrored = nb.create<arith::SubIOp>(
                l, nb.create<arith::SubIOp>(l, length, nb.create<arith::ConstantIndexOp>(l, 1)), t);
            indices[timeDim] = nb.create<arith::SelectOp>(l, inside, mirrored, t);
            nb.create<linalg::YieldOp>(
                l, ValueRange{nb.create<tensor::ExtractOp>(l, sequence, indices)});
          })
      .getResult(0);
}

LogicalResult CustomSequenceEmitter::lower(ArrayRef<CustomCellOp> layers) {
  if (vectors.enabled)
    vectorizeInputProjection(op, layers.front(), vectors);
  b.setInsertionPoint(op);
  Value inputs = op.getInputs();
  timeSteps = b.create<tensor::DimOp>(loc, inputs, op.getTimeDim());
  batch = b.create<tensor::DimOp>(loc, inputs, op.getBatchDim());
  Value mask = op.getMask();
  // Backwards within each length: run forwards over the reversed rows.
  if (op.getReverse()) {
    inputs = reverseSequence(inputs);
    if (mask) {
      // [B, T] as a sequence of one feature is not needed: flip along T.
      auto maskType = cast<RankedTensorType>(mask.getType());
      SmallVector<Value> dynamic;
      for (int64_t d = 0; d < 2; ++d)
        if (maskType.isDynamicDim(d))
          dynamic.push_back(b.create<tensor::DimOp>(loc, mask, d));
      Value init = b.create<tensor::EmptyOp>(loc, maskType.getShape(), b.getI1Type(), dynamic);
      Value steps = timeSteps;
      mask = b.create<linalg::GenericOp>(
                  loc, maskType, ValueRange{}, ValueRange{init},
                  ArrayRef<AffineMap>{b.getMultiDimIdentityMap(2)},
                  ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                                utils::IteratorType::parallel},
                  [&](OpBuilder &nb, Location l, ValueRange) {
                    Value row = nb.create<linalg::IndexOp>(l, 0);
                    Value t = nb.create<linalg::IndexOp>(l, 1);
                    Value last =
                        nb.create<arith::SubIOp>(l, steps, nb.create<arith::ConstantIndexOp>(l, 1));
                    Value from = nb.create<arith::SubIOp>(l, last, t);
                    nb.create<linalg::YieldOp>(l, ValueRange{nb.create<tensor::ExtractOp>(
                                                      l, op.getMask(), ValueRange{row, from})});
                  })
                 .getResult(0);
    }
  }
  maskValue = mask;

  SmallVector<Value> carried = {zeros(cast<RankedTensorType>(op.getOutputs().getType()))};
  for (auto [i, result] : llvm::enumerate(op.getFinalState())) {
    auto type = cast<RankedTensorType>(result.getType());
    carried.push_back(op.getInitialState().empty() ? zeros(type)
                                                   : copyOf(op.getInitialState()[i], type));
  }
  size_t numStates = op.getFinalState().size();
  // Keras: a masked step repeats the row's last output (zero before the first).
  auto outputRowType = RankedTensorType::get(
      {batchSize(), CustomCellOp(layers.back()).getOutputSize()}, b.getF32Type());
  bool carryOutput = mask && !op.getZeroOutputForMask();
  Value zeroRows = zeros(outputRowType);
  if (carryOutput)
    carried.push_back(zeroRows);

  auto loop = b.create<scf::ForOp>(loc, index(0), timeSteps, index(1), carried);
  // Its carried values keep their shapes from step to step, which the GPU
  // target's rnnc-hoist-step-buffers relies on.
  loop->setAttr(rnnc::kTimeLoopAttrName, b.getUnitAttr());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value t = loop.getInductionVar();
    Value time = t;
    if (op.getGoBackwards())
      time = b.create<arith::SubIOp>(loc, b.create<arith::SubIOp>(loc, timeSteps, index(1)), t);
    ValueRange iterArgs = loop.getRegionIterArgs();

    // Before the steps: the selects of their results by it can then run in
    // the epilogue of their last matmul.
    Value valid = validRows(t, time);
    // The layers' steps, each consuming the output of the one below.
    Value input = timeSlice(inputs, time);
    SmallVector<Value> newStates;
    size_t nextState = 0;
    for (CustomCellOp cell : layers) {
      Block &step = cell.getBody().front();
      size_t count = cell.getStateFeatures().size();
      IRMapping mapping;
      mapping.map(step.getArgument(0), castTo(input, step.getArgument(0).getType()));
      for (size_t i = 0; i < count; ++i)
        mapping.map(step.getArgument(1 + i),
                    castTo(iterArgs[1 + nextState + i], step.getArgument(1 + i).getType()));
      for (auto [i, weight] : llvm::enumerate(cell.getWeights()))
        mapping.map(step.getArgument(1 + count + i), weight);
      // The matmuls keep their cell's weight precision (vectorizeStepMatmuls).
      Attribute precision = cell->getAttr(kWeightPrecisionAttrName);
      for (Operation &inner : step.without_terminator()) {
        Operation *clone = b.clone(inner, mapping);
        if (precision)
          clone->walk([&](linalg::MatmulOp matmul) {
            matmul->setAttr(kWeightPrecisionAttrName, precision);
          });
      }
      auto yield = cast<YieldOp>(step.getTerminator());
      input = mapping.lookup(yield.getValues()[0]);
      for (size_t i = 0; i < count; ++i)
        newStates.push_back(castTo(mapping.lookup(yield.getValues()[1 + i]),
                                   iterArgs[1 + nextState + i].getType()));
      nextState += count;
    }

    Value output = castTo(input, outputRowType);
    SmallVector<Value> next(1 + numStates);
    for (size_t i = 0; i < numStates; ++i)
      next[1 + i] = valid ? selectRows(valid, newStates[i], iterArgs[1 + i]) : newStates[i];
    if (valid)
      output = selectRows(valid, output, carryOutput ? iterArgs.back() : zeroRows);
    next[0] = insertTimeSlice(output, iterArgs[0], t);
    if (carryOutput)
      next.push_back(output);
    b.create<scf::YieldOp>(loc, next);
  }

  if (vectors.enabled)
    vectorizeStepMatmuls(loop, vectors);
  if (op.getUnroll()) {
    int64_t count = cast<RankedTensorType>(inputs.getType()).getDimSize(op.getTimeDim());
    if (count > 0 && failed(loopUnrollByFactor(loop, count)))
      return op.emitOpError("could not unroll the time loop");
  }
  SmallVector<Value> results;
  for (auto [value, result] :
       llvm::zip(loop.getResults().take_front(1 + numStates), op.getResults()))
    results.push_back(castTo(value, result.getType()));
  if (op.getReverse())
    results[0] = castTo(reverseSequence(results[0]), op.getOutputs().getType());
  if (op.getZeroFinalStateForEmptyRows()) {
    // onnxruntime: a row that never runs ends in a zero state.
    Value empty = emptyRows();
    for (size_t i = 0; i < numStates; ++i)
      results[1 + i] =
          castTo(selectRows(empty, zeros(cast<RankedTensorType>(results[1 + i].getType())),
                            results[1 + i]),
                 op.getFinalState()[i].getType());
  }
  op->replaceAllUsesWith(results);
  op->erase();
  return success();
}

/// [B] i1: rows of length 0.
Value CustomSequenceEmitter::emptyRows() {
  Value lengths = op.getSequenceLength();
  auto rowsType = RankedTensorType::get({batchSize()}, b.getI1Type());
  SmallVector<Value> dynamic;
  if (ShapedType::isDynamic(batchSize()))
    dynamic.push_back(batch);
  Value init = b.create<tensor::EmptyOp>(loc, rowsType.getShape(), b.getI1Type(), dynamic);
  AffineMap identity = b.getMultiDimIdentityMap(1);
  return b
      .create<linalg::GenericOp>(
          loc, rowsType, ValueRange{lengths}, ValueRange{init},
          ArrayRef<AffineMap>{identity, identity},
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value zero = nb.create<arith::ConstantOp>(l, nb.getIntegerAttr(args[0].getType(), 0));
            nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::CmpIOp>(
                                              l, arith::CmpIPredicate::sle, args[0], zero)});
          })
      .getResult(0);
}
} // namespace

LogicalResult mlir::rnnc::lowerCustomCellSequence(DynamicRNNOp op, ArrayRef<CustomCellOp> layers,
                                                  const VectorOptions &vectors) {
  return CustomSequenceEmitter(op, vectors).lower(layers);
}
