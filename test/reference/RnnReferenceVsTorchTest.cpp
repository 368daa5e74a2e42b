// Checks the scalar reference itself against PyTorch where the semantics
// overlap: cases written by torch_cases.py (LSTM with projection, the
// linear-before-reset GRU, tanh/relu RNN, stacks, initial states, packed
// sequence lengths, the backward direction of bidirectional modules).
// Usage: rnnc-reference-torch-test CASES_DIR
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "RnnReference.h"
#include "rnnrt/npy.h"

using namespace rnnc::reference;

namespace {

std::string casesDir;

std::vector<float> loadFloats(const std::string &path, std::vector<int64_t> *shape = nullptr) {
  rnnrt_allocator_t allocator = rnnrt_allocator_system();
  rnnrt_npy_array_t array;
  char message[256];
  if (rnnrt_npy_load(path.c_str(), &allocator, &array, message, sizeof message) !=
      RNNRT_STATUS_OK) {
    ADD_FAILURE() << message;
    return {};
  }
  std::vector<float> values;
  if (array.dtype == RNNRT_DTYPE_F32) {
    const float *data = static_cast<const float *>(array.data);
    values.assign(data, data + array.data_bytes / 4);
  } else {
    ADD_FAILURE() << path << " is not float32";
  }
  if (shape)
    shape->assign(array.shape, array.shape + array.rank);
  rnnrt_npy_release(&array, &allocator);
  return values;
}

std::vector<int64_t> loadInt64(const std::string &path) {
  rnnrt_allocator_t allocator = rnnrt_allocator_system();
  rnnrt_npy_array_t array;
  char message[256];
  if (rnnrt_npy_load(path.c_str(), &allocator, &array, message, sizeof message) !=
          RNNRT_STATUS_OK ||
      array.dtype != RNNRT_DTYPE_I64) {
    ADD_FAILURE() << "cannot read int64 " << path;
    return {};
  }
  const int64_t *data = static_cast<const int64_t *>(array.data);
  std::vector<int64_t> values(data, data + array.data_bytes / 8);
  rnnrt_npy_release(&array, &allocator);
  return values;
}

std::map<std::string, std::string> readConfig(const std::string &path) {
  std::map<std::string, std::string> config;
  std::ifstream in(path);
  std::string key, value;
  while (in >> key >> value)
    config[key] = value;
  return config;
}

void expectClose(const std::vector<float> &expected, const std::vector<float> &actual,
                 const std::string &what) {
  ASSERT_EQ(expected.size(), actual.size()) << what;
  double worst = 0;
  for (size_t i = 0; i < expected.size(); ++i)
    worst = std::max(worst, std::fabs((double)expected[i] - actual[i]));
  EXPECT_LE(worst, 1e-5) << what;
}

void checkCase(const std::string &name) {
  SCOPED_TRACE(name);
  const std::string dir = casesDir + "/" + name + "/";
  auto config = readConfig(dir + "config.txt");
  ASSERT_FALSE(config.empty()) << "no config in " << dir;
  const std::string kind = config["kind"];
  const int64_t layers = std::stoll(config["layers"]), H = std::stoll(config["num_units"]),
                P = std::stoll(config["num_proj"]), T = std::stoll(config["T"]),
                B = std::stoll(config["B"]);
  const bool timeMajor = config["time_major"] == "1";

  std::vector<Cell> cells;
  int64_t depth = std::stoll(config["input_depth"]);
  for (int64_t l = 0; l < layers; ++l) {
    Cell cell;
    cell.numUnits = H;
    cell.inputDepth = depth;
    std::string prefix = dir + "layer" + std::to_string(l) + "_";
    if (kind == "lstm") {
      cell.kind = CellKind::LSTM;
      cell.forgetBias = 0.0f; // PyTorch has no forget bias beyond its stored biases.
      cell.kernel = loadFloats(prefix + "kernel.npy");
      cell.bias = loadFloats(prefix + "bias.npy");
      if (P > 0) {
        cell.numProj = P;
        cell.projKernel = loadFloats(prefix + "proj_kernel.npy");
      }
    } else if (kind == "gru") {
      cell.kind = CellKind::GRU;
      cell.linearBeforeReset = true;
      cell.gatesKernel = loadFloats(prefix + "gates_kernel.npy");
      cell.gatesBias = loadFloats(prefix + "gates_bias.npy");
      cell.candidateKernel = loadFloats(prefix + "candidate_kernel.npy");
      cell.candidateBias = loadFloats(prefix + "candidate_bias.npy");
      cell.hiddenBias = loadFloats(prefix + "hidden_bias.npy");
    } else {
      cell.kind = CellKind::BasicRNN;
      cell.activation = config["activation"] == "relu" ? Activation::Relu : Activation::Tanh;
      cell.kernel = loadFloats(prefix + "kernel.npy");
      cell.bias = loadFloats(prefix + "bias.npy");
    }
    depth = cell.outputSize();
    cells.push_back(cell);
  }

  std::vector<float> inputs = loadFloats(dir + "inputs.npy");
  std::vector<int64_t> lengths;
  if (config["has_lengths"] == "1")
    lengths = loadInt64(dir + "sequence_length.npy");
  size_t stateCount = 0;
  for (const Cell &cell : cells)
    stateCount += cell.stateSizes().size();
  std::vector<std::vector<float>> initial;
  if (config["has_initial_state"] == "1")
    for (size_t k = 0; k < stateCount; ++k)
      initial.push_back(loadFloats(dir + "initial_state_" + std::to_string(k) + ".npy"));

  Result result = dynamicRnn(cells, inputs, T, B, timeMajor, lengths.empty() ? nullptr : &lengths,
                             initial.empty() ? nullptr : &initial, config["reverse"] == "1");
  expectClose(loadFloats(dir + "expected_outputs.npy"), result.outputs, "outputs");
  ASSERT_EQ(result.finalStates.size(), stateCount);
  for (size_t k = 0; k < stateCount; ++k)
    expectClose(loadFloats(dir + "expected_state_" + std::to_string(k) + ".npy"),
                result.finalStates[k], "state " + std::to_string(k));
}

TEST(RnnReferenceVsTorch, AllCases) {
  std::ifstream list(casesDir + "/cases.txt");
  ASSERT_TRUE(list.good()) << "no cases.txt in '" << casesDir << "'";
  std::string name;
  int count = 0;
  while (std::getline(list, name))
    if (!name.empty()) {
      checkCase(name);
      ++count;
    }
  EXPECT_GE(count, 10);
}

} // namespace

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    fprintf(stderr, "usage: %s CASES_DIR (written by torch_cases.py)\n", argv[0]);
    return 2;
  }
  casesDir = argv[1];
  return RUN_ALL_TESTS();
}
