#include "StepEpilogue.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <functional>

using namespace mlir;
using namespace mlir::rnnc::rnn_to_loops;

namespace {
/// How an operand from outside the epilogue is read per batch row.
enum class Access { Rows, Columns, RowScalars, Scalar, Unsupported };

Access accessOf(AffineMap map) {
  MLIRContext *context = map.getContext();
  if (map.getNumDims() != 2 || map.getNumSymbols() != 0)
    return Access::Unsupported;
  if (map.isIdentity())
    return Access::Rows;
  if (map.getNumResults() == 0)
    return Access::Scalar;
  if (map.getNumResults() == 1 && map.getResult(0) == getAffineDimExpr(1, context))
    return Access::Columns;
  if (map.getNumResults() == 1 && map.getResult(0) == getAffineDimExpr(0, context))
    return Access::RowScalars;
  return Access::Unsupported;
}

bool isScalar(Type type) { return type.isIntOrFloat(); }

/// Whether the body of `generic` is scalar elementwise ops only (no index,
/// no regions, no reads of tensors), so that each op has a vector form.
bool hasVectorizableBody(linalg::GenericOp generic) {
  Block *body = generic.getBody();
  if (!llvm::all_of(body->getArgumentTypes(), isScalar))
    return false;
  for (Operation &op : body->without_terminator()) {
    if (op.getNumRegions() != 0 ||
        !(OpTrait::hasElementwiseMappableTraits(&op) || matchPattern(&op, m_Constant())))
      return false;
    if (!llvm::all_of(op.getOperandTypes(), isScalar) ||
        !llvm::all_of(op.getResultTypes(), isScalar))
      return false;
  }
  return true;
}

/// Adds to `sources` the values whose rows `tensor` has, as far as the ops
/// that make it show: a slice or cast keeps them, an elementwise op and a fill
/// have their output's, a matmul its left operand's and its init's (a matmul
/// accumulating `h U` onto `x W` has both), an empty tensor those of what its
/// size is the dimension 0 of. (Canonicalization moves `tensor.dim`s to any of
/// them.)
void addRowSources(Value tensor, llvm::SmallPtrSetImpl<Value> &sources, int depth = 0);

/// Whether `a` and `b` are known to have the same rows.
bool haveSameRows(Value a, Value b, int depth = 0) {
  llvm::SmallPtrSet<Value, 8> ofA, ofB;
  addRowSources(a, ofA, depth);
  addRowSources(b, ofB, depth);
  return llvm::any_of(ofA, [&](Value value) { return ofB.contains(value); });
}

void addRowSources(Value tensor, llvm::SmallPtrSetImpl<Value> &sources, int depth) {
  if (!sources.insert(tensor).second)
    return;
  Operation *def = tensor.getDefiningOp();
  if (!def || depth > 32)
    return;
  auto rowsOf = [&](OpFoldResult size) -> Value {
    auto dim = dyn_cast_if_present<tensor::DimOp>(
        isa<Value>(size) ? cast<Value>(size).getDefiningOp() : nullptr);
    return dim && dim.getConstantIndex() == 0 ? dim.getSource() : Value();
  };
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(def)) {
    Value rows = rowsOf(slice.getMixedSizes()[0]);
    if (getConstantIntValue(slice.getMixedOffsets()[0]) == 0 && rows &&
        haveSameRows(rows, slice.getSource(), depth + 1))
      addRowSources(slice.getSource(), sources, depth + 1);
    return;
  }
  if (auto cast = dyn_cast<tensor::CastOp>(def))
    return addRowSources(cast.getSource(), sources, depth + 1);
  if (auto generic = dyn_cast<linalg::GenericOp>(def);
      generic && generic.getNumDpsInits() == 1 &&
      generic.getMatchingIndexingMap(generic.getDpsInitOperand(0)).isIdentity())
    return addRowSources(generic.getDpsInits()[0], sources, depth + 1);
  if (auto fill = dyn_cast<linalg::FillOp>(def))
    return addRowSources(fill.getOutputs()[0], sources, depth + 1);
  if (auto matmul = dyn_cast<linalg::MatmulOp>(def)) {
    addRowSources(matmul.getInputs()[0], sources, depth + 1);
    return addRowSources(matmul.getOutputs()[0], sources, depth + 1);
  }
  if (auto empty = dyn_cast<tensor::EmptyOp>(def);
      empty && empty.getType().getRank() > 0 && empty.getType().isDynamicDim(0))
    if (Value rows = rowsOf(empty.getMixedSizes()[0]))
      addRowSources(rows, sources, depth + 1);
}

