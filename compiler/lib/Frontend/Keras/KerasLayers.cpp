// Each Keras layer rnnc reads, through rnnc::ModelBuilder: its options, its
// weights checked against its config, and the mask it passes on (Keras's
// compute_mask: recurrent layers pass theirs on only with return_sequences,
// merges keep the steps all their masks keep, the rest pass theirs on).
#include "Importer.h"

#include "rnnc/Dialect/Rnn/IR/RnnOps.h"

using namespace mlir;
using namespace mlir::rnnc::keras;
using llvm::json::Object;

namespace {
/// Layers that are identities at inference.
bool isInferenceIdentity(StringRef className) {
  return llvm::is_contained({"Dropout", "SpatialDropout1D", "GaussianDropout", "GaussianNoise",
                             "AlphaDropout", "ActivityRegularization"},
                            className);
}

bool isRecurrent(StringRef className) {
  return className == "SimpleRNN" || className == "LSTM" || className == "GRU";
}

/// keras.layers.RNN's cells as the layer classes that hold them.
std::optional<StringRef> layerOfCell(StringRef cellClass) {
  if (cellClass == "SimpleRNNCell")
    return StringRef("SimpleRNN");
  if (cellClass == "LSTMCell")
    return StringRef("LSTM");
  if (cellClass == "GRUCell")
    return StringRef("GRU");
  return std::nullopt;
}

bool isMerge(StringRef className) {
  return llvm::is_contained({"Concatenate", "Add", "Subtract", "Multiply", "Average"}, className);
}
} // namespace

bool mlir::rnnc::keras::isSupportedLayer(StringRef className) {
  return isInferenceIdentity(className) || isRecurrent(className) || isMerge(className) ||
         llvm::is_contained({"InputLayer", "RNN", "Bidirectional", "Dense", "TimeDistributed",
                             "Activation", "Masking", "Embedding"},
                            className);
}

bool Importer::checkWeights(StringRef layer, StringRef className, ArrayRef<const Array *> weights,
                            ArrayRef<std::vector<int64_t>> shapes, ArrayRef<StringRef> names) {
  if (weights.size() != shapes.size()) {
    refuse(layer, className,
           "the file holds " + Twine(weights.size()) + " weights, expected " +
               Twine(shapes.size()));
    return false;
  }
  for (auto [i, weight] : llvm::enumerate(weights))
    if (!weight) {
      refuse(layer, className, names[i] + " is missing from the file");
      return false;
    } else if (weight->shape != shapes[i]) {
      refuse(layer, className,
             names[i] + " has shape " + mlir::rnn::formatShape(weight->shape) +
                 ", expected " + mlir::rnn::formatShape(shapes[i]));
      return false;
    }
  return true;
}

std::optional<::rnnc::KerasLayer> Importer::recurrentLayer(StringRef name, StringRef className,
                                                           const Object &config,
                                                           ArrayRef<const Array *> weights,
                                                           const KerasValue &input) {
  ::rnnc::KerasLayer layer;
  int64_t gates = 1;
  if (className == "LSTM") {
    layer.kind = ::rnnc::KerasLayer::LSTM;
    gates = 4;
  } else if (className == "GRU") {
    layer.kind = ::rnnc::KerasLayer::GRU;
    gates = 3;
  } else {
    layer.kind = ::rnnc::KerasLayer::SimpleRNN;
  }
  size_t problemsBefore = problems_.size();
  layer.units = config.getInteger("units").value_or(0);
  if (layer.units <= 0 || layer.units > (int64_t(1) << 20))
    refuse(name, className, "units must be in [1, 2^20]");
  ::rnnc::KerasRNNOptions &options = layer.options;
  options.activation = activationOf(config, "activation", "tanh", name, className);
  if (gates > 1)
    options.recurrent_activation =
        activationOf(config, "recurrent_activation", "sigmoid", name, className);
  options.reset_after = boolOf(config, "reset_after", true);
  options.return_sequences = boolOf(config, "return_sequences");
  options.go_backwards = boolOf(config, "go_backwards");
  options.time_major = boolOf(config, "time_major");
  // Masks are [B, T] in the builder, time-major models' too (Masking makes
  // them so); a model mixing both layouts is not read.
  if (options.time_major != timeMajor_)
    refuse(name, className, "a model of time-major and batch-major layers is not supported");
  options.unroll = boolOf(config, "unroll");
  options.zero_output_for_mask = boolOf(config, "zero_output_for_mask");
  if (input.shape.size() != 3 || input.shape[2] <= 0) {
    refuse(name, className, "takes [batch, time, features] inputs with static features");
    return std::nullopt;
  }
  int64_t columns = gates * layer.units;
  std::vector<std::vector<int64_t>> shapes = {{input.shape[2], columns}, {layer.units, columns}};
  if (boolOf(config, "use_bias", true))
    shapes.push_back(layer.kind == ::rnnc::KerasLayer::GRU && options.reset_after
                         ? std::vector<int64_t>{2, columns}
                         : std::vector<int64_t>{columns});
  if (problems_.size() != problemsBefore ||
      !checkWeights(name, className, weights, shapes, {"kernel", "recurrent_kernel", "bias"}))
    return std::nullopt;
  layer.weights.kernel = weights[0]->values;
  layer.weights.recurrent_kernel = weights[1]->values;
  if (weights.size() > 2)
    layer.weights.bias = weights[2]->values;
  options.mask = input.mask;
  return layer;
}

