#include "RnnReference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace rnnc::reference {

const char *activationName(Activation activation) {
  switch (activation) {
  case Activation::Tanh:
    return "tanh";
  case Activation::Sigmoid:
    return "sigmoid";
  case Activation::Relu:
    return "relu";
  case Activation::Relu6:
    return "relu6";
  case Activation::Elu:
    return "elu";
  case Activation::Softsign:
    return "softsign";
  case Activation::Softplus:
    return "softplus";
  case Activation::Linear:
    return "linear";
  case Activation::HardSigmoid:
    return "hard_sigmoid";
  case Activation::LeakyRelu:
    return "leaky_relu";
  case Activation::ThresholdedRelu:
    return "thresholded_relu";
  case Activation::ScaledTanh:
    return "scaled_tanh";
  case Activation::Affine:
    return "affine";
  }
  return "?";
}

// ONNX's defaults: HardSigmoid 0.2/0.5, LeakyRelu 0.01, Affine 1/0, others 1.
float ActivationFn::alphaValue() const {
  if (!std::isnan(alpha))
    return alpha;
  return kind == Activation::HardSigmoid ? 0.2f : kind == Activation::LeakyRelu ? 0.01f : 1.0f;
}

float ActivationFn::betaValue() const {
  if (!std::isnan(beta))
    return beta;
  return kind == Activation::HardSigmoid ? 0.5f : kind == Activation::Affine ? 0.0f : 1.0f;
}

static double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double activate(const ActivationFn &fn, double x) {
  const double alpha = fn.alphaValue(), beta = fn.betaValue();
  switch (fn.kind) {
  case Activation::Tanh:
    return std::tanh(x);
  case Activation::Sigmoid:
    return sigmoid(x);
  case Activation::Relu:
    return x > 0 ? x : 0.0;
  case Activation::Relu6:
    return std::min(std::max(x, 0.0), 6.0);
  case Activation::Elu:
    return x > 0 ? x : alpha * std::expm1(x);
  case Activation::Softsign:
    return x / (1.0 + std::fabs(x));
  case Activation::Softplus:
    return std::log1p(std::exp(x));
  case Activation::Linear:
    return x;
  case Activation::HardSigmoid:
    return std::min(std::max(alpha * x + beta, 0.0), 1.0);
  case Activation::LeakyRelu:
    return x < 0 ? alpha * x : x;
  case Activation::ThresholdedRelu:
    return x > alpha ? x : 0.0;
  case Activation::ScaledTanh:
    return alpha * std::tanh(beta * x);
  case Activation::Affine:
    return alpha * x + beta;
  }
  return x;
}

int64_t Cell::outputSize() const {
  return kind == CellKind::LSTM && numProj > 0 ? numProj : numUnits;
}

std::vector<int64_t> Cell::stateSizes() const {
  if (kind == CellKind::Custom)
    return customStateSizes;
  if (kind == CellKind::LSTM)
    return {numUnits, outputSize()};
  return {numUnits};
}

namespace {
/// concat([x, h]) @ kernel[:, column] for a row-major kernel with `columns` columns.
double dotConcat(const std::vector<double> &x, const std::vector<double> &h,
                 const std::vector<float> &kernel, int64_t columns, int64_t column) {
  double sum = 0;
  for (size_t k = 0; k < x.size(); ++k)
    sum += x[k] * kernel[k * columns + column];
  for (size_t k = 0; k < h.size(); ++k)
    sum += h[k] * kernel[(x.size() + k) * columns + column];
  return sum;
}

double clip(double v, float limit) { return std::min(std::max(v, -(double)limit), (double)limit); }

double gateClip(const Cell &cell, double v) { return cell.gateClip ? clip(v, *cell.gateClip) : v; }

/// One step of one layer: updates `state` in place and returns the output.
std::vector<double> step(const Cell &cell, const std::vector<double> &x,
                         std::vector<std::vector<double>> &state) {
  const int64_t H = cell.numUnits;
  const std::vector<double> empty;
  switch (cell.kind) {
  case CellKind::Custom:
    return cell.customStep(x, state);
  case CellKind::BasicRNN: {
    std::vector<double> h(H);
    for (int64_t u = 0; u < H; ++u)
      h[u] = activate(cell.activation,
                      gateClip(cell, dotConcat(x, state[0], cell.kernel, H, u) + cell.bias[u]));
    state[0] = h;
    return h;
  }
  case CellKind::LSTM: {
    const std::vector<double> &cPrev = state[0], &mPrev = state[1];
    std::vector<double> c(H), m(H);
    for (int64_t u = 0; u < H; ++u) {
      double i = dotConcat(x, mPrev, cell.kernel, 4 * H, u) + cell.bias[u];
      double j = dotConcat(x, mPrev, cell.kernel, 4 * H, H + u) + cell.bias[H + u];
      double f = dotConcat(x, mPrev, cell.kernel, 4 * H, 2 * H + u) + cell.bias[2 * H + u];
      double o = dotConcat(x, mPrev, cell.kernel, 4 * H, 3 * H + u) + cell.bias[3 * H + u];
      if (cell.peepholes) {
        i += cell.wIDiag[u] * cPrev[u];
        f += cell.wFDiag[u] * cPrev[u];
      }
      double iGate = activate(cell.gateActivation, gateClip(cell, i));
      double fGate = cell.inputForget
                         ? 1.0 - iGate
                         : activate(cell.gateActivation, gateClip(cell, f + cell.forgetBias));
      c[u] = fGate * cPrev[u] + iGate * activate(cell.activation, gateClip(cell, j));
      if (cell.cellClip)
        c[u] = clip(c[u], *cell.cellClip);
      if (cell.peepholes)
        o += cell.wODiag[u] * c[u];
      m[u] = activate(cell.gateActivation, gateClip(cell, o)) *
             activate(cell.outputActivation.value_or(cell.activation), c[u]);
    }
    if (cell.numProj > 0) {
      std::vector<double> projected(cell.numProj, 0.0);
      for (int64_t p = 0; p < cell.numProj; ++p) {
        for (int64_t u = 0; u < H; ++u)
          projected[p] += m[u] * cell.projKernel[u * cell.numProj + p];
        if (cell.projClip)
          projected[p] = clip(projected[p], *cell.projClip);
      }
      m = projected;
    }
    state[0] = c;
    state[1] = m;
    return m;
  }
  case CellKind::GRU: {
    const std::vector<double> &h = state[0];
    std::vector<double> r(H), z(H), rh(H), next(H);
    for (int64_t u = 0; u < H; ++u) {
      r[u] =
          activate(cell.gateActivation,
                   gateClip(cell, dotConcat(x, h, cell.gatesKernel, 2 * H, u) + cell.gatesBias[u]));
      z[u] = activate(
          cell.gateActivation,
          gateClip(cell, dotConcat(x, h, cell.gatesKernel, 2 * H, H + u) + cell.gatesBias[H + u]));
      rh[u] = r[u] * h[u];
    }
    for (int64_t u = 0; u < H; ++u) {
      double pre;
      if (cell.linearBeforeReset) {
        double fromInput = dotConcat(x, empty, cell.candidateKernel, H, u) + cell.candidateBias[u];
        double fromHidden = 0;
        for (int64_t k = 0; k < H; ++k)
          fromHidden += h[k] * cell.candidateKernel[(x.size() + k) * H + u];
        pre = fromInput + r[u] * (fromHidden + cell.hiddenBias[u]);
      } else {
        pre = dotConcat(x, rh, cell.candidateKernel, H, u) + cell.candidateBias[u];
      }
      double candidate = activate(cell.activation, gateClip(cell, pre));
      next[u] = z[u] * h[u] + (1 - z[u]) * candidate;
    }
    state[0] = next;
    return next;
  }
  }
  throw std::logic_error("unknown cell kind");
}
} // namespace

