// Internal to convert-rnn-to-loops: the vector code every cell's step is
// built from. Matmuls of a block of batch rows against a weight matrix
// (register-blocked: one weight vector load for all rows of the block,
// independent accumulators), weights packed at compile time into contiguous
// column groups, rows and columns walked in vectors of `width` features.
#ifndef RNNC_CONVERSION_RNNTOLOOPS_VECTOREMITTER_H
#define RNNC_CONVERSION_RNNTOLOOPS_VECTOREMITTER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

#include <tuple>

namespace mlir::rnnc::rnn_to_loops {

/// How the vector matmuls store constant weights and multiply them.
enum class WeightFormat {
  /// f32, FMAs.
  F32,
  /// bf16 (rounded to nearest even), widened to f32 as loaded: half the
  /// bytes, the same FMAs.
  Bf16,
  /// bf16 weights times rows rounded to bf16, two products per f32 lane
  /// (vdpbf16ps, AVX512_BF16, once rnnc-x86-dot-products runs).
  Bf16Pairs,
  /// s8 per column (symmetric, f32 scales) times rows quantized per row to
  /// u8, four products per i32 lane (vpdpbusd, AVX512-VNNI), dequantized
  /// onto the f32 accumulators.
  Int8,
};

/// The format of weights in `precision` (f32, bf16, int8; null: f32).
WeightFormat weightFormatOf(StringRef precision, bool bf16DotProducts);

/// A contiguous run of features: `memref[prefix..., k]`.
struct Row {
  Value memref;
  SmallVector<Value, 2> prefix;
};

/// A weight matrix [K, N] as a buffer: either as given, or rows
/// [firstRow, firstRow + rows) of it pre-packed at compile time, column group
/// after column group, each as [rows, group width] (the last group's width
/// rounded up to a vector, zero filled), so that the weights of one group are
/// one contiguous stream.
struct Weights {
  Value buffer;
  bool packed = false;
  /// Packed: the rows held, and the width of every group but the last.
  int64_t rows = 0;
  int64_t groupColumns = 0;
  /// The matrix row that row 0 of the buffer holds.
  int64_t firstRow = 0;
  /// Packed only: rows whose weights of a column are adjacent, as the dot
  /// product instructions read them (1; 2 for Bf16Pairs, 4 for Int8): each
  /// group's rows padded to a multiple of it and stored as [rows /
  /// interleave][group width][interleave].
  int64_t interleave = 1;
  /// Int8: per packed column, in the same order as the groups, the f32 scale
  /// and the sum of its s8 weights. Null otherwise.
  Value scales;
  Value columnSums;
};

/// The rows of a matmul's left operand as the packed weights' format takes
/// them: `rows` [rows, depth rounded up to the interleave] in bf16 (Bf16Pairs)
/// or u8 (Int8, as i8; quantized per row, as PyTorch's dynamic quantization
/// does), and for Int8 `params` [rows, 2] f32, each row's scale and zero
/// point (x ~ scale * (q - zero point)). Null for the other formats.
/// `perThread`: each thread converts every row for itself into its own
/// [rows, ...] slice of [threads, rows, ...] buffers, at the start of its
/// share of the matmul: no barrier between converting and multiplying
/// (VectorEmitter::convertRows).
struct ConvertedRows {
  Value rows;
  Value params;
  bool perThread = false;
};

/// A matmul term's left operand, `rowAt(r)` (depth f32 features) for the
/// rows r, multiplying `weights`: VectorEmitter::convertRows.
struct RowsToConvert {
  const Weights *weights;
  function_ref<Row(Value)> rowAt;
  int64_t depth;
};

/// One matmul term of a gate pre-activation, for a block of rows:
/// `inputs[r][0:depth] @ weight[rowOffset:rowOffset+depth, :]`.
struct MatmulTerm {
  SmallVector<Row, 4> inputs;
  int64_t depth;
  Weights weight;
  int64_t rowOffset;
  /// Int8 weights: per input row, its row of ConvertedRows::params (the
  /// inputs are rows of ConvertedRows::rows for Int8 and Bf16Pairs).
  SmallVector<Row, 4> quantization;
};

/// The operands of one block of rows in VectorEmitter::affineRows.
struct RowBlock {
  SmallVector<Row, 4> dsts;
  SmallVector<MatmulTerm, 2> terms;
  /// When non-empty, each row's initial value instead of the bias.
  SmallVector<Row, 4> inits;
};

/// Stores a vector of a matmul's results: `value` at columns [col, col +
/// width) of `dst` (mask: null, or the lanes in range). Null: stored as is.
using StoreResult = function_ref<void(const Row &dst, Value col, Value value, Value mask)>;


/// Emits vector code at a builder's insertion point.
class VectorEmitter {
public:
  VectorEmitter(OpBuilder &builder, Location loc, int64_t width, int64_t accumulators,
                int64_t rowBlock, int64_t threads)
      : b(builder), loc(loc), width(width), accumulators(accumulators), rowBlock(rowBlock),
        threads(threads), vecType(VectorType::get({width}, builder.getF32Type())),
        maskType(VectorType::get({width}, builder.getI1Type())) {}