/// Whether `size` (the rows of a slice of `source`) is all of its rows.
bool isAllRows(OpFoldResult size, Value source, int64_t staticBatch) {
  auto type = cast<RankedTensorType>(source.getType());
  if (std::optional<int64_t> rows = getConstantIntValue(size))
    return *rows == (type.isDynamicDim(0) ? staticBatch : type.getDimSize(0));
  auto dim = size.get<Value>().getDefiningOp<tensor::DimOp>();
  std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
  return index == 0 && haveSameRows(dim.getSource(), source);
}
} // namespace

StepEpilogue StepEpilogue::plan(linalg::MatmulOp matmul, int64_t staticBatch, bool gatesAllowed) {
  StepEpilogue epilogue;
  epilogue.matmul = matmul;
  Value result = matmul.getResult(0);
  int64_t columns = cast<RankedTensorType>(result.getType()).getDimSize(1);
  epilogue.units = columns;
  epilogue.spansAll[result] = true;
  Block *block = matmul->getBlock();
  // Operands defined before the matmul (or outside its block) are read where
  // the epilogue runs. Ops without effects after it that need nothing the
  // matmul precedes (a slice of the step's input, a constant: a cell may
  // compute `x W` after `h U`) move before it.
  std::function<bool(Value, int)> isBeforeMatmul = [&](Value value, int depth) {
    Operation *def = value.getDefiningOp();
    if (!def || def->getBlock() != block || def->isBeforeInBlock(matmul))
      return true;
    if (def == matmul.getOperation() || depth > 8 || def->getNumRegions() != 0 ||
        !isMemoryEffectFree(def) || !llvm::all_of(def->getOperands(), [&](Value operand) {
          return isBeforeMatmul(operand, depth + 1);
        }))
      return false;
    def->moveBefore(matmul);
    return true;
  };
  bool unitsFixed = false;
  for (Operation &op : llvm::make_range(std::next(matmul->getIterator()), block->end())) {
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(&op)) {
      auto source = epilogue.spansAll.find(slice.getSource());
      if (!gatesAllowed || source == epilogue.spansAll.end() || !source->second ||
          slice.getSourceType().getRank() != 2 || slice.getType().getRank() != 2 ||
          !slice.hasUnitStride())
        continue;
      std::optional<int64_t> rowOffset = getConstantIntValue(slice.getMixedOffsets()[0]);
      std::optional<int64_t> colOffset = getConstantIntValue(slice.getMixedOffsets()[1]);
      std::optional<int64_t> width = getConstantIntValue(slice.getMixedSizes()[1]);
      if (rowOffset != 0 || !colOffset || !width || *width <= 0 || columns % *width != 0 ||
          *colOffset % *width != 0 ||
          !isAllRows(slice.getMixedSizes()[0], slice.getSource(), staticBatch) ||
          (unitsFixed && *width != epilogue.units))
        continue;
      epilogue.units = *width;
      epilogue.gates = columns / *width;
      unitsFixed = true;
      epilogue.ops.push_back(slice);
      epilogue.sliceGates[slice] = *colOffset / *width;
      epilogue.spansAll[slice.getResult()] = epilogue.gates == 1;
      continue;
    }
    auto generic = dyn_cast<linalg::GenericOp>(&op);
    if (!generic || !generic.hasPureTensorSemantics() || generic.getNumLoops() != 2 ||
        generic.getNumParallelLoops() != 2 || !hasVectorizableBody(generic))
      continue;
    // The epilogue values it reads, all of one span.
    std::optional<bool> span;
    bool eligible = true;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      auto known = epilogue.spansAll.find(input->get());
      AffineMap map = generic.getMatchingIndexingMap(input);
      if (known != epilogue.spansAll.end()) {
        // With a single gate both spans are the same columns.
        bool all = known->second || epilogue.gates == 1;
        eligible &= map.isIdentity() && (!span || *span == all);
        span = all;
        continue;
      }
      auto type = dyn_cast<RankedTensorType>(input->get().getType());
      eligible &= type && isScalar(type.getElementType()) && isBeforeMatmul(input->get(), 0) &&
                  accessOf(map) != Access::Unsupported;
    }
    if (!eligible || !span)
      continue;
    int64_t width = *span ? columns : epilogue.units;
    for (OpOperand &init : generic.getDpsInitsMutable()) {
      auto type = cast<RankedTensorType>(init.get().getType());
      eligible &= generic.getMatchingIndexingMap(&init).isIdentity() &&
                  !generic.payloadUsesValueFromOperand(&init) && type.getRank() == 2 &&
                  type.getDimSize(1) == width;
    }
    // Operands read by columns must have the span's width.
    for (OpOperand *input : generic.getDpsInputOperands()) {
      auto type = cast<RankedTensorType>(input->get().getType());
      Access access = accessOf(generic.getMatchingIndexingMap(input));
      if (access == Access::Rows || access == Access::Columns)
        eligible &= type.getDimSize(type.getRank() - 1) == width;
    }
    if (!eligible)
      continue;
    epilogue.ops.push_back(generic);
    for (Value value : generic->getResults())
      epilogue.spansAll[value] = *span;
  }
  if (epilogue.ops.empty())
    return epilogue;
  llvm::SmallPtrSet<Operation *, 8> inside(epilogue.ops.begin(), epilogue.ops.end());
  // Sizes of epilogue values are known without them (finish).
  auto isReadAfter = [&](Value value) {
    return llvm::any_of(value.getUsers(), [&](Operation *user) {
      auto dim = dyn_cast<tensor::DimOp>(user);
      return !inside.contains(user) && !(dim && dim.getConstantIndex());
    });
  };
  if (isReadAfter(result))
    epilogue.stored.insert(result);
  for (Operation *op : epilogue.ops)
    for (Value value : op->getResults())
      if (isReadAfter(value))
        epilogue.stored.insert(value);
  return epilogue;
}

