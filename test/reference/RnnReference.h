// A plain scalar implementation of tf.nn.dynamic_rnn and its cells, written
// from the equations in docs/semantics.md (TensorFlow's rnn_cell_impl.py). It
// shares no code with the compiler and accumulates in double precision; the
// tests compare compiled kernels against it.
#ifndef RNNC_TEST_REFERENCE_RNNREFERENCE_H
#define RNNC_TEST_REFERENCE_RNNREFERENCE_H

#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rnnc::reference {

enum class Activation {
  Tanh,
  Sigmoid,
  Relu,
  Relu6,
  Elu,
  Softsign,
  Softplus,
  Linear,
  HardSigmoid,
  LeakyRelu,
  ThresholdedRelu,
  ScaledTanh,
  Affine
};

/// An activation with its parameters; NaN alpha/beta mean ONNX's defaults.
struct ActivationFn {
  Activation kind = Activation::Tanh;
  float alpha = NAN, beta = NAN;
  ActivationFn(Activation kind = Activation::Tanh, float alpha = NAN, float beta = NAN)
      : kind(kind), alpha(alpha), beta(beta) {}
  float alphaValue() const;
  float betaValue() const;
};
enum class CellKind { BasicRNN, LSTM, GRU, Custom };

/// A custom cell's step on one row: reads x, updates the states in place and
/// returns the output.
using CustomStep = std::function<std::vector<double>(const std::vector<double> &x,
                                                     std::vector<std::vector<double>> &states)>;

/// Name used by the rnn dialect (`#rnn.activation<NAME>`).
const char *activationName(Activation activation);
double activate(const ActivationFn &activation, double x);

/// One layer. Weights are row-major in TensorFlow's layout:
///   BasicRNN: kernel [D + H, H], bias [H]
///   LSTM:     kernel [D + P, 4H] (gates i, j, f, o), bias [4H], optional
///             w_i_diag/w_f_diag/w_o_diag [H], optional proj_kernel [H, P]
///             (P = num_proj, or H without projection)
///   GRU:      gates_kernel [D + H, 2H] (r, u), gates_bias [2H],
///             candidate_kernel [D + H, H], candidate_bias [H],
///             hidden_bias [H] with linear_before_reset.
struct Cell {
  CellKind kind = CellKind::LSTM;
  int64_t numUnits = 1;
  int64_t inputDepth = 1;
  ActivationFn activation{Activation::Tanh};
  /// Gate function of LSTM and GRU (TensorFlow: always the sigmoid).
  ActivationFn gateActivation{Activation::Sigmoid};
  /// LSTM: the function applied to c' in m' (default: `activation`).
  std::optional<ActivationFn> outputActivation;
  /// Clips every gate pre-activation (after bias, forget bias and peepholes).
  std::optional<float> gateClip;
  /// LSTM: f = 1 - i.
  bool inputForget = false;
  float forgetBias = 1.0f;
  bool peepholes = false;
  std::optional<float> cellClip;
  int64_t numProj = 0;
  std::optional<float> projClip;
  bool linearBeforeReset = false;

  std::vector<float> kernel, bias, wIDiag, wFDiag, wODiag, projKernel;
  std::vector<float> gatesKernel, gatesBias, candidateKernel, candidateBias, hiddenBias;

  /// CellKind::Custom: the step, its output size (numUnits) and state sizes.
  CustomStep customStep;
  std::vector<int64_t> customStateSizes;
  int64_t outputSize() const;
  /// LSTM: {c: H, h: P}; others {h: H}.
  std::vector<int64_t> stateSizes() const;
};

struct Result {
  std::vector<float> outputs;                  // [T, B, O] or [B, T, O]
  std::vector<std::vector<float>> finalStates; // per state of every layer, [B, size]
};

/// `inputs` is [T, B, D] when timeMajor, else [B, T, D]. `lengths` (may be
/// null) must lie in [0, T]. `initialState` (may be null) holds one [B, size]
/// tensor per state in layer order; zeros otherwise. `reverse` runs each row
/// from step len-1 down to 0, writing outputs at the consumed time index.
/// `zeroStateForEmptyRows` gives length-0 rows a zero final state. `mask`
/// ([B, T], Keras; instead of lengths) skips steps: states keep their values
/// and the output repeats the row's last output (zero before the first), or
/// is zero with `zeroOutputForMask`.
Result dynamicRnn(const std::vector<Cell> &layers, const std::vector<float> &inputs, int64_t T,
                  int64_t B, bool timeMajor, const std::vector<int64_t> *lengths,
                  const std::vector<std::vector<float>> *initialState, bool reverse = false,
                  bool zeroStateForEmptyRows = false, const std::vector<uint8_t> *mask = nullptr,
                  bool zeroOutputForMask = false, bool goBackwards = false);

} // namespace rnnc::reference

#endif // RNNC_TEST_REFERENCE_RNNREFERENCE_H