Result dynamicRnn(const std::vector<Cell> &layers, const std::vector<float> &inputs, int64_t T,
                  int64_t B, bool timeMajor, const std::vector<int64_t> *lengths,
                  const std::vector<std::vector<float>> *initialState, bool reverse,
                  bool zeroStateForEmptyRows, const std::vector<uint8_t> *mask,
                  bool zeroOutputForMask, bool goBackwards) {
  const int64_t D = layers.front().inputDepth;
  const int64_t O = layers.back().outputSize();
  Result result;
  result.outputs.assign(T * B * O, 0.0f);

  // states[b][layer][leaf]
  std::vector<std::vector<std::vector<std::vector<double>>>> states(B);
  for (int64_t b = 0; b < B; ++b) {
    size_t flat = 0;
    for (const Cell &cell : layers) {
      std::vector<std::vector<double>> leafs;
      for (int64_t size : cell.stateSizes()) {
        std::vector<double> leaf(size, 0.0);
        bool empty = lengths && (*lengths)[b] == 0;
        if (initialState && !(zeroStateForEmptyRows && empty))
          for (int64_t k = 0; k < size; ++k)
            leaf[k] = (*initialState)[flat][b * size + k];
        leafs.push_back(leaf);
        ++flat;
      }
      states[b].push_back(leafs);
    }
  }

  std::vector<std::vector<double>> lastOutput(B, std::vector<double>(O, 0.0));
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t b = 0; b < B; ++b) {
      // Past a row's length: output zero (already), every state copied through.
      int64_t length = lengths ? (*lengths)[b] : T;
      if (t >= length)
        continue;
      // reverse: backwards within the length, outputs where their input was;
      // go_backwards: the whole padded sequence flipped, outputs in step order.
      int64_t time = reverse ? length - 1 - t : goBackwards ? T - 1 - t : t;
      int64_t outputTime = goBackwards ? t : time;
      int64_t base = timeMajor ? (time * B + b) : (b * T + time);
      int64_t outBase = timeMajor ? (outputTime * B + b) : (b * T + outputTime);
      if (mask && !(*mask)[b * T + time]) {
        for (int64_t k = 0; k < O; ++k)
          result.outputs[outBase * O + k] = zeroOutputForMask ? 0.0f : (float)lastOutput[b][k];
        continue;
      }
      std::vector<double> x(inputs.begin() + base * D, inputs.begin() + (base + 1) * D);
      for (size_t l = 0; l < layers.size(); ++l)
        x = step(layers[l], x, states[b][l]);
      for (int64_t k = 0; k < O; ++k)
        result.outputs[outBase * O + k] = (float)x[k];
      lastOutput[b] = x;
    }
  }

  for (size_t l = 0; l < layers.size(); ++l) {
    std::vector<int64_t> sizes = layers[l].stateSizes();
    for (size_t leaf = 0; leaf < sizes.size(); ++leaf) {
      std::vector<float> state(B * sizes[leaf]);
      for (int64_t b = 0; b < B; ++b)
        for (int64_t k = 0; k < sizes[leaf]; ++k)
          state[b * sizes[leaf] + k] = (float)states[b][l][leaf][k];
      result.finalStates.push_back(state);
    }
  }
  return result;
}

} // namespace rnnc::reference
