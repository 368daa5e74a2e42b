// rnnc-cuda-bench: rnnc's CUDA objects next to cuDNN's RNN API
// (cudnnRNNForward, each algorithm the GPU accepts) and a hand-fused cuBLAS
// baseline (one sgemm for the input projection of all steps, then per step one
// sgemm and one fused elementwise kernel), same weights, same inputs, in one
// process, after checking that their outputs agree (docs/cuda.md).
//
//   rnnc-cuda-bench [--batches 1,4,16,64] [--steps 100] [--repeats 20]
//                   [--csv FILE] MODEL.so...
//
// Each MODEL.so is an object of `rnnc compile --target cuda` linked as a shared
// library, named <cell>_h<H>.so (cell lstm, or gru with linear_before_reset,
// cuDNN's GRU) after the models bench/cuda_models.py writes, its weights
// beside it as <cell>_h<H>.{W,R,B}.npy in ONNX's layout. Objects of the same
// model compiled with other options are <cell>_h<H>_<variant>.so: they run as
// contenders rnnc_<variant> in the same comparison. Prints per config the median ms
// of each (of 20 calls, or of at least 5 for a contender slower than 50 ms
// a call), GFLOP/s = 2*B*T*G*H*(I+H) / time, the rate at which the recurrent
// weights are read if every step reads them from memory (G*H*H*4 bytes per
// step) as a share of the H200's 4.8 TB/s, and the ratios. Exits non-zero when
// any output disagrees with the cuBLAS baseline by more than 1e-3.

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "rnnrt/model.h"
#include "rnnrt/npy.h"

namespace {
using Clock = std::chrono::steady_clock;
constexpr double kHbmBytesPerSecond = 4.8e12; // H200 SXM datasheet
constexpr float kTolerance = 1e-3f;

[[noreturn]] void fail(const std::string &message) {
  std::fprintf(stderr, "rnnc-cuda-bench: %s\n", message.c_str());
  std::exit(1);
}

void check(cudaError_t status, const char *what) {
  if (status != cudaSuccess)
    fail(std::string(what) + ": " + cudaGetErrorString(status));
}

void check(cublasStatus_t status, const char *what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    fail(std::string(what) + ": cuBLAS status " + std::to_string(status));
}

/// A cuDNN failure is reported, not fatal: an algorithm a GPU or size does
/// not support is one row of the results.
bool ok(cudnnStatus_t status, const char *what, std::string &error) {
  if (status == CUDNN_STATUS_SUCCESS)
    return true;
  error = std::string(what) + ": " + cudnnGetErrorString(status);
  return false;
}

struct DeviceBuffer {
  float *data = nullptr;
  size_t count = 0;
  explicit DeviceBuffer(size_t n) : count(n) {
    check(cudaMalloc(&data, std::max<size_t>(n, 1) * sizeof(float)), "cudaMalloc");
    check(cudaMemset(data, 0, std::max<size_t>(n, 1) * sizeof(float)), "cudaMemset");
  }
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer() { cudaFree(data); }
  std::vector<float> download() const {
    std::vector<float> host(count);
    check(cudaMemcpy(host.data(), data, count * sizeof(float), cudaMemcpyDeviceToHost),
          "cudaMemcpy");
    return host;
  }
};

/// One model of bench/cuda_models.py: its cell, sizes and ONNX-layout weights,
/// and its compiled objects ("" for the default options, else the variant).
struct Model {
  std::string name;
  bool lstm = true;
  int gates = 4;
  int64_t H = 0, I = 0;
  std::vector<float> W, R, B; // [G*H, I], [G*H, H], [2*G*H]
  std::vector<std::pair<std::string, const rnnrt_model_t *>> objects;
};

struct ModelPath {
  std::string stem;    // the weights' path without ".W.npy"
  std::string variant; // "" or what follows <cell>_h<H>_
};

ModelPath splitModelPath(const std::string &path) {
  if (path.size() < 4 || path.compare(path.size() - 3, 3, ".so") != 0)
    fail(path + ": expected <cell>_h<H>[_<variant>].so");
  std::string stem = path.substr(0, path.size() - 3);
  size_t h = stem.find("_h", stem.find_last_of('/') + 1);
  if (h == std::string::npos)
    fail(path + ": expected <cell>_h<H>[_<variant>].so");
  size_t end = stem.find('_', h + 2);
  if (end == std::string::npos)
    return {stem, ""};
  return {stem.substr(0, end), stem.substr(end + 1)};
}

const rnnrt_model_t *loadObject(const std::string &path) {
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library)
    fail(dlerror());
  std::string stem = path.substr(0, path.size() - 3);
  std::string symbol = stem.substr(stem.find_last_of('/') + 1) + "_model";
  auto entry = reinterpret_cast<const rnnrt_model_t *(*)()>(dlsym(library, symbol.c_str()));
  if (!entry)
    fail(path + ": no symbol " + symbol);
  return entry();
}

