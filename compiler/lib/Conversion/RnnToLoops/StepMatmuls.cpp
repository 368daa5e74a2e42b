#include "StepMatmuls.h"
#include "StepEpilogue.h"
#include "VectorEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "rnnc/Dialect/Rnn/Transforms/Passes.h"
#include "rnnc/Dialect/Rnn/Utils/TensorMath.h"

using namespace mlir;
using namespace mlir::rnn;
using namespace mlir::rnnc::rnn_to_loops;
using mlir::rnnc::VectorOptions;

/// The weight format of `op`'s (a cell's, or a matmul of its step's)
/// `rnn.weight_precision`, or of the pass's precision without one.
static WeightFormat weightFormatOf(Operation *op, const VectorOptions &vectors) {
  auto precision = op->getAttrOfType<StringAttr>(kWeightPrecisionAttrName);
  return weightFormatOf(precision ? precision.getValue() : vectors.weightPrecision,
                        vectors.bf16DotProducts);
}

/// The constant a weight matrix `weightTensor` takes its rows from (rows of a
/// constant too: rnn-decompose-cells splits kernels into input and recurrent
/// rows), with the first row taken in `firstRow`; else `weightTensor` itself.
static Value weightSource(Value weightTensor, int64_t &firstRow) {
  auto type = cast<RankedTensorType>(weightTensor.getType());
  firstRow = 0;
  if (auto slice = weightTensor.getDefiningOp<tensor::ExtractSliceOp>();
      slice && matchPattern(slice.getSource(), m_Constant()) && slice.hasUnitStride() &&
      slice.getSourceType().getRank() == 2 &&
      slice.getSourceType().getDimSize(1) == type.getDimSize(1) &&
      !ShapedType::isDynamic(slice.getStaticOffsets()[0]) && slice.getStaticOffsets()[1] == 0) {
    firstRow = slice.getStaticOffsets()[0];
    return slice.getSource();
  }
  return weightTensor;
}

/// The weights of a vector matmul `rows @ weightTensor`, packed before
/// `loop` when constant; the row of the matrix where the buffer starts in
/// `firstRow`.
static Weights packedWeights(VectorEmitter &emitter, Operation *loop, Value weightTensor,
                             int64_t &firstRow) {
  OpBuilder::InsertionGuard guard(emitter.b);
  emitter.b.setInsertionPoint(loop);
  int64_t depth = cast<RankedTensorType>(weightTensor.getType()).getDimSize(0);
  Value source = weightSource(weightTensor, firstRow);
  return emitter.matrix(source, firstRow, firstRow + depth, emitter.groupVectors);
}

/// Whether `weights` can be the weights of a vector matmul: a static f32
/// matrix.
static bool isStaticMatrix(Value weights) {
  auto type = dyn_cast<RankedTensorType>(weights.getType());
  return type && type.getRank() == 2 && type.getElementType().isF32() && type.hasStaticShape();
}

/// A further term of a step's vector matmul, `buffer[r] @ weights` for its
/// rows r: the matmul it accumulates onto (accumulateMatmulSums).
struct RowsTerm {
  Value buffer;
  Value weights;
};

/// Row r of a [rows, features] buffer.
static std::function<Row(Value)> rowOf(Value buffer) {
  return [buffer](Value row) { return Row{buffer, {row}}; };
}

/// The term `rowAt(r) @ weights` for the rows r of a block, reading the
/// converted rows instead where the weights take those.
static MatmulTerm rowsTerm(const VectorEmitter &emitter, ArrayRef<Value> blockRows,
                           function_ref<Row(Value)> rowAt, const ConvertedRows &converted,
                           int64_t depth, const Weights &weights, int64_t rowOffset) {
  MatmulTerm term{{}, depth, weights, rowOffset, {}};
  for (Value row : blockRows) {
    term.inputs.push_back(converted.rows ? emitter.convertedRow(converted, row) : rowAt(row));
    if (converted.params)
      term.quantization.push_back(emitter.quantizationRow(converted, row));
  }
  return term;
}