void StepEpilogue::prepare(VectorEmitter &emitter, Value rows) {
  this->rows = rows;
  OpBuilder &b = emitter.b;
  Location loc = matmul.getLoc();
  for (Operation *op : ops) {
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (!generic)
      continue;
    for (OpOperand *input : generic.getDpsInputOperands())
      if (!spansAll.contains(input->get()) && !buffers.contains(input->get()))
        buffers[input->get()] = emitter.toBuffer(input->get());
  }
  for (Value value : stored) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<Value> dynamic;
    if (type.isDynamicDim(0))
      dynamic.push_back(rows);
    buffers[value] = b.create<memref::AllocOp>(
        loc, MemRefType::get(type.getShape(), type.getElementType()), dynamic);
  }
}

Value StepEpilogue::load(VectorEmitter &emitter, OpOperand &operand, Value row, Value col,
                         Value mask) {
  OpBuilder &b = emitter.b;
  Location loc = matmul.getLoc();
  Value buffer = buffers.lookup(operand.get());
  Type element = cast<RankedTensorType>(operand.get().getType()).getElementType();
  auto vectorType = VectorType::get({emitter.width}, element);
  auto generic = cast<linalg::GenericOp>(operand.getOwner());
  SmallVector<Value, 2> indices;
  switch (accessOf(generic.getMatchingIndexingMap(&operand))) {
  case Access::Rows:
    indices = {row, col};
    break;
  case Access::Columns:
    indices = {col};
    break;
  case Access::RowScalars:
    return b.create<vector::BroadcastOp>(loc, vectorType,
                                         b.create<memref::LoadOp>(loc, buffer, ValueRange{row}));
  case Access::Unsupported:
    llvm_unreachable("planned operands have a supported access");
  case Access::Scalar:
    return b.create<vector::BroadcastOp>(loc, vectorType,
                                         b.create<memref::LoadOp>(loc, buffer, ValueRange{}));
  }
  if (!mask)
    return b.create<vector::LoadOp>(loc, vectorType, buffer, indices);
  Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(vectorType));
  return b.create<vector::MaskedLoadOp>(loc, vectorType, buffer, indices, mask, zero);
}

