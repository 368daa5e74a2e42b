#include "RandomCase.h"

#include <cmath>

namespace rnnc::test {
using reference::Activation;
using reference::Cell;
using reference::CellKind;

std::vector<float> randomVector(std::mt19937 &rng, size_t n, float scale) {
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// Fills the weights of `cell` with values that keep activations O(1).
void randomWeights(std::mt19937 &rng, Cell &cell) {
  const int64_t H = cell.numUnits, D = cell.inputDepth, P = cell.outputSize();
  auto scaled = [&](size_t n, int64_t fanIn) {
    return randomVector(rng, n, 1.5f / std::sqrt((float)fanIn));
  };
  switch (cell.kind) {
  case CellKind::BasicRNN:
    cell.kernel = scaled((D + H) * H, D + H);
    cell.bias = randomVector(rng, H, 0.5f);
    break;
  case CellKind::LSTM:
    cell.kernel = scaled((D + P) * 4 * H, D + P);
    cell.bias = randomVector(rng, 4 * H, 0.5f);
    if (cell.peepholes) {
      cell.wIDiag = randomVector(rng, H, 0.5f);
      cell.wFDiag = randomVector(rng, H, 0.5f);
      cell.wODiag = randomVector(rng, H, 0.5f);
    }
    if (cell.numProj > 0)
      cell.projKernel = scaled(H * cell.numProj, H);
    break;
  case CellKind::GRU:
    cell.gatesKernel = scaled((D + H) * 2 * H, D + H);
    cell.gatesBias = randomVector(rng, 2 * H, 0.5f);
    cell.candidateKernel = scaled((D + H) * H, D + H);
    cell.candidateBias = randomVector(rng, H, 0.5f);
    if (cell.linearBeforeReset)
      cell.hiddenBias = randomVector(rng, H, 0.5f);
    break;
  case CellKind::Custom: // never drawn here: CustomCellTest gives custom cells their weights
    break;
  }
}

namespace {

template <typename T> T pick(std::mt19937 &rng, std::initializer_list<T> values) {
  std::uniform_int_distribution<size_t> dist(0, values.size() - 1);
  return *(values.begin() + dist(rng));
}

bool coin(std::mt19937 &rng) { return std::uniform_int_distribution<int>(0, 1)(rng) == 1; }


Cell randomCell(std::mt19937 &rng, int64_t inputDepth) {
  Cell cell;
  cell.kind = pick(rng, {CellKind::LSTM, CellKind::GRU, CellKind::BasicRNN});
  cell.numUnits = pick<int64_t>(rng, {1, 7, 16, 33, 130});
  cell.inputDepth = inputDepth;
  cell.activation =
      pick(rng, {Activation::Tanh, Activation::Tanh, Activation::Sigmoid, Activation::Relu,
                 Activation::Relu6, Activation::Elu, Activation::Softsign, Activation::Softplus,
                 Activation::Linear, Activation::LeakyRelu, Activation::ThresholdedRelu,
                 Activation::ScaledTanh, Activation::Affine, Activation::HardSigmoid});
  // Parameters: half the time ONNX's defaults, otherwise random.
  std::uniform_real_distribution<float> parameter(0.1f, 0.9f);
  if (coin(rng)) {
    cell.activation.alpha = parameter(rng);
    cell.activation.beta = parameter(rng);
  }
  if (cell.kind != CellKind::BasicRNN && coin(rng) && coin(rng))
    cell.gateActivation = reference::ActivationFn(Activation::HardSigmoid, parameter(rng), 0.5f);
  if (coin(rng) && coin(rng))
    cell.gateClip = pick(rng, {0.5f, 2.0f});
  if (cell.kind == CellKind::LSTM) {
    if (coin(rng) && coin(rng))
      cell.outputActivation = reference::ActivationFn(Activation::ScaledTanh, 1.5f, 0.7f);
    cell.inputForget = coin(rng) && coin(rng);
    cell.forgetBias = pick(rng, {1.0f, 0.0f, 0.75f});
    cell.peepholes = coin(rng);
    if (coin(rng))
      cell.cellClip = pick(rng, {0.3f, 1.0f});
    if (coin(rng)) {
      cell.numProj = pick<int64_t>(rng, {1, 5, 17});
      if (coin(rng))
        cell.projClip = 0.2f;
    }
  }
  if (cell.kind == CellKind::GRU)
    cell.linearBeforeReset = coin(rng);
  randomWeights(rng, cell);
  return cell;
}
} // namespace


Case randomCase(unsigned seed) {
  std::mt19937 rng(seed);
  Case c;
  ModelConfig &m = c.config;
  int layers = pick(rng, {1, 1, 2, 3});
  int64_t depth = pick<int64_t>(rng, {1, 3, 16, 20});
  for (int l = 0; l < layers; ++l) {
    m.layers.push_back(randomCell(rng, depth));
    depth = m.layers.back().outputSize();
  }
  m.T = pick<int64_t>(rng, {1, 2, 5, 9});
  m.B = pick<int64_t>(rng, {1, 2, 3, 5});
  m.timeMajor = coin(rng);
  m.withLengths = coin(rng) || coin(rng);
  m.lengthsI64 = coin(rng);
  m.reverse = coin(rng) && coin(rng);
  m.zeroStateForEmptyRows = m.withLengths && coin(rng) && coin(rng);
  m.withInitialState = coin(rng);
  m.weightsAsConstants = coin(rng);
  m.dynamicShapes = coin(rng);
  c.inputs = randomVector(rng, m.T * m.B * m.layers.front().inputDepth, 1.0f);
  if (m.withLengths) {
    std::uniform_int_distribution<int64_t> len(0, m.T);
    for (int64_t b = 0; b < m.B; ++b)
      c.lengths.push_back(len(rng));
    // Always cover a zero-length row and a full-length row when there is room.
    if (m.B >= 2) {
      c.lengths[0] = 0;
      c.lengths[m.B - 1] = m.T;
    }
  }
  m.withMask = !m.withLengths && coin(rng);
  m.zeroOutputForMask = m.withMask && coin(rng);
  if (m.withMask) {
    std::bernoulli_distribution keep(0.7);
    for (int64_t i = 0; i < m.B * m.T; ++i)
      c.mask.push_back(keep(rng));
    // Cover a fully masked row and a fully unmasked one when there is room.
    if (m.B >= 2)
      for (int64_t t = 0; t < m.T; ++t) {
        c.mask[t] = 0;
        c.mask[(m.B - 1) * m.T + t] = 1;
      }
  }
  if (m.withInitialState)
    for (const Cell &cell : m.layers)
      for (int64_t size : cell.stateSizes())
        c.initialState.push_back(randomVector(rng, m.B * size, 0.8f));
  // Drawn last so that the earlier draws (and cases) stay as they were.
  m.goBackwards = !m.withLengths && !m.reverse && coin(rng);
  m.unroll = !m.dynamicShapes && coin(rng) && coin(rng);
  return c;
}

std::string describe(const ModelConfig &m) {
  std::string text = "T=" + std::to_string(m.T) + " B=" + std::to_string(m.B) +
                     (m.timeMajor ? " time_major" : " batch_major") +
                     (m.withLengths ? " lengths" : "") + (m.withInitialState ? " initial" : "") +
                     (m.reverse ? " reverse" : "") + (m.withMask ? " mask" : "") +
                     (m.zeroOutputForMask ? " zero_output" : "") +
                     (m.goBackwards ? " go_backwards" : "") + (m.unroll ? " unroll" : "") +
                     (m.zeroStateForEmptyRows ? " zero_state_for_empty" : "") +
                     (m.dynamicShapes ? " dynamic" : "") + " layers:";
  for (const Cell &c : m.layers)
    text += std::string(" ") +
            (c.kind == CellKind::LSTM  ? "lstm"
             : c.kind == CellKind::GRU ? "gru"
                                       : "rnn") +
            "(H=" + std::to_string(c.numUnits) + ",D=" + std::to_string(c.inputDepth) + "," +
            reference::activationName(c.activation.kind) + (c.peepholes ? ",peep" : "") +
            (c.gateClip ? ",gate_clip" : "") + (c.inputForget ? ",input_forget" : "") +
            (c.outputActivation ? ",output_act" : "") +
            (c.gateActivation.kind != Activation::Sigmoid ? ",hard_gates" : "") +
            (c.cellClip ? ",cell_clip" : "") +
            (c.numProj ? ",proj=" + std::to_string(c.numProj) : "") +
            (c.projClip ? ",proj_clip" : "") + (c.linearBeforeReset ? ",lbr" : "") + ")";
  return text;
}

} // namespace rnnc::test