/// `dst(r) = init(r) + input(r) @ weights (+ the extra terms)` for the rows r
/// in [0, count) (init null: `bias`, a [N] buffer, or with that null zero),
/// VectorEmitter::affineRows' register-blocked matmul; `store` as in affineRows.
/// Rows that the weights' format takes converted are converted first.
static void vectorMatmul(VectorEmitter &emitter, Operation *loop, Value count, Value weightTensor,
                         function_ref<Row(Value)> input, function_ref<Row(Value)> init,
                         function_ref<Row(Value)> dst, StoreResult store = nullptr,
                         Value bias = Value(), ArrayRef<RowsTerm> extra = {}) {
  int64_t firstRow = 0;
  Weights weights = packedWeights(emitter, loop, weightTensor, firstRow);
  auto type = cast<RankedTensorType>(weightTensor.getType());
  struct ExtraTerm {
    Weights weights;
    int64_t firstRow;
    int64_t depth;
    std::function<Row(Value)> rowAt;
  };
  SmallVector<ExtraTerm> extraTerms;
  SmallVector<RowsToConvert, 2> toConvert = {{&weights, input, type.getDimSize(0)}};
  for (const RowsTerm &term : extra) {
    ExtraTerm packed;
    packed.weights = packedWeights(emitter, loop, term.weights, packed.firstRow);
    packed.depth = cast<RankedTensorType>(term.weights.getType()).getDimSize(0);
    packed.rowAt = rowOf(term.buffer);
    extraTerms.push_back(packed);
  }
  for (const ExtraTerm &packed : extraTerms)
    toConvert.push_back({&packed.weights, packed.rowAt, packed.depth});
  SmallVector<ConvertedRows, 2> converted = emitter.convertRows(toConvert, count);
  emitter.affineRows(count, type.getDimSize(1), bias, [&](Value first, int64_t rows) {
    RowBlock block;
    SmallVector<Value, 4> blockRows;
    for (int64_t r = 0; r < rows; ++r) {
      Value row = emitter.offset(first, r);
      blockRows.push_back(row);
      block.dsts.push_back(dst(row));
      if (init)
        block.inits.push_back(init(row));
    }
    block.terms.push_back(
        rowsTerm(emitter, blockRows, input, converted[0], type.getDimSize(0), weights, firstRow));
    for (auto [packed, rows] : llvm::zip(extraTerms, ArrayRef(converted).drop_front()))
      block.terms.push_back(rowsTerm(emitter, blockRows, packed.rowAt, rows, packed.depth,
                                     packed.weights, packed.firstRow));
    return block;
  }, store);
}

/// Whether `matmul`'s result is read only through tensor.dims besides its one
/// value user, each of a constant dimension: those can read its operands.
static bool hasConstantDims(linalg::MatmulOp matmul) {
  return llvm::all_of(matmul.getResult(0).getUsers(), [](Operation *user) {
    auto dim = dyn_cast<tensor::DimOp>(user);
    return !dim || dim.getConstantIndex();
  });
}

/// The tensor.dims of `matmul`'s result read its operands instead: the rows of
/// the left one, the columns of the weights.
static void redirectDims(linalg::MatmulOp matmul) {
  for (Operation *user : llvm::make_early_inc_range(matmul.getResult(0).getUsers()))
    if (auto dim = dyn_cast<tensor::DimOp>(user))
      dim.getSourceMutable().assign(matmul.getInputs()[*dim.getConstantIndex() == 0 ? 0 : 1]);
}