std::vector<float> loadNpy(const std::string &path, size_t expected) {
  rnnrt_npy_array_t array;
  rnnrt_allocator_t allocator = rnnrt_allocator_system();
  char message[256];
  if (rnnrt_npy_load(path.c_str(), &allocator, &array, message, sizeof message) != RNNRT_STATUS_OK)
    fail(path + ": " + message);
  if (array.dtype != RNNRT_DTYPE_F32 || array.data_bytes != expected * sizeof(float))
    fail(path + ": expected " + std::to_string(expected) + " float32 values");
  std::vector<float> values(expected);
  std::memcpy(values.data(), array.data, array.data_bytes);
  rnnrt_npy_release(&array, &allocator);
  return values;
}

Model loadModel(const std::string &stem) {
  Model m;
  m.name = stem.substr(stem.find_last_of('/') + 1);
  size_t h = m.name.find("_h");
  std::string cell = m.name.substr(0, h);
  if (cell != "lstm" && cell != "gru")
    fail(stem + ": cell '" + cell + "' is neither lstm nor gru");
  m.lstm = cell == "lstm";
  m.gates = m.lstm ? 4 : 3;
  m.H = m.I = std::atoll(m.name.c_str() + h + 2);
  if (m.H <= 0)
    fail(stem + ": no hidden size in the name");
  m.W = loadNpy(stem + ".W.npy", size_t(m.gates * m.H * m.I));
  m.R = loadNpy(stem + ".R.npy", size_t(m.gates * m.H * m.H));
  m.B = loadNpy(stem + ".B.npy", size_t(2 * m.gates * m.H));
  return m;
}

//===----------------------------------------------------------------------===//
// rnnc
//===----------------------------------------------------------------------===//

/// X is the model's first input; any others (state, lengths) are left to the
/// instance (zero state, full lengths), as cuDNN and the baseline run.
struct RnncRunner {
  rnnrt_instance_t *instance = nullptr;
  std::vector<rnnrt_tensor_t> inputs;
  size_t outputIndex = 0;
  std::string error;

  RnncRunner(const Model &m, const rnnrt_model_t *descriptor, int64_t T, int64_t B, const float *x,
             cudaStream_t stream) {
    rnnrt_instance_options_t options;
    rnnrt_instance_options_initialize(&options);
    options.batch = B;
    options.cuda_stream = stream;
    char message[512] = "";
    if (rnnrt_instance_create(descriptor, &options, &instance, message, sizeof message) !=
        RNNRT_STATUS_OK)
      error = message;
    inputs.resize(descriptor->num_inputs, rnnrt_tensor_t{});
    inputs[0].data = const_cast<float *>(x);
    inputs[0].dtype = RNNRT_DTYPE_F32;
    inputs[0].rank = 3;
    inputs[0].dims[0] = T;
    inputs[0].dims[1] = B;
    inputs[0].dims[2] = m.I;
    outputIndex = std::max(rnnrt_model_find_output(descriptor, "Y"), 0);
  }
  RnncRunner(const RnncRunner &) = delete;
  RnncRunner &operator=(const RnncRunner &) = delete;
  ~RnncRunner() { rnnrt_instance_destroy(instance); }

  bool run() {
    if (rnnrt_instance_run(instance, inputs.data(), inputs.size()) == RNNRT_STATUS_OK)
      return true;
    error = rnnrt_instance_last_error(instance);
    return false;
  }
  std::vector<float> output(size_t count) {
    rnnrt_tensor_t y;
    rnnrt_instance_output(instance, outputIndex, &y);
    std::vector<float> host(count);
    check(cudaMemcpy(host.data(), y.data, count * sizeof(float), cudaMemcpyDeviceToHost),
          "cudaMemcpy");
    return host;
  }
};

//===----------------------------------------------------------------------===//
// cuDNN
//===----------------------------------------------------------------------===//