std::optional<std::vector<KerasValue>> Importer::recurrent(StringRef name, StringRef className,
                                                           const Object &config,
                                                           ArrayRef<KerasValue> inputs) {
  const KerasValue &input = inputs.front();
  // keras.layers.RNN: the cell's options with the layer's.
  Object merged = config;
  StringRef layerClass = className;
  if (className == "RNN") {
    const Object *cell = config.getObject("cell");
    if (cell && cell->getString("class_name") == "StackedRNNCells" && cell->getObject("config"))
      return stackedCells(name, config, *cell->getObject("config"), inputs);
    const Object *cellConfig = cell ? cell->getObject("config") : nullptr;
    std::optional<StringRef> cellClass = cell ? cell->getString("class_name") : std::nullopt;
    std::optional<StringRef> held = cellClass ? layerOfCell(*cellClass) : std::nullopt;
    if (!cellConfig || !held) {
      refuse(name, className,
             "cell " + (cellClass ? *cellClass : StringRef("?")) +
                 " is not SimpleRNNCell, LSTMCell or GRUCell");
      return std::nullopt;
    }
    for (const auto &[key, value] : *cellConfig)
      if (key != "name")
        merged[key] = value;
    layerClass = *held;
  }
  std::optional<::rnnc::KerasLayer> layer =
      recurrentLayer(name, layerClass, merged, weightsOf(name, {"cell"}), input);
  if (!layer)
    return std::nullopt;
  if (inputs.size() > 1) {
    size_t states = layer->kind == ::rnnc::KerasLayer::LSTM ? 2 : 1;
    if (inputs.size() != 1 + states) {
      refuse(name, className, "takes " + Twine(states) + " initial states, got " +
                                  Twine(inputs.size() - 1));
      return std::nullopt;
    }
    for (const KerasValue &state : inputs.drop_front())
      layer->options.initial_state.push_back(state.tensor);
  }
  ::rnnc::KerasRNNResult result = builder_.rnn(*layer, input.tensor);
  int64_t batch = input.shape[layer->options.time_major ? 1 : 0];
  std::vector<KerasValue> outputs;
  KerasValue output{result.output, {}, {batch, layer->units}};
  if (layer->options.return_sequences) {
    output.shape = {input.shape[0], input.shape[1], layer->units};
    output.mask = input.mask;
  }
  outputs.push_back(output);
  if (boolOf(config, "return_state"))
    for (::rnnc::Tensor state : result.states)
      outputs.push_back({state, {}, {batch, layer->units}});
  return outputs;
}

