// Random models for the end-to-end tests: cells, stacks, shapes, lengths,
// masks and states drawn from a seed, described for failure messages.
#ifndef RNNC_TEST_UNIT_RANDOMCASE_H
#define RNNC_TEST_UNIT_RANDOMCASE_H

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ModelText.h"

namespace rnnc::test {

struct Case {
  ModelConfig config;
  std::vector<float> inputs;
  std::vector<int64_t> lengths;
  std::vector<uint8_t> mask; // [B, T]
  std::vector<std::vector<float>> initialState;
};

/// n values uniform in [-scale, scale].
std::vector<float> randomVector(std::mt19937 &rng, size_t n, float scale);

/// Fills the weights of `cell` with values that keep activations O(1).
void randomWeights(std::mt19937 &rng, reference::Cell &cell);

/// The case of `seed`: the same on every run and machine.
Case randomCase(unsigned seed);

/// One line: shapes, options and cells.
std::string describe(const ModelConfig &m);

} // namespace rnnc::test

#endif // RNNC_TEST_UNIT_RANDOMCASE_H