const char *algoName(cudnnRNNAlgo_t algo) {
  switch (algo) {
  case CUDNN_RNN_ALGO_STANDARD:
    return "standard";
  case CUDNN_RNN_ALGO_PERSIST_STATIC:
    return "persist_static";
  case CUDNN_RNN_ALGO_PERSIST_DYNAMIC:
    return "persist_dynamic";
  default:
    return "other";
  }
}

/// ONNX's gate of cuDNN's linear layer `id` (0..G-1 input, G..2G-1
/// recurrent): cuDNN orders an LSTM's gates i, f, c, o and a GRU's r, z, h;
/// ONNX i, o, f, c and z, r, h.
int onnxGate(bool lstm, int id) {
  static const int lstmGates[] = {0, 2, 3, 1};
  static const int gruGates[] = {1, 0, 2};
  return lstm ? lstmGates[id] : gruGates[id];
}

struct CudnnRunner {
  cudnnHandle_t handle;
  cudnnRNNDescriptor_t rnn = nullptr;
  cudnnDropoutDescriptor_t dropout = nullptr;
  cudnnRNNDataDescriptor_t xDesc = nullptr, yDesc = nullptr;
  cudnnTensorDescriptor_t hDesc = nullptr, mDesc = nullptr, bDesc = nullptr;
  void *weights = nullptr, *work = nullptr, *reserve = nullptr;
  int *seqLengths = nullptr;
  size_t weightBytes = 0, workBytes = 0, reserveBytes = 0;
  const float *x;
  float *y;
  std::string error;

  CudnnRunner(cudnnHandle_t handle, const Model &m, cudnnRNNAlgo_t algo, int T, int B,
              const float *x, float *y)
      : handle(handle), x(x), y(y) {
    if (!setUp(m, algo, T, B))
      error = std::string(algoName(algo)) + ": " + error;
  }
  CudnnRunner(const CudnnRunner &) = delete;
  CudnnRunner &operator=(const CudnnRunner &) = delete;
  ~CudnnRunner() {
    cudaFree(weights);
    cudaFree(work);
    cudaFree(reserve);
    cudaFree(seqLengths);
    cudnnDestroyTensorDescriptor(bDesc);
    cudnnDestroyTensorDescriptor(mDesc);
    cudnnDestroyTensorDescriptor(hDesc);
    cudnnDestroyRNNDataDescriptor(yDesc);
    cudnnDestroyRNNDataDescriptor(xDesc);
    cudnnDestroyDropoutDescriptor(dropout);
    cudnnDestroyRNNDescriptor(rnn);
  }

  bool setUp(const Model &m, cudnnRNNAlgo_t algo, int T, int B) {
    int H = int(m.H), I = int(m.I);
    if (!ok(cudnnCreateRNNDescriptor(&rnn), "cudnnCreateRNNDescriptor", error) ||
        !ok(cudnnCreateDropoutDescriptor(&dropout), "cudnnCreateDropoutDescriptor", error) ||
        !ok(cudnnSetDropoutDescriptor(dropout, handle, 0.0f, nullptr, 0, 0),
            "cudnnSetDropoutDescriptor", error) ||
        !ok(cudnnSetRNNDescriptor_v8(
                rnn, algo, m.lstm ? CUDNN_LSTM : CUDNN_GRU, CUDNN_RNN_DOUBLE_BIAS,
                CUDNN_UNIDIRECTIONAL, CUDNN_LINEAR_INPUT, CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT,
                CUDNN_DEFAULT_MATH, I, H, H, 1, dropout, CUDNN_RNN_PADDED_IO_DISABLED),
            "cudnnSetRNNDescriptor_v8", error))
      return false;
    if (algo == CUDNN_RNN_ALGO_PERSIST_DYNAMIC &&
        !ok(cudnnBuildRNNDynamic(handle, rnn, B), "cudnnBuildRNNDynamic", error))
      return false;
    std::vector<int> lengths(B, T);
    if (!ok(cudnnCreateRNNDataDescriptor(&xDesc), "cudnnCreateRNNDataDescriptor", error) ||
        !ok(cudnnCreateRNNDataDescriptor(&yDesc), "cudnnCreateRNNDataDescriptor", error) ||
        !ok(cudnnSetRNNDataDescriptor(xDesc, CUDNN_DATA_FLOAT,
                                      CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED, T, B, I,
                                      lengths.data(), nullptr),
            "cudnnSetRNNDataDescriptor", error) ||
        !ok(cudnnSetRNNDataDescriptor(yDesc, CUDNN_DATA_FLOAT,
                                      CUDNN_RNN_DATA_LAYOUT_SEQ_MAJOR_UNPACKED, T, B, H,
                                      lengths.data(), nullptr),
            "cudnnSetRNNDataDescriptor", error))
      return false;
    int hDims[3] = {1, B, H}, hStrides[3] = {B * H, H, 1};
    if (!ok(cudnnCreateTensorDescriptor(&hDesc), "cudnnCreateTensorDescriptor", error) ||
        !ok(cudnnSetTensorNdDescriptor(hDesc, CUDNN_DATA_FLOAT, 3, hDims, hStrides),
            "cudnnSetTensorNdDescriptor", error) ||
        !ok(cudnnGetRNNWeightSpaceSize(handle, rnn, &weightBytes), "cudnnGetRNNWeightSpaceSize",
            error) ||
        !ok(cudnnGetRNNTempSpaceSizes(handle, rnn, CUDNN_FWD_MODE_INFERENCE, xDesc, &workBytes,
                                      &reserveBytes),
            "cudnnGetRNNTempSpaceSizes", error))
      return false;
    check(cudaMalloc(&weights, weightBytes), "cudaMalloc");
    check(cudaMalloc(&work, std::max<size_t>(workBytes, 1)), "cudaMalloc");
    check(cudaMalloc(&reserve, std::max<size_t>(reserveBytes, 1)), "cudaMalloc");
    check(cudaMalloc(&seqLengths, B * sizeof(int)), "cudaMalloc");
    check(cudaMemcpy(seqLengths, lengths.data(), B * sizeof(int), cudaMemcpyHostToDevice),
          "cudaMemcpy");
    return setWeights(m);
  }