std::optional<std::vector<KerasValue>> Importer::stackedCells(StringRef name,
                                                              const Object &config,
                                                              const Object &cells,
                                                              ArrayRef<KerasValue> inputs) {
  StringRef className = "RNN";
  // RNN(StackedRNNCells([c1, ..., cn])) steps every cell in turn: the layers
  // c1 ... cn-1 returning sequences, then cn as the RNN returns. The same
  // mask skips the same steps in each; go_backwards reverses the first
  // layer's input and every later one reads it in that order.
  const llvm::json::Array *list = cells.getArray("cells");
  if (!list || list->empty()) {
    refuse(name, className, "StackedRNNCells has no cells");
    return std::nullopt;
  }
  if (inputs.size() > 1 || (inputs.front().mask && boolOf(config, "go_backwards")) ||
      boolOf(config, "time_major")) {
    refuse(name, className,
           "StackedRNNCells with initial states, time_major, or go_backwards and a mask is not "
           "supported");
    return std::nullopt;
  }
  std::vector<const Array *> all;
  if (file_.legacy) {
    all = weightsOf(name, {});
  } else {
    // Keras 3: layers/<slot>/cell/cells/<cell class in snake case>[_k]/vars.
    llvm::StringMap<int> taken;
    for (const llvm::json::Value &cell : *list)
      if (const Object *object = cell.getAsObject()) {
        std::string base = snakeCase(object->getString("class_name").value_or(""));
        int k = taken[base]++;
        for (const Array *weight :
             weightsOf(name, {"cell/cells/" + (k ? base + "_" + std::to_string(k) : base)}))
          all.push_back(weight);
      }
  }
  KerasValue current = inputs.front();
  std::vector<KerasValue> states;
  size_t used = 0;
  for (auto [i, cell] : llvm::enumerate(*list)) {
    const Object *object = cell.getAsObject();
    const Object *cellConfig = object ? object->getObject("config") : nullptr;
    std::optional<StringRef> cellClass = object ? object->getString("class_name") : std::nullopt;
    std::optional<StringRef> held = cellClass ? layerOfCell(*cellClass) : std::nullopt;
    if (!cellConfig || !held) {
      refuse(name, className, "a cell of StackedRNNCells is not SimpleRNNCell, LSTMCell or GRUCell");
      return std::nullopt;
    }
    bool last = i + 1 == list->size();
    Object merged = *cellConfig;
    merged["return_sequences"] = last ? boolOf(config, "return_sequences") : true;
    merged["go_backwards"] = i == 0 && boolOf(config, "go_backwards");
    merged["zero_output_for_mask"] = last && boolOf(config, "zero_output_for_mask");
    merged["unroll"] = boolOf(config, "unroll");
    size_t count = boolOf(*cellConfig, "use_bias", true) ? 3 : 2;
    if (used + count > all.size()) {
      refuse(name, className, "the file holds fewer weights than the cells need");
      return std::nullopt;
    }
    std::vector<const Array *> weights(all.begin() + used, all.begin() + used + count);
    used += count;
    std::optional<::rnnc::KerasLayer> layer = recurrentLayer(name, *held, merged, weights, current);
    if (!layer)
      return std::nullopt;
    ::rnnc::KerasRNNResult result = builder_.rnn(*layer, current.tensor);
    int64_t batch = current.shape[0];
    KerasValue output{result.output, {}, {batch, layer->units}};
    if (layer->options.return_sequences) {
      output.shape = {current.shape[0], current.shape[1], layer->units};
      output.mask = current.mask;
    }
    for (::rnnc::Tensor state : result.states)
      states.push_back({state, {}, {batch, layer->units}});
    current = output;
  }
  if (used != all.size()) {
    refuse(name, className, "the file holds more weights than the cells take");
    return std::nullopt;
  }
  std::vector<KerasValue> outputs = {current};
  if (boolOf(config, "return_state"))
    outputs.insert(outputs.end(), states.begin(), states.end());
  return outputs;
}

std::optional<std::vector<KerasValue>> Importer::bidirectional(StringRef name, const Object &config,
                                                               ArrayRef<KerasValue> inputs) {
  StringRef className = "Bidirectional";
  const KerasValue &input = inputs.front();
  const Object *forwardLayer = config.getObject("layer");
  const Object *backwardLayer = config.getObject("backward_layer");
  if (!backwardLayer)
    backwardLayer = forwardLayer;
  const Object *forwardConfig = forwardLayer ? forwardLayer->getObject("config") : nullptr;
  const Object *backwardConfig = backwardLayer ? backwardLayer->getObject("config") : nullptr;
  std::optional<StringRef> forwardClass =
      forwardLayer ? forwardLayer->getString("class_name") : std::nullopt;
  std::optional<StringRef> backwardClass =
      backwardLayer ? backwardLayer->getString("class_name") : std::nullopt;
  if (!forwardConfig || !backwardConfig || !forwardClass || !backwardClass) {
    refuse(name, className, "has no wrapped layer config");
    return std::nullopt;
  }
  if (!isRecurrent(*forwardClass) || !isRecurrent(*backwardClass)) {
    refuse(name, className, "wraps " + *forwardClass + ", not SimpleRNN, LSTM or GRU");
    return std::nullopt;
  }
  if (inputs.size() > 1 || timeMajor_) {
    refuse(name, className, "initial states and time_major are not supported");
    return std::nullopt;
  }
  std::vector<const Array *> all = weightsOf(name, {"forward_layer/cell", "backward_layer/cell"});
  size_t half = all.size() / 2;
  std::vector<const Array *> forwardWeights(all.begin(), all.begin() + half),
      backwardWeights(all.begin() + half, all.end());
  std::optional<::rnnc::KerasLayer> forward =
      recurrentLayer(name, *forwardClass, *forwardConfig, forwardWeights, input);
  std::optional<::rnnc::KerasLayer> backward =
      recurrentLayer(name, *backwardClass, *backwardConfig, backwardWeights, input);
  if (!forward || !backward)
    return std::nullopt;
  // Keras saves the backward layer with go_backwards flipped (Keras 2 only
  // when the user gave one); the builder runs it backwards, time-aligned.
  if (forward->options.go_backwards ||
      (config.getObject("backward_layer") && !backward->options.go_backwards)) {
    refuse(name, className, "a forward layer with go_backwards is not supported");
    return std::nullopt;
  }
  std::string mergeMode = "concat";
  if (const llvm::json::Value *mode = config.get("merge_mode"))
    mergeMode = mode->getAsNull() ? "none" : mode->getAsString().value_or("?").str();
  ::rnnc::BidirectionalResult result =
      builder_.Bidirectional(*forward, *backward, input.tensor, mergeMode);
  bool sequences = forward->options.return_sequences;
  auto shaped = [&](::rnnc::Tensor tensor, int64_t units) {
    KerasValue value{tensor, {}, {input.shape[0], units}};
    if (sequences) {
      value.shape = {input.shape[0], input.shape[1], units};
      value.mask = input.mask;
    }
    return value;
  };
  std::vector<KerasValue> outputs;
  if (mergeMode == "none") {
    outputs.push_back(shaped(result.forward.output, forward->units));
    outputs.push_back(shaped(result.backward.output, backward->units));
  } else {
    outputs.push_back(shaped(result.output, mergeMode == "concat"
                                                ? forward->units + backward->units
                                                : forward->units));
  }
  if (boolOf(*forwardConfig, "return_state")) {
    for (::rnnc::Tensor state : result.forward.states)
      outputs.push_back({state, {}, {input.shape[0], forward->units}});
    for (::rnnc::Tensor state : result.backward.states)
      outputs.push_back({state, {}, {input.shape[0], backward->units}});
  }
  return outputs;
}