/// The bias row a vector matmul for `matmul` starts from, when its result is
/// read only by `result + b` with `b` a [N] row defined before `loop` (a
/// cell's weight; a gate's bias where the input projection is not hoisted):
/// the sum's readers then read the result, and `b` is the starting value, as
/// in the specialized kernels. Null when there is none.
static Value takeStartingBias(linalg::MatmulOp matmul, scf::ForOp loop) {
  Operation *user = rnn::onlyValueUser(matmul.getResult(0));
  auto sum = rnn::elementwiseSumOperands(user);
  if (!sum)
    return Value();
  auto generic = cast<linalg::GenericOp>(user);
  bool firstIsResult = sum->first->get() == matmul.getResult(0);
  OpOperand *result = firstIsResult ? sum->first : sum->second;
  OpOperand *bias = firstIsResult ? sum->second : sum->first;
  MLIRContext *context = generic.getContext();
  auto biasType = dyn_cast<RankedTensorType>(bias->get().getType());
  if (!generic.getMatchingIndexingMap(result).isIdentity() ||
      generic.getMatchingIndexingMap(bias) !=
          AffineMap::get(2, 0, {getAffineDimExpr(1, context)}, context) ||
      !biasType || !biasType.hasStaticShape() || !biasType.getElementType().isF32() ||
      !bias->get().getParentRegion()->isProperAncestor(&loop.getRegion()) ||
      generic.getResult(0).getType() != matmul.getResult(0).getType())
    return Value();
  Value row = bias->get();
  generic.getResult(0).replaceAllUsesWith(matmul.getResult(0));
  generic.erase();
  return row;
}

/// `x W + h U` of two of `matmuls` from zero, read by nothing else (a cell
/// whose input matmul stays in the step, as the built-in cells' does when its
/// projection is not hoisted): `h U` accumulating onto `x W` instead, which
/// vectorizeStepMatmuls emits as one vector matmul of two terms, the sum's users
/// its epilogue.
static void accumulateMatmulSums(Block &body, ArrayRef<linalg::MatmulOp> matmuls) {
  for (Operation &op : llvm::make_early_inc_range(body)) {
    auto sum = rnn::elementwiseSumOperands(&op);
    if (!sum)
      continue;
    auto generic = cast<linalg::GenericOp>(op);
    auto first = sum->first->get().getDefiningOp<linalg::MatmulOp>();
    auto second = sum->second->get().getDefiningOp<linalg::MatmulOp>();
    auto isTerm = [&](linalg::MatmulOp matmul, OpOperand *operand) {
      return matmul && llvm::is_contained(matmuls, matmul) &&
             generic.getMatchingIndexingMap(operand).isIdentity() &&
             isZeroFill(matmul.getOutputs()[0]) && rnn::onlyValueUser(matmul.getResult(0)) == &op &&
             matmul.getResult(0).getType() == generic.getResult(0).getType() &&
             hasConstantDims(matmul);
    };
    if (first == second || !isTerm(first, sum->first) || !isTerm(second, sum->second))
      continue;
    OpBuilder builder(&op);
    auto fused = builder.create<linalg::MatmulOp>(op.getLoc(), generic.getResultTypes(),
                                                  second.getInputs(), ValueRange{first.getResult(0)});
    if (Attribute precision = second->getAttr(kWeightPrecisionAttrName))
      fused->setAttr(kWeightPrecisionAttrName, precision);
    generic.getResult(0).replaceAllUsesWith(fused.getResult(0));
    generic.erase();
    redirectDims(second);
    second.erase();
  }
}

/// Replaces `op`'s one result by the tensor of `buffer`.
static void replaceByBuffer(OpBuilder &builder, Operation *op, Value buffer) {
  Location loc = op->getLoc();
  Value tensor = builder.create<bufferization::ToTensorOp>(loc, buffer, /*restrict=*/true,
                                                           /*writable=*/true);
  Type type = op->getResult(0).getType();
  if (tensor.getType() != type)
    tensor = builder.create<tensor::CastOp>(loc, type, tensor);
  op->getResult(0).replaceAllUsesWith(tensor);
  op->erase();
}

