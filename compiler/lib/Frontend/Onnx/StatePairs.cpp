// Pairs an ONNX model's recurrent state inputs with its state outputs
// (PyTorch's h0 <-> h_n, c0 <-> c_n), so that instances can carry the state
// between calls (keep_state).

#include "Importer.h"

#include <functional>
#include <map>

using namespace mlir;

namespace mlir::rnnc::onnx_import {
namespace {

/// One state of one recurrent node: 'h' or 'c'.
struct StateSlot {
  const onnx::NodeProto *node;
  char role;
  bool operator==(const StateSlot &o) const { return node == o.node && role == o.role; }
};

/// Ops that pass a state through unchanged in content (views and copies).
bool isGlue(const std::string &op) {
  return op == "Identity" || op == "Slice" || op == "Gather" || op == "Squeeze" ||
         op == "Unsqueeze" || op == "Reshape";
}

/// Whether a recurrent node runs forward only (a reverse direction's state
/// cannot be carried across chunks of a stream).
bool forwardOnly(const onnx::NodeProto &node) {
  const onnx::AttributeProto *direction = findAttribute(node, "direction");
  return !direction || direction->s() == "forward";
}

} // namespace

void OnnxImporter::pairStates(const onnx::GraphProto &graph, func::FuncOp func,
                              ArrayRef<std::string> argNames) {
  std::map<std::string, const onnx::NodeProto *> producer;
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &output : node.output())
      producer[output] = &node;
  auto isRecurrent = [](const onnx::NodeProto &node) {
    return node.op_type() == "LSTM" || node.op_type() == "GRU" || node.op_type() == "RNN";
  };
  // The first leading index a chain of glue selects (a Slice's start or a
  // Gather's index on axis 0), to order one input's slots.
  auto leadingOffset = [&](const onnx::NodeProto &glue) -> int64_t {
    if (glue.op_type() != "Slice" && glue.op_type() != "Gather")
      return 0;
    if (glue.input_size() < 2)
      return 0;
    auto it = shapes.find(glue.input(1));
    if (it == shapes.end() || it->second.elements.empty() || it->second.elements[0].source)
      return -1;
    return it->second.elements[0].value;
  };

  // Inputs: which slots each graph input feeds, in order of the slice offset.
  std::map<std::string, std::vector<std::pair<int64_t, StateSlot>>> fed;
  for (const onnx::NodeProto &node : graph.node()) {
    if (!isRecurrent(node) || !forwardOnly(node))
      continue;
    for (auto [index, role] : {std::pair<int, char>{5, 'h'}, {6, 'c'}}) {
      if (node.input_size() <= index || node.input(index).empty())
        continue;
      std::string name = node.input(index);
      int64_t offset = 0;
      for (int depth = 0; depth < 8; ++depth) {
        auto it = producer.find(name);
        if (it == producer.end() || !isGlue(it->second->op_type()))
          break;
        if (int64_t o = leadingOffset(*it->second); o != 0)
          offset = o;
        name = it->second->input(0);
      }
      if (llvm::is_contained(argNames, name) && offset >= 0)
        fed[name].push_back({offset, StateSlot{&node, role}});
    }
  }
  // Outputs: the slots each graph output concatenates, in order.
  std::map<std::string, std::vector<StateSlot>> made;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    std::vector<StateSlot> slots;
    std::function<bool(const std::string &, int)> collect = [&](const std::string &name,
                                                                int depth) {
      auto it = producer.find(name);
      if (it == producer.end() || depth > 8)
        return false;
      const onnx::NodeProto &node = *it->second;
      if (isRecurrent(node)) {
        if (!forwardOnly(node))
          return false;
        for (int i : {1, 2})
          if (node.output_size() > i && node.output(i) == name) {
            slots.push_back(StateSlot{&node, i == 1 ? 'h' : 'c'});
            return true;
          }
        return false;
      }
      if (node.op_type() == "Concat" && intAttribute(node, "axis", 0) == 0) {
        for (const std::string &part : node.input())
          if (!collect(part, depth + 1))
            return false;
        return true;
      }
      return isGlue(node.op_type()) && collect(node.input(0), depth + 1);
    };
    if (collect(output.name(), 0))
      made[output.name()] = std::move(slots);
  }
  // A pair where exactly one input and one output hold the same slots.
  std::map<std::string, std::vector<StateSlot>> read;
  for (auto &[input, offsetSlots] : fed) {
    llvm::stable_sort(offsetSlots, [](auto &x, auto &y) { return x.first < y.first; });
    for (auto &entry : offsetSlots)
      read[input].push_back(entry.second);
  }
  for (auto &[input, slots] : read) {
    auto same = [&](auto &entry) { return entry.second == slots; };
    if (llvm::count_if(read, same) != 1 || llvm::count_if(made, same) != 1)
      continue;
    const std::string &output = llvm::find_if(made, same)->first;
    unsigned arg = llvm::find(argNames, input) - argNames.begin();
    func.setArgAttr(arg, kStateOfAttrName, b.getStringAttr(output));
  }
}

} // namespace mlir::rnnc::onnx_import
