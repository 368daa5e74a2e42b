// rnnc-bench's peers: oneDNN's RNN primitive (forward_inference) and a
// hand-fused baseline on dnnl_sgemm, over the same configs and weights.
#ifndef RNNC_BENCH_PEERS_H
#define RNNC_BENCH_PEERS_H

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "config.h"
#include "oneapi/dnnl/dnnl.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace bench {

//===----------------------------------------------------------------------===//
// oneDNN's RNN primitive
//===----------------------------------------------------------------------===//

struct OneDnnRunner {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::primitive primitive;
  std::unordered_map<int, dnnl::memory> args;
  dnnl::memory dst;
  /// bf16: dst_layer is bf16, widened here for output().
  std::vector<float> widened;
  /// Why init found no primitive.
  std::string unsupported;

  /// oneDNN's gate g of `kind`: which TensorFlow block (and which tensor) it is.
  /// `precision`: "f32"; "bf16" (bf16 data and weights, f32 bias); "int8"
  /// (u8 data quantized with one static scale and shift, x and h in [-1, 1]
  /// taking [1, 255]; s8 weights per gate and output; f32 output), as
  /// oneDNN's int8 RNN example does. False where oneDNN has no such
  /// primitive (it throws dnnl::error: unimplemented).
  bool init(const Config &c, const std::vector<Weights> &layers, const std::vector<float> &x,
            const std::string &precision = "f32") {
    try {
      initPrimitive(c, layers, x, precision);
      return true;
    } catch (const dnnl::error &e) {
      unsupported = e.what();
      return false;
    }
  }

