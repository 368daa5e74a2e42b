#include "VectorEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::rnnc::rnn_to_loops;

Value VectorEmitter::weightConstant(ArrayRef<float> values) {
  int64_t size = static_cast<int64_t>(values.size());
  if (weightFormat == WeightFormat::F32)
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
  Weights result = packedMatrix(packed, rows, groups, groupColumns, lastColumns);
  result.firstRow = rowBegin;
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
  return packedMatrix(packed, rows, groups, gates * groupUnits, gates * lastWidth);
}

/// `values`, packed as groups of `rows` rows (`groupColumns` wide, the last
/// `lastColumns`), with each group's rows padded to a multiple of
/// `interleave` (zeros) and stored as [rows / interleave][width][interleave].
static std::vector<float> interleaveRows(ArrayRef<float> values, int64_t rows, int64_t groups,
                                         int64_t groupColumns, int64_t lastColumns,
                                         int64_t interleave) {
  int64_t paddedRows = llvm::alignTo(rows, interleave);
  std::vector<float> result(((groups - 1) * groupColumns + lastColumns) * paddedRows, 0.0f);
  for (int64_t g = 0; g < groups; ++g) {
    int64_t groupWidth = g + 1 == groups ? lastColumns : groupColumns;
    const float *from = values.data() + g * rows * groupColumns;
    float *to = result.data() + g * paddedRows * groupColumns;
    for (int64_t k = 0; k < rows; ++k)
      for (int64_t c = 0; c < groupWidth; ++c)
        to[(k / interleave) * interleave * groupWidth + interleave * c + k % interleave] =
            from[k * groupWidth + c];
  }
  return result;
}

Weights VectorEmitter::packedMatrix(ArrayRef<float> packed, int64_t rows, int64_t groups,
                                    int64_t groupColumns, int64_t lastColumns) {
  Weights result;
  result.packed = true;
  result.rows = rows;
  result.groupColumns = groupColumns;
  if (weightFormat == WeightFormat::F32 || weightFormat == WeightFormat::Bf16) {
    result.buffer = toBuffer(weightConstant(packed));
    return result;
  }
  if (weightFormat == WeightFormat::Bf16Pairs) {
    result.interleave = 2;
    result.buffer = toBuffer(
        weightConstant(interleaveRows(packed, rows, groups, groupColumns, lastColumns, 2)));
    return result;
  }
  // Int8: symmetric per column, as PyTorch's dynamic quantization of weights.
  int64_t columns = (groups - 1) * groupColumns + lastColumns;
  std::vector<float> quantized(packed.size(), 0.0f), scales(columns, 0.0f), sums(columns, 0.0f);
  for (int64_t g = 0; g < groups; ++g) {
    int64_t groupWidth = g + 1 == groups ? lastColumns : groupColumns;
    int64_t first = g * rows * groupColumns;
    for (int64_t c = 0; c < groupWidth; ++c) {
      float largest = 0.0f;
      for (int64_t k = 0; k < rows; ++k)
        largest = std::max(largest, std::fabs(packed[first + k * groupWidth + c]));
      float scale = largest / 127.0f;
      float sum = 0.0f;
      for (int64_t k = 0; k < rows && scale > 0.0f; ++k) {
        float &q = quantized[first + k * groupWidth + c];
        q = std::clamp(std::nearbyint(packed[first + k * groupWidth + c] / scale), -127.0f, 127.0f);
        sum += q;
      }
      scales[g * groupColumns + c] = scale;
      sums[g * groupColumns + c] = sum;
    }
  }
  std::vector<float> interleaved =
      interleaveRows(quantized, rows, groups, groupColumns, lastColumns, 4);
  std::vector<int8_t> bytes(interleaved.begin(), interleaved.end());
  auto bytesType =
      RankedTensorType::get({static_cast<int64_t>(bytes.size())}, b.getIntegerType(8));
  ArrayRef<char> raw(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  auto vectorOf = [&](ArrayRef<float> values) {
    return toBuffer(b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(RankedTensorType::get({columns}, b.getF32Type()), values)));
  };
  result.interleave = 4;
  result.buffer = toBuffer(
      b.create<arith::ConstantOp>(loc, DenseElementsAttr::getFromRawBuffer(bytesType, raw)));
  result.scales = vectorOf(scales);
  result.columnSums = vectorOf(sums);
  return result;
}

