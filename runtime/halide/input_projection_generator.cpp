// Halide AOT generator of the hoisted input projection (docs/performance.md,
// "Halide"): projected(c, r, s) = bias(c) + sum_k kernel(c, k) * inputs(k, r, s)
// for every row r of every slab s, i.e. one GEMM over all (time, batch) pairs
// with the kernel in TensorFlow's [depth, columns] layout. Built and run at
// build time; the library it emits contains no LLVM.
#include "Halide.h"

namespace {

using namespace Halide;

class InputProjection : public Generator<InputProjection> {
public:
  Input<Buffer<float, 3>> inputs{"inputs"};
  Input<Buffer<float, 2>> kernel{"kernel"};
  Input<Buffer<float, 1>> bias{"bias"};
  Output<Buffer<float, 3>> projected{"projected"};

  void generate() {
    Var c("c"), r("r"), s("s");
    RDom k(0, inputs.dim(0).extent(), "k");
    Func sum("sum"), panel("panel");
    Var d("d");
    panel(c, d) = kernel(c, d);
    sum(c, r, s) = bias(c);
    sum(c, r, s) += panel(c, k) * inputs(k, r, s);
    projected(c, r, s) = sum(c, r, s);

    // Register tile: `columnVectors` vectors of columns by `tileRows` rows of
    // accumulators, one broadcast input per row and k. Column tiles are the
    // outer loop: each packs its columns of the kernel into one contiguous
    // panel (the kernel's rows are `columns` apart) that stays in L2 while
    // every row passes it.
    const int vector = natural_vector_size<float>();
    const int columnVectors = 2, tileRows = 8;
    Var co("co"), ci("ci"), ro("ro"), ri("ri");
    auto tile = [&](auto &&stage, TailStrategy tail) {
      stage.split(c, co, ci, columnVectors * vector, tail)
          .split(r, ro, ri, tileRows, tail)
          .reorder(ci, ri, ro, co, s)
          .vectorize(ci, vector)
          .unroll(ri);
    };
    // Edge tiles overlap their neighbours instead of shrinking, so every tile
    // has constant bounds and no guards; only problems smaller than one tile
    // take guarded (slow) tiles.
    tile(projected.specialize(projected.dim(0).extent() >= columnVectors * vector &&
                              projected.dim(1).extent() >= tileRows),
         TailStrategy::ShiftInwards);
    tile(projected, TailStrategy::GuardWithIf);
    panel.compute_at(projected, co)
        .store_in(MemoryType::Heap)
        .vectorize(c, vector, TailStrategy::GuardWithIf);
    // Guarded tiles are partial: predicated vectors instead of rounding up,
    // which would read past the kernel's last column.
    sum.compute_at(projected, ro)
        .vectorize(c, vector, TailStrategy::GuardWithIf)
        .unroll(c)
        .unroll(r);
    sum.update()
        .reorder(c, r, k)
        .vectorize(c, vector, TailStrategy::GuardWithIf)
        .unroll(c)
        .unroll(r);

    inputs.dim(0).set_stride(1);
    kernel.dim(0).set_stride(1);
    projected.dim(0).set_stride(1);
  }
};

} // namespace

HALIDE_REGISTER_GENERATOR(InputProjection, rnnrt_input_projection)