void mlir::rnnc::vectorizeStepMatmuls(scf::ForOp loop, const VectorOptions &vectors) {
  Location loc = loop.getLoc();
  auto isF32Matrix = [](Type type) {
    auto ranked = dyn_cast<RankedTensorType>(type);
    return ranked && ranked.getRank() == 2 && ranked.getElementType().isF32();
  };
  auto collect = [&] {
    SmallVector<linalg::MatmulOp> matmuls;
    loop.getBody()->walk([&](linalg::MatmulOp matmul) {
      if (matmul.hasPureTensorSemantics() && matmul.getInputs().size() == 2 &&
          matmul.getOutputs().size() == 1 && isF32Matrix(matmul.getInputs()[0].getType()) &&
          isF32Matrix(matmul.getOutputs()[0].getType()) &&
          isStaticMatrix(matmul.getInputs()[1]) &&
          matmul.getInputs()[1].getParentRegion()->isProperAncestor(&loop.getRegion()))
        matmuls.push_back(matmul);
    });
    return matmuls;
  };
  SmallVector<linalg::MatmulOp> matmuls = collect();
  if (matmuls.empty())
    return;
  accumulateMatmulSums(*loop.getBody(), matmuls);
  matmuls = collect();
  // A matmul from zero whose only reader accumulates onto it is a further
  // term of that one.
  llvm::DenseMap<Operation *, linalg::MatmulOp> termOf;
  for (linalg::MatmulOp matmul : matmuls)
    if (auto inner = matmul.getOutputs()[0].getDefiningOp<linalg::MatmulOp>();
        inner && llvm::is_contained(matmuls, inner) && isZeroFill(inner.getOutputs()[0]) &&
        rnn::onlyValueUser(inner.getResult(0)) == matmul.getOperation() && hasConstantDims(inner))
      termOf[matmul] = inner;
  OpBuilder builder(loop);
  VectorEmitter emitter(builder, loc, vectors.width, vectors.accumulators, vectors.rowBlock,
                        vectors.threads);
  emitter.setBatch(vectors.staticBatch);
  for (linalg::MatmulOp matmul : matmuls) {
    if (llvm::any_of(termOf, [&](auto entry) { return entry.second == matmul; }))
      continue;
    emitter.setWeightFormat(weightFormatOf(matmul, vectors));
    builder.setInsertionPoint(matmul);
    Value input = matmul.getInputs()[0], init = matmul.getOutputs()[0];
    Value weightTensor = matmul.getInputs()[1];
    Value rows = emitter.toBuffer(input);
    linalg::MatmulOp inner = termOf.lookup(matmul);
    SmallVector<RowsTerm, 1> extra;
    if (inner) {
      extra.push_back({emitter.toBuffer(inner.getInputs()[0]), inner.getInputs()[1]});
      redirectDims(inner);
    }
    Value inits = inner || isZeroFill(init) ? Value() : emitter.toBuffer(init);
    Value bias;
    if (!inits)
      if (Value row = takeStartingBias(matmul, loop)) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPoint(loop);
        bias = emitter.toBuffer(row);
      }
    // The matmul's own rows (the batch's in every cell the builders make).
    Value count = builder.create<tensor::DimOp>(loc, input, 0);
    function_ref<Row(Value)> initRows = nullptr;
    auto initRow = rowOf(inits);
    if (inits)
      initRows = initRow;
    // Slicing the result into gates needs the kernel packed gate-interleaved.
    int64_t firstRow = 0, innerFirstRow = 0;
    Value source = weightSource(weightTensor, firstRow);
    Value innerSource = inner ? weightSource(inner.getInputs()[1], innerFirstRow) : Value();
    StepEpilogue epilogue = StepEpilogue::plan(
        matmul, vectors.staticBatch,
        matchPattern(source, m_Constant()) && (!inner || matchPattern(innerSource, m_Constant())));
    if (epilogue.empty()) {
      auto initType = cast<RankedTensorType>(init.getType());
      SmallVector<Value> dynamic;
      if (initType.isDynamicDim(0))
        dynamic.push_back(count);
      Value result = builder.create<memref::AllocOp>(
          loc, MemRefType::get(initType.getShape(), builder.getF32Type()), dynamic);
      vectorMatmul(emitter, loop, count, weightTensor, rowOf(rows), initRows, rowOf(result),
                   nullptr, bias, extra);
      replaceByBuffer(builder, matmul, result);
      if (inner)
        inner.erase();
      continue;
    }
    epilogue.prepare(emitter, count);
    if (epilogue.gates == 1) {
      vectorMatmul(
          emitter, loop, count, weightTensor, rowOf(rows), initRows,
          [](Value row) { return Row{Value(), {row}}; },
          [&](const Row &dst, Value col, Value value, Value mask) {
            epilogue.emit(emitter, dst.prefix[0], col, value, mask);
          },
          bias, extra);
    } else {
      int64_t depth = cast<RankedTensorType>(weightTensor.getType()).getDimSize(0);
      int64_t innerDepth =
          inner ? cast<RankedTensorType>(inner.getInputs()[1].getType()).getDimSize(0) : 0;
      int64_t vectorsPerGate = std::max<int64_t>(1, emitter.groupVectors / epilogue.gates);
      Weights weights, innerWeights;
      {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPoint(loop);
        weights = emitter.gateInterleavedMatrix(source, firstRow, firstRow + depth, epilogue.gates,
                                                epilogue.units, vectorsPerGate);
        if (inner)
          innerWeights = emitter.gateInterleavedMatrix(innerSource, innerFirstRow,
                                                       innerFirstRow + innerDepth, epilogue.gates,
                                                       epilogue.units, vectorsPerGate);
      }
      std::function<Row(Value)> ownRows = rowOf(rows),
                                innerRows = inner ? rowOf(extra.front().buffer) : nullptr;
      SmallVector<RowsToConvert, 2> toConvert = {{&weights, ownRows, depth}};
      if (inner)
        toConvert.push_back({&innerWeights, innerRows, innerDepth});
      SmallVector<ConvertedRows, 2> converted = emitter.convertRows(toConvert, count);
      SmallVector<Value, 4> blockRows;
      emitter.fusedGateRows(
          count, epilogue.units, epilogue.gates, vectorsPerGate, bias,
          [&](Value first, int64_t rowCount) {
            RowBlock block;
            blockRows.clear();
            for (int64_t r = 0; r < rowCount; ++r) {
              Value row = emitter.offset(first, r);
              blockRows.push_back(row);
              if (inits)
                block.inits.push_back(Row{inits, {row}});
            }
            block.terms.push_back(
                rowsTerm(emitter, blockRows, ownRows, converted[0], depth, weights, 0));
            if (inner)
              block.terms.push_back(
                  rowsTerm(emitter, blockRows, innerRows, converted[1], innerDepth, innerWeights, 0));
            return block;
          },
          [&](int64_t r, Value col, ArrayRef<Value> accs, Value mask) {
            epilogue.emit(emitter, blockRows[r], col, accs, mask);
          });
    }
    epilogue.finish(builder);
    if (inner)
      inner.erase();
  }
}

