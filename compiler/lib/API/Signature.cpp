#include "rnnc/API/Signature.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/EquivalenceClasses.h"
#include "llvm/ADT/StringSet.h"

#include <map>

using namespace mlir;
using namespace mlir::rnnc;

std::string mlir::rnnc::describeTensor(const TensorSpec &spec, const ModelSignature &signature) {
  std::string text = spec.name + ": " + elementTypeName(spec.elementType) + "[";
  for (auto [d, size] : llvm::enumerate(spec.shape)) {
    if (d)
      text += ", ";
    int symbol = spec.dimSymbols[d];
    text += symbol >= 0 ? signature.symbols[symbol] : std::to_string(size);
  }
  return text + "]";
}

const char *mlir::rnnc::elementTypeName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::I32:
    return "i32";
  case ElementType::I64:
    return "i64";
  case ElementType::Bool:
    return "i1";
  }
  return "?";
}

rnnrt_dtype_t mlir::rnnc::toRuntimeDtype(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return RNNRT_DTYPE_F32;
  case ElementType::I32:
    return RNNRT_DTYPE_I32;
  case ElementType::I64:
    return RNNRT_DTYPE_I64;
  case ElementType::Bool:
    return RNNRT_DTYPE_BOOL;
  }
  return RNNRT_DTYPE_F32;
}

ElementType mlir::rnnc::fromRuntimeDtype(rnnrt_dtype_t dtype) {
  switch (dtype) {
  case RNNRT_DTYPE_F32:
    return ElementType::F32;
  case RNNRT_DTYPE_I32:
    return ElementType::I32;
  case RNNRT_DTYPE_I64:
    return ElementType::I64;
  case RNNRT_DTYPE_BOOL:
    return ElementType::Bool;
  }
  return ElementType::F32;
}

