#include "rnnc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::rnnc {
#define GEN_PASS_DEF_X86DOTPRODUCTS
#include "rnnc/Transforms/Passes.h.inc"
} // namespace mlir::rnnc

using namespace mlir;

namespace {
/// `acc + sum over j < n of ext(a[n i + j]) * ext(w[n i + j])` per lane i: a
/// vector.multi_reduction <add> over the inner dimension of an [lanes, n]
/// shape_cast of the products of two extended vectors. n = 4: u8 (extui)
/// times s8 (extsi) into i32; n = 2: bf16 times bf16 (extf) into f32.
struct DotProduct {
  Value acc, a, w;
  Value products;
  int64_t n;
};

std::optional<DotProduct> matchDotProduct(vector::MultiDimReductionOp reduction) {
  auto sourceType = reduction.getSourceVectorType();
  if (reduction.getKind() != vector::CombiningKind::ADD || sourceType.getRank() != 2 ||
      ArrayRef<bool>(reduction.getReductionMask()) != ArrayRef<bool>{false, true})
    return std::nullopt;
  auto cast = reduction.getSource().getDefiningOp<vector::ShapeCastOp>();
  if (!cast)
    return std::nullopt;
  auto elementsOf = [](Value v, Type element) {
    auto type = dyn_cast<VectorType>(v.getType());
    return type && type.getRank() == 1 && type.getElementType() == element;
  };
  MLIRContext *context = reduction.getContext();
  int64_t n = sourceType.getDimSize(1);
  Type result = sourceType.getElementType();
  if (n == 4 && result.isInteger(32)) {
    auto mul = cast.getSource().getDefiningOp<arith::MulIOp>();
    if (!mul)
      return std::nullopt;
    Type i8 = IntegerType::get(context, 8);
    for (auto [x, y] :
         {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())}) {
      auto unsignedBytes = x.getDefiningOp<arith::ExtUIOp>();
      auto signedBytes = y.getDefiningOp<arith::ExtSIOp>();
      if (unsignedBytes && signedBytes && elementsOf(unsignedBytes.getIn(), i8) &&
          elementsOf(signedBytes.getIn(), i8))
        return DotProduct{reduction.getAcc(), unsignedBytes.getIn(), signedBytes.getIn(), mul, 4};
    }
    return std::nullopt;
  }
  if (n == 2 && result.isF32()) {
    auto mul = cast.getSource().getDefiningOp<arith::MulFOp>();
    auto x = mul ? mul.getLhs().getDefiningOp<arith::ExtFOp>() : arith::ExtFOp();
    auto y = mul ? mul.getRhs().getDefiningOp<arith::ExtFOp>() : arith::ExtFOp();
    Type bf16 = BFloat16Type::get(context);
    if (x && y && elementsOf(x.getIn(), bf16) && elementsOf(y.getIn(), bf16))
      return DotProduct{reduction.getAcc(), x.getIn(), y.getIn(), mul, 2};
  }
  return std::nullopt;
}

struct LowerDotProduct : OpRewritePattern<vector::MultiDimReductionOp> {
  LowerDotProduct(MLIRContext *context, bool vnni, bool avx512Bf16)
      : OpRewritePattern<vector::MultiDimReductionOp>(context), vnni(vnni),
        avx512Bf16(avx512Bf16) {}

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp reduction,
                                PatternRewriter &rewriter) const override {
    std::optional<DotProduct> dot = matchDotProduct(reduction);
    if (!dot)
      return failure();
    Location loc = reduction.getLoc();
    auto accType = cast<VectorType>(dot->acc.getType());
    int64_t lanes = accType.getDimSize(0);
    if (dot->n == 4 && vnni && lanes == 16) {
      // LLVM 19's intrinsic takes the bytes as i32 lanes.
      Value a = rewriter.create<vector::BitCastOp>(loc, accType, dot->a);
      Value w = rewriter.create<vector::BitCastOp>(loc, accType, dot->w);
      rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
          reduction, accType, rewriter.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
          ValueRange{dot->acc, a, w});
      return success();
    }
    if (dot->n == 2 && avx512Bf16 && lanes == 16) {
      rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
          reduction, accType, rewriter.getStringAttr("llvm.x86.avx512bf16.dpbf16ps.512"),
          ValueRange{dot->acc, dot->a, dot->w});
      return success();
    }
    // Otherwise the products' n strided parts added lane by lane.
    Value sum = dot->acc;
    for (int64_t j = 0; j < dot->n; ++j) {
      SmallVector<int64_t> lanesOf;
      for (int64_t i = 0; i < lanes; ++i)
        lanesOf.push_back(dot->n * i + j);
      Value part = rewriter.create<vector::ShuffleOp>(loc, dot->products, dot->products, lanesOf);
      sum = dot->n == 4 ? rewriter.create<arith::AddIOp>(loc, sum, part).getResult()
                        : rewriter.create<arith::AddFOp>(loc, sum, part).getResult();
    }
    rewriter.replaceOp(reduction, sum);
    return success();
  }

  bool vnni;
  bool avx512Bf16;
};

struct X86DotProducts : rnnc::impl::X86DotProductsBase<X86DotProducts> {
  using X86DotProductsBase::X86DotProductsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerDotProduct>(&getContext(), vnni, avx512Bf16);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