Value VectorEmitter::dotProduct(Value acc, Value a, Value w, int64_t n) {
  auto accType = cast<VectorType>(acc.getType());
  Type element = accType.getElementType();
  auto wide = VectorType::get({n * width}, element);
  Value products;
  if (n == 4)
    products = b.create<arith::MulIOp>(loc, b.create<arith::ExtUIOp>(loc, wide, a),
                                       b.create<arith::ExtSIOp>(loc, wide, w));
  else
    products = b.create<arith::MulFOp>(loc, b.create<arith::ExtFOp>(loc, wide, a),
                                       b.create<arith::ExtFOp>(loc, wide, w));
  Value lanes = b.create<vector::ShapeCastOp>(loc, VectorType::get({width, n}, element), products);
  return b.create<vector::MultiDimReductionOp>(loc, lanes, acc, ArrayRef<bool>{false, true},
                                               vector::CombiningKind::ADD);
}

SmallVector<Value> VectorEmitter::accumulateInterleaved(const MatmulTerm &term, Value group,
                                                        int64_t count, ValueRange accs) {
  const Weights &weight = term.weight;
  int64_t n = weight.interleave;
  bool int8 = n == 4;
  size_t rows = term.inputs.size();
  auto i32Vector = VectorType::get({width}, b.getI32Type());
  Type element = int8 ? Type(b.getIntegerType(8)) : Type(b.getBF16Type());
  auto laneVector = VectorType::get({n * width}, element);
  int64_t paddedRows = llvm::alignTo(weight.rows, n);
  SmallVector<Value> sums(accs.begin(), accs.end());
  if (int8)
    sums.assign(rows * count, b.create<arith::ConstantOp>(
                                  loc, DenseElementsAttr::get(i32Vector, b.getI32IntegerAttr(0))));
  // This group's weights start at group * paddedRows * groupColumns, n rows
  // of its count * width columns after another.
  Value base = b.create<arith::MulIOp>(loc, group, index(paddedRows * weight.groupColumns));
  auto loop = b.create<scf::ForOp>(
      loc, index(0), index(llvm::divideCeil(term.depth, n)), index(1), sums,
      [&](OpBuilder &nested, Location, Value step, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(), nested.getInsertionPoint());
        Value k = b.create<arith::MulIOp>(loc, step, index(n));
        // The n features of a row at k, as one 32-bit word in every lane.
        SmallVector<Value, 4> broadcasts;
        for (const Row &input : term.inputs) {
          SmallVector<Value> indices(input.prefix.begin(), input.prefix.end());
          indices.push_back(k);
          Value features =
              b.create<vector::LoadOp>(loc, VectorType::get({n}, element), input.memref, indices);
          Value word = b.create<vector::ExtractOp>(
              loc, b.create<vector::BitCastOp>(loc, VectorType::get({1}, b.getI32Type()), features),
              ArrayRef<int64_t>{0});
          broadcasts.push_back(b.create<vector::BitCastOp>(
              loc, laneVector, b.create<vector::BroadcastOp>(loc, i32Vector, word)));
        }
        Value start = b.create<arith::AddIOp>(
            loc, base, b.create<arith::MulIOp>(loc, step, index(n * count * width)));
        SmallVector<Value> next(iterArgs.begin(), iterArgs.end());
        for (int64_t i = 0; i < count; ++i) {
          Value w = b.create<vector::LoadOp>(loc, laneVector, weight.buffer,
                                             ValueRange{offset(start, i * n * width)});
          for (size_t r = 0; r < rows; ++r)
            next[r * count + i] = dotProduct(iterArgs[r * count + i], broadcasts[r], w, n);
        }
        b.create<scf::YieldOp>(loc, next);
      });
  SmallVector<Value> result(loop.getResults());
  if (!int8)
    return result;
  result.assign(accs.begin(), accs.end());
  Value column = b.create<arith::MulIOp>(loc, group, index(weight.groupColumns));
  for (int64_t i = 0; i < count; ++i) {
    Value at = offset(column, i * width);
    Value scale = loadVector(Row{weight.scales, {}}, at, Value());
    Value columnSum = loadVector(Row{weight.columnSums, {}}, at, Value());
    for (size_t r = 0; r < rows; ++r) {
      const Row &params = term.quantization[r];
      Value rowScale = b.create<vector::BroadcastOp>(loc, vecType, loadScalar(params, index(0)));
      Value zeroPoint = b.create<vector::BroadcastOp>(loc, vecType, loadScalar(params, index(1)));
      Value sum = b.create<arith::SIToFPOp>(loc, vecType, loop.getResult(r * count + i));
      Value centered = fma(b.create<arith::NegFOp>(loc, zeroPoint), columnSum, sum);
      result[r * count + i] = fma(centered, b.create<arith::MulFOp>(loc, rowScale, scale),
                                  result[r * count + i]);
    }
  }
  return result;
}