  /// Sizes the column groups for a batch of `staticBatch` rows (kDynamic:
  /// unknown): a batch known to be smaller than a row block runs one row at a
  /// time, with all accumulators on the columns.
  void setBatch(int64_t staticBatch) {
    this->staticBatch = staticBatch;
    groupVectors = !ShapedType::isDynamic(staticBatch) && staticBatch < rowBlock
                       ? accumulators
                       : std::max<int64_t>(1, 2 * accumulators / rowBlock);
  }

  Value index(int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); }
  Value splat(float v) {
    return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(vecType, b.getF32FloatAttr(v)));
  }
  Value fma(Value x, Value y, Value acc) { return b.create<vector::FMAOp>(loc, x, y, acc); }
  Value offset(Value base, int64_t delta) {
    return delta == 0 ? base : b.create<arith::AddIOp>(loc, base, index(delta));
  }

  /// Operands are only read: `read_only` keeps bufferization from copying them
  /// (constants included), and a layout with any offset and outer strides lets
  /// slices of larger tensors through without a copy. The innermost stride stays 1
  /// so rows load as vectors. Casts and unit-stride slices become views of the
  /// buffer of what they take from: canonicalization would turn the buffer of
  /// a cast into a cast of a buffer that is neither read-only nor strided
  /// (bufferization then copies the slice, every step).
  Value toBuffer(Value tensor) {
    if (auto cast = tensor.getDefiningOp<tensor::CastOp>())
      return toBuffer(cast.getSource());
    if (auto slice = tensor.getDefiningOp<tensor::ExtractSliceOp>(); slice && slice.hasUnitStride()) {
      Value source = toBuffer(slice.getSource());
      auto type = cast<MemRefType>(memref::SubViewOp::inferRankReducedResultType(
          slice.getType().getShape(), cast<MemRefType>(source.getType()), slice.getMixedOffsets(),
          slice.getMixedSizes(), slice.getMixedStrides()));
      // Not a column of a matrix, whose elements are not contiguous.
      SmallVector<int64_t> strides;
      int64_t offset;
      if (succeeded(getStridesAndOffset(type, strides, offset)) &&
          (strides.empty() || strides.back() == 1))
        return b.create<memref::SubViewOp>(loc, type, source, slice.getMixedOffsets(),
                                           slice.getMixedSizes(), slice.getMixedStrides());
    }
    auto type = cast<RankedTensorType>(tensor.getType());
    SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
    if (!strides.empty())
      strides.back() = 1;
    auto layout = StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides);
    auto buffer = b.create<bufferization::ToMemrefOp>(
        loc, MemRefType::get(type.getShape(), type.getElementType(), layout), tensor);
    buffer.setReadOnly(true);
    return buffer;
  }

  /// How constant weights are packed and multiplied (default F32).
  void setWeightFormat(WeightFormat format) { weightFormat = format; }

  /// For each term, the rows `rowAt(r)` for r in [0, count) (depth f32
  /// features each) as its weights take them, into buffers allocated here
  /// (none for weights that take f32 rows), converted by the next affineRows
  /// or fusedGateRows before it multiplies: one loop over the rows converts
  /// every term's. With threads, a small batch (kPerThreadConversion elements
  /// at most) is converted by every thread for itself (perThread), which
  /// costs less than the barrier a shared conversion needs before the
  /// matmul; a larger one by a parallel loop, one barrier per step.
  SmallVector<ConvertedRows, 2> convertRows(ArrayRef<RowsToConvert> terms, Value count);
  /// Row `row` of converted rows, and of their quantization parameters, as
  /// read inside the matmul that converted them.
  Row convertedRow(const ConvertedRows &converted, Value row) const {
    return converted.perThread ? Row{converted.rows, {chunk, row}} : Row{converted.rows, {row}};
  }
  Row quantizationRow(const ConvertedRows &converted, Value row) const {
    return converted.perThread ? Row{converted.params, {chunk, row}}
                               : Row{converted.params, {row}};
  }
  static constexpr int64_t kPerThreadConversion = 2048;
  static constexpr int64_t kCacheLineBytes = 64;

  /// A weight matrix operand: constants have their rows [rowBegin, rowEnd)
  /// packed for column groups of `vectors` blocks (in .rodata once compiled);
  /// anything else is read as given, whole.
  Weights matrix(Value tensor, int64_t rowBegin, int64_t rowEnd, int64_t vectors);
  /// All rows of a weight matrix operand, packed for affineRows' column groups.
  Weights matrix(Value tensor) { return matrix(tensor, 0, ShapedType::kDynamic, groupVectors); }
  /// A constant gate kernel [K, gates * units] packed for fusedGateRows: rows
  /// [rowBegin, rowEnd) (kDynamic: K), one panel per group of `vectorsPerGate * width` units
  /// holding those units' columns of every gate, each gate's block padded to
  /// whole vectors with zeros. Null buffer when the kernel is not a constant.
  Weights gateInterleavedMatrix(Value tensor, int64_t rowBegin, int64_t rowEnd, int64_t gates,
                                int64_t units, int64_t vectorsPerGate);

  Value loadScalar(const Row &row, Value k) {
    SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
    indices.push_back(k);
    return b.create<memref::LoadOp>(loc, row.memref, indices);
  }
  /// Loads `width` features at `k` as f32 (bf16 weights widened: the low
  /// half of each f32 zero); with a mask, lanes past the end read 0.
  Value loadVector(const Row &row, Value k, Value mask) {
    SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
    indices.push_back(k);
    Type element = cast<MemRefType>(row.memref.getType()).getElementType();
    if (element.isF32()) {
      if (!mask)
        return b.create<vector::LoadOp>(loc, vecType, row.memref, indices);
      return b.create<vector::MaskedLoadOp>(loc, vecType, row.memref, indices, mask, splat(0.0f));
    }
    auto narrow = VectorType::get({width}, element);
    Value loaded =
        mask ? b.create<vector::MaskedLoadOp>(
                       loc, narrow, row.memref, indices, mask,
                       b.create<arith::ConstantOp>(
                           loc, DenseElementsAttr::get(narrow, b.getFloatAttr(element, 0.0))))
                   .getResult()
             : b.create<vector::LoadOp>(loc, narrow, row.memref, indices).getResult();
    return b.create<arith::ExtFOp>(loc, vecType, loaded);
  }
  void storeVector(const Row &row, Value k, Value value, Value mask) {
    SmallVector<Value> indices(row.prefix.begin(), row.prefix.end());
    indices.push_back(k);
    if (!mask)
      b.create<vector::StoreOp>(loc, value, row.memref, indices);
    else
      b.create<vector::MaskedStoreOp>(loc, row.memref, indices, mask, value);
  }

  /// For the `count` adjacent column blocks of column group `group` (starting
  /// at column `col`; the last block masked by `tailMask` when non-null) and
  /// every row r of the block, accumulates `acc[r * count + i] +=
  /// broadcast(input_r[k]) * weight[rowOffset + k, col + i * width]` over k. Each
  /// weight vector is loaded once for all rows; independent accumulators hide
  /// the FMA latency.
  SmallVector<Value> accumulate(const MatmulTerm &term, Value group, Value col, int64_t count,
                                Value tailMask, ValueRange accs) {
    if (term.weight.interleave > 1)
      return accumulateInterleaved(term, group, count, accs);
    size_t rows = term.inputs.size();
    auto loop = b.create<scf::ForOp>(
        loc, index(0), index(term.depth), index(1), accs,
        [&](OpBuilder &nested, Location, Value k, ValueRange iterArgs) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nested.getInsertionBlock(), nested.getInsertionPoint());
          SmallVector<Value, 4> broadcasts;
          for (const Row &input : term.inputs)
            broadcasts.push_back(b.create<vector::BroadcastOp>(loc, vecType, loadScalar(input, k)));
          const Weights &weight = term.weight;
          Value weightRow = offset(k, term.rowOffset - weight.firstRow);
          Value start = col;
          if (weight.packed) {
            // This group's [K, count * width] block starts at group * K * groupColumns.
            Value base =
                b.create<arith::MulIOp>(loc, group, index(weight.rows * weight.groupColumns));
            start = b.create<arith::AddIOp>(
                loc, base, b.create<arith::MulIOp>(loc, weightRow, index(count * width)));
          }
          Row weights = weight.packed ? Row{weight.buffer, {}} : Row{weight.buffer, {weightRow}};
          SmallVector<Value> next(iterArgs.begin(), iterArgs.end());
          for (int64_t i = 0; i < count; ++i) {
            Value mask = i + 1 == count ? tailMask : Value();
            Value w = loadVector(weights, offset(start, i * width), mask);
            for (size_t r = 0; r < rows; ++r)
              next[r * count + i] = fma(broadcasts[r], w, iterArgs[r * count + i]);
          }
          b.create<scf::YieldOp>(loc, next);
        });
    return SmallVector<Value>(loop.getResults());
  }

  /// `dst_r[0:n] = bias + sum of terms` for rows r in [0, count), where
  /// `blockAt(first, rows)` gives the operands of rows first .. first + rows - 1;
  /// bias may be null (zero); `store` (when non-null) stores each vector of
  /// results instead, e.g. after an activation. Weight-stationary: the outer loop runs over
  /// column groups of groupVectors blocks (the accumulators of a block of rows
  /// fit the registers), the inner one over blocks of rows, so a group's
  /// weights are read from memory once and then from cache for every other
  /// block. With threads > 1 the groups are split between threads in fixed
  /// halves (scf.parallel, static schedule): each thread keeps its share of
  /// the weights in its own L2 from one step to the next.
  void affineRows(Value count, int64_t n, Value bias,
                  function_ref<RowBlock(Value, int64_t)> blockAt, StoreResult store = nullptr) {
    int64_t groupColumns = groupVectors * width;
    auto emitGroup = [&](Value group, int64_t vectors, Value tailMask) {
      Value col = b.create<arith::MulIOp>(loc, group, index(groupColumns));
      forRowBlocks(count, blockRows(), [&](Value first, int64_t rows) {
        RowBlock block = blockAt(first, rows);
        SmallVector<Value> accs;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t i = 0; i < vectors; ++i) {
            Value mask = i + 1 == vectors ? tailMask : Value();
            Value at = offset(col, i * width);
            accs.push_back(!block.inits.empty() ? loadVector(block.inits[r], at, mask)
                           : bias               ? loadVector(Row{bias, {}}, at, mask)
                                                : splat(0.0f));
          }
        for (const MatmulTerm &term : block.terms)
          accs = accumulate(term, group, col, vectors, tailMask, accs);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t i = 0; i < vectors; ++i) {
            Value mask = i + 1 == vectors ? tailMask : Value();
            Value acc = accs[r * vectors + i], at = offset(col, i * width);
            if (store)
              store(block.dsts[r], at, acc, mask);
            else
              storeVector(block.dsts[r], at, acc, mask);
          }
      });
    };
    int64_t fullBlocks = n / width;
    int64_t groups = fullBlocks / groupVectors;
    int64_t rest = fullBlocks - groups * groupVectors + (n % width != 0 ? 1 : 0);
    forColumnGroups(count, groups, rest > 0,
                    [&](Value group) { emitGroup(group, groupVectors, Value()); });
    if (rest > 0) {
      Value tailMask = n % width != 0 ? b.create<vector::CreateMaskOp>(loc, maskType,
                                                                       ValueRange{index(n % width)})
                                      : Value();
      emitGroup(index(groups), rest, tailMask);
    }
  }

  /// The gate matmul of a cell whose gates are elementwise per unit (LSTM),
  /// with the cell equations in its epilogue: column groups are groups of
  /// units holding every gate's columns for them (weights from
  /// gateInterleavedMatrix), so that once a block of rows has accumulated them,
  /// `epilogue(r, unitCol, gateAccs, mask)` updates those units of the block's
  /// row r from registers, one vector of `width` units at a time (gateAccs: one
  /// per gate; mask: null, or the lanes before the last unit). Pre-activations
  /// start from `bias` or the block's inits, both in the kernel's column order
  /// (gate * units + unit). Nothing goes through scratch memory; the epilogue
  /// must not overwrite the recurrent input, which other groups still read.
  void fusedGateRows(Value count, int64_t units, int64_t gates, int64_t vectorsPerGate, Value bias,
                     function_ref<RowBlock(Value, int64_t)> blockAt,
                     function_ref<void(int64_t, Value, ArrayRef<Value>, Value)> epilogue) {
    int64_t groupUnits = vectorsPerGate * width;
    int64_t rowsPerBlock =
        std::min(rowBlock, std::max<int64_t>(1, 2 * accumulators / (gates * vectorsPerGate)));
    auto emitGroup = [&](Value group, int64_t vectors, Value tailMask) {
      Value unitCol = b.create<arith::MulIOp>(loc, group, index(groupUnits));
      forRowBlocks(count, rowsPerBlock, [&](Value first, int64_t rows) {
        RowBlock block = blockAt(first, rows);
        SmallVector<Value> accs;
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t q = 0; q < gates; ++q)
            for (int64_t i = 0; i < vectors; ++i) {
              Value mask = i + 1 == vectors ? tailMask : Value();
              Value at = offset(unitCol, q * units + i * width);
              accs.push_back(!block.inits.empty() ? loadVector(block.inits[r], at, mask)
                             : bias               ? loadVector(Row{bias, {}}, at, mask)
                                                  : splat(0.0f));
            }
        // Padded weight blocks are zero: the matmul needs no masks.
        for (const MatmulTerm &term : block.terms)
          accs = accumulate(term, group, unitCol, gates * vectors, Value(), accs);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t i = 0; i < vectors; ++i) {
            SmallVector<Value, 4> gateAccs;
            for (int64_t q = 0; q < gates; ++q)
              gateAccs.push_back(accs[(r * gates + q) * vectors + i]);
            epilogue(r, offset(unitCol, i * width), gateAccs,
                     i + 1 == vectors ? tailMask : Value());
          }
      });
    };
    int64_t groups = units / groupUnits;
    int64_t restUnits = units % groupUnits;
    forColumnGroups(count, groups, restUnits > 0,
                    [&](Value group) { emitGroup(group, vectorsPerGate, Value()); });
    if (restUnits > 0) {
      Value tailMask =
          restUnits % width != 0
              ? b.create<vector::CreateMaskOp>(loc, maskType, ValueRange{index(restUnits % width)})
              : Value();
      emitGroup(index(groups), llvm::divideCeil(restUnits, width), tailMask);
    }
  }

  /// accumulate for interleaved weights: Bf16Pairs adds the products of
  /// two rows per lane onto the f32 accumulators; Int8 sums four per lane in
  /// i32, then `acc += row scale * column scale * (sum - row zero point *
  /// column sum)`.
  SmallVector<Value> accumulateInterleaved(const MatmulTerm &term, Value group, int64_t count,
                                           ValueRange accs);
  /// `acc + sum over j < n of ext(a[n i + j]) * ext(w[n i + j])` for each
  /// lane i of `acc`: n = 4, zero-extended u8 times sign-extended s8 into
  /// i32 (vpdpbusd), or n = 2, bf16 into f32 (vdpbf16ps). The form
  /// rnnc-x86-dot-products lowers.
  Value dotProduct(Value acc, Value a, Value w, int64_t n);
  /// `rowAt(r)` rounded to bf16 into `rows` (Bf16Pairs).
  void roundRowToBf16(const Row &input, const Row &rounded, int64_t depth);
  /// `rowAt(r)` quantized to u8 into `bytes`, its scale and zero point into
  /// `params` (Int8).
  void quantizeRow(const Row &input, const Row &bytes, const Row &params, int64_t depth);

  /// `emitGroup(g)` for the column groups g in [0, groups) of a matmul,
  /// after the conversions convertRows left to it. With threads, the groups
  /// are split between them in fixed shares (scf.parallel, static schedule):
  /// each thread keeps its share of the weights in its own L2 from one step
  /// to the next. Per-thread conversions run at the start of each share
  /// (scf.parallel over the threads), unless a tail group (`tail`), run
  /// after the loop, reads them: then thread slice 0 is converted by a
  /// parallel loop over the rows first.
  void forColumnGroups(Value count, int64_t groups, bool tail,
                       function_ref<void(Value)> emitGroup);
  /// The conversions convertRows left, of rows [0, count), into the slice
  /// `chunk` of per-thread buffers; by a parallel loop over the rows when
  /// `shared`.
  void emitConversions(Value count, bool shared);

  /// Rows per block in affineRows: as many as keep 2 * accumulators vectors.
  int64_t blockRows() const {
    return std::min(rowBlock, std::max<int64_t>(1, 2 * accumulators / groupVectors));
  }

  /// Calls `body(first, rows)` for the rows [0, count) in blocks of `block`,
  /// then for the remaining rows one by one.
  void forRowBlocks(Value count, int64_t block, function_ref<void(Value, int64_t)> body) {
    Value blocked =
        b.create<arith::SubIOp>(loc, count, b.create<arith::RemUIOp>(loc, count, index(block)));
    {
      auto loop = b.create<scf::ForOp>(loc, index(0), blocked, index(block));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(loop.getBody()->getTerminator());
      body(loop.getInductionVar(), block);
    }
    if (block == 1)
      return;
    auto loop = b.create<scf::ForOp>(loc, blocked, count, index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVar(), 1);
  }

  /// The address of `memref`'s element at its offset plus `elementOffsets`
  /// (f32 elements), as an index.
  Value addressOf(Value memref, ValueRange elementOffsets = {});

  /// `projected[i][j] = bias + inputs[i][j] @ kernel` for i < outer, j < inner
  /// by calls of the Halide pipeline rnnrt_halide_project_inputs
  /// (librnnrt_halide): `inputs` a [outer, inner, depth] buffer with unit
  /// innermost stride, `kernel` [depth, columns] in its given layout (Halide
  /// does its own blocking), `bias` [columns], `projected` dense. With
  /// threads, thread i projects [i * outer / threads, (i + 1) * outer / threads).
  void halideProjection(Value inputs, Value outer, Value inner, int64_t depth, Value kernel,
                        Value bias, int64_t columns, Value projected);

  OpBuilder &b;
  Location loc;
  int64_t width;
  int64_t accumulators;
  /// Batch rows whose gate matmuls share each weight load.
  int64_t rowBlock;
  int64_t threads;
  /// Column blocks per column group of affineRows (setBatch).
  int64_t groupVectors = 1;
  /// The batch rows where known (setBatch).
  int64_t staticBatch = ShapedType::kDynamic;
  /// Conversions convertRows leaves to the next matmul.
  SmallVector<std::pair<RowsToConvert, ConvertedRows>, 2> pendingConversions;
  /// Inside a matmul reading per-thread conversions: the slice of the thread
  /// (the iteration of its share; 0 where one thread converted for all).
  Value chunk;
  VectorType vecType;
  VectorType maskType;
  /// The constant of packed weights `values`, in the weight precision.
  Value weightConstant(ArrayRef<float> values);
  /// `packed` (f32, `groups` groups of `rows` rows, each `groupColumns` wide
  /// but the last, `lastColumns`) as Weights of the weight format.
  Weights packedMatrix(ArrayRef<float> packed, int64_t rows, int64_t groups, int64_t groupColumns,
                       int64_t lastColumns);

  WeightFormat weightFormat = WeightFormat::F32;
  /// Packed weights by the constant, row range and group vectors they were
  /// packed from and for.
  DenseMap<std::tuple<Value, int64_t, int64_t, int64_t>, Weights> packedWeights;
};

} // namespace mlir::rnnc::rnn_to_loops

#endif // RNNC_CONVERSION_RNNTOLOOPS_VECTOREMITTER_H