  void initPrimitive(const Config &c, const std::vector<Weights> &layers,
                     const std::vector<float> &x, const std::string &precision) {
    using namespace dnnl;
    using dt = memory::data_type;
    using tag = memory::format_tag;
    bool bf16 = precision == "bf16", int8 = precision == "int8";
    dt data = bf16 ? dt::bf16 : int8 ? dt::u8 : dt::f32;
    dt weightType = bf16 ? dt::bf16 : int8 ? dt::s8 : dt::f32;
    dt output = bf16 ? dt::bf16 : dt::f32;
    int64_t I = c.H, H = c.H, G = gates(c.kind), L = c.L;
    int64_t biasGates = c.kind == Kind::LbrGRU ? 4 : G;
    std::vector<float> layer(L * I * G * H), iter(L * H * G * H), bias(L * biasGates * H);
    for (int64_t l = 0; l < L; ++l) {
      const Weights &w = layers[l];
      float *layerOf = layer.data() + l * I * G * H, *iterOf = iter.data() + l * H * G * H,
            *biasOf = bias.data() + l * biasGates * H;
      // ldigo: element (layer, row, g, o) at ((layer * rows + row) * G + g) * H + o.
      auto fill = [&](auto source) {
        for (int64_t g = 0; g < G; ++g)
          for (int64_t o = 0; o < H; ++o) {
            for (int64_t i = 0; i < I; ++i)
              layerOf[(i * G + g) * H + o] = source(g, i, o);
            for (int64_t h = 0; h < H; ++h)
              iterOf[(h * G + g) * H + o] = source(g, I + h, o);
          }
      };
      if (c.kind == Kind::LSTM) {
        const int block[] = {0, 2, 1, 3}; // oneDNN i, f, c, o <- TF i, j, f, o
        fill([&](int64_t g, int64_t r, int64_t o) {
          return w.kernel[r * 4 * H + block[g] * H + o];
        });
        for (int64_t g = 0; g < 4; ++g)
          for (int64_t o = 0; o < H; ++o)
            biasOf[g * H + o] = w.bias[block[g] * H + o];
      } else if (c.kind == Kind::RNN) {
        fill([&](int64_t, int64_t r, int64_t o) { return w.kernel[r * H + o]; });
        std::copy(w.bias.begin(), w.bias.end(), biasOf);
      } else {
        // oneDNN u, r, o <- TF gates (r, u) and the candidate.
        fill([&](int64_t g, int64_t r, int64_t o) {
          return g == 2 ? w.candidate[r * H + o] : w.kernel[r * 2 * H + (g == 0 ? H : 0) + o];
        });
        for (int64_t o = 0; o < H; ++o) {
          biasOf[o] = w.bias[H + o];
          biasOf[H + o] = w.bias[o];
          biasOf[2 * H + o] = w.candidateBias[o];
          if (c.kind == Kind::LbrGRU)
            biasOf[3 * H + o] = w.hiddenBias[o];
        }
      }
    }
    memory::desc src({c.T, c.B, I}, data, tag::tnc), dstDesc({c.T, c.B, H}, output, tag::tnc);
    memory::desc layerUser({L, 1, I, G, H}, dt::f32, tag::ldigo),
        iterUser({L, 1, H, G, H}, dt::f32, tag::ldigo);
    memory::desc layerAny({L, 1, I, G, H}, weightType, tag::any),
        iterAny({L, 1, H, G, H}, weightType, tag::any);
    primitive_attr attr;
    if (int8) {
      // One scale per gate and output over both matrices and all layers, as
      // oneDNN takes them (per gate and output of ldigo: dimensions 3 and 4).
      std::vector<float> scales(G * H, 0.0f);
      for (int64_t g = 0; g < G; ++g)
        for (int64_t o = 0; o < H; ++o) {
          float largest = 0.0f;
          for (int64_t l = 0; l < L; ++l) {
            for (int64_t i = 0; i < I; ++i)
              largest = std::max(largest, std::fabs(layer[((l * I + i) * G + g) * H + o]));
            for (int64_t h = 0; h < H; ++h)
              largest = std::max(largest, std::fabs(iter[((l * H + h) * G + g) * H + o]));
          }
          scales[g * H + o] = largest > 0 ? 127.0f / largest : 1.0f;
        }
      attr.set_rnn_weights_qparams((1 << 3) | (1 << 4), scales);
      attr.set_rnn_data_qparams(127.0f, 128.0f);
    }
    memory::desc biasDesc({L, 1, biasGates, H}, dt::f32, tag::ldgo);
    auto direction = rnn_direction::unidirectional_left2right;
    auto prop = prop_kind::forward_inference;
    memory::desc none;
    memory::desc layerWanted, iterWanted;
    switch (c.kind) {
    case Kind::LSTM: {
      lstm_forward::primitive_desc pd(lstm_forward::desc(prop, direction, src, none, none, layerAny,
                                                         iterAny, biasDesc, dstDesc, none, none),
                                      attr, engine);
      primitive = lstm_forward(pd);
      layerWanted = pd.weights_layer_desc();
      iterWanted = pd.weights_iter_desc();
      break;
    }
    case Kind::GRU: {
      gru_forward::primitive_desc pd(
          gru_forward::desc(prop, direction, src, none, layerAny, iterAny, biasDesc, dstDesc, none),
          attr, engine);
      primitive = gru_forward(pd);
      layerWanted = pd.weights_layer_desc();
      iterWanted = pd.weights_iter_desc();
      break;
    }
    case Kind::LbrGRU: {
      lbr_gru_forward::primitive_desc pd(lbr_gru_forward::desc(prop, direction, src, none, layerAny,
                                                               iterAny, biasDesc, dstDesc, none),
                                         attr, engine);
      primitive = lbr_gru_forward(pd);
      layerWanted = pd.weights_layer_desc();
      iterWanted = pd.weights_iter_desc();
      break;
    }
    case Kind::MGU:
    case Kind::MinimalRNN:
    case Kind::CustomLSTM:
      // No primitive: rnnc-bench runs LSTM-custom's peers as an LSTM's.
      throw dnnl::error(dnnl_unimplemented, "no such cell");
    case Kind::RNN: {
      vanilla_rnn_forward::primitive_desc pd(
          vanilla_rnn_forward::desc(prop, algorithm::eltwise_tanh, direction, src, none, layerAny,
                                    iterAny, biasDesc, dstDesc, none),
          attr, engine);
      primitive = vanilla_rnn_forward(pd);
      layerWanted = pd.weights_layer_desc();
      iterWanted = pd.weights_iter_desc();
      break;
    }
    }
    // Weights (and data not in f32) are reordered once into oneDNN's
    // preferred layout and type (not timed); int8 quantizes them so.
    auto prepared = [&](const memory::desc &user, const memory::desc &wanted, float *data,
                        const primitive_attr &reorderAttr) {
      memory userMemory(user, engine, data);
      memory target(wanted, engine);
      reorder(reorder::primitive_desc(userMemory, target, reorderAttr))
          .execute(stream, userMemory, target);
      stream.wait();
      return target;
    };
    // x to u8 as the primitive reads it: x * scale + shift.
    primitive_attr dataAttr;
    if (int8) {
      dataAttr.set_output_scales(0, {127.0f});
      dataAttr.set_zero_points(DNNL_ARG_DST, 0, {128});
    }
    layerData = std::move(layer);
    iterData = std::move(iter);
    biasData = std::move(bias);
    args[DNNL_ARG_SRC_LAYER] =
        data == dt::f32
            ? memory(src, engine, const_cast<float *>(x.data()))
            : prepared(memory::desc({c.T, c.B, I}, dt::f32, tag::tnc), src,
                       const_cast<float *>(x.data()), dataAttr);
    args[DNNL_ARG_WEIGHTS_LAYER] = prepared(layerUser, layerWanted, layerData.data(), attr);
    args[DNNL_ARG_WEIGHTS_ITER] = prepared(iterUser, iterWanted, iterData.data(), attr);
    args[DNNL_ARG_BIAS] = memory(biasDesc, engine, biasData.data());
    dst = memory(dstDesc, engine);
    args[DNNL_ARG_DST_LAYER] = dst;
  }
  void run() {
    primitive.execute(stream, args);
    stream.wait();
  }
  const float *output() {
    if (dst.get_desc().data_type() == dnnl::memory::data_type::f32)
      return static_cast<const float *>(dst.get_data_handle());
    dnnl::memory::desc wide(dst.get_desc().dims(), dnnl::memory::data_type::f32,
                            dnnl::memory::format_tag::tnc);
    widened.resize(wide.get_size() / sizeof(float));
    dnnl::memory target(wide, engine, widened.data());
    dnnl::reorder(dst, target).execute(stream, dst, target);
    stream.wait();
    return widened.data();
  }

