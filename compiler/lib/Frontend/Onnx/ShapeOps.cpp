// Shape arithmetic folded at import (Shape, Gather, Unsqueeze, Concat, ...)
// and the layout glue exporters put around RNN nodes (Slice, Squeeze,
// Unsqueeze, Concat, Transpose, Reshape, Cast).

#include "Importer.h"

using namespace mlir;

namespace mlir::rnnc::onnx_import {

LogicalResult OnnxImporter::importShapeOp(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  ShapeVector result;
  if (op == "Shape" && shapes.count(node.input(0))) {
    result.elements.push_back(ShapeDim{(int64_t)shapes[node.input(0)].elements.size(), Value(), 0});
  } else if (op == "Reshape") {
    // A shape vector reshaped to one dimension ([-1] or [n]) is itself.
    FailureOr<const ShapeVector *> data = shapeInput(node, 0, "data");
    FailureOr<SmallVector<int64_t>> target = constantInts(node, 1, "shape");
    if (failed(data) || failed(target))
      return failure();
    if (target->size() != 1 ||
        ((*target)[0] != -1 && (*target)[0] != (int64_t)(*data)->elements.size()))
      return nodeError(node) << "only flattening a shape vector is supported";
    result.elements = (*data)->elements;
  } else if (op == "Mul" || op == "Equal") {
    // Elementwise with broadcasting of a one-element side. Dimensions are
    // never negative, so comparing one with a negative constant is false.
    FailureOr<const ShapeVector *> lhs = shapeInput(node, 0, "A");
    FailureOr<const ShapeVector *> rhs = shapeInput(node, 1, "B");
    if (failed(lhs) || failed(rhs))
      return failure();
    size_t n = std::max((*lhs)->elements.size(), (*rhs)->elements.size());
    auto at = [&](const ShapeVector *v, size_t i) {
      return v->elements[v->elements.size() == 1 ? 0 : i];
    };
    for (size_t i = 0; i < n; ++i) {
      ShapeDim a = at(*lhs, i), c = at(*rhs, i);
      if (op == "Mul") {
        if (!a.source && !c.source)
          result.elements.push_back(ShapeDim{a.value * c.value, Value(), 0});
        else if (!c.source && c.value == 1)
          result.elements.push_back(a);
        else if (!a.source && a.value == 1)
          result.elements.push_back(c);
        else
          return nodeError(node) << "cannot multiply run-time dimensions at import time";
      } else {
        bool equal;
        if (!a.source && !c.source)
          equal = a.value == c.value;
        else if ((a.source && !c.source && c.value < 0) || (c.source && !a.source && a.value < 0))
          equal = false;
        else if (a.source && c.source && a.source == c.source && a.dim == c.dim)
          equal = true;
        else
          return nodeError(node) << "cannot compare run-time dimensions at import time";
        result.elements.push_back(ShapeDim{equal ? 1 : 0, Value(), 0});
      }
    }
    result.scalar = (*lhs)->scalar && (*rhs)->scalar;
  } else if (op == "Where") {
    FailureOr<const ShapeVector *> condition = shapeInput(node, 0, "condition");
    FailureOr<const ShapeVector *> yes = shapeInput(node, 1, "X");
    FailureOr<const ShapeVector *> no = shapeInput(node, 2, "Y");
    if (failed(condition) || failed(yes) || failed(no))
      return failure();
    size_t n =
        std::max({(*condition)->elements.size(), (*yes)->elements.size(), (*no)->elements.size()});
    for (size_t i = 0; i < n; ++i) {
      auto at = [&](const ShapeVector *v) { return v->elements[v->elements.size() == 1 ? 0 : i]; };
      ShapeDim c = at(*condition);
      if (c.source)
        return nodeError(node) << "the condition must be known at import time";
      result.elements.push_back(c.value ? at(*yes) : at(*no));
    }
  } else if (op == "Shape") {
    if (findAttribute(node, "start") || findAttribute(node, "end"))
      return nodeError(node) << "attributes 'start' and 'end' are not supported";
    FailureOr<Value> input = runtimeInput(node, 0);
    if (failed(input))
      return failure();
    auto type = cast<RankedTensorType>(input->getType());
    for (unsigned d = 0; d < type.getRank(); ++d)
      result.elements.push_back(type.isDynamicDim(d) ? ShapeDim{0, *input, d}
                                                     : ShapeDim{type.getDimSize(d), Value(), 0});
  } else if (op == "Gather") {
    if (intAttribute(node, "axis", 0) != 0)
      return nodeError(node) << "only axis 0 is supported";
    FailureOr<const ShapeVector *> data = shapeInput(node, 0, "data");
    FailureOr<const ShapeVector *> indices = shapeInput(node, 1, "indices");
    if (failed(data) || failed(indices))
      return failure();
    int64_t n = (*data)->elements.size();
    for (const ShapeDim &index : (*indices)->elements) {
      int64_t i = index.value < 0 ? index.value + n : index.value;
      if (index.source || i < 0 || i >= n)
        return nodeError(node) << "index " << index.value << " is out of range for " << n
                               << " elements";
      result.elements.push_back((*data)->elements[i]);
    }
    result.scalar = (*indices)->scalar;
  } else if (op == "Unsqueeze") {
    FailureOr<const ShapeVector *> data = shapeInput(node, 0, "data");
    if (failed(data))
      return failure();
    std::optional<SmallVector<int64_t>> axes = intsAttribute(node, "axes");
    if (!axes) {
      FailureOr<SmallVector<int64_t>> fromInput = constantInts(node, 1, "axes");
      if (failed(fromInput))
        return failure();
      axes = *fromInput;
    }
    if (!(*data)->scalar || axes->size() != 1 || (*axes)[0] != 0)
      return nodeError(node) << "only unsqueezing a scalar at axis 0 is supported on shapes";
    result.elements = (*data)->elements;
  } else if (op == "Concat") {
    if (intAttribute(node, "axis", 0) != 0)
      return nodeError(node) << "only axis 0 is supported on shapes";
    for (int i = 0; i < node.input_size(); ++i) {
      FailureOr<const ShapeVector *> part = shapeInput(node, i, "inputs");
      if (failed(part))
        return failure();
      llvm::append_range(result.elements, (*part)->elements);
    }
  } else if (op == "Cast") {
    int64_t to = intAttribute(node, "to", -1);
    if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32)
      return nodeError(node) << "casting a shape to type " << to << " is not supported";
    FailureOr<const ShapeVector *> data = shapeInput(node, 0, "input");
    if (failed(data))
      return failure();
    result = **data;
  } else { // ConstantOfShape
    FailureOr<const ShapeVector *> shape = shapeInput(node, 0, "input");
    if (failed(shape))
      return failure();
    float fill = 0.0f;
    if (const onnx::AttributeProto *attr = findAttribute(node, "value")) {
      const onnx::TensorProto &t = attr->t();
      // An integer fill over a constant 1-D shape is itself a shape vector.
      if (t.data_type() == onnx::TensorProto::INT64 && (*shape)->elements.size() == 1 &&
          !(*shape)->elements[0].source) {
        int64_t fillValue = t.int64_data_size() == 1 ? t.int64_data(0) : 0;
        if (t.int64_data_size() != 1 && t.raw_data().size() == 8)
          memcpy(&fillValue, t.raw_data().data(), 8);
        int64_t count = (*shape)->elements[0].value;
        if (count < 0 || count > 4096)
          return nodeError(node) << "an integer ConstantOfShape of " << count
                                 << " elements is not supported";
        result.elements.assign(count, ShapeDim{fillValue, Value(), 0});
        shapes[node.output(0)] = result;
        return success();
      }
      if (t.data_type() != onnx::TensorProto::FLOAT)
        return nodeError(node) << "attribute 'value' must be a float tensor";
      if (t.float_data_size() == 1)
        fill = t.float_data(0);
      else if (t.raw_data().size() == 4)
        memcpy(&fill, t.raw_data().data(), 4);
      else
        return nodeError(node) << "attribute 'value' must hold one float";
    }
    SmallVector<OpFoldResult> sizes;
    for (const ShapeDim &d : (*shape)->elements) {
      if (!d.source && d.value < 0)
        return nodeError(node) << "shape has a negative dimension " << d.value;
      sizes.push_back(dimSize(d));
    }
    Location loc = nodeLoc(node);
    Value empty = b.create<tensor::EmptyOp>(loc, sizes, b.getF32Type());
    Value value = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(fill));
    values[node.output(0)] = b.create<linalg::FillOp>(loc, value, empty).getResult(0);
    return success();
  }
  shapes[node.output(0)] = result;
  return success();
}