void mlir::rnnc::vectorizeInputProjection(DynamicRNNOp op, CustomCellOp bottom,
                                          const VectorOptions &vectors) {
  Location loc = op.getLoc();
  auto contraction = op.getInputs().getDefiningOp<linalg::GenericOp>();
  if (!contraction || !contraction->hasOneUse() || contraction.getNumDpsInputs() != 2 ||
      contraction.getNumDpsInits() != 1 || !contraction.hasPureTensorSemantics())
    return;
  MLIRContext *context = op.getContext();
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, context); };
  SmallVector<AffineMap> expected = {AffineMap::get(4, 0, {dim(0), dim(1), dim(3)}, context),
                                     AffineMap::get(4, 0, {dim(3), dim(2)}, context),
                                     AffineMap::get(4, 0, {dim(0), dim(1), dim(2)}, context)};
  Block &body = contraction.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  auto mul = add ? add.getRhs().getDefiningOp<arith::MulFOp>() : arith::MulFOp();
  Value sequence = contraction.getDpsInputs()[0], weights = contraction.getDpsInputs()[1];
  auto sequenceType = dyn_cast<RankedTensorType>(sequence.getType());
  if (contraction.getIndexingMapsArray() != expected || body.getOperations().size() != 3 || !mul ||
      add.getLhs() != body.getArgument(2) || mul.getLhs() != body.getArgument(0) ||
      mul.getRhs() != body.getArgument(1) || !sequenceType ||
      !sequenceType.getElementType().isF32() ||
      !isStaticMatrix(weights))
    return;
  Value init = contraction.getDpsInits()[0];
  OpBuilder builder(contraction);
  // Many rows: column groups sized for blocks of rows.
  VectorEmitter emitter(builder, loc, vectors.width, vectors.accumulators, vectors.rowBlock,
                        vectors.threads);
  emitter.setBatch(ShapedType::kDynamic);
  WeightFormat format = weightFormatOf(bottom, vectors);
  emitter.setWeightFormat(format);
  Value input = emitter.toBuffer(sequence);
  // Biases rnn-hoist-input-projection moved into the projection: one row
  // broadcast over all rows, read as the matmul's bias.
  Value bias;
  if (auto broadcast = init.getDefiningOp<linalg::BroadcastOp>();
      broadcast && broadcast.getDimensions() == ArrayRef<int64_t>{0, 1} &&
      broadcast.hasPureTensorSemantics())
    bias = emitter.toBuffer(broadcast.getInput());
  Value inits = bias || isZeroFill(init) ? Value() : emitter.toBuffer(init);
  auto resultType = cast<RankedTensorType>(init.getType());
  Value outer = builder.create<tensor::DimOp>(loc, sequence, 0);
  Value inner = builder.create<tensor::DimOp>(loc, sequence, 1);
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < 2; ++d)
    if (resultType.isDynamicDim(d))
      dynamic.push_back(d == 0 ? outer : inner);
  Value result = builder.create<memref::AllocOp>(
      loc, MemRefType::get(resultType.getShape(), builder.getF32Type()), dynamic);
  if (vectors.halideProjection && !inits && format != WeightFormat::Int8 &&
      format != WeightFormat::Bf16Pairs) {
    // Halide reads the weights in their given layout, not packed, and always
    // adds a bias; it computes in f32.
    int64_t columns = resultType.getDimSize(2);
    if (!bias)
      bias = emitter.toBuffer(builder.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(RankedTensorType::get({columns}, builder.getF32Type()),
                                      builder.getF32FloatAttr(0.0f))));
    emitter.halideProjection(input, outer, inner, sequenceType.getDimSize(2),
                             emitter.toBuffer(weights), bias, columns, result);
    return replaceByBuffer(builder, contraction, result);
  }
  Value count = builder.create<arith::MulIOp>(loc, outer, inner);
  // Row r of the T * B rows is [r / inner, r % inner].
  auto rowOf = [&](Value buffer) {
    return [&, buffer](Value row) {
      return Row{buffer,
                 {builder.create<arith::DivUIOp>(loc, row, inner).getResult(),
                  builder.create<arith::RemUIOp>(loc, row, inner).getResult()}};
    };
  };
  vectorMatmul(emitter, contraction, count, weights, rowOf(input),
               inits ? function_ref<Row(Value)>(rowOf(inits)) : nullptr, rowOf(result), nullptr,
               bias);
  replaceByBuffer(builder, contraction, result);
}