void VectorEmitter::roundRowToBf16(const Row &input, const Row &rounded, int64_t depth) {
  auto bf16Vector = VectorType::get({width}, b.getBF16Type());
  int64_t vectors = depth / width;
  auto round = [&](Value k, Value mask) {
    storeVector(rounded, k, b.create<arith::TruncFOp>(loc, bf16Vector, loadVector(input, k, mask)),
                mask);
  };
  {
    auto loop = b.create<scf::ForOp>(loc, index(0), index(vectors * width), index(width));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    round(loop.getInductionVar(), Value());
  }
  if (depth % width != 0)
    round(index(vectors * width),
          b.create<vector::CreateMaskOp>(loc, maskType, ValueRange{index(depth % width)}));
}

void VectorEmitter::quantizeRow(const Row &input, const Row &bytes, const Row &params,
                                int64_t depth) {
  auto bytesType = VectorType::get({width}, b.getIntegerType(8));
  int64_t vectors = depth / width;
  Value tailMask = depth % width != 0 ? b.create<vector::CreateMaskOp>(
                                            loc, maskType, ValueRange{index(depth % width)})
                                      : Value();
  // The row's range, widened to hold 0 (which then quantizes exactly).
  Value zeros = splat(0.0f);
  auto range = b.create<scf::ForOp>(
      loc, index(0), index(vectors * width), index(width), ValueRange{zeros, zeros},
      [&](OpBuilder &nested, Location, Value k, ValueRange bounds) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nested.getInsertionBlock(), nested.getInsertionPoint());
        Value x = loadVector(input, k, Value());
        b.create<scf::YieldOp>(loc, ValueRange{b.create<arith::MinimumFOp>(loc, bounds[0], x),
                                               b.create<arith::MaximumFOp>(loc, bounds[1], x)});
      });
  Value low = range.getResult(0), high = range.getResult(1);
  if (tailMask) {
    Value x = loadVector(input, index(vectors * width), tailMask);
    low = b.create<arith::MinimumFOp>(loc, low, x);
    high = b.create<arith::MaximumFOp>(loc, high, x);
  }
  low = b.create<vector::ReductionOp>(loc, vector::CombiningKind::MINIMUMF, low);
  high = b.create<vector::ReductionOp>(loc, vector::CombiningKind::MAXIMUMF, high);
  auto constant = [&](float v) {
    return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v)).getResult();
  };
  Value spread =
      b.create<arith::DivFOp>(loc, b.create<arith::SubFOp>(loc, high, low), constant(255.0f));
  // An all-zero row: any scale will do.
  Value scale = b.create<arith::SelectOp>(
      loc, b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, spread, constant(0.0f)), spread,
      constant(1.0f));
  Value inverse = b.create<arith::DivFOp>(loc, constant(1.0f), scale);
  Value zeroPoint = b.create<math::RoundEvenOp>(
      loc, b.create<arith::MulFOp>(loc, b.create<arith::NegFOp>(loc, low), inverse));
  zeroPoint = b.create<arith::MinimumFOp>(
      loc, b.create<arith::MaximumFOp>(loc, zeroPoint, constant(0.0f)), constant(255.0f));
  auto storeParam = [&](Value value, int64_t at) {
    SmallVector<Value, 3> indices(params.prefix.begin(), params.prefix.end());
    indices.push_back(index(at));
    b.create<memref::StoreOp>(loc, value, params.memref, indices);
  };
  storeParam(scale, 0);
  storeParam(zeroPoint, 1);
  Value inverses = b.create<vector::BroadcastOp>(loc, vecType, inverse);
  Value zeroPoints = b.create<vector::BroadcastOp>(loc, vecType, zeroPoint);
  auto quantize = [&](Value k, Value mask) {
    Value x = loadVector(input, k, mask);
    Value q = b.create<arith::AddFOp>(
        loc, b.create<math::RoundEvenOp>(loc, b.create<arith::MulFOp>(loc, x, inverses)),
        zeroPoints);
    q = b.create<arith::MinimumFOp>(loc, b.create<arith::MaximumFOp>(loc, q, splat(0.0f)),
                                    splat(255.0f));
    storeVector(bytes, k, b.create<arith::FPToUIOp>(loc, bytesType, q), mask);
  };
  {
    auto loop = b.create<scf::ForOp>(loc, index(0), index(vectors * width), index(width));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    quantize(loop.getInductionVar(), Value());
  }
  if (tailMask)
    quantize(index(vectors * width), tailMask);
}

