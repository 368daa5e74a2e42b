// rnnc's C++ API for host programs: build a recurrent model in code with the
// vocabulary of TensorFlow's RNN API (cells, MultiRNNCell, dynamic_rnn), or
// load an .onnx/.mlir file, and compile it in-process to the same rnnrt model
// descriptor an AOT object provides. Run it with the rnnrt instance API
// (rnnrt/model.h). This header does not expose MLIR. Reference: docs/jit.md.
//
// Threading: a ModelBuilder is used by one thread at a time; compiling is
// thread-safe; a compiled Model is immutable and may be shared by any threads.
#ifndef RNNC_RNNC_H
#define RNNC_RNNC_H

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rnnrt/model.h"

namespace mlir::rnnc {
class JitModel;
} // namespace mlir::rnnc

namespace rnnc {

/// Run-time sizes in input shapes: the sequence length and the batch.
constexpr int64_t kTime = -1;
constexpr int64_t kBatch = -2;

enum class DType { F32, I32, I64, Bool };

/// A value in a model under construction. Default-constructed: none.
struct Tensor {
  int id = -1;
  explicit operator bool() const { return id >= 0; }
};

/// A cell in a model under construction.
struct Cell {
  int id = -1;
  explicit operator bool() const { return id >= 0; }
};

/// Activations are given as in the dialect, e.g. "tanh", "relu",
/// "hard_sigmoid", "affine, alpha = 0.5, beta = 1.0"; empty means the cell's
/// default (docs/dialect.md).
struct BasicRNNCellOptions {
  std::string activation;
  std::optional<float> gate_clip;
};

/// tf.nn.rnn_cell.LSTMCell. Weights are row-major in TensorFlow's layout:
/// kernel [input_depth + h_depth, 4 * num_units] (gates i, j, f, o), bias
/// [4 * num_units]; peepholes [num_units] each; proj_kernel [num_units,
/// num_proj].
struct LSTMWeights {
  std::vector<float> kernel, bias;
  std::vector<float> w_i_diag, w_f_diag, w_o_diag;
  std::vector<float> proj_kernel;
};
struct LSTMCellOptions {
  float forget_bias = 1.0f;
  bool use_peepholes = false;
  std::optional<float> cell_clip;
  int64_t num_proj = 0;
  std::optional<float> proj_clip;
  std::string activation, gate_activation, output_activation;
  std::optional<float> gate_clip;
  bool input_forget = false;
};

/// tf.nn.rnn_cell.GRUCell: gates_kernel [input_depth + num_units, 2 *
/// num_units] (r, u), candidate_kernel [input_depth + num_units, num_units];
/// hidden_bias [num_units] with linear_before_reset (ONNX, Keras reset_after).
struct GRUWeights {
  std::vector<float> gates_kernel, gates_bias, candidate_kernel, candidate_bias;
  std::vector<float> hidden_bias;
};
struct GRUCellOptions {
  bool linear_before_reset = false;
  std::string activation, gate_activation;
  std::optional<float> gate_clip;
};

/// tf.nn.dynamic_rnn's arguments beyond the cell and inputs.
struct DynamicRNNOptions {
  Tensor sequence_length;            ///< i32 or i64 [B]
  Tensor mask;                       ///< bool [B, T] (Keras), instead of lengths
  std::vector<Tensor> initial_state; ///< one [B, depth] per state leaf
  bool time_major = false;
  bool reverse = false;      ///< backwards within each length (TF, ONNX)
  bool go_backwards = false; ///< the padded sequence flipped (Keras)
  bool unroll = false;       ///< straight-line steps; static T only
  bool zero_output_for_mask = false;
};

/// outputs [T, B, H] or [B, T, H]; one final state per leaf (LSTM: c, h).
struct RNNResult {
  Tensor outputs;
  std::vector<Tensor> final_state;
};

/// Keras weights: kernel [input_dim, G * units], recurrent_kernel [units,
/// G * units], bias [G * units] (GRU with reset_after: [2, 3 * units], the
/// input bias then the recurrent bias), gates in Keras order: LSTM i, f, c, o;
/// GRU z, r, h. An empty bias means use_bias=False.
struct KerasWeights {
  std::vector<float> kernel, recurrent_kernel, bias;
};

/// keras.layers.RNN options (the layer's constructor and call arguments).
struct KerasRNNOptions {
  std::string activation = "tanh";
  /// Gates of LSTM and GRU: "sigmoid"; "hard_sigmoid" is Keras 2's
  /// clip(0.2 x + 0.5, 0, 1); Keras 3's clip(x / 6 + 0.5, 0, 1) is
  /// "hard_sigmoid, alpha = 0.16666667, beta = 0.5".
  std::string recurrent_activation = "sigmoid";
  bool reset_after = true; ///< GRU only
  bool return_sequences = false;
  bool go_backwards = false;
  bool time_major = false;
  bool unroll = false;
  bool zero_output_for_mask = false;
  Tensor mask; ///< bool [B, T]
  /// Keras order: LSTM [h, c]; GRU and SimpleRNN [h].
  std::vector<Tensor> initial_state;
};

struct KerasLayer {
  enum Kind { SimpleRNN, LSTM, GRU } kind = LSTM;
  int64_t units = 0;
  KerasWeights weights;
  KerasRNNOptions options;
};

/// output: the sequences ([B, T, units], or [T, B, units] time-major) with
/// return_sequences, else the last output [B, units]; states in Keras order
/// (LSTM h, c), what return_state adds.
struct KerasRNNResult {
  Tensor output;
  std::vector<Tensor> states;
};

/// Keras Bidirectional: `output` merged ("concat", "sum", "ave", "mul"; none
/// with "none"), and each direction's output and states.
struct BidirectionalResult {
  Tensor output;
  KerasRNNResult forward, backward;
};

/// A Keras layer's output and the mask it passes on to the next layers
/// (bool [B, T]; none where the layer has no mask).
struct MaskedTensor {
  Tensor output;
  Tensor mask;
};

/// TF bidirectional_dynamic_rnn: ((output_fw, output_bw), (state_fw, state_bw)).
struct BidirectionalRNNResult {
  RNNResult forward, backward;
};

/// A cell defined by its step (Keras's `call(inputs, states)`): the step
/// function receives the step's input [B, input_features], the states
/// [B, state_features[i]] and the weights, and returns the output
/// [B, output_features] and the new states, built with the tensor operations
/// of ModelBuilder. Weights may be constants or model inputs; an input of
/// shape [B, ...] given as a weight is Keras's `constants` (every step sees it).
struct CustomCellSpec {
  int64_t input_features = 0;
  std::vector<int64_t> state_features;
  int64_t output_features = 0;
  std::vector<Tensor> weights;
};
struct CellStep {
  Tensor output;
  std::vector<Tensor> states;
};
class ModelBuilder;
using CellStepFn =
    std::function<CellStep(ModelBuilder &b, Tensor input, const std::vector<Tensor> &states,
                           const std::vector<Tensor> &weights)>;

/// Builds one model function. Errors (bad handles, weights of the wrong size,
/// verifier failures) are collected: the first one is in error() and makes
/// compiling fail with it.
class ModelBuilder {
public:
  ModelBuilder();
  ~ModelBuilder();
  ModelBuilder(const ModelBuilder &) = delete;
  ModelBuilder &operator=(const ModelBuilder &) = delete;