SmallVector<Value> StepEpilogue::vectorizedBody(VectorEmitter &emitter, linalg::GenericOp generic,
                                                ArrayRef<Value> operands) {
  OpBuilder &b = emitter.b;
  Location loc = generic.getLoc();
  Block *body = generic.getBody();
  auto vectorOf = [&](Type type) { return VectorType::get({emitter.width}, type); };
  IRMapping mapping;
  for (auto [arg, operand] : llvm::zip(body->getArguments(), operands))
    mapping.map(arg, operand);
  // Scalars from outside the body (constants of the enclosing function) as
  // vectors of them.
  auto vectorized = [&](Value value) {
    if (Value mapped = mapping.lookupOrNull(value))
      return mapped;
    Value splat = b.create<vector::BroadcastOp>(loc, vectorOf(value.getType()), value);
    mapping.map(value, splat);
    return splat;
  };
  for (Operation &op : body->without_terminator()) {
    Attribute constant;
    if (matchPattern(&op, m_Constant(&constant))) {
      auto type = vectorOf(op.getResult(0).getType());
      mapping.map(op.getResult(0),
                  b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, constant)));
      continue;
    }
    for (Value operand : op.getOperands())
      vectorized(operand);
    // The op itself, on vectors: elementwise-mappable ops keep their
    // attributes and take vectors of their scalar types.
    Operation *clone = b.clone(op, mapping);
    for (Value result : clone->getResults())
      result.setType(vectorOf(result.getType()));
  }
  SmallVector<Value> results;
  for (Value yielded : body->getTerminator()->getOperands())
    results.push_back(vectorized(yielded));
  return results;
}

void StepEpilogue::emit(VectorEmitter &emitter, Value row, Value unitCol, ArrayRef<Value> accs,
                        Value mask) {
  // Each value's vectors: one per gate when it spans all columns, else one.
  DenseMap<Value, SmallVector<Value, 4>> vectors;
  vectors[matmul.getResult(0)] = SmallVector<Value, 4>(accs.begin(), accs.end());
  auto columnOf = [&](Value value, int64_t gate) {
    return spansAll.lookup(value) ? emitter.offset(unitCol, gate * units) : unitCol;
  };
  for (Operation *op : ops) {
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      vectors[slice.getResult()] = {vectors[slice.getSource()][sliceGates.lookup(op)]};
      continue;
    }
    auto generic = cast<linalg::GenericOp>(op);
    bool all = spansAll.lookup(generic->getResult(0));
    for (int64_t gate = 0, copies = all ? gates : 1; gate < copies; ++gate) {
      SmallVector<Value> operands;
      for (OpOperand *input : generic.getDpsInputOperands()) {
        auto known = vectors.find(input->get());
        operands.push_back(known != vectors.end()
                               ? known->second[all ? gate : 0]
                               : load(emitter, *input, row, columnOf(generic->getResult(0), gate),
                                      mask));
      }
      for (auto [value, vector] :
           llvm::zip(generic->getResults(), vectorizedBody(emitter, generic, operands)))
        vectors[value].push_back(vector);
    }
  }
  for (Value value : stored)
    for (auto [gate, vector] : llvm::enumerate(vectors[value]))
      emitter.storeVector(Row{buffers.lookup(value), {row}}, columnOf(value, gate), vector, mask);
}

void StepEpilogue::finish(OpBuilder &builder) {
  Location loc = matmul.getLoc();
  for (Value value : stored) {
    Value tensor = builder.create<bufferization::ToTensorOp>(loc, buffers.lookup(value),
                                                             /*restrict=*/true, /*writable=*/true);
    if (tensor.getType() != value.getType())
      tensor = builder.create<tensor::CastOp>(loc, value.getType(), tensor);
    value.replaceAllUsesWith(tensor);
  }
  // The sizes read of the others: the rows, and their static columns.
  SmallVector<Value> values = {matmul.getResult(0)};
  for (Operation *op : ops)
    llvm::append_range(values, op->getResults());
  for (Value value : values)
      for (Operation *user : llvm::make_early_inc_range(value.getUsers()))
        if (auto dim = dyn_cast<tensor::DimOp>(user)) {
          int64_t index = *dim.getConstantIndex();
          auto type = cast<RankedTensorType>(value.getType());
          dim.replaceAllUsesWith(
              index == 0 ? rows
                         : builder.create<arith::ConstantIndexOp>(loc, type.getDimSize(index))
                               .getResult());
          dim->erase();
        }
  for (Operation *op : llvm::reverse(ops))
    op->erase();
  matmul->erase();
}
