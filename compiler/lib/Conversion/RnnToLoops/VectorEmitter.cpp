#include "VectorEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::rnnc::rnn_to_loops;

Value VectorEmitter::weightConstant(ArrayRef<float> values) {
  int64_t size = static_cast<int64_t>(values.size());
  if (!bf16Weights)
    return b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(RankedTensorType::get({size}, b.getF32Type()), values));
  // Round to nearest even, as arith.truncf and the CPUs' conversions do; a
  // NaN stays a (quiet) NaN.
  std::vector<uint16_t> bits(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t x = llvm::bit_cast<uint32_t>(values[i]);
    bits[i] = std::isnan(values[i]) ? static_cast<uint16_t>((x >> 16) | 0x40)
                                    : static_cast<uint16_t>((x + 0x7fff + ((x >> 16) & 1)) >> 16);
  }
  auto type = RankedTensorType::get({size}, b.getBF16Type());
  ArrayRef<char> raw(reinterpret_cast<const char *>(bits.data()), bits.size() * sizeof(uint16_t));
  return b.create<arith::ConstantOp>(loc, DenseElementsAttr::getFromRawBuffer(type, raw));
}

Weights VectorEmitter::matrix(Value tensor, int64_t rowBegin, int64_t rowEnd, int64_t vectors) {
  std::tuple<Value, int64_t, int64_t, int64_t> key{tensor, rowBegin, rowEnd, vectors};
  auto it = packedWeights.find(key);
  if (it != packedWeights.end())
    return it->second;
  auto type = cast<RankedTensorType>(tensor.getType());
  DenseElementsAttr values;
  if (!matchPattern(tensor, m_Constant(&values)) || type.getRank() != 2 ||
      !type.getElementType().isF32() || !type.hasStaticShape())
    return Weights{toBuffer(tensor), false};
  if (ShapedType::isDynamic(rowEnd))
    rowEnd = type.getDimSize(0);
  int64_t rows = rowEnd - rowBegin, columns = type.getDimSize(1);
  int64_t groupColumns = vectors * width;
  int64_t groups = llvm::divideCeil(columns, groupColumns);
  int64_t lastColumns = llvm::alignTo(columns - (groups - 1) * groupColumns, width);
  std::vector<float> packed(((groups - 1) * groupColumns + lastColumns) * rows, 0.0f);
  const float *raw =
      values.isSplat() ? nullptr : reinterpret_cast<const float *>(values.getRawData().data());
  float splatValue = values.isSplat() ? values.getSplatValue<float>() : 0.0f;
  // Row by row, each group's part of a row a contiguous run: megabytes of
  // weights are read and written in order.
  for (int64_t k = 0; k < rows; ++k)
    for (int64_t group = 0; group < groups; ++group) {
      int64_t groupWidth = group + 1 == groups ? lastColumns : groupColumns;
      int64_t first = group * groupColumns, count = std::min(groupColumns, columns - first);
      float *to = packed.data() + group * rows * groupColumns + k * groupWidth;
      if (raw)
        std::copy_n(raw + (rowBegin + k) * columns + first, count, to);
      else
        std::fill_n(to, count, splatValue);
    }
  Weights result{toBuffer(weightConstant(packed)), true, rows, groupColumns, rowBegin};
  packedWeights[key] = result;
  return result;
}

Weights VectorEmitter::gateInterleavedMatrix(Value tensor, int64_t rowBegin, int64_t rowEnd,
                                             int64_t gates, int64_t units,
                                             int64_t vectorsPerGate) {
  auto type = cast<RankedTensorType>(tensor.getType());
  DenseElementsAttr values;
  if (!matchPattern(tensor, m_Constant(&values)) || type.getRank() != 2 ||
      !type.getElementType().isF32() || !type.hasStaticShape() ||
      type.getDimSize(1) != gates * units)
    return Weights{};
  if (ShapedType::isDynamic(rowEnd))
    rowEnd = type.getDimSize(0);
  int64_t columns = type.getDimSize(1), rows = rowEnd - rowBegin;
  int64_t groupUnits = vectorsPerGate * width;
  int64_t groups = llvm::divideCeil(units, groupUnits);
  int64_t lastUnits = units - (groups - 1) * groupUnits;
  int64_t lastWidth = llvm::alignTo(lastUnits, width);
  std::vector<float> packed(((groups - 1) * groupUnits + lastWidth) * gates * rows, 0.0f);
  const float *raw =
      values.isSplat() ? nullptr : reinterpret_cast<const float *>(values.getRawData().data());
  float splatValue = values.isSplat() ? values.getSplatValue<float>() : 0.0f;
  for (int64_t g = 0; g < groups; ++g) {
    int64_t blockWidth = g + 1 == groups ? lastWidth : groupUnits;
    int64_t unitsHere = g + 1 == groups ? lastUnits : groupUnits;
    float *panel = packed.data() + g * rows * gates * groupUnits;
    for (int64_t k = 0; k < rows; ++k)
      for (int64_t q = 0; q < gates; ++q)
        for (int64_t u = 0; u < unitsHere; ++u)
          panel[k * gates * blockWidth + q * blockWidth + u] =
              raw ? raw[(rowBegin + k) * columns + q * units + g * groupUnits + u] : splatValue;
  }
  Value constant = weightConstant(packed);
  return Weights{toBuffer(constant), true, rows, gates * groupUnits};
}

Value VectorEmitter::addressOf(Value memref, ValueRange elementOffsets) {
  auto metadata = b.create<memref::ExtractStridedMetadataOp>(loc, memref);
  Value address = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, metadata.getBaseBuffer());
  Value element = metadata.getOffset();
  for (Value extra : elementOffsets)
    element = b.create<arith::AddIOp>(loc, element, extra);
  Value bytes = b.create<arith::MulIOp>(loc, element, index(sizeof(float)));
  return b.create<arith::AddIOp>(loc, address, bytes);
}

void VectorEmitter::halideProjection(Value inputs, Value outer, Value inner, int64_t depth,
                                     Value kernel, Value bias, int64_t columns, Value projected) {
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
  Value kernelStride = b.create<memref::ExtractStridedMetadataOp>(loc, kernel).getStrides()[0];
  Value outerColumns = b.create<arith::MulIOp>(loc, inner, index(columns));
  auto call = [&](Value first, Value count) {
    Value inputOffset = b.create<arith::MulIOp>(loc, first, inputStrides[0]);
    Value projectedOffset = b.create<arith::MulIOp>(loc, first, outerColumns);
    b.create<func::CallOp>(loc, callee, TypeRange{},
                           ValueRange{addressOf(inputs, inputOffset), count, inner, index(depth),
                                      inputStrides[0], inputStrides[1], addressOf(kernel),
                                      kernelStride, index(columns), addressOf(bias),
                                      addressOf(projected, projectedOffset)});
  };
  if (threads == 1)
    return call(index(0), outer);
  auto loop = b.create<scf::ParallelOp>(loc, ValueRange{index(0)}, ValueRange{index(threads)},
                                        ValueRange{index(1)});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value thread = loop.getInductionVars()[0];
  auto boundary = [&](Value i) {
    return b.create<arith::DivUIOp>(loc, b.create<arith::MulIOp>(loc, i, outer), index(threads));
  };
  Value first = boundary(thread);
  Value last = boundary(offset(thread, 1));
  call(first, b.create<arith::SubIOp>(loc, last, first));
}