LogicalResult OnnxImporter::importTensorOp(const onnx::NodeProto &node) {
  const std::string &op = node.op_type();
  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  Location loc = nodeLoc(node);
  FailureOr<Value> maybeInput = runtimeInput(node, 0);
  if (failed(maybeInput))
    return failure();
  Value input = *maybeInput;
  auto type = cast<RankedTensorType>(input.getType());
  const int64_t rank = type.getRank();
  auto sizeOf = [&](Value v, unsigned d) { return dimSize(ShapeDim{0, v, d}); };
  auto staticOf = [](OpFoldResult size) {
    auto attr = dyn_cast<Attribute>(size);
    return attr ? cast<IntegerAttr>(attr).getInt() : ShapedType::kDynamic;
  };
  auto shapeOf = [&](ArrayRef<OpFoldResult> sizes) {
    SmallVector<int64_t> shape;
    for (OpFoldResult size : sizes)
      shape.push_back(staticOf(size));
    return shape;
  };
  // Squeeze/Unsqueeze axes: the attribute (opset < 13) or the constant input,
  // normalized against the rank they index and sorted.
  auto axesFor = [&](bool countAxesInRank) -> FailureOr<SmallVector<int64_t>> {
    std::optional<SmallVector<int64_t>> axes = intsAttribute(node, "axes");
    if (!axes && node.input_size() > 1 && !node.input(1).empty()) {
      FailureOr<SmallVector<int64_t>> fromInput = constantInts(node, 1, "axes");
      if (failed(fromInput))
        return failure();
      axes = *fromInput;
    }
    SmallVector<int64_t> raw = axes.value_or(SmallVector<int64_t>{});
    int64_t outRank = rank + (countAxesInRank ? (int64_t)raw.size() : 0);
    SmallVector<int64_t> normalized;
    for (int64_t a : raw) {
      int64_t n = a < 0 ? a + outRank : a;
      if (n < 0 || n >= outRank)
        return nodeError(node) << "axis " << a << " is out of range";
      normalized.push_back(n);
    }
    llvm::sort(normalized);
    return normalized;
  };
  Value result;

  if (op == "Unsqueeze" || op == "Squeeze") {
    bool expand = op == "Unsqueeze";
    FailureOr<SmallVector<int64_t>> axes = axesFor(expand);
    if (failed(axes))
      return failure();
    if (!expand && axes->empty()) // Squeeze without axes drops every static 1.
      for (int64_t d = 0; d < rank; ++d)
        if (type.getDimSize(d) == 1)
          axes->push_back(d);
    // The unit dimensions join the group of the nearest kept dimension.
    int64_t full = expand ? rank + axes->size() : rank;
    SmallVector<ReassociationIndices> groups;
    SmallVector<OpFoldResult> fullSizes;
    int64_t source = 0;
    for (int64_t d = 0; d < full; ++d) {
      bool unit = llvm::is_contained(*axes, d);
      if (!expand && unit && type.getDimSize(d) != 1)
        return nodeError(node) << "dimension " << d << " is not statically 1";
      if (unit) {
        fullSizes.push_back(b.getIndexAttr(1));
        if (groups.empty())
          groups.push_back({});
        groups.back().push_back(d);
        continue;
      }
      fullSizes.push_back(sizeOf(input, expand ? source++ : d));
      if (!groups.empty() && groups.back().size() > 0 &&
          llvm::all_of(groups.back(), [&](int64_t g) { return llvm::is_contained(*axes, g); }))
        groups.back().push_back(d);
      else
        groups.push_back({d});
    }
    if (groups.empty() ||
        llvm::all_of(groups.back(), [&](int64_t g) { return llvm::is_contained(*axes, g); }))
      return nodeError(node) << "cannot " << (expand ? "unsqueeze" : "squeeze")
                             << " every dimension";
    SmallVector<OpFoldResult> kept;
    for (int64_t d = 0; d < full; ++d)
      if (!llvm::is_contained(*axes, d))
        kept.push_back(fullSizes[d]);
    if (expand) {
      auto resultType = RankedTensorType::get(shapeOf(fullSizes), type.getElementType());
      result = b.create<tensor::ExpandShapeOp>(loc, resultType, input, groups, fullSizes);
    } else {
      auto resultType = RankedTensorType::get(shapeOf(kept), type.getElementType());
      result = b.create<tensor::CollapseShapeOp>(loc, resultType, input, groups);
    }
  } else if (op == "Concat") {
    int64_t axis = intAttribute(node, "axis", 0);
    axis = axis < 0 ? axis + rank : axis;
    if (axis < 0 || axis >= rank)
      return nodeError(node) << "attribute 'axis' is out of range";
    SmallVector<Value> parts;
    for (int i = 0; i < node.input_size(); ++i) {
      FailureOr<Value> part = runtimeInput(node, i);
      if (failed(part))
        return failure();
      auto partType = cast<RankedTensorType>(part->getType());
      if (partType.getRank() != rank || partType.getElementType() != type.getElementType())
        return nodeError(node) << "inputs must have the same rank and element type";
      parts.push_back(*part);
    }
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(sizeOf(input, d));
    Value total = getValueOrCreateConstantIndexOp(b, loc, sizeOf(parts[0], axis));
    // Folded: parts of static sizes (stacked layers' Y_h) make a static total.
    for (size_t i = 1; i < parts.size(); ++i)
      total = b.createOrFold<arith::AddIOp>(
          loc, total, getValueOrCreateConstantIndexOp(b, loc, sizeOf(parts[i], axis)));
    sizes[axis] = getAsOpFoldResult(total);
    result = b.create<tensor::EmptyOp>(loc, sizes, type.getElementType());
    result = b.create<tensor::CastOp>(
        loc, RankedTensorType::get(shapeOf(sizes), type.getElementType()), result);
    Value offset = b.create<arith::ConstantIndexOp>(loc, 0);
    for (Value part : parts) {
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), partSizes,
          strides(rank, b.getIndexAttr(1));
      for (int64_t d = 0; d < rank; ++d)
        partSizes.push_back(sizeOf(part, d));
      offsets[axis] = getAsOpFoldResult(offset);
      result = b.create<tensor::InsertSliceOp>(loc, part, result, offsets, partSizes, strides);
      offset = b.create<arith::AddIOp>(loc, offset,
                                       getValueOrCreateConstantIndexOp(b, loc, partSizes[axis]));
    }
  } else if (op == "Slice") {
    FailureOr<SmallVector<int64_t>> starts = constantInts(node, 1, "starts");
    FailureOr<SmallVector<int64_t>> ends = constantInts(node, 2, "ends");
    if (failed(starts) || failed(ends))
      return failure();
    SmallVector<int64_t> axes, steps(starts->size(), 1);
    for (size_t i = 0; i < starts->size(); ++i)
      axes.push_back(i);
    if (node.input_size() > 3 && !node.input(3).empty()) {
      FailureOr<SmallVector<int64_t>> a = constantInts(node, 3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (node.input_size() > 4 && !node.input(4).empty()) {
      FailureOr<SmallVector<int64_t>> st = constantInts(node, 4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
    if (axes.size() != starts->size() || ends->size() != starts->size() ||
        steps.size() != starts->size())
      return nodeError(node) << "starts, ends, axes and steps must have the same length";
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
        strides(rank, b.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(sizeOf(input, d));
    for (size_t i = 0; i < axes.size(); ++i) {
      int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (axis < 0 || axis >= rank)
        return nodeError(node) << "axis " << axes[i] << " is out of range";
      if (steps[i] != 1)
        return nodeError(node) << "steps other than 1 are not supported";
      int64_t dim = type.getDimSize(axis);
      int64_t start = (*starts)[i], end = (*ends)[i];
      // ONNX: a negative bound counts from the end; both are then clamped to
      // [0, dim], and an end before the start selects nothing.
      if (ShapedType::isDynamic(dim)) {
        Value size = b.create<tensor::DimOp>(loc, input, axis);
        auto constant = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); };
        auto clamped = [&](int64_t bound) -> Value {
          Value v = bound < 0 ? b.create<arith::AddIOp>(loc, size, constant(bound)).getResult()
                              : constant(bound).getResult();
          v = b.create<arith::MaxSIOp>(loc, v, constant(0));
          return b.create<arith::MinSIOp>(loc, v, size);
        };
        Value first = clamped(start), last = clamped(end);
        offsets[axis] = getAsOpFoldResult(first);
        sizes[axis] = getAsOpFoldResult(b.create<arith::MaxSIOp>(
            loc, b.create<arith::SubIOp>(loc, last, first), constant(0)));
        continue;
      }
      start = std::clamp<int64_t>(start < 0 ? start + dim : start, 0, dim);
      end = std::clamp<int64_t>(end < 0 ? end + dim : end, 0, dim);
      offsets[axis] = b.getIndexAttr(start);
      sizes[axis] = b.getIndexAttr(std::max<int64_t>(end - start, 0));
    }
    auto resultType = RankedTensorType::get(shapeOf(sizes), type.getElementType());
    result = b.create<tensor::ExtractSliceOp>(loc, resultType, input, offsets, sizes, strides);
  } else if (op == "Gather") {
    // A constant scalar index picks one slice (e.g. h_n[0]).
    int64_t axis = intAttribute(node, "axis", 0);
    axis = axis < 0 ? axis + rank : axis;
    FailureOr<const ShapeVector *> indices = shapeInput(node, 1, "indices");
    if (failed(indices))
      return failure();
    if (axis < 0 || axis >= rank || !(*indices)->scalar || (*indices)->elements[0].source)
      return nodeError(node) << "only a constant scalar index on a valid axis is supported";
    int64_t index = (*indices)->elements[0].value, dim = type.getDimSize(axis);
    if (index < 0 && !ShapedType::isDynamic(dim))
      index += dim;
    if (!ShapedType::isDynamic(dim) && (index < 0 || index >= dim))
      return nodeError(node) << "index " << (*indices)->elements[0].value << " is out of range [-"
                             << dim << ", " << dim << ") of axis " << axis;
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
        strides(rank, b.getIndexAttr(1));
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < rank; ++d) {
      sizes.push_back(d == axis ? b.getIndexAttr(1) : sizeOf(input, d));
      if (d != axis)
        shape.push_back(type.getDimSize(d));
    }
    // From the end of a run-time size: `size - k`; the signature then asks
    // the runtime for a size of at least k (as it does at least index + 1).
    offsets[axis] = index >= 0 ? OpFoldResult(b.getIndexAttr(index))
                               : OpFoldResult(b.create<arith::AddIOp>(
                                                   loc, b.create<tensor::DimOp>(loc, input, axis),
                                                   b.create<arith::ConstantIndexOp>(loc, index))
                                                  .getResult());
    result = b.create<tensor::ExtractSliceOp>(
        loc, RankedTensorType::get(shape, type.getElementType()), input, offsets, sizes, strides);
  } else if (op == "Transpose") {
    SmallVector<int64_t> perm;
    if (std::optional<SmallVector<int64_t>> attr = intsAttribute(node, "perm"))
      perm = *attr;
    else
      for (int64_t d = rank - 1; d >= 0; --d)
        perm.push_back(d);
    SmallVector<int64_t> sorted(perm);
    llvm::sort(sorted);
    if ((int64_t)perm.size() != rank || llvm::any_of(llvm::enumerate(sorted), [](auto p) {
          return p.value() != (int64_t)p.index();
        }))
      return nodeError(node) << "attribute 'perm' is not a permutation of the " << rank
                             << " dimensions";
    SmallVector<OpFoldResult> sizes;
    for (int64_t d : perm)
      sizes.push_back(sizeOf(input, d));
    Value init = b.create<tensor::EmptyOp>(loc, sizes, type.getElementType());
    result = b.create<linalg::TransposeOp>(loc, input, init, perm).getResult()[0];
  } else if (op == "Reshape") {
    if (intAttribute(node, "allowzero", 0) != 0)
      return nodeError(node) << "attribute 'allowzero' is not supported";
    FailureOr<SmallVector<int64_t>> target = constantInts(node, 1, "shape");
    if (failed(target))
      return failure();
    int64_t outRank = target->size();
    // Supported: keep a prefix of dimensions and merge the rest into the last
    // one (collapse), or split the last dimension (expand).
    int64_t prefix = std::min(rank, outRank) - 1;
    for (int64_t d = 0; d < prefix; ++d)
      if (!((*target)[d] == 0 || (*target)[d] == type.getDimSize(d)))
        return nodeError(node) << "only reshapes that keep leading dimensions and merge or "
                                  "split the trailing ones are supported";
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < prefix; ++d)
      groups.push_back({d});
    ReassociationIndices tail;
    for (int64_t d = prefix; d < std::max(rank, outRank); ++d)
      tail.push_back(d);
    groups.push_back(tail);
    SmallVector<OpFoldResult> sizes;
    for (int64_t d = 0; d < prefix; ++d)
      sizes.push_back(sizeOf(input, d));
    if (outRank < rank || outRank == rank) {
      int64_t product = 1;
      for (int64_t d = prefix; d < rank; ++d) {
        if (type.isDynamicDim(d))
          return nodeError(node) << "merged dimensions must be static";
        product *= type.getDimSize(d);
      }
      int64_t last = (*target)[outRank - 1];
      if (last != -1 && last != product && !(last == 0 && outRank == rank))
        return nodeError(node) << "target shape does not match the input's size";
      sizes.push_back(b.getIndexAttr(product));
      auto resultType = RankedTensorType::get(shapeOf(sizes), type.getElementType());
      result = outRank == rank
                   ? input
                   : b.create<tensor::CollapseShapeOp>(loc, resultType, input, groups).getResult();
    } else {
      int64_t source = type.getDimSize(rank - 1), product = 1, inferred = -1;
      for (int64_t d = prefix; d < outRank; ++d) {
        if ((*target)[d] == -1)
          inferred = d;
        else if ((*target)[d] <= 0)
          return nodeError(node) << "split dimensions must be positive or -1";
        else
          product *= (*target)[d];
      }
      if (ShapedType::isDynamic(source) || (inferred < 0 && product != source) ||
          (inferred >= 0 && source % product != 0))
        return nodeError(node) << "target shape does not match the input's size";
      for (int64_t d = prefix; d < outRank; ++d)
        sizes.push_back(b.getIndexAttr(d == inferred ? source / product : (*target)[d]));
      auto resultType = RankedTensorType::get(shapeOf(sizes), type.getElementType());
      result = b.create<tensor::ExpandShapeOp>(loc, resultType, input, groups, sizes);
    }
  } else { // Cast
    int64_t to = intAttribute(node, "to", -1);
    std::optional<Type> target = elementType(to, context);
    if (!target)
      return nodeError(node) << "casting to type " << to << " is not supported";
    Type from = type.getElementType();
    if (from == *target) {
      result = input;
    } else if (from.isInteger(32) || from.isInteger(64)) {
      if (!target->isInteger(32) && !target->isInteger(64))
        return nodeError(node) << "casting integers to floats is not supported";
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(sizeOf(input, d));
      Value init = b.create<tensor::EmptyOp>(loc, sizes, *target);
      SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
      SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
      bool widen = target->isInteger(64);
      result = b.create<linalg::GenericOp>(
                    loc, init.getType(), input, init, maps, iterators,
                    [&](OpBuilder &nested, Location l, ValueRange args) {
                      Value v =
                          widen ? nested.create<arith::ExtSIOp>(l, *target, args[0]).getResult()
                                : nested.create<arith::TruncIOp>(l, *target, args[0]).getResult();
                      nested.create<linalg::YieldOp>(l, v);
                    })
                   .getResult(0);
    } else {
      return nodeError(node) << "casting float tensors is not supported";
    }
  }
  values[node.output(0)] = result;
  auto it = constants.find(node.input(0));
  if (op == "Cast" && result == input && it != constants.end())
    constants[node.output(0)] = it->second;
  return success();
}

} // namespace mlir::rnnc::onnx_import