namespace {
using DimKey = std::pair<void *, unsigned>;

DimKey key(Value v, unsigned d) { return {v.getAsOpaquePointer(), d}; }

/// Names of the states of a stacked cell: "0/c", "0/h", "1", ...
SmallVector<std::string> stateNames(rnn::DynamicRNNOp op) {
  SmallVector<rnn::CellOpInterface> layers;
  SmallVector<std::string> names;
  if (failed(rnn::getCellLayers(op.getCell(), layers)))
    return names;
  for (auto [i, layer] : llvm::enumerate(layers)) {
    SmallVector<StringRef> leafs = layer.getStateNames();
    if (leafs.empty())
      names.push_back(std::to_string(i));
    for (StringRef leaf : leafs)
      names.push_back(std::to_string(i) + "/" + leaf.str());
  }
  return names;
}

/// Safe as a relative path: segments of [A-Za-z0-9_.-], none empty, "." or "..".
bool isSafeName(StringRef name) {
  if (name.empty())
    return false;
  SmallVector<StringRef> segments;
  name.split(segments, '/');
  for (StringRef s : segments) {
    if (s.empty() || s == "." || s == "..")
      return false;
    for (char c : s)
      if (!(isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-'))
        return false;
  }
  return true;
}

/// The function argument whose values reach `value` unchanged or only
/// widened or narrowed (ONNX's Cast of int64 lengths to int32: tensor.cast
/// and elementwise linalg.generic ops whose body is one integer extension or
/// truncation), or null.
BlockArgument valuesSource(Value value) {
  while (true) {
    if (auto arg = dyn_cast<BlockArgument>(value))
      return isa<func::FuncOp>(arg.getOwner()->getParentOp()) ? arg : BlockArgument();
    Operation *op = value.getDefiningOp();
    if (auto cast = dyn_cast_or_null<tensor::CastOp>(op)) {
      value = cast.getSource();
      continue;
    }
    auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
    if (!generic || generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        !llvm::all_of(generic.getIndexingMapsArray(),
                      [](AffineMap map) { return map.isIdentity(); }))
      return BlockArgument();
    Block &body = generic.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    Value yielded = yield.getValues()[0];
    Operation *convert = yielded.getDefiningOp();
    if (convert && isa<arith::ExtSIOp, arith::TruncIOp>(convert) && &body.front() == convert)
      yielded = convert->getOperand(0);
    if (yielded != body.getArgument(0))
      return BlockArgument();
    value = generic.getDpsInputs()[0];
  }
}

/// The dimension a size is read from (`tensor.dim %v, k`), if it is one.
std::optional<DimKey> dimOfSize(Value size) {
  auto dim = size.getDefiningOp<tensor::DimOp>();
  std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
  if (!index)
    return std::nullopt;
  return key(dim.getSource(), static_cast<unsigned>(*index));
}

/// Puts in one class the dimensions that the operations between the inputs
/// and the sequences require to be equal, so that the runtime checks inputs
/// against one value before the kernel reads any (a mismatch would read out of
/// bounds: ONNX's initial_h with fewer rows than X): a linalg operation's
/// operands along each loop and its results' inits, a cast's source and
/// result, a reshape's dimension and the one it becomes (beside 1s), an
/// empty tensor's dynamic size and a slice's size read from
/// another dimension, and the sliced dimension itself where the slice starts
/// at 0 with stride 1 (slicing fewer rows than a tensor has must then be
/// written with a static size). Collects in `minimums` the least size of each
/// dimension that constant positions read (a slice at a constant offset and
/// size, one at `size - c`, an extract at constant indices).
void tieRequiredDims(func::FuncOp func, llvm::EquivalenceClasses<DimKey> &classes,
                     std::vector<std::pair<DimKey, int64_t>> &minimums) {
  auto tieAll = [&](Value a, Value b) {
    auto type = dyn_cast<RankedTensorType>(a.getType());
    auto other = dyn_cast<RankedTensorType>(b.getType());
    if (type && other && type.getRank() == other.getRank())
      for (unsigned d = 0; d < type.getRank(); ++d)
        classes.unionSets(key(a, d), key(b, d));
  };
  func.walk([&](Operation *op) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      if (!linalgOp.hasPureTensorSemantics())
        return;
      std::map<unsigned, DimKey> firstOfLoop;
      for (OpOperand &operand : op->getOpOperands()) {
        if (!isa<RankedTensorType>(operand.get().getType()))
          continue;
        AffineMap map = linalgOp.getMatchingIndexingMap(&operand);
        for (auto [d, expr] : llvm::enumerate(map.getResults())) {
          auto loop = dyn_cast<AffineDimExpr>(expr);
          if (!loop)
            continue;
          DimKey k = key(operand.get(), d);
          auto [it, inserted] = firstOfLoop.try_emplace(loop.getPosition(), k);
          if (!inserted)
            classes.unionSets(it->second, k);
        }
      }
      for (OpResult result : op->getResults())
        tieAll(result, linalgOp.getDpsInitOperand(result.getResultNumber())->get());
    } else if (auto cast = dyn_cast<tensor::CastOp>(op)) {
      tieAll(cast.getSource(), cast.getResult());
    } else if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op)) {
      // A group of dimensions that are all 1 but one is that one dimension.
      Value collapsed = isa<tensor::ExpandShapeOp>(op) ? op->getOperand(0) : op->getResult(0);
      Value expanded = isa<tensor::ExpandShapeOp>(op) ? op->getResult(0) : op->getOperand(0);
      auto groups = isa<tensor::ExpandShapeOp>(op)
                        ? llvm::cast<tensor::ExpandShapeOp>(op).getReassociationIndices()
                        : llvm::cast<tensor::CollapseShapeOp>(op).getReassociationIndices();
      auto expandedType = llvm::cast<RankedTensorType>(expanded.getType());
      for (auto [d, group] : llvm::enumerate(groups)) {
        SmallVector<int64_t> nonUnit;
        for (int64_t e : group)
          if (expandedType.getDimSize(e) != 1)
            nonUnit.push_back(e);
        if (nonUnit.size() == 1)
          classes.unionSets(key(collapsed, d), key(expanded, nonUnit.front()));
      }
    } else if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
      for (unsigned d = 0; d < empty.getType().getRank(); ++d)
        if (empty.getType().isDynamicDim(d))
          if (std::optional<DimKey> size = dimOfSize(empty.getDynamicSize(d)))
            classes.unionSets(key(empty.getResult(), d), *size);
    } else if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
      for (auto [d, index] : llvm::enumerate(extract.getIndices()))
        if (std::optional<int64_t> at = getConstantIntValue(index))
          minimums.push_back({key(extract.getTensor(), d), *at + 1});
    } else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      llvm::SmallBitVector dropped = slice.getDroppedDims();
      unsigned resultDim = 0;
      for (unsigned d = 0; d < slice.getSourceType().getRank(); ++d) {
        std::optional<int64_t> staticSize = getConstantIntValue(slice.getMixedSizes()[d]);
        OpFoldResult offset = slice.getMixedOffsets()[d];
        auto offsetValue = llvm::dyn_cast_if_present<Value>(offset);
        if (staticSize && isConstantIntValue(slice.getMixedStrides()[d], 1)) {
          if (std::optional<int64_t> at = getConstantIntValue(offset)) {
            minimums.push_back({key(slice.getSource(), d), *at + *staticSize});
          } else if (auto add = offsetValue ? offsetValue.getDefiningOp<arith::AddIOp>()
                                            : arith::AddIOp()) {
            // `size(d) + c` with c < 0: the last -c entries.
            std::optional<DimKey> from = dimOfSize(add.getLhs());
            std::optional<int64_t> c = getConstantIntValue(add.getRhs());
            if (from && c && *c < 0 && *from == key(slice.getSource(), d))
              minimums.push_back({*from, -*c});
          }
        }
        if (dropped[d])
          continue;
        auto size = dyn_cast<Value>(slice.getMixedSizes()[d]);
        std::optional<DimKey> from = size ? dimOfSize(size) : std::nullopt;
        if (from) {
          classes.unionSets(key(slice.getResult(), resultDim), *from);
          if (isConstantIntValue(slice.getMixedOffsets()[d], 0) &&
              isConstantIntValue(slice.getMixedStrides()[d], 1))
            classes.unionSets(key(slice.getSource(), d), *from);
        }
        ++resultDim;
      }
    } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
      tieAll(insert.getDest(), insert.getResult());
      if (insert.getSourceType().getRank() == insert.getDestType().getRank())
        for (unsigned d = 0; d < insert.getSourceType().getRank(); ++d)
          if (auto size = dyn_cast<Value>(insert.getMixedSizes()[d]))
            if (std::optional<DimKey> from = dimOfSize(size))
              classes.unionSets(key(insert.getSource(), d), *from);
    }
  });
}

