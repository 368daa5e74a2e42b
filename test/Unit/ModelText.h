// Writes rnn-dialect model text for a stack of reference cells, so that the
// same description drives the compiler (through the text) and the reference.
#ifndef RNNC_TEST_UNIT_MODELTEXT_H
#define RNNC_TEST_UNIT_MODELTEXT_H

#include <string>
#include <vector>

#include "RnnReference.h"

namespace rnnc::test {

struct ModelConfig {
  std::vector<reference::Cell> layers;
  int64_t T = 1, B = 1;
  bool timeMajor = true;
  bool reverse = false;
  bool zeroStateForEmptyRows = false;
  /// A [B, T] i1 mask instead of lengths (Keras).
  bool withMask = false;
  bool zeroOutputForMask = false;
  /// Keras go_backwards: the padded sequence flipped, outputs in step order.
  bool goBackwards = false;
  /// Straight-line code for every step (static T only).
  bool unroll = false;
  bool withLengths = false;
  bool lengthsI64 = false;
  bool withInitialState = false;
  /// Weights as dense constants in the module, or as function arguments.
  bool weightsAsConstants = true;
  /// Declare T and B as `?` in the function type.
  bool dynamicShapes = false;
};

/// A weight passed as a function argument (when !weightsAsConstants).
struct WeightArg {
  std::vector<int64_t> shape;
  const std::vector<float> *data;
};

/// Returns the module text of function @model; fills `weightArgs` in argument
/// order (after inputs, sequence_length and the initial states).
std::string buildModelText(const ModelConfig &config, std::vector<WeightArg> &weightArgs);

} // namespace rnnc::test

#endif // RNNC_TEST_UNIT_MODELTEXT_H