WeightFormat mlir::rnnc::rnn_to_loops::weightFormatOf(StringRef precision, bool bf16DotProducts) {
  if (precision == "int8")
    return WeightFormat::Int8;
  if (precision == "bf16")
    return bf16DotProducts ? WeightFormat::Bf16Pairs : WeightFormat::Bf16;
  return WeightFormat::F32;
}

namespace {
int64_t paddedDepth(const RowsToConvert &term) {
  return static_cast<int64_t>(llvm::alignTo(term.depth, term.weights->interleave));
}
} // namespace

SmallVector<ConvertedRows, 2> VectorEmitter::convertRows(ArrayRef<RowsToConvert> terms,
                                                         Value count) {
  SmallVector<ConvertedRows, 2> result(terms.size());
  int64_t elements = 0;
  for (const RowsToConvert &term : terms)
    if (term.weights->interleave > 1)
      elements += paddedDepth(term);
  bool perThread = threads > 1 && !ShapedType::isDynamic(staticBatch) &&
                   staticBatch * elements <= kPerThreadConversion;
  for (auto [term, converted] : llvm::zip(terms, result)) {
    int64_t interleave = term.weights->interleave;
    if (interleave == 1)
      continue;
    Type element = interleave == 4 ? Type(b.getIntegerType(8)) : Type(b.getBF16Type());
    auto bufferOf = [&](int64_t features, Type type) -> Value {
      // Each thread's rows on cache lines of their own: no line written by
      // two threads every step.
      if (perThread)
        return b.create<memref::AllocOp>(
            loc,
            MemRefType::get({threads, staticBatch,
                             static_cast<int64_t>(llvm::alignTo(
                                 features, kCacheLineBytes / (type.getIntOrFloatBitWidth() / 8)))},
                            type),
            b.getI64IntegerAttr(kCacheLineBytes));
      return b.create<memref::AllocOp>(
          loc, MemRefType::get({ShapedType::kDynamic, features}, type), ValueRange{count});
    };
    converted.rows = bufferOf(paddedDepth(term), element);
    if (interleave == 4)
      converted.params = bufferOf(2, b.getF32Type());
    converted.perThread = perThread;
    pendingConversions.push_back({term, converted});
  }
  return result;
}