  bool setWeights(const Model &m) {
    if (!ok(cudnnCreateTensorDescriptor(&mDesc), "cudnnCreateTensorDescriptor", error) ||
        !ok(cudnnCreateTensorDescriptor(&bDesc), "cudnnCreateTensorDescriptor", error))
      return false;
    size_t gateBytes = m.H * sizeof(float);
    for (int id = 0; id < 2 * m.gates; ++id) {
      bool recurrent = id >= m.gates;
      int gate = onnxGate(m.lstm, id % m.gates);
      void *matrix = nullptr, *bias = nullptr;
      if (!ok(cudnnGetRNNWeightParams(handle, rnn, 0, weightBytes, weights, id, mDesc, &matrix,
                                      bDesc, &bias),
              "cudnnGetRNNWeightParams", error))
        return false;
      int64_t columns = recurrent ? m.H : m.I;
      const float *source = (recurrent ? m.R : m.W).data() + gate * m.H * columns;
      // The matrix is [H, columns] row-major, as ONNX's gate block.
      check(cudaMemcpy(matrix, source, m.H * columns * sizeof(float), cudaMemcpyHostToDevice),
            "cudaMemcpy");
      const float *biasSource = m.B.data() + (recurrent ? m.gates * m.H : 0) + gate * m.H;
      check(cudaMemcpy(bias, biasSource, gateBytes, cudaMemcpyHostToDevice), "cudaMemcpy");
    }
    return true;
  }

  bool run() {
    return ok(cudnnRNNForward(handle, rnn, CUDNN_FWD_MODE_INFERENCE, seqLengths, xDesc, x, yDesc, y,
                              hDesc, nullptr, nullptr, hDesc, nullptr, nullptr, weightBytes,
                              weights, workBytes, work, reserveBytes, reserve),
              "cudnnRNNForward", error);
  }
};

//===----------------------------------------------------------------------===//
// cuBLAS + fused elementwise kernels
//===----------------------------------------------------------------------===//

__device__ float sigmoid(float v) { return 1.0f / (1.0f + expf(-v)); }

/// One LSTM step on gates in ONNX order (i, o, f, c): p the step's input
/// projection and s the recurrent product, both [B, 4H]; bias [8H] (Wb, Rb).
__global__ void lstmStep(const float *p, const float *s, const float *bias, float *c, float *y,
                         int B, int H) {
  int index = blockIdx.x * blockDim.x + threadIdx.x;
  if (index >= B * H)
    return;
  int b = index / H, j = index % H, G = 4 * H;
  auto gate = [&](int k) {
    int column = k * H + j;
    return p[b * G + column] + s[b * G + column] + bias[column] + bias[G + column];
  };
  float i = sigmoid(gate(0)), o = sigmoid(gate(1)), f = sigmoid(gate(2)), g = tanhf(gate(3));
  float cell = f * c[index] + i * g;
  c[index] = cell;
  y[index] = o * tanhf(cell);
}

