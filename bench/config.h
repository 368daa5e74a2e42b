// The configs rnnc-bench times and their weights, shared by its runners.
#ifndef RNNC_BENCH_CONFIG_H
#define RNNC_BENCH_CONFIG_H

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace bench {

/// The built-in cells, then custom cells (compiled through the builder's
/// CustomCell): the MGU of examples/custom/mgu.h, Keras's MinimalRNNCell
/// (examples/custom/minimal_rnn.mlir), and an LSTM (no peepholes, forget
/// bias 0) written as a custom cell.
enum class Kind { LSTM, GRU, LbrGRU, RNN, MGU, MinimalRNN, CustomLSTM };

inline bool isCustom(Kind kind) { return kind >= Kind::MGU; }

inline const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::LSTM:
    return "LSTM";
  case Kind::GRU:
    return "GRU";
  case Kind::LbrGRU:
    return "GRU-LBR";
  case Kind::RNN:
    return "RNN";
  case Kind::MGU:
    return "MGU";
  case Kind::MinimalRNN:
    return "MinimalRNN";
  case Kind::CustomLSTM:
    return "LSTM-custom";
  }
  return "?";
}

/// Weight matrices [I + H, H] of a layer.
inline int gates(Kind kind) {
  switch (kind) {
  case Kind::LSTM:
  case Kind::CustomLSTM:
    return 4;
  case Kind::GRU:
  case Kind::LbrGRU:
    return 3;
  case Kind::MGU:
    return 2;
  case Kind::RNN:
  case Kind::MinimalRNN:
    return 1;
  }
  return 0;
}

struct Config {
  Kind kind;
  int64_t H, B, T;
  /// Stacked layers of the same cell (I = H for each).
  int64_t L = 1;
};

/// Weights in TensorFlow's layouts (rnnc's): LSTM kernel [I+H, 4H] (i, j, f, o)
/// and bias; GRU gates kernel [I+H, 2H] (r, u), candidate kernel [I+H, H],
/// biases, hidden bias (LBR); RNN kernel [I+H, H]. MGU: kernel [I+H, H] and
/// bias of f (W_f over U_f), candidate kernel [I+H, H] and bias (W_h over U_h);
/// MinimalRNN: kernel [I+H, H] (kernel over recurrent kernel), no bias.
struct Weights {
  std::vector<float> kernel, bias, candidate, candidateBias, hiddenBias;
};

inline std::vector<float> random(size_t n, std::mt19937 &rng, float scale) {
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

inline Weights makeWeights(const Config &c, std::mt19937 &rng) {
  int64_t I = c.H, H = c.H;
  float scale = 1.0f / std::sqrt((float)H);
  Weights w;
  switch (c.kind) {
  case Kind::LSTM:
  case Kind::CustomLSTM:
    w.kernel = random((I + H) * 4 * H, rng, scale);
    w.bias = random(4 * H, rng, scale);
    break;
  case Kind::GRU:
  case Kind::LbrGRU:
    w.kernel = random((I + H) * 2 * H, rng, scale);
    w.bias = random(2 * H, rng, scale);
    w.candidate = random((I + H) * H, rng, scale);
    w.candidateBias = random(H, rng, scale);
    if (c.kind == Kind::LbrGRU)
      w.hiddenBias = random(H, rng, scale);
    break;
  case Kind::RNN:
    w.kernel = random((I + H) * H, rng, scale);
    w.bias = random(H, rng, scale);
    break;
  case Kind::MGU:
    w.kernel = random((I + H) * H, rng, scale);
    w.bias = random(H, rng, scale);
    w.candidate = random((I + H) * H, rng, scale);
    w.candidateBias = random(H, rng, scale);
    break;
  case Kind::MinimalRNN:
    w.kernel = random((I + H) * H, rng, scale);
    break;
  }
  return w;
}

} // namespace bench

#endif // RNNC_BENCH_CONFIG_H