std::optional<ElementType> elementTypeOf(Type type) {
  if (type.isInteger(1))
    return ElementType::Bool;
  if (type.isF32())
    return ElementType::F32;
  if (type.isInteger(32))
    return ElementType::I32;
  if (type.isInteger(64))
    return ElementType::I64;
  return std::nullopt;
}
} // namespace

FailureOr<ModelSignature> mlir::rnnc::analyzeSignature(func::FuncOp func) {
  ModelSignature signature;
  signature.function = func.getSymName().str();

  // Dimensions that rnn.dynamic_rnn ties together (T and B) share a class.
  llvm::EquivalenceClasses<DimKey> classes;
  std::map<DimKey, std::string> roleOfClassMember; // "T" or "B"
  SmallVector<rnn::DynamicRNNOp> sequences;
  func.walk([&](rnn::DynamicRNNOp op) { sequences.push_back(op); });
  llvm::DenseMap<BlockArgument, rnn::DynamicRNNOp> convertedLengths;
  for (rnn::DynamicRNNOp op : sequences) {
    unsigned td = op.getTimeDim(), bd = op.getBatchDim();
    DimKey time = key(op.getInputs(), td), batch = key(op.getInputs(), bd);
    classes.insert(time);
    classes.insert(batch);
    roleOfClassMember[time] = "T";
    roleOfClassMember[batch] = "B";
    classes.unionSets(time, key(op.getOutputs(), td));
    classes.unionSets(batch, key(op.getOutputs(), bd));
    if (Value lengths = op.getSequenceLength()) {
      classes.unionSets(batch, key(lengths, 0));
      // Lengths the model converts first (ONNX's Cast of int64 lengths) are
      // checked as its input: rows and values in [0, T], as for direct ones.
      if (BlockArgument source = valuesSource(lengths); source && source != lengths) {
        classes.unionSets(batch, key(source, 0));
        convertedLengths.try_emplace(source, op);
      }
    }
    if (Value mask = op.getMask()) {
      classes.unionSets(batch, key(mask, 0));
      classes.unionSets(time, key(mask, 1));
    }
    for (Value v : op.getInitialState())
      classes.unionSets(batch, key(v, 0));
    for (Value v : op.getFinalState())
      classes.unionSets(batch, key(v, 0));
  }
  std::vector<std::pair<DimKey, int64_t>> minimums;
  tieRequiredDims(func, classes, minimums);

  // ONNX's dim_param names (rnn.dim_names, from the importer): run-time
  // dimensions of one name are one size, and the symbol takes the name.
  std::map<DimKey, std::string> nameOfClassMember;
  std::map<std::string, DimKey> firstOfName;
  auto nameDims = [&](Value value, ArrayAttr names) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!names || !type || names.size() != (size_t)type.getRank())
      return;
    for (auto [d, attr] : llvm::enumerate(names)) {
      auto name = dyn_cast<StringAttr>(attr);
      if (!name || name.getValue().empty() || !ShapedType::isDynamic(type.getDimSize(d)))
        continue;
      DimKey k = key(value, d);
      classes.insert(k);
      nameOfClassMember[k] = name.str();
      auto [first, inserted] = firstOfName.try_emplace(name.str(), k);
      if (!inserted)
        classes.unionSets(first->second, k);
    }
  };
  for (BlockArgument arg : func.getArguments())
    nameDims(arg, func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), "rnn.dim_names"));
  func.walk([&](func::ReturnOp ret) {
    for (auto [i, value] : llvm::enumerate(ret.getOperands()))
      nameDims(value, func.getResultAttrOfType<ArrayAttr>(i, "rnn.dim_names"));
  });

  // A class is static when any member has a static size.
  auto staticSizeOf = [&](DimKey k) -> int64_t {
    if (classes.findValue(k) == classes.end())
      return ShapedType::kDynamic;
    for (auto it = classes.member_begin(classes.findValue(classes.getLeaderValue(k)));
         it != classes.member_end(); ++it) {
      Value v = Value::getFromOpaquePointer(it->first);
      int64_t size = cast<ShapedType>(v.getType()).getDimSize(it->second);
      if (!ShapedType::isDynamic(size))
        return size;
    }
    return ShapedType::kDynamic;
  };
  std::map<DimKey, int> symbolOfLeader;
  int timeCount = 0, batchCount = 0;
  llvm::StringSet<> symbolNames;
  auto symbolFor = [&](DimKey k, const std::string &fallbackName) {
    DimKey leader = classes.findValue(k) != classes.end() ? classes.getLeaderValue(k) : k;
    auto found = symbolOfLeader.find(leader);
    if (found != symbolOfLeader.end())
      return found->second;
    std::string name = fallbackName;
    std::optional<std::string> dimName; // the least, when members have several
    bool isBatch = false;
    if (classes.findValue(k) != classes.end()) {
      for (auto it = classes.member_begin(classes.findValue(leader)); it != classes.member_end();
           ++it)
        if (auto named = nameOfClassMember.find(*it); named != nameOfClassMember.end())
          if (!dimName || named->second < *dimName)
            dimName = named->second;
      for (auto it = classes.member_begin(classes.findValue(leader)); it != classes.member_end();
           ++it) {
        auto role = roleOfClassMember.find(*it);
        if (role == roleOfClassMember.end())
          continue;
        int &count = role->second == "T" ? timeCount : batchCount;
        isBatch = role->second == "B" && count == 0;
        name = role->second + (count == 0 ? "" : std::to_string(count + 1));
        ++count;
        break;
      }
    }
    if (dimName)
      name = *dimName;
    std::string base = name;
    for (int n = 2; !symbolNames.insert(name).second; ++n)
      name = base + std::to_string(n);
    int id = (int)signature.symbols.size();
    signature.symbols.push_back(name);
    symbolOfLeader[leader] = id;
    if (isBatch)
      signature.batchSymbol = id;
    return id;
  };

  auto describe = [&](Value value, const std::string &name, Location loc) -> FailureOr<TensorSpec> {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    std::optional<ElementType> elementType =
        type ? elementTypeOf(type.getElementType()) : std::nullopt;
    if (!elementType)
      return emitError(loc) << "'" << name
                            << "' must be a ranked tensor of f32, i32, i64 or i1, got "
                            << value.getType();
    TensorSpec spec;
    spec.name = name;
    spec.elementType = *elementType;
    for (unsigned d = 0; d < type.getRank(); ++d) {
      int64_t size = type.getDimSize(d);
      if (ShapedType::isDynamic(size))
        size = staticSizeOf(key(value, d));
      bool dynamic = ShapedType::isDynamic(size);
      spec.shape.push_back(dynamic ? ModelSignature::kDynamic : size);
      spec.dimSymbols.push_back(
          dynamic ? symbolFor(key(value, d), name + ".dim" + std::to_string(d)) : -1);
    }
    return spec;
  };

  llvm::StringSet<> used;
  auto checkName = [&](const std::string &name, Location loc) -> LogicalResult {
    if (!isSafeName(name))
      return emitError(loc) << "name '" << name
                            << "' must be '/'-separated segments of letters, digits, '_', '.' "
                               "and '-' (it becomes a file path)";
    if (!used.insert(name).second)
      return emitError(loc) << "two inputs or results are named '" << name
                            << "'; give them distinct 'rnn.name' attributes";
    return success();
  };

  // Inputs a Gather reads indices from (ONNX's importer marks the gather
  // with `rnn.gather_axis`): the dimension they index bounds their values.
  llvm::DenseMap<BlockArgument, DimKey> indexedDims;
  func.walk([&](linalg::GenericOp generic) {
    auto axis = generic->getAttrOfType<IntegerAttr>("rnn.gather_axis");
    if (!axis || generic.getNumDpsInputs() != 1)
      return;
    tensor::ExtractOp extract;
    generic.getRegion().walk([&](tensor::ExtractOp op) { extract = op; });
    if (!extract || generic->isAncestor(extract.getTensor().getParentBlock()->getParentOp()) ||
        axis.getInt() < 0 || axis.getInt() >= extract.getTensor().getType().getRank())
      return;
    if (BlockArgument source = valuesSource(generic.getDpsInputs()[0]))
      indexedDims.try_emplace(source, key(extract.getTensor(), axis.getInt()));
  });

  for (BlockArgument arg : func.getArguments()) {
    std::string name = "arg" + std::to_string(arg.getArgNumber());
    rnn::DynamicRNNOp lengthUser = convertedLengths.lookup(arg);
    bool isMask = false;
    for (OpOperand &use : arg.getUses()) {
      auto op = dyn_cast<rnn::DynamicRNNOp>(use.getOwner());
      if (!op)
        continue;
      if (use.get() == op.getInputs()) {
        name = "inputs";
      } else if (use.get() == op.getSequenceLength()) {
        name = "sequence_length";
        lengthUser = op;
      } else if (use.get() == op.getMask()) {
        name = "mask";
        isMask = true;
      } else {
        unsigned first = op.getInitialState().getBeginOperandIndex();
        unsigned index = use.getOperandNumber() - first;
        SmallVector<std::string> states = stateNames(op);
        if (index < states.size())
          name = "initial_state/" + states[index];
      }
      break;
    }
    if (auto attr = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "rnn.name"))
      name = attr.str();
    if (failed(checkName(name, arg.getLoc())))
      return failure();
    FailureOr<TensorSpec> spec = describe(arg, name, arg.getLoc());
    if (failed(spec))
      return failure();
    if (isMask)
      spec->role = TensorRole::Mask;
    if (auto indexed = indexedDims.find(arg);
        indexed != indexedDims.end() && spec->elementType != ElementType::F32 &&
        spec->elementType != ElementType::Bool) {
      spec->role = TensorRole::Indices;
      DimKey dim = indexed->second;
      int64_t size = cast<ShapedType>(Value::getFromOpaquePointer(dim.first).getType())
                         .getDimSize(dim.second);
      if (ShapedType::isDynamic(size))
        size = staticSizeOf(dim);
      if (ShapedType::isDynamic(size))
        spec->limitSymbol = symbolFor(dim, name + ".limit");
      else
        spec->limitStatic = size;
    }
    if (lengthUser) {
      spec->role = TensorRole::SequenceLengths;
      int64_t time = staticSizeOf(key(lengthUser.getInputs(), lengthUser.getTimeDim()));
      if (ShapedType::isDynamic(time))
        spec->limitSymbol = symbolFor(key(lengthUser.getInputs(), lengthUser.getTimeDim()), "T");
      else
        spec->limitStatic = time;
    }
    signature.inputs.push_back(std::move(*spec));
  }

  auto returnOp = cast<func::ReturnOp>(func.getBody().back().getTerminator());
  for (auto [i, value] : llvm::enumerate(returnOp.getOperands())) {
    std::string name = "result" + std::to_string(i);
    if (auto op = value.getDefiningOp<rnn::DynamicRNNOp>()) {
      unsigned index = cast<OpResult>(value).getResultNumber();
      SmallVector<std::string> states = stateNames(op);
      if (index == 0)
        name = "outputs";
      else if (index - 1 < states.size())
        name = "final_state/" + states[index - 1];
    }
    if (auto attr = func.getResultAttrOfType<StringAttr>(i, "rnn.name"))
      name = attr.str();
    if (failed(checkName(name, returnOp.getLoc())))
      return failure();
    FailureOr<TensorSpec> spec = describe(value, name, returnOp.getLoc());
    if (failed(spec))
      return failure();
    signature.results.push_back(std::move(*spec));
  }

  // States pair by name; the runtime carries initial_state/S <- final_state/S.
  for (auto [i, input] : llvm::enumerate(signature.inputs)) {
    StringRef name = input.name;
    if (!name.consume_front("initial_state/"))
      continue;
    for (auto [r, result] : llvm::enumerate(signature.results)) {
      if (result.name != "final_state/" + name.str() || result.dimSymbols != input.dimSymbols ||
          result.shape != input.shape || result.elementType != input.elementType)
        continue;
      input.role = result.role = TensorRole::State;
      input.pair = (int)r;
      result.pair = (int)i;
    }
  }
  // States paired by attribute (ONNX graphs, CompileOptions::statePairs).
  for (auto [i, input] : llvm::enumerate(signature.inputs)) {
    auto stateOf = func.getArgAttrOfType<StringAttr>(i, kStateOfAttrName);
    if (!stateOf)
      continue;
    auto result = llvm::find_if(signature.results,
                                [&](const TensorSpec &r) { return r.name == stateOf.getValue(); });
    if (result == signature.results.end())
      return emitError(func.getLoc()) << "state input '" << input.name << "' is paired with '"
                                      << stateOf.getValue() << "', which is not an output";
    if (result->pair >= 0 || input.pair >= 0)
      return emitError(func.getLoc()) << "state input '" << input.name << "' or output '"
                                      << result->name << "' is paired twice";
    if (result->dimSymbols != input.dimSymbols || result->shape != input.shape ||
        result->elementType != input.elementType)
      return emitError(func.getLoc())
             << "state input " << describeTensor(input, signature) << " and output "
             << describeTensor(*result, signature) << " differ in shape or type, so one cannot carry the other";
    input.role = result->role = TensorRole::State;
    input.pair = (int)(result - signature.results.begin());
    result->pair = (int)i;
  }
  // A least size on a dimension of a run-time size is checked before the
  // call; on a static one it must hold now. Sizes no input determines are
  // read only within bounds the kernel computes.
  signature.symbolMinimums.assign(signature.symbols.size(), 0);
  for (auto [dim, least] : minimums) {
    DimKey leader = classes.findValue(dim) != classes.end() ? classes.getLeaderValue(dim) : dim;
    int64_t size = cast<ShapedType>(Value::getFromOpaquePointer(dim.first).getType())
                       .getDimSize(dim.second);
    if (ShapedType::isDynamic(size))
      size = staticSizeOf(dim);
    if (!ShapedType::isDynamic(size)) {
      if (size < least)
        return emitError(Value::getFromOpaquePointer(dim.first).getLoc())
               << "dimension " << dim.second << " of size " << size << " is read at position "
               << least - 1;
      continue;
    }
    if (auto found = symbolOfLeader.find(leader); found != symbolOfLeader.end())
      signature.symbolMinimums[found->second] =
          std::max(signature.symbolMinimums[found->second], least);
  }
  if (signature.batchSymbol < 0 && !sequences.empty()) {
    rnn::DynamicRNNOp first = sequences.front();
    int64_t batch = staticSizeOf(key(first.getInputs(), first.getBatchDim()));
    signature.staticBatch = ShapedType::isDynamic(batch) ? -1 : batch;
  }
  return signature;
}

