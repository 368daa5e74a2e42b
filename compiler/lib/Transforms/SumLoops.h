// Helpers for the passes that rewrite loops summing into memory (a matmul's
// reduction over k, as linalg lowers it to loops).
#ifndef RNNC_LIB_TRANSFORMS_SUMLOOPS_H
#define RNNC_LIB_TRANSFORMS_SUMLOOPS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>

namespace mlir::rnnc {

/// A loop that sums into one element of memory: its only store is `add`
/// of the element `load` reads (the same buffer at indices the loop does not
/// change) and of a term that pure ops make from loads of buffers that
/// cannot be that one.
struct SumLoop {
  scf::ForOp loop;
  memref::LoadOp load;
  arith::AddFOp add;
  memref::StoreOp store;
};

std::optional<SumLoop> matchSumLoop(scf::ForOp loop);

/// Clones the body of `sum`'s loop but its load and store at the
/// builder's insertion point, `mapping` taking the loop's induction variable
/// and the loaded element to their new values; returns the new sum. Ops
/// `replace` handles (true) are not cloned. Multiplies and adds may
/// contract (to fma).
Value cloneSumTerms(SumLoop sum, IRMapping &mapping, OpBuilder &builder,
                    function_ref<bool(Operation &, IRMapping &)> replace = nullptr);

/// Adds to `roots` the buffers `value` may view, seen through views, casts,
/// selects and the iter_args of scf.for (their initial and yielded values):
/// allocations, globals, other ops' results, and a null Value for a block
/// argument (a function's), which may be any argument.
void bufferRoots(Value value, llvm::SmallDenseSet<Value> &roots,
                 llvm::SmallDenseSet<Value> &visited);

/// Whether buffers `a` and `b` may share memory (by bufferRoots; a root
/// that is neither an allocation nor a global may be any buffer).
bool mayAlias(Value a, Value b);

} // namespace mlir::rnnc

#endif // RNNC_LIB_TRANSFORMS_SUMLOOPS_H
