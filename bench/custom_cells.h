// rnnc-bench's custom cells, built with the builder's CustomCell from the
// weights of config.h (constants, as the built-in cells' are).
#ifndef RNNC_BENCH_CUSTOM_CELLS_H
#define RNNC_BENCH_CUSTOM_CELLS_H

#include <vector>

#include "../examples/custom/mgu.h"
#include "config.h"
#include "rnnc/rnnc.h"

namespace bench {

/// Rows [first, first + count) of a row-major matrix with `columns` columns.
inline std::vector<float> rows(const std::vector<float> &matrix, int64_t columns, int64_t first,
                               int64_t count) {
  return std::vector<float>(matrix.begin() + first * columns,
                            matrix.begin() + (first + count) * columns);
}

/// Keras's MinimalRNNCell: output = x kernel + previous output recurrent_kernel.
inline rnnc::Cell minimalRNNCell(rnnc::ModelBuilder &b, int64_t I, int64_t H, const Weights &w) {
  rnnc::CustomCellSpec spec;
  spec.input_features = I;
  spec.state_features = {H};
  spec.output_features = H;
  spec.weights = {b.constant(rows(w.kernel, H, 0, I), {I, H}),
                  b.constant(rows(w.kernel, H, I, H), {H, H})};
  return b.CustomCell(spec, [](rnnc::ModelBuilder &b, rnnc::Tensor x,
                               const std::vector<rnnc::Tensor> &states,
                               const std::vector<rnnc::Tensor> &weights) {
    rnnc::Tensor projected = b.matmul(x, weights[0]);
    rnnc::Tensor recurrent = b.matmul(states[0], weights[1]);
    rnnc::Tensor output = b.add(projected, recurrent);
    return rnnc::CellStep{output, {output}};
  });
}

/// An LSTM as a custom cell: z = x W_x + h W_h + b, gates i, j, f, o (TF's
/// order), c' = sigmoid(f) c + sigmoid(i) tanh(j), h' = sigmoid(o) tanh(c').
inline rnnc::Cell customLSTMCell(rnnc::ModelBuilder &b, int64_t I, int64_t H, const Weights &w) {
  rnnc::CustomCellSpec spec;
  spec.input_features = I;
  spec.state_features = {H, H};
  spec.output_features = H;
  spec.weights = {b.constant(rows(w.kernel, 4 * H, 0, I), {I, 4 * H}),
                  b.constant(rows(w.kernel, 4 * H, I, H), {H, 4 * H}),
                  b.constant(w.bias, {4 * H})};
  return b.CustomCell(spec, [H](rnnc::ModelBuilder &b, rnnc::Tensor x,
                                const std::vector<rnnc::Tensor> &states,
                                const std::vector<rnnc::Tensor> &weights) {
    rnnc::Tensor c = states[0], h = states[1];
    rnnc::Tensor xW = b.matmul(x, weights[0]);
    rnnc::Tensor hW = b.matmul(h, weights[1]);
    rnnc::Tensor z = b.add(b.add(xW, hW), weights[2]);
    rnnc::Tensor i = b.sigmoid(b.slice(z, 0, H));
    rnnc::Tensor j = b.tanh(b.slice(z, H, H));
    rnnc::Tensor f = b.sigmoid(b.slice(z, 2 * H, H));
    rnnc::Tensor o = b.sigmoid(b.slice(z, 3 * H, H));
    rnnc::Tensor kept = b.mul(f, c);
    rnnc::Tensor added = b.mul(i, j);
    rnnc::Tensor cNext = b.add(kept, added);
    rnnc::Tensor hNext = b.mul(o, b.tanh(cNext));
    return rnnc::CellStep{hNext, {cNext, hNext}};
  });
}

/// The cell of a custom kind.
inline rnnc::Cell customCell(rnnc::ModelBuilder &b, Kind kind, int64_t I, int64_t H,
                             const Weights &w) {
  switch (kind) {
  case Kind::MGU:
    return MinimalGatedUnit(b, I, H,
                            {b.constant(rows(w.kernel, H, 0, I), {I, H}),
                             b.constant(rows(w.kernel, H, I, H), {H, H}), b.constant(w.bias, {H}),
                             b.constant(rows(w.candidate, H, 0, I), {I, H}),
                             b.constant(rows(w.candidate, H, I, H), {H, H}),
                             b.constant(w.candidateBias, {H})});
  case Kind::MinimalRNN:
    return minimalRNNCell(b, I, H, w);
  default:
    return customLSTMCell(b, I, H, w);
  }
}

} // namespace bench

#endif // RNNC_BENCH_CUSTOM_CELLS_H