std::optional<KerasValue> Importer::dense(StringRef name, StringRef className,
                                          const Object &config, const KerasValue &input,
                                          ArrayRef<std::string> groups) {
  int64_t units = config.getInteger("units").value_or(0);
  std::string activation = activationOf(config, "activation", "linear", name, className);
  if (input.shape.size() < 2 || input.shape.back() <= 0) {
    refuse(name, className, "takes inputs with a static last dimension");
    return std::nullopt;
  }
  if (units <= 0 || units > (int64_t(1) << 24)) {
    refuse(name, className, "units must be in [1, 2^24]");
    return std::nullopt;
  }
  std::vector<std::vector<int64_t>> shapes = {{input.shape.back(), units}};
  if (boolOf(config, "use_bias", true))
    shapes.push_back({units});
  std::vector<const Array *> weights = weightsOf(name, groups);
  if (activation.empty() || !checkWeights(name, className, weights, shapes, {"kernel", "bias"}))
    return std::nullopt;
  KerasValue output = input;
  output.shape.back() = units;
  output.tensor = builder_.Dense(input.tensor, units, weights[0]->values,
                                 weights.size() > 1 ? weights[1]->values : std::vector<float>(),
                                 activation);
  return output;
}

std::optional<KerasValue> Importer::merge(StringRef name, StringRef className,
                                          const Object &config, ArrayRef<KerasValue> inputs) {
  if (inputs.size() < 2 || (className == "Subtract" && inputs.size() != 2)) {
    refuse(name, className, "takes " + Twine(className == "Subtract" ? "two" : "two or more") +
                                " inputs, got " + Twine(inputs.size()));
    return std::nullopt;
  }
  const KerasValue &first = inputs.front();
  std::vector<int64_t> shape = first.shape;
  for (const KerasValue &input : inputs.drop_front()) {
    bool same = input.shape.size() == first.shape.size();
    for (size_t d = 0; same && d < shape.size(); ++d)
      same = className == "Concatenate" && d + 1 == shape.size()
                 ? true
                 : input.shape[d] == first.shape[d];
    if (!same) {
      refuse(name, className,
             "inputs of shapes " + mlir::rnn::formatShape(first.shape) + " and " +
                 mlir::rnn::formatShape(input.shape) + " do not merge");
      return std::nullopt;
    }
  }
  ::rnnc::Tensor result = first.tensor;
  if (className == "Concatenate") {
    int64_t axis = config.getInteger("axis").value_or(-1);
    if (axis != -1 && axis != (int64_t)shape.size() - 1) {
      refuse(name, className, "only axis -1 (the features) is supported");
      return std::nullopt;
    }
    for (const KerasValue &input : inputs.drop_front()) {
      result = builder_.concat(result, input.tensor);
      shape.back() += input.shape.back();
    }
  } else {
    for (const KerasValue &input : inputs.drop_front()) {
      if (className == "Subtract")
        result = builder_.sub(result, input.tensor);
      else if (className == "Multiply")
        result = builder_.mul(result, input.tensor);
      else
        result = builder_.add(result, input.tensor);
    }
    if (className == "Average")
      result = builder_.mul(
          result, builder_.constant({1.0f / static_cast<float>(inputs.size())}, {}));
  }
  std::vector<::rnnc::Tensor> masks;
  for (const KerasValue &input : inputs)
    masks.push_back(input.mask);
  return KerasValue{result, builder_.merge_masks(masks), shape};
}