void mlir::rnnc::dropNameAttributes(func::FuncOp func) {
  for (StringRef attr : {StringRef("rnn.name"), StringRef("rnn.dim_names"), StringRef(kStateOfAttrName)}) {
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      func.removeArgAttr(i, attr);
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      func.removeResultAttr(i, StringAttr::get(func.getContext(), attr));
  }
}

bool mlir::rnnc::bindSymbols(const ModelSignature &signature,
                             const std::vector<std::vector<int64_t>> &inputShapes,
                             const std::vector<const void *> &inputData,
                             std::vector<int64_t> &symbolValues, std::string &error) {
  symbolValues.assign(signature.symbols.size(), ModelSignature::kDynamic);
  std::vector<std::string> origin(signature.symbols.size());
  if (inputShapes.size() != signature.inputs.size()) {
    error = "expected " + std::to_string(signature.inputs.size()) + " inputs, got " +
            std::to_string(inputShapes.size());
    return false;
  }
  for (size_t i = 0; i < inputShapes.size(); ++i) {
    const TensorSpec &spec = signature.inputs[i];
    const std::vector<int64_t> &shape = inputShapes[i];
    if (shape.size() != spec.shape.size()) {
      error = "input '" + spec.name + "' must have rank " + std::to_string(spec.shape.size()) +
              ", got shape " + rnn::formatShape(shape);
      return false;
    }
    for (size_t d = 0; d < shape.size(); ++d) {
      std::string where = "input '" + spec.name + "' dimension " + std::to_string(d);
      if (spec.dimSymbols[d] < 0) {
        if (shape[d] != spec.shape[d]) {
          error = where + " must be " + std::to_string(spec.shape[d]) + ", got " +
                  std::to_string(shape[d]) + " (shape " + rnn::formatShape(shape) + ")";
          return false;
        }
        continue;
      }
      int symbol = spec.dimSymbols[d];
      if (symbolValues[symbol] == ModelSignature::kDynamic) {
        symbolValues[symbol] = shape[d];
        origin[symbol] = where;
      } else if (symbolValues[symbol] != shape[d]) {
        error = where + " is " + std::to_string(shape[d]) + " but " + signature.symbols[symbol] +
                " = " + std::to_string(symbolValues[symbol]) + " (from " + origin[symbol] + ")";
        return false;
      }
    }
  }
  for (size_t s = 0; s < signature.symbolMinimums.size(); ++s)
    if (symbolValues[s] >= 0 && symbolValues[s] < signature.symbolMinimums[s]) {
      error = "run-time size " + signature.symbols[s] + " is " + std::to_string(symbolValues[s]) +
              " (from " + origin[s] + ") but the model reads at least " +
              std::to_string(signature.symbolMinimums[s]) + " entries along it";
      return false;
    }
  for (size_t i = 0; i < inputShapes.size(); ++i) {
    const TensorSpec &spec = signature.inputs[i];
    bool lengths = spec.role == TensorRole::SequenceLengths;
    if (!lengths && spec.role != TensorRole::Indices)
      continue;
    int64_t limit = spec.limitSymbol >= 0 ? symbolValues[spec.limitSymbol] : spec.limitStatic;
    if (!lengths && limit < 0)
      continue;
    int64_t count = 1;
    for (int64_t size : inputShapes[i])
      count *= size;
    for (int64_t b = 0; b < count; ++b) {
      int64_t value = spec.elementType == ElementType::I32
                          ? static_cast<const int32_t *>(inputData[i])[b]
                          : static_cast<const int64_t *>(inputData[i])[b];
      bool inRange = lengths ? value >= 0 && (limit < 0 || value <= limit)
                             : value >= -limit && value < limit;
      if (!inRange) {
        error = "input '" + spec.name + "'[" + std::to_string(b) + "] = " + std::to_string(value) +
                " is out of range " +
                (lengths ? "[0, " + (limit >= 0 ? std::to_string(limit) : "T") + "]"
                         : "[-" + std::to_string(limit) + ", " + std::to_string(limit) +
                               ") of the dimension it indexes");
        return false;
      }
    }
  }
  return true;
}