/// One GRU step, linear_before_reset, gates in ONNX order (z, r, h).
__global__ void gruStep(const float *p, const float *s, const float *bias, const float *hPrev,
                        float *y, int B, int H) {
  int index = blockIdx.x * blockDim.x + threadIdx.x;
  if (index >= B * H)
    return;
  int b = index / H, j = index % H, G = 3 * H;
  const float *pb = p + b * G, *sb = s + b * G;
  float z = sigmoid(pb[j] + sb[j] + bias[j] + bias[G + j]);
  float r = sigmoid(pb[H + j] + sb[H + j] + bias[H + j] + bias[G + H + j]);
  float n = tanhf(pb[2 * H + j] + bias[2 * H + j] + r * (sb[2 * H + j] + bias[G + 2 * H + j]));
  y[index] = (1.0f - z) * n + z * hPrev[index];
}

struct CublasRunner {
  cublasHandle_t handle;
  cudaStream_t stream;
  const Model &m;
  int64_t T, B;
  DeviceBuffer W, R, bias, projection, recurrent, cell, zeros;
  const float *x;
  float *y;

  CublasRunner(cublasHandle_t handle, cudaStream_t stream, const Model &m, int64_t T, int64_t B,
               const float *x, float *y)
      : handle(handle), stream(stream), m(m), T(T), B(B), W(m.W.size()), R(m.R.size()),
        bias(m.B.size()), projection(T * B * m.gates * m.H), recurrent(B * m.gates * m.H),
        cell(B * m.H), zeros(B * m.H), x(x), y(y) {
    check(cudaMemcpy(W.data, m.W.data(), m.W.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy");
    check(cudaMemcpy(R.data, m.R.data(), m.R.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy");
    check(cudaMemcpy(bias.data, m.B.data(), m.B.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy");
  }

  /// out[rows, G*H] = in[rows, K] * weights[G*H, K]^T (row-major).
  void gemm(const float *in, const float *weights, float *out, int64_t rows, int64_t K) {
    const float one = 1.0f, zero = 0.0f;
    int n = int(m.gates * m.H);
    check(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_N, n, int(rows), int(K), &one, weights, int(K),
                      in, int(K), &zero, out, n),
          "cublasSgemm");
  }

  bool run() {
    int64_t G = m.gates * m.H, rowsH = B * m.H;
    gemm(x, W.data, projection.data, T * B, m.I);
    check(cudaMemsetAsync(cell.data, 0, rowsH * sizeof(float), stream), "cudaMemsetAsync");
    int threads = 256, blocks = int((rowsH + threads - 1) / threads);
    for (int64_t t = 0; t < T; ++t) {
      const float *hPrev = t == 0 ? zeros.data : y + (t - 1) * rowsH;
      if (t == 0)
        check(cudaMemsetAsync(recurrent.data, 0, B * G * sizeof(float), stream), "cudaMemsetAsync");
      else
        gemm(hPrev, R.data, recurrent.data, B, m.H);
      const float *p = projection.data + t * B * G;
      if (m.lstm)
        lstmStep<<<blocks, threads, 0, stream>>>(p, recurrent.data, bias.data, cell.data,
                                                 y + t * rowsH, int(B), int(m.H));
      else
        gruStep<<<blocks, threads, 0, stream>>>(p, recurrent.data, bias.data, hPrev, y + t * rowsH,
                                                int(B), int(m.H));
    }
    return cudaGetLastError() == cudaSuccess;
  }
};

//===----------------------------------------------------------------------===//
// The comparison
//===----------------------------------------------------------------------===//

struct Contender {
  std::string name;
  std::function<bool()> run;
  std::function<std::vector<float>()> output;
  std::function<std::string()> error;
  std::vector<double> ms;
  float maxDiff = 0;
  bool failed = false;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? NAN : values[values.size() / 2];
}

std::vector<int64_t> parseList(const char *text) {
  std::vector<int64_t> values;
  for (const char *p = text; *p;) {
    char *end;
    values.push_back(std::strtoll(p, &end, 10));
    if (end == p || values.back() <= 0)
      fail(std::string("bad size list '") + text + "'");
    p = *end == ',' ? end + 1 : end;
  }
  return values;
}
} // namespace

int main(int argc, char **argv) {
  std::vector<int64_t> batches = {1, 4, 16, 64};
  int64_t T = 100;
  int repeats = 20;
  std::string csvPath;
  std::vector<Model> models;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char * {
      if (i + 1 >= argc)
        fail(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--batches")
      batches = parseList(value());
    else if (arg == "--steps")
      T = parseList(value()).front();
    else if (arg == "--repeats")
      repeats = int(parseList(value()).front());
    else if (arg == "--csv")
      csvPath = value();
    else if (!arg.empty() && arg[0] == '-')
      fail("unknown option " + arg);
    else {
      ModelPath path = splitModelPath(arg);
      auto same = [&](const Model &m) {
        return m.name == path.stem.substr(path.stem.find_last_of('/') + 1);
      };
      auto m = std::find_if(models.begin(), models.end(), same);
      if (m == models.end()) {
        models.push_back(loadModel(path.stem));
        m = models.end() - 1;
      }
      m->objects.push_back({path.variant, loadObject(arg)});
    }
  }
  if (models.empty())
    fail("usage: rnnc-cuda-bench [--batches 1,4,16,64] [--steps 100] [--repeats 20] "
         "[--csv FILE] MODEL.so...");

  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0)
    fail("no CUDA device: this benchmark runs on a GPU");
  cudaDeviceProp properties;
  check(cudaGetDeviceProperties(&properties, 0), "cudaGetDeviceProperties");
  std::printf("GPU: %s (sm_%d%d, %d SMs), cuDNN %zu, T = %lld, median of %d calls\n",
              properties.name, properties.major, properties.minor, properties.multiProcessorCount,
              cudnnGetVersion(), (long long)T, repeats);

  cudaStream_t stream;
  check(cudaStreamCreate(&stream), "cudaStreamCreate");
  cublasHandle_t cublas;
  check(cublasCreate(&cublas), "cublasCreate");
  check(cublasSetStream(cublas, stream), "cublasSetStream");
  check(cublasSetMathMode(cublas, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode"); // no TF32
  cudnnHandle_t cudnn;
  if (cudnnCreate(&cudnn) != CUDNN_STATUS_SUCCESS || cudnnSetStream(cudnn, stream))
    fail("cannot create a cuDNN handle");

  FILE *csv = csvPath.empty() ? nullptr : std::fopen(csvPath.c_str(), "w");
  if (!csvPath.empty() && !csv)
    fail("cannot write " + csvPath);
  if (csv)
    std::fprintf(csv, "cell,hidden,batch,steps,impl,median_ms,gflops,weight_stream_gbps,"
                      "hbm_percent,max_abs_diff,speedup_of_rnnc,status\n");
  bool mismatch = false;
  std::mt19937 random(7);
  for (Model &m : models) {
    std::sort(m.objects.begin(), m.objects.end());
    for (int64_t B : batches) {
      size_t xCount = T * B * m.I, yCount = T * B * m.H;
      std::vector<float> xHost(xCount);
      std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
      for (float &v : xHost)
        v = uniform(random);
      DeviceBuffer x(xCount), yCublas(yCount);
      check(cudaMemcpy(x.data, xHost.data(), xCount * 4, cudaMemcpyHostToDevice), "cudaMemcpy");

      std::vector<Contender> contenders;
      CublasRunner baseline(cublas, stream, m, T, B, x.data, yCublas.data);
      contenders.push_back({"cublas", [&] { return baseline.run(); },
                            [&] { return yCublas.download(); }, [] { return std::string(); }});
      std::vector<std::unique_ptr<RnncRunner>> rnncRunners;
      for (const auto &[variant, descriptor] : m.objects) {
        rnncRunners.push_back(std::make_unique<RnncRunner>(m, descriptor, T, B, x.data, stream));
        RnncRunner *runner = rnncRunners.back().get();
        contenders.push_back({variant.empty() ? "rnnc" : "rnnc_" + variant,
                              [runner] { return runner->error.empty() && runner->run(); },
                              [runner, yCount] { return runner->output(yCount); },
                              [runner] { return runner->error; }});
      }
      std::vector<std::unique_ptr<DeviceBuffer>> cudnnOutputs;
      std::vector<std::unique_ptr<CudnnRunner>> cudnnRunners;
      for (cudnnRNNAlgo_t algo : {CUDNN_RNN_ALGO_STANDARD, CUDNN_RNN_ALGO_PERSIST_STATIC,
                                  CUDNN_RNN_ALGO_PERSIST_DYNAMIC}) {
        cudnnOutputs.push_back(std::make_unique<DeviceBuffer>(yCount));
        DeviceBuffer *y = cudnnOutputs.back().get();
        cudnnRunners.push_back(
            std::make_unique<CudnnRunner>(cudnn, m, algo, int(T), int(B), x.data, y->data));
        CudnnRunner *runner = cudnnRunners.back().get();
        contenders.push_back({std::string("cudnn_") + algoName(algo),
                              [runner] { return runner->error.empty() && runner->run(); },
                              [y] { return y->download(); }, [runner] { return runner->error; }});
      }

      // Outputs first: every contender against the cuBLAS baseline.
      std::vector<float> reference;
      for (Contender &c : contenders) {
        c.failed = !c.run() || cudaStreamSynchronize(stream) != cudaSuccess;
        if (c.failed)
          continue;
        std::vector<float> out = c.output();
        if (reference.empty())
          reference = out;
        for (size_t i = 0; i < yCount; ++i)
          c.maxDiff = std::max(c.maxDiff, std::fabs(out[i] - reference[i]));
        if (!(c.maxDiff <= kTolerance)) {
          mismatch = true;
          c.failed = true;
        }
      }
      if (contenders[0].failed)
        fail("the cuBLAS baseline failed");
      for (int r = 0; r < repeats + 2; ++r)
        for (Contender &c : contenders) {
          // Slow contenders stop after 5 timed calls past a second in all.
          if (c.failed ||
              (c.ms.size() >= 5 && std::accumulate(c.ms.begin(), c.ms.end(), 0.0) > 1e3))
            continue;
          auto start = Clock::now();
          c.run();
          check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
          if (r >= 2) // two warm-up calls
            c.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        }

      double flops = 2.0 * T * B * m.gates * m.H * double(m.I + m.H);
      double weightStreamBytes = double(T) * m.gates * m.H * m.H * 4;
      // The default object's time, which the ratios divide (variants sort after it).
      double rnncMs =
          contenders[1].name != "rnnc" || contenders[1].failed ? NAN : median(contenders[1].ms);
      std::printf("\n%s H=%lld B=%lld T=%lld\n", m.lstm ? "LSTM" : "GRU-LBR", (long long)m.H,
                  (long long)B, (long long)T);
      for (Contender &c : contenders) {
        double ms = c.failed ? NAN : median(c.ms);
        double gbps = weightStreamBytes / (ms * 1e-3) / 1e9;
        std::string status = c.failed ? (c.error().empty() ? "MISMATCH" : c.error()) : "ok";
        if (c.failed && c.error().empty())
          status = "MISMATCH (max |diff| " + std::to_string(c.maxDiff) + ")";
        std::printf("  %-22s %10.3f ms %9.1f GFLOP/s %8.1f GB/s (%5.1f%% HBM)  rnnc %.2fx  "
                    "max|diff| %.2e  %s\n",
                    c.name.c_str(), ms, flops / (ms * 1e-3) / 1e9, gbps,
                    100 * gbps * 1e9 / kHbmBytesPerSecond, ms / rnncMs, c.maxDiff, status.c_str());
        if (csv) {
          for (char &ch : status)
            if (ch == ',' || ch == '\n')
              ch = ';';
          std::fprintf(csv, "%s,%lld,%lld,%lld,%s,%.4f,%.1f,%.1f,%.2f,%.3g,%.3f,%s\n",
                       m.lstm ? "lstm" : "gru_lbr", (long long)m.H, (long long)B, (long long)T,
                       c.name.c_str(), ms, flops / (ms * 1e-3) / 1e9, gbps,
                       100 * gbps * 1e9 / kHbmBytesPerSecond, c.maxDiff, ms / rnncMs,
                       status.c_str());
          std::fflush(csv);
        }
      }
    }
  }
  if (csv)
    std::fclose(csv);
  cudnnDestroy(cudnn);
  cublasDestroy(cublas);
  cudaStreamDestroy(stream);
  if (mismatch)
    std::fprintf(stderr, "rnnc-cuda-bench: outputs disagree (see MISMATCH above)\n");
  return mismatch ? 1 : 0;
}