std::optional<std::vector<KerasValue>> Importer::apply(StringRef name, StringRef className,
                                                       const Object &config,
                                                       ArrayRef<KerasValue> inputs) {
  if (isMerge(className)) {
    std::optional<KerasValue> merged = merge(name, className, config, inputs);
    if (!merged)
      return std::nullopt;
    return std::vector<KerasValue>{*merged};
  }
  if (isRecurrent(className) || className == "RNN") {
    if (boolOf(config, "stateful") && inputs.size() > 1) {
      refuse(name, className, "stateful with initial states is not supported");
      return std::nullopt;
    }
    return recurrent(name, className, config, inputs);
  }
  if (className == "Bidirectional")
    return bidirectional(name, config, inputs);
  if (inputs.size() != 1) {
    refuse(name, className, "takes one input, got " + Twine(inputs.size()));
    return std::nullopt;
  }
  const KerasValue &input = inputs.front();
  if (isInferenceIdentity(className))
    return std::vector<KerasValue>{input};
  if (className == "Dense" || className == "TimeDistributed") {
    const Object *inner = config.getObject("layer");
    const Object *innerConfig = inner ? inner->getObject("config") : nullptr;
    if (className == "TimeDistributed" &&
        (!innerConfig || inner->getString("class_name") != "Dense")) {
      refuse(name, className, "only TimeDistributed(Dense) is supported");
      return std::nullopt;
    }
    if (className == "TimeDistributed" && input.shape.size() != 3) {
      refuse(name, className, "takes [batch, time, features] inputs");
      return std::nullopt;
    }
    std::optional<KerasValue> output =
        className == "Dense" ? dense(name, className, config, input, {""})
                             : dense(name, "Dense", *innerConfig, input, {"layer"});
    if (!output)
      return std::nullopt;
    return std::vector<KerasValue>{*output};
  }
  if (className == "Activation") {
    std::string activation = activationOf(config, "activation", "linear", name, className);
    if (activation.empty())
      return std::nullopt;
    KerasValue output = input;
    output.tensor = builder_.Activation(input.tensor, activation);
    return std::vector<KerasValue>{output};
  }
  if (className == "Masking") {
    std::optional<double> value = config.getNumber("mask_value");
    if (input.shape.size() != 3) {
      refuse(name, className, "takes [batch, time, features] inputs");
      return std::nullopt;
    }
    ::rnnc::MaskedTensor masked =
        builder_.Masking(input.tensor, value.value_or(0.0), timeMajor_);
    return std::vector<KerasValue>{{masked.output, masked.mask, input.shape}};
  }
  if (className == "Embedding" && timeMajor_) {
    refuse(name, className, "Embedding in a time-major model is not supported");
    return std::nullopt;
  }
  if (className == "Embedding") {
    int64_t inputDim = config.getInteger("input_dim").value_or(0);
    int64_t outputDim = config.getInteger("output_dim").value_or(0);
    if (input.shape.size() != 2) {
      refuse(name, className, "takes [batch, time] ids");
      return std::nullopt;
    }
    if (inputDim <= 0 || outputDim <= 0 || inputDim > (int64_t(1) << 31) ||
        outputDim > (int64_t(1) << 24)) {
      refuse(name, className, "input_dim and output_dim must be positive");
      return std::nullopt;
    }
    std::vector<const Array *> weights = weightsOf(name, {""});
    if (!checkWeights(name, className, weights, {{inputDim, outputDim}}, {"embeddings"}))
      return std::nullopt;
    ::rnnc::MaskedTensor embedded = builder_.Embedding(
        input.tensor, inputDim, outputDim, weights[0]->values, boolOf(config, "mask_zero"));
    return std::vector<KerasValue>{
        {embedded.output, embedded.mask, {input.shape[0], input.shape[1], outputDim}}};
  }
  refuse(name, className, "is not a layer rnnc supports (docs/keras.md)");
  return std::nullopt;
}
