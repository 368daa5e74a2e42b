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
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal") {
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
      if (op != "Equal") {
        // Identities keep a run-time dimension; anything else must be constant.
        bool multiplicative = op == "Mul" || op == "Div";
        int64_t identity = multiplicative ? 1 : 0;
        if (!a.source && !c.source) {
          if (op == "Div" && c.value == 0)
            return nodeError(node) << "divides a shape by zero";
          int64_t v = op == "Add"   ? a.value + c.value
                      : op == "Sub" ? a.value - c.value
                      : op == "Mul" ? a.value * c.value
                                    : a.value / c.value;
          result.elements.push_back(ShapeDim{v, Value(), 0});
        } else if (!c.source && c.value == identity) {
          result.elements.push_back(a);
        } else if (!a.source && a.value == identity && (op == "Add" || op == "Mul")) {
          result.elements.push_back(c);
        } else {
          return nodeError(node) << "computes with a run-time dimension ('" << op
                                 << "' on the size of a dynamic axis), which rnnc folds only "
                                    "for static sizes: export with that axis static";
        }
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
  } else if (op == "ReduceProd") {
    // The element count of a shape: a product of its elements.
    FailureOr<const ShapeVector *> data = shapeInput(node, 0, "data");
    if (failed(data))
      return failure();
    if (node.input_size() > 1 || findAttribute(node, "axes"))
      return nodeError(node) << "only the product of a whole shape vector is supported";
    ShapeDim product{1, Value(), 0};
    for (const ShapeDim &d : (*data)->elements) {
      if (!d.source && !product.source)
        product.value *= d.value;
      else if (!d.source && d.value == 1)
        continue;
      else if (!product.source && product.value == 1)
        product = d;
      else
        return nodeError(node) << "cannot multiply run-time dimensions at import time";
    }
    result.elements.push_back(product);
    result.scalar = intAttribute(node, "keepdims", 1) == 0;
  } else if (op == "Range") {
    return importRange(node);
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
    Type element = b.getF32Type();
    TypedAttr fill = b.getF32FloatAttr(0.0f);
    if (const onnx::AttributeProto *attr = findAttribute(node, "value")) {
      // Parsed as a tensor of its own (importTensor also records it under
      // its name as a constant, which is dropped again).
      onnx::TensorProto t = attr->t();
      t.set_name(node.output(0) + "#value");
      Value parsed;
      if (failed(importTensor(t, nodeLoc(node), parsed)))
        return failure();
      shapes.erase(t.name());
      constants.erase(t.name());
      auto dense = cast<DenseElementsAttr>(parsed.getDefiningOp<arith::ConstantOp>().getValue());
      parsed.getDefiningOp()->erase();
      if (dense.getNumElements() != 1)
        return nodeError(node) << "attribute 'value' must hold one value";
      element = dense.getElementType();
      fill = cast<TypedAttr>(*dense.value_begin<Attribute>());
      // An integer fill over a constant 1-D shape is also a shape vector.
      if (isa<IntegerType>(element) && (*shape)->elements.size() == 1 &&
          !(*shape)->elements[0].source) {
        int64_t count = (*shape)->elements[0].value;
        if (count < 0 || count > 4096)
          return nodeError(node) << "an integer ConstantOfShape of " << count
                                 << " elements is not supported";
        result.elements.assign(count,
                               ShapeDim{cast<IntegerAttr>(fill).getInt(), Value(), 0});
        shapes[node.output(0)] = result;
      }
    }
    SmallVector<OpFoldResult> sizes;
    for (const ShapeDim &d : (*shape)->elements) {
      if (!d.source && d.value < 0)
        return nodeError(node) << "shape has a negative dimension " << d.value;
      sizes.push_back(dimSize(d));
    }
    Location loc = nodeLoc(node);
    Value empty = b.create<tensor::EmptyOp>(loc, sizes, element);
    Value value = b.create<arith::ConstantOp>(loc, fill);
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
    SmallVector<int64_t> reversed;
    auto constant = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v).getResult(); };
    auto fold = [&](auto op, Value x, Value y) {
      return b.createOrFold<decltype(op)>(loc, x, y);
    };
    for (size_t i = 0; i < axes.size(); ++i) {
      int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
      if (axis < 0 || axis >= rank)
        return nodeError(node) << "axis " << axes[i] << " is out of range";
      int64_t step = steps[i];
      if (step == 0)
        return nodeError(node) << "a step of 0 is invalid";
      // ONNX: a negative bound counts from the end; with a positive step both
      // are clamped to [0, dim], with a negative one the start to [0, dim - 1]
      // and the end to [-1, dim - 1]; the slice has ceil(span / |step|)
      // elements, none where the span is negative. Bounds past the int range
      // (torch's INT64_MAX) clamp like any other.
      Value size = getValueOrCreateConstantIndexOp(b, loc, sizes[axis]);
      auto clamped = [&](int64_t bound, int64_t low, int64_t highBelowSize) -> Value {
        Value v = bound < 0 ? fold(arith::AddIOp(), size, constant(std::max<int64_t>(bound, -(int64_t(1) << 62))))
                            : constant(std::min<int64_t>(bound, int64_t(1) << 62));
        v = fold(arith::MaxSIOp(), v, constant(low));
        return fold(arith::MinSIOp(), v, fold(arith::SubIOp(), size, constant(highBelowSize)));
      };
      bool forward = step > 0;
      Value first = forward ? clamped((*starts)[i], 0, 0) : clamped((*starts)[i], 0, 1);
      Value last = forward ? clamped((*ends)[i], 0, 0) : clamped((*ends)[i], -1, 1);
      int64_t magnitude = std::abs(step);
      Value span = forward ? fold(arith::SubIOp(), last, first) : fold(arith::SubIOp(), first, last);
      span = fold(arith::MaxSIOp(), span, constant(0));
      // Never more than the dimension: the min says so to the heap bound
      // (Compile.cpp), which cannot follow the clamping of a negative step.
      Value count = fold(arith::MinSIOp(), fold(arith::CeilDivSIOp(), span, constant(magnitude)),
                         size);
      // A negative step reads the same elements as a positive one from the
      // last element it takes, reversed afterwards.
      Value offset = forward ? first
                             : fold(arith::SubIOp(), first,
                                    fold(arith::MulIOp(),
                                         fold(arith::MaxSIOp(),
                                              fold(arith::SubIOp(), count, constant(1)),
                                              constant(0)),
                                         constant(magnitude)));
      offsets[axis] = getAsOpFoldResult(fold(arith::MaxSIOp(), offset, constant(0)));
      sizes[axis] = getAsOpFoldResult(count);
      strides[axis] = b.getIndexAttr(magnitude);
      if (!forward)
        reversed.push_back(axis);
    }
    auto resultType = RankedTensorType::get(shapeOf(sizes), type.getElementType());
    result = b.create<tensor::ExtractSliceOp>(loc, resultType, input, offsets, sizes, strides);
    if (!reversed.empty()) {
      // out[..., i, ...] = slice[..., n - 1 - i, ...] along the reversed axes.
      Value slice = result;
      Value init = b.create<tensor::EmptyOp>(loc, sizes, type.getElementType());
      init = b.create<tensor::CastOp>(loc, resultType, init);
      SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
      SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
      result = b.create<linalg::GenericOp>(
                    loc, resultType, ValueRange{}, init, maps, iterators,
                    [&](OpBuilder &n, Location l, ValueRange) {
                      SmallVector<Value> at;
                      for (int64_t d = 0; d < rank; ++d) {
                        Value i = n.create<linalg::IndexOp>(l, d);
                        if (llvm::is_contained(reversed, d)) {
                          Value last = n.create<arith::SubIOp>(
                              l, n.create<tensor::DimOp>(l, slice, d),
                              n.create<arith::ConstantIndexOp>(l, 1));
                          i = n.create<arith::SubIOp>(l, last, i);
                        }
                        at.push_back(i);
                      }
                      n.create<linalg::YieldOp>(
                          l, n.create<tensor::ExtractOp>(l, slice, at).getResult());
                    })
                   .getResult(0);
    }
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
    std::optional<Type> target = to == onnx::TensorProto::BOOL
                                     ? std::optional<Type>(b.getI1Type())
                                     : elementType(to, context);
    if (!target)
      return nodeError(node) << "casting to type " << to
                             << " is not supported (float, int32, int64 and bool are)";
    Type from = type.getElementType();
    if (from == *target) {
      result = input;
    } else {
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(sizeOf(input, d));
      Value init = b.create<tensor::EmptyOp>(loc, sizes, *target);
      SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
      SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
      // ONNX casts: to bool is "not zero", from bool is 0/1, floats to
      // integers truncate toward zero.
      auto convert = [&](OpBuilder &n, Location l, Value v) -> Value {
        Type target2 = *target;
        if (target2.isInteger(1)) {
          Value zero = n.create<arith::ConstantOp>(l, n.getZeroAttr(from));
          return isa<FloatType>(from)
                     ? n.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNE, v, zero).getResult()
                     : n.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, v, zero).getResult();
        }
        if (isa<FloatType>(target2))
          return from.isInteger(1) ? n.create<arith::UIToFPOp>(l, target2, v).getResult()
                                   : n.create<arith::SIToFPOp>(l, target2, v).getResult();
        if (isa<FloatType>(from))
          return n.create<arith::FPToSIOp>(l, target2, v);
        if (from.isInteger(1))
          return n.create<arith::ExtUIOp>(l, target2, v);
        return from.getIntOrFloatBitWidth() < target2.getIntOrFloatBitWidth()
                   ? n.create<arith::ExtSIOp>(l, target2, v).getResult()
                   : n.create<arith::TruncIOp>(l, target2, v).getResult();
      };
      result = b.create<linalg::GenericOp>(
                    loc, init.getType(), input, init, maps, iterators,
                    [&](OpBuilder &nested, Location l, ValueRange args) {
                      nested.create<linalg::YieldOp>(l, convert(nested, l, args[0]));
                    })
                   .getResult(0);
    }
  }
  values[node.output(0)] = result;
  auto it = constants.find(node.input(0));
  if (op == "Cast" && result == input && it != constants.end())
    constants[node.output(0)] = it->second;
  return success();
}

} // namespace mlir::rnnc::onnx_import