void VectorEmitter::emitConversions(Value count, bool shared) {
  auto convertRow = [&](Value row) {
    for (auto &[term, converted] : pendingConversions) {
      Row rowOut = convertedRow(converted, row);
      if (converted.params)
        quantizeRow(term.rowAt(row), rowOut, quantizationRow(converted, row), term.depth);
      else
        roundRowToBf16(term.rowAt(row), rowOut, term.depth);
      // The padding meets zero weights; zero keeps it defined.
      Type element = cast<MemRefType>(converted.rows.getType()).getElementType();
      Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(element));
      for (int64_t k = term.depth; k < paddedDepth(term); ++k) {
        SmallVector<Value, 3> indices(rowOut.prefix.begin(), rowOut.prefix.end());
        indices.push_back(index(k));
        b.create<memref::StoreOp>(loc, zero, converted.rows, indices);
      }
    }
  };
  OpBuilder::InsertionGuard guard(b);
  if (shared) {
    auto loop = b.create<scf::ParallelOp>(loc, ValueRange{index(0)}, ValueRange{count},
                                          ValueRange{index(1)});
    b.setInsertionPoint(loop.getBody()->getTerminator());
    convertRow(loop.getInductionVars()[0]);
  } else {
    auto loop = b.create<scf::ForOp>(loc, index(0), count, index(1));
    b.setInsertionPoint(loop.getBody()->getTerminator());
    convertRow(loop.getInductionVar());
  }
  pendingConversions.clear();
}

void VectorEmitter::forColumnGroups(Value count, int64_t groups, bool tail,
                                    function_ref<void(Value)> emitGroup) {
  bool perThread = llvm::any_of(pendingConversions, [](const auto &pending) {
    return pending.second.perThread;
  });
  if (perThread && !tail && groups > 0) {
    OpBuilder::InsertionGuard guard(b);
    auto loop = b.create<scf::ParallelOp>(loc, ValueRange{index(0)}, ValueRange{index(threads)},
                                          ValueRange{index(1)});
    b.setInsertionPoint(loop.getBody()->getTerminator());
    chunk = loop.getInductionVars()[0];
    emitConversions(count, /*shared=*/false);
    auto share = [&](Value i) {
      return b.create<arith::DivUIOp>(loc, b.create<arith::MulIOp>(loc, i, index(groups)),
                                      index(threads));
    };
    auto groupLoop =
        b.create<scf::ForOp>(loc, share(chunk), share(offset(chunk, 1)), index(1));
    b.setInsertionPoint(groupLoop.getBody()->getTerminator());
    emitGroup(groupLoop.getInductionVar());
    chunk = Value();
    return;
  }
  if (!pendingConversions.empty()) {
    chunk = index(0);
    emitConversions(count, /*shared=*/threads > 1);
  }
  if (groups == 0)
    return;
  OpBuilder::InsertionGuard guard(b);
  if (threads > 1) {
    auto loop = b.create<scf::ParallelOp>(loc, ValueRange{index(0)}, ValueRange{index(groups)},
                                          ValueRange{index(1)});
    b.setInsertionPoint(loop.getBody()->getTerminator());
    emitGroup(loop.getInductionVars()[0]);
  } else {
    auto loop = b.create<scf::ForOp>(loc, index(0), index(groups), index(1));
    b.setInsertionPoint(loop.getBody()->getTerminator());
    emitGroup(loop.getInductionVar());
  }
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
