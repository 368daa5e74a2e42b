// Scalar steps of the custom cells in examples/custom/, for the reference's
// CellKind::Custom (written from the cells' equations, in double).
#ifndef RNNC_TEST_UNIT_CUSTOMCELLREFERENCE_H
#define RNNC_TEST_UNIT_CUSTOMCELLREFERENCE_H

#include "RnnReference.h"

#include <cmath>

namespace rnnc::test {

/// Row-major [rows, cols] weights.
struct Matrix {
  std::vector<float> values;
  int64_t rows = 0, cols = 0;
  double at(int64_t r, int64_t c) const { return values[r * cols + c]; }
};

/// v @ m for a row vector v.
inline std::vector<double> times(const std::vector<double> &v, const Matrix &m) {
  std::vector<double> out(m.cols, 0.0);
  for (int64_t c = 0; c < m.cols; ++c)
    for (int64_t r = 0; r < m.rows; ++r)
      out[c] += v[r] * m.at(r, c);
  return out;
}

/// Keras's MinimalRNNCell: output = state = x W + h U.
inline reference::Cell minimalRnnCell(const Matrix &w, const Matrix &u) {
  reference::Cell cell;
  cell.kind = reference::CellKind::Custom;
  cell.numUnits = u.cols;
  cell.inputDepth = w.rows;
  cell.customStateSizes = {u.cols};
  cell.customStep = [w, u](const std::vector<double> &x, std::vector<std::vector<double>> &s) {
    std::vector<double> a = times(x, w), b = times(s[0], u);
    for (size_t i = 0; i < a.size(); ++i)
      a[i] += b[i];
    s[0] = a;
    return a;
  };
  return cell;
}

/// The minimal gated unit of examples/custom/mgu.h; `constant` (may be empty)
/// is added to the candidate's pre-activation of row `row()`.
struct MguWeights {
  Matrix wf, uf, wh, uh;
  std::vector<float> bf, bh;
};

inline reference::Cell mguCell(const MguWeights &w) {
  reference::Cell cell;
  cell.kind = reference::CellKind::Custom;
  cell.numUnits = w.uf.cols;
  cell.inputDepth = w.wf.rows;
  cell.customStateSizes = {w.uf.cols};
  cell.customStep = [w](const std::vector<double> &x, std::vector<std::vector<double>> &s) {
    const std::vector<double> &h = s[0];
    std::vector<double> f = times(x, w.wf), hf = times(h, w.uf);
    for (size_t i = 0; i < f.size(); ++i)
      f[i] = 1.0 / (1.0 + std::exp(-(f[i] + hf[i] + w.bf[i])));
    std::vector<double> gated(h.size());
    for (size_t i = 0; i < h.size(); ++i)
      gated[i] = f[i] * h[i];
    std::vector<double> c = times(x, w.wh), hc = times(gated, w.uh), next(h.size());
    for (size_t i = 0; i < c.size(); ++i) {
      c[i] = std::tanh(c[i] + hc[i] + w.bh[i]);
      next[i] = (1 - f[i]) * h[i] + f[i] * c[i];
    }
    s[0] = next;
    return next;
  };
  return cell;
}

} // namespace rnnc::test

#endif // RNNC_TEST_UNIT_CUSTOMCELLREFERENCE_H