  /// A model input; `dims` entries are sizes or kTime / kBatch.
  Tensor input(const std::string &name, DType type, const std::vector<int64_t> &dims);

  Cell BasicRNNCell(int64_t num_units, const std::vector<float> &kernel,
                    const std::vector<float> &bias, const BasicRNNCellOptions &options = {});
  Cell LSTMCell(int64_t num_units, const LSTMWeights &weights, const LSTMCellOptions &options = {});
  Cell GRUCell(int64_t num_units, const GRUWeights &weights, const GRUCellOptions &options = {});
  Cell MultiRNNCell(const std::vector<Cell> &cells);
  /// A cell of any step (see CustomCellSpec); compiled like the built-in ones:
  /// its input matmuls are hoisted out of the time loop and fused.
  Cell CustomCell(const CustomCellSpec &spec, const CellStepFn &step);

  /// Tensor operations on f32 tensors, inside a custom cell's step or on model
  /// values. Binary operations take equal shapes, or broadcast a [N] vector
  /// along the rows or a scalar (rank 0) over everything.
  Tensor constant(const std::vector<float> &values, const std::vector<int64_t> &shape);
  Tensor matmul(Tensor a, Tensor b); ///< [M, K] x [K, N]
  Tensor add(Tensor a, Tensor b);
  Tensor sub(Tensor a, Tensor b);
  Tensor mul(Tensor a, Tensor b);
  Tensor sigmoid(Tensor a);
  Tensor tanh(Tensor a);
  Tensor relu(Tensor a);
  /// Columns [begin, begin + size) of the last dimension.
  Tensor slice(Tensor a, int64_t begin, int64_t size);
  /// `a` and `b` side by side along the last dimension.
  Tensor concat(Tensor a, Tensor b);

  RNNResult dynamic_rnn(Cell cell, Tensor inputs, const DynamicRNNOptions &options = {});
  /// TF's nested inputs: several [T, B, D_i] (or [B, T, D_i]) tensors per step,
  /// given to the cell side by side as one [B, sum D_i] step input (a custom
  /// cell slices them apart).
  RNNResult dynamic_rnn(Cell cell, const std::vector<Tensor> &inputs,
                        const DynamicRNNOptions &options = {});
  /// tf.nn.bidirectional_dynamic_rnn: the backward cell runs each row
  /// backwards within its length and its outputs are time-aligned.
  /// options.initial_state: the forward cell's states, then the backward's.
  BidirectionalRNNResult bidirectional_dynamic_rnn(Cell forward, Cell backward, Tensor inputs,
                                                   const DynamicRNNOptions &options = {});