  std::vector<float> layerData, iterData, biasData;
};

//===----------------------------------------------------------------------===//
// Hand-fused baseline on dnnl_sgemm
//===----------------------------------------------------------------------===//

inline void sgemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const float *B,
           int64_t ldb, float beta, float *C, int64_t ldc) {
  dnnl_sgemm('N', 'N', M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
}

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

/// Layer after layer, each over the whole sequence (its input projection one
/// GEMM over all steps).
struct FusedRunner {
  Config c;
  const std::vector<Weights> *layers = nullptr;
  const float *inputs = nullptr;
  std::vector<float> projected, projectedCandidate, stepGates, stepCandidate, h, cState, rh;
  std::vector<std::vector<float>> outputs; // per layer
  /// MGU: each layer's input rows of both kernels side by side, [I, 2H] (one
  /// GEMM projects both), joined before timing as rnnc joins them when
  /// compiling.
  std::vector<std::vector<float>> joinedInputWeights;

  void init(const Config &config, const std::vector<Weights> &weights,
            const std::vector<float> &x) {
    c = config;
    layers = &weights;
    inputs = x.data();
    int64_t G = gates(c.kind), H = c.H;
    bool gru = c.kind == Kind::GRU || c.kind == Kind::LbrGRU;
    projected.resize(c.T * c.B * (gru ? 2 : G) * H);
    projectedCandidate.resize(c.T * c.B * H);
    stepGates.resize(c.B * G * H);
    stepCandidate.resize(c.B * H);
    h.resize(c.B * H);
    cState.resize(c.B * H);
    rh.resize(c.B * H);
    outputs.assign(c.L, std::vector<float>(c.T * c.B * H));
    if (c.kind == Kind::MGU)
      for (const Weights &w : weights) {
        std::vector<float> joined(H * 2 * H);
        for (int64_t k = 0; k < H; ++k)
          for (int64_t u = 0; u < H; ++u) {
            joined[k * 2 * H + u] = w.kernel[k * H + u];
            joined[k * 2 * H + H + u] = w.candidate[k * H + u];
          }
        joinedInputWeights.push_back(std::move(joined));
      }
  }

  void run() {
    for (int64_t l = 0; l < c.L; ++l)
      runLayer((*layers)[l], l == 0 ? inputs : outputs[l - 1].data(), outputs[l].data(), l);
  }

  void runLayer(const Weights &weights, const float *x, float *y, int64_t layer) {
    const Weights *w = &weights;
    int64_t I = c.H, H = c.H, B = c.B, TB = c.T * c.B;
    std::fill(h.begin(), h.end(), 0.0f);
    std::fill(cState.begin(), cState.end(), 0.0f);
    switch (c.kind) {
    case Kind::LSTM:
    case Kind::CustomLSTM: {
      sgemm(TB, 4 * H, I, x, I, w->kernel.data(), 4 * H, 0.0f, projected.data(), 4 * H);
      const float *Wh = w->kernel.data() + I * 4 * H;
      for (int64_t t = 0; t < c.T; ++t) {
        sgemm(B, 4 * H, H, h.data(), H, Wh, 4 * H, 0.0f, stepGates.data(), 4 * H);
        const float *xw = projected.data() + t * B * 4 * H;
        for (int64_t b = 0; b < B; ++b)
          for (int64_t u = 0; u < H; ++u) {
            const float *g = stepGates.data() + b * 4 * H, *p = xw + b * 4 * H;
            float i = sigmoid(g[u] + p[u] + w->bias[u]);
            float j = std::tanh(g[H + u] + p[H + u] + w->bias[H + u]);
            float f = sigmoid(g[2 * H + u] + p[2 * H + u] + w->bias[2 * H + u]);
            float o = sigmoid(g[3 * H + u] + p[3 * H + u] + w->bias[3 * H + u]);
            float &cc = cState[b * H + u];
            cc = f * cc + i * j;
            h[b * H + u] = y[(t * B + b) * H + u] = o * std::tanh(cc);
          }
      }
      break;
    }
    case Kind::RNN: {
      sgemm(TB, H, I, x, I, w->kernel.data(), H, 0.0f, projected.data(), H);
      const float *Wh = w->kernel.data() + I * H;
      for (int64_t t = 0; t < c.T; ++t) {
        sgemm(B, H, H, h.data(), H, Wh, H, 0.0f, stepGates.data(), H);
        for (int64_t i = 0; i < B * H; ++i)
          h[i] = y[t * B * H + i] =
              std::tanh(stepGates[i] + projected[t * B * H + i] + w->bias[i % H]);
      }
      break;
    }
    case Kind::MinimalRNN: {
      sgemm(TB, H, I, x, I, w->kernel.data(), H, 0.0f, projected.data(), H);
      const float *U = w->kernel.data() + I * H;
      for (int64_t t = 0; t < c.T; ++t) {
        sgemm(B, H, H, h.data(), H, U, H, 0.0f, stepGates.data(), H);
        for (int64_t i = 0; i < B * H; ++i)
          h[i] = y[t * B * H + i] = stepGates[i] + projected[t * B * H + i];
      }
      break;
    }
    case Kind::MGU: {
      // f = sigmoid(x W_f + h U_f + b_f), c = tanh(x W_h + (f h) U_h + b_h),
      // h = (1 - f) h + f c.
      sgemm(TB, 2 * H, I, x, I, joinedInputWeights[layer].data(), 2 * H, 0.0f, projected.data(),
            2 * H);
      const float *Uf = w->kernel.data() + I * H, *Uh = w->candidate.data() + I * H;
      for (int64_t t = 0; t < c.T; ++t) {
        const float *p = projected.data() + t * B * 2 * H;
        sgemm(B, H, H, h.data(), H, Uf, H, 0.0f, stepGates.data(), H);
        for (int64_t b = 0; b < B; ++b)
          for (int64_t u = 0; u < H; ++u) {
            float &f = stepGates[b * H + u];
            f = sigmoid(f + p[b * 2 * H + u] + w->bias[u]);
            rh[b * H + u] = f * h[b * H + u];
          }
        sgemm(B, H, H, rh.data(), H, Uh, H, 0.0f, stepCandidate.data(), H);
        for (int64_t b = 0; b < B; ++b)
          for (int64_t u = 0; u < H; ++u) {
            float f = stepGates[b * H + u];
            float cand =
                std::tanh(stepCandidate[b * H + u] + p[b * 2 * H + H + u] + w->candidateBias[u]);
            float &hh = h[b * H + u];
            hh = y[(t * B + b) * H + u] = (1 - f) * hh + f * cand;
          }
      }
      break;
    }
    case Kind::GRU:
    case Kind::LbrGRU: {
      bool lbr = c.kind == Kind::LbrGRU;
      sgemm(TB, 2 * H, I, x, I, w->kernel.data(), 2 * H, 0.0f, projected.data(), 2 * H);
      sgemm(TB, H, I, x, I, w->candidate.data(), H, 0.0f, projectedCandidate.data(), H);
      const float *Wg = w->kernel.data() + I * 2 * H, *Wc = w->candidate.data() + I * H;
      for (int64_t t = 0; t < c.T; ++t) {
        sgemm(B, 2 * H, H, h.data(), H, Wg, 2 * H, 0.0f, stepGates.data(), 2 * H);
        const float *pg = projected.data() + t * B * 2 * H,
                    *pc = projectedCandidate.data() + t * B * H;
        for (int64_t b = 0; b < B; ++b)
          for (int64_t u = 0; u < 2 * H; ++u) {
            float &g = stepGates[b * 2 * H + u];
            g = sigmoid(g + pg[b * 2 * H + u] + w->bias[u]);
          }
        if (lbr) {
          sgemm(B, H, H, h.data(), H, Wc, H, 0.0f, stepCandidate.data(), H);
        } else {
          for (int64_t b = 0; b < B; ++b)
            for (int64_t u = 0; u < H; ++u)
              rh[b * H + u] = stepGates[b * 2 * H + u] * h[b * H + u];
          sgemm(B, H, H, rh.data(), H, Wc, H, 0.0f, stepCandidate.data(), H);
        }
        for (int64_t b = 0; b < B; ++b)
          for (int64_t u = 0; u < H; ++u) {
            float r = stepGates[b * 2 * H + u], z = stepGates[b * 2 * H + H + u];
            float hc = stepCandidate[b * H + u];
            float pre = lbr ? pc[b * H + u] + w->candidateBias[u] + r * (hc + w->hiddenBias[u])
                            : pc[b * H + u] + hc + w->candidateBias[u];
            float cand = std::tanh(pre);
            float &hh = h[b * H + u];
            hh = y[(t * B + b) * H + u] = z * hh + (1 - z) * cand;
          }
      }
      break;
    }
    }
  }
  const float *output() { return outputs.back().data(); }
};

} // namespace bench

#endif // RNNC_BENCH_PEERS_H