namespace mlir::rnnc::onnx_import {

LogicalResult OnnxImporter::importRange(const onnx::NodeProto &node) {
  if (node.output_size() != 1)
    return nodeError(node) << "expects one output";
  FailureOr<const ShapeVector *> start = shapeInput(node, 0, "start");
  FailureOr<const ShapeVector *> limit = shapeInput(node, 1, "limit");
  FailureOr<const ShapeVector *> delta = shapeInput(node, 2, "delta");
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  if ((*start)->elements.size() != 1 || (*limit)->elements.size() != 1 ||
      (*delta)->elements.size() != 1)
    return nodeError(node) << "start, limit and delta must be scalars";
  ShapeDim first = (*start)->elements[0], last = (*limit)->elements[0],
           step = (*delta)->elements[0];
  if (first.source || step.source)
    return nodeError(node) << "start and delta must be known at import time";
  if (step.value == 0)
    return nodeError(node) << "delta must not be 0";
  // out[i] = start + i * delta for i < max(ceil((limit - start) / delta), 0).
  OpFoldResult count;
  if (!last.source) {
    int64_t span = last.value - first.value;
    int64_t n = span / step.value + (span % step.value != 0 && (span > 0) == (step.value > 0));
    count = b.getIndexAttr(std::max<int64_t>(n, 0));
  } else if (first.value == 0 && step.value == 1) {
    count = dimSize(last);
  } else {
    return nodeError(node) << "a range up to a run-time size must start at 0 with delta 1";
  }
  Location loc = nodeLoc(node);
  Type i64 = b.getI64Type();
  auto attr = dyn_cast<Attribute>(count);
  auto type = RankedTensorType::get(
      {attr ? cast<IntegerAttr>(attr).getInt() : ShapedType::kDynamic}, i64);
  Value init = b.create<tensor::EmptyOp>(loc, ArrayRef<OpFoldResult>{count}, i64);
  init = b.create<tensor::CastOp>(loc, type, init);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(1)};
  values[node.output(0)] =
      b.create<linalg::GenericOp>(
           loc, type, ValueRange{}, init, maps, utils::IteratorType::parallel,
           [&](OpBuilder &n, Location l, ValueRange) {
             Value i = n.create<arith::IndexCastOp>(l, i64, n.create<linalg::IndexOp>(l, 0));
             Value scaled = n.create<arith::MulIOp>(
                 l, i, n.create<arith::ConstantOp>(l, n.getI64IntegerAttr(step.value)));
             n.create<linalg::YieldOp>(
                 l, n.create<arith::AddIOp>(
                         l, scaled, n.create<arith::ConstantOp>(l, n.getI64IntegerAttr(first.value)))
                        .getResult());
           })
          .getResult(0);
  return success();
}

} // namespace mlir::rnnc::onnx_import