  /// Calls a Keras recurrent layer (SimpleRNN, LSTM, GRU) on `inputs`.
  KerasRNNResult rnn(const KerasLayer &layer, Tensor inputs);
  /// keras.layers.Bidirectional(forward, backward_layer=backward, merge_mode).
  /// As in Keras, both directions zero masked outputs when they return
  /// sequences, and the backward outputs come back in input order.
  BidirectionalResult Bidirectional(const KerasLayer &forward, const KerasLayer &backward,
                                    Tensor inputs, const std::string &merge_mode = "concat");
  /// keras.layers.Dense on [B, D] or [B, T, D] (TimeDistributed(Dense) too):
  /// activation(inputs kernel + bias), kernel [D, units], bias [units] or
  /// empty (use_bias=False); activation as in KerasRNNOptions.
  Tensor Dense(Tensor inputs, int64_t units, const std::vector<float> &kernel,
               const std::vector<float> &bias, const std::string &activation = "linear");
  /// keras.layers.Activation: an activation by name (KerasRNNOptions' names).
  Tensor Activation(Tensor inputs, const std::string &activation);
  /// keras.layers.Masking on [B, T, D] ([T, B, D] with time_major; the mask
  /// is [B, T] either way): the steps whose features all equal mask_value
  /// are zeroed, and masked.
  MaskedTensor Masking(Tensor inputs, float mask_value = 0.0f, bool time_major = false);
  /// keras.layers.Embedding: rows of `embeddings` [input_dim, output_dim]
  /// picked by the int32/int64 ids [B, T], or float32 ones cast to integers
  /// as Keras does (an id outside [0, input_dim) fails the call); with
  /// mask_zero, the steps of id 0 are masked.
  MaskedTensor Embedding(Tensor ids, int64_t input_dim, int64_t output_dim,
                         const std::vector<float> &embeddings, bool mask_zero = false);
  /// Keras's mask of a merge (Concatenate, Add, ...): the steps every given
  /// mask keeps; masks may be empty handles (all steps kept).
  Tensor merge_masks(const std::vector<Tensor> &masks);

  /// Makes `value` a model output called `name`.
  void output(const std::string &name, Tensor value);

  /// The model as rnn-dialect MLIR text (what `rnnc compile` accepts).
  std::string str() const;
  /// The first error, or "".
  const std::string &error() const;

  struct Impl;

private:
  friend class Model;
  std::unique_ptr<Impl> impl_;
};

struct CompileOptions {
  std::string name = "model";     ///< prefix of the generated symbols
  std::string cpu = "host";       ///< or "x86-64-v3", "x86-64-v4", ...
  int64_t batch = 0;              ///< > 0: fixed batch
  int64_t max_batch = 0;          ///< > 0: largest instance batch
  bool expose_state = true;       ///< state inputs/outputs for streaming
  /// Inputs that are the state of outputs, {input, output}: carried between
  /// calls with keep_state (ONNX models pair h0/h_n, c0/c_n themselves).
  std::vector<std::pair<std::string, std::string>> state_pairs;
  int64_t row_block = 4;          ///< batch rows sharing each weight load
  int64_t threads = 1;            ///< threads per call (OpenMP; libomp)
  bool halide_projection = false; ///< hoisted input projection by Halide (RNNC_ENABLE_HALIDE)
  /// Weights: "f32", "bf16" or "int8", or one per layer ("int8,f32"; docs/precision.md).
  std::string precision = "f32";
  bool wavefront = true;          ///< CUDA persistent kernel: stacked layers as a wavefront
  bool perf_jitdump = false;      ///< a perf jitdump of the code (docs/jit.md)
  /// Model::load: bytes the file, its constants and any of its tensors may
  /// take (0: no limit; docs/security.md).
  uint64_t memory_limit = uint64_t(8) << 30;
  /// Model::load: skip the check of what a model file may contain
  /// (docs/dialect.md). Only for IR the program made itself: such IR can
  /// declare and call any function of the process.
  bool trusted_ir = false;
};

/// A model compiled in this process. Compiling the same model with the same
/// options again while one is alive returns the same compiled code.
class Model {
public:
  ~Model();
  /// Compiles what `builder` built. On failure returns null and sets *error.
  static std::shared_ptr<const Model> compile(const ModelBuilder &builder,
                                              const CompileOptions &options, std::string *error);
  /// Loads and compiles an .onnx, .keras, .h5 (Keras) or .mlir file.
  static std::shared_ptr<const Model> load(const std::string &path, const CompileOptions &options,
                                           std::string *error);
  /// The descriptor to create rnnrt instances from; valid while this lives.
  const rnnrt_model_t *descriptor() const;

private:
  Model() = default;
  std::shared_ptr<const mlir::rnnc::JitModel> jit_;
};

} // namespace rnnc

#endif // RNNC_RNNC_H
