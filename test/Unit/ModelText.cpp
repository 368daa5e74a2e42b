#include "ModelText.h"

#include <cstdio>
#include <cstring>
#include <sstream>

namespace rnnc::test {
namespace {
using reference::Cell;
using reference::CellKind;

std::string tensorType(const std::vector<int64_t> &shape, const char *element = "f32") {
  std::string text = "tensor<";
  for (int64_t d : shape)
    text += (d < 0 ? std::string("?") : std::to_string(d)) + "x";
  return text + element + ">";
}

std::string floatText(float v) {
  char buffer[32];
  snprintf(buffer, sizeof buffer, "%.9g", v);
  std::string text = buffer;
  if (text.find_first_of(".eEn") == std::string::npos)
    text += ".0";
  return text;
}

/// Exact dense constant: little-endian bytes in hex.
std::string hexConstant(const std::vector<float> &data) {
  static const char digits[] = "0123456789ABCDEF";
  std::string text = "\"0x";
  const auto *bytes = reinterpret_cast<const unsigned char *>(data.data());
  for (size_t i = 0; i < data.size() * sizeof(float); ++i) {
    text += digits[bytes[i] >> 4];
    text += digits[bytes[i] & 15];
  }
  return text + "\"";
}

std::string activationText(const reference::ActivationFn &fn) {
  return std::string("#rnn.activation<") + reference::activationName(fn.kind) +
         ", alpha = " + floatText(fn.alphaValue()) + ", beta = " + floatText(fn.betaValue()) + ">";
}

struct Weight {
  std::string ssa;
  std::string type;
};
} // namespace

std::string buildModelText(const ModelConfig &config, std::vector<WeightArg> &weightArgs) {
  std::ostringstream body, args;
  weightArgs.clear();
  const int64_t T = config.dynamicShapes ? -1 : config.T;
  const int64_t B = config.dynamicShapes ? -1 : config.B;
  const int64_t D = config.layers.front().inputDepth;
  const int64_t O = config.layers.back().outputSize();
  std::string inputType =
      tensorType(config.timeMajor ? std::vector<int64_t>{T, B, D} : std::vector<int64_t>{B, T, D});
  std::string outputType =
      tensorType(config.timeMajor ? std::vector<int64_t>{T, B, O} : std::vector<int64_t>{B, T, O});
  std::string lengthType = tensorType({B}, config.lengthsI64 ? "i64" : "i32");
  args << "%inputs: " << inputType;
  if (config.withLengths)
    args << ", %len: " << lengthType;
  std::string maskType = tensorType({B, T}, "i1");
  if (config.withMask)
    args << ", %mask: " << maskType;
  std::vector<std::string> stateTypes;
  for (const Cell &cell : config.layers)
    for (int64_t size : cell.stateSizes())
      stateTypes.push_back(tensorType({B, size}));
  if (config.withInitialState)
    for (size_t i = 0; i < stateTypes.size(); ++i)
      args << ", %s" << i << ": " << stateTypes[i];

  int counter = 0;
  auto weight = [&](const std::vector<float> &data, std::vector<int64_t> shape,
                    const std::string &name) {
    Weight w{"%w" + std::to_string(counter++), tensorType(shape)};
    if (config.weightsAsConstants) {
      body << "  " << w.ssa << " = arith.constant dense<" << hexConstant(data) << "> : " << w.type
           << "\n";
    } else {
      args << ", " << w.ssa << ": " << w.type << " {rnn.name = \"" << name << "\"}";
      weightArgs.push_back(WeightArg{shape, &data});
    }
    return w;
  };

  std::vector<std::string> cells;
  for (size_t l = 0; l < config.layers.size(); ++l) {
    const Cell &cell = config.layers[l];
    const int64_t H = cell.numUnits, P = cell.outputSize(), Dl = cell.inputDepth;
    std::string prefix = "layer" + std::to_string(l) + "/";
    std::string cellName = "%cell" + std::to_string(l);
    std::ostringstream attrs;
    attrs << "num_units = " << H << " : i64, activation = " << activationText(cell.activation);
    if (cell.gateClip)
      attrs << ", gate_clip = " << floatText(*cell.gateClip) << " : f32";
    if (cell.kind != CellKind::BasicRNN)
      attrs << ", gate_activation = " << activationText(cell.gateActivation);
    if (cell.kind == CellKind::BasicRNN) {
      Weight k = weight(cell.kernel, {Dl + H, H}, prefix + "kernel");
      Weight b = weight(cell.bias, {H}, prefix + "bias");
      body << "  " << cellName << " = rnn.basic_rnn_cell " << k.ssa << ", " << b.ssa << " {"
           << attrs.str() << "} : " << k.type << ", " << b.type << "\n";
    } else if (cell.kind == CellKind::LSTM) {
      Weight k = weight(cell.kernel, {Dl + P, 4 * H}, prefix + "kernel");
      Weight b = weight(cell.bias, {4 * H}, prefix + "bias");
      std::string extra;
      if (cell.peepholes) {
        Weight wi = weight(cell.wIDiag, {H}, prefix + "w_i_diag");
        Weight wf = weight(cell.wFDiag, {H}, prefix + "w_f_diag");
        Weight wo = weight(cell.wODiag, {H}, prefix + "w_o_diag");
        extra += " peepholes(" + wi.ssa + ", " + wf.ssa + ", " + wo.ssa + " : " + wi.type + ", " +
                 wf.type + ", " + wo.type + ")";
      }
      if (cell.numProj > 0) {
        Weight p = weight(cell.projKernel, {H, cell.numProj}, prefix + "proj_kernel");
        extra += " projection(" + p.ssa + " : " + p.type + ")";
      }
      attrs << ", forget_bias = " << floatText(cell.forgetBias) << " : f32";
      if (cell.cellClip)
        attrs << ", cell_clip = " << floatText(*cell.cellClip) << " : f32";
      if (cell.projClip)
        attrs << ", proj_clip = " << floatText(*cell.projClip) << " : f32";
      if (cell.outputActivation)
        attrs << ", output_activation = " << activationText(*cell.outputActivation);
      if (cell.inputForget)
        attrs << ", input_forget";
      body << "  " << cellName << " = rnn.lstm_cell " << k.ssa << ", " << b.ssa << extra << " {"
           << attrs.str() << "} : " << k.type << ", " << b.type << "\n";
    } else {
      Weight gk = weight(cell.gatesKernel, {Dl + H, 2 * H}, prefix + "gates_kernel");
      Weight gb = weight(cell.gatesBias, {2 * H}, prefix + "gates_bias");
      Weight ck = weight(cell.candidateKernel, {Dl + H, H}, prefix + "candidate_kernel");
      Weight cb = weight(cell.candidateBias, {H}, prefix + "candidate_bias");
      std::string extra;
      if (cell.linearBeforeReset) {
        Weight hb = weight(cell.hiddenBias, {H}, prefix + "hidden_bias");
        extra = " hidden_bias(" + hb.ssa + " : " + hb.type + ")";
        attrs << ", linear_before_reset";
      }
      body << "  " << cellName << " = rnn.gru_cell " << gk.ssa << ", " << gb.ssa << ", " << ck.ssa
           << ", " << cb.ssa << extra << " {" << attrs.str() << "} : " << gk.type << ", " << gb.type
           << ", " << ck.type << ", " << cb.type << "\n";
    }
    cells.push_back(cellName);
  }
  std::string cell = cells.front();
  if (cells.size() > 1) {
    body << "  %stack = rnn.multi_rnn_cell ";
    for (size_t i = 0; i < cells.size(); ++i)
      body << (i ? ", " : "") << cells[i];
    body << "\n";
    cell = "%stack";
  }

  std::string resultTypes = outputType;
  for (const std::string &t : stateTypes)
    resultTypes += ", " + t;
  body << "  %r:" << stateTypes.size() + 1 << " = rnn.dynamic_rnn " << cell
       << "(%inputs : " << inputType << ")";
  if (config.withLengths)
    body << " sequence_length(%len : " << lengthType << ")";
  if (config.withMask)
    body << " mask(%mask : " << maskType << ")";
  if (config.withInitialState) {
    body << " initial_state(";
    for (size_t i = 0; i < stateTypes.size(); ++i)
      body << (i ? ", " : "") << "%s" << i;
    body << " : ";
    for (size_t i = 0; i < stateTypes.size(); ++i)
      body << (i ? ", " : "") << stateTypes[i];
    body << ")";
  }
  std::vector<std::string> flags;
  if (config.timeMajor)
    flags.push_back("time_major");
  if (config.reverse)
    flags.push_back("reverse");
  if (config.zeroStateForEmptyRows)
    flags.push_back("zero_final_state_for_empty_rows");
  if (config.zeroOutputForMask)
    flags.push_back("zero_output_for_mask");
  if (config.goBackwards)
    flags.push_back("go_backwards");
  if (config.unroll)
    flags.push_back("unroll");
  if (!flags.empty()) {
    body << " {";
    for (size_t i = 0; i < flags.size(); ++i)
      body << (i ? ", " : "") << flags[i];
    body << "}";
  }
  body << " -> " << resultTypes << "\n";
  body << "  return ";
  for (size_t i = 0; i <= stateTypes.size(); ++i)
    body << (i ? ", " : "") << "%r#" << i;
  body << " : " << resultTypes << "\n";

  std::ostringstream module;
  module << "func.func @model(" << args.str() << ") -> (" << resultTypes << ") {\n"
         << body.str() << "}\n";
  return module.str();
}

} // namespace rnnc::test
