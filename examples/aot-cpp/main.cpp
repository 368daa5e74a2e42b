// A C++ program linking the bundled LSTM compiled ahead of time, through the
// class its generated header declares (LstmExample).
//
//   aot_lstm_cpp EXAMPLE_DIR OUTPUT_DIR
//
// reads EXAMPLE_DIR/inputs.npy [T, B, 4] and sequence_length.npy [B], runs
// the model, and writes outputs.npy and final_state/<layer>/<c|h>.npy to
// OUTPUT_DIR (which must exist, with final_state/0 and final_state/1).
#include <cstdio>
#include <string>

#include "lstm_example.h"
#include "rnnrt/npy.h"

namespace {
/// An .npy file's array, released with its allocator.
struct Array {
  rnnrt_allocator_t allocator = rnnrt_allocator_system();
  rnnrt_npy_array_t array{};
  std::string error;
  explicit Array(const std::string &path) {
    char message[256];
    if (rnnrt_npy_load(path.c_str(), &allocator, &array, message, sizeof message) !=
        RNNRT_STATUS_OK)
      error = path + ": " + message;
  }
  ~Array() { rnnrt_npy_release(&array, &allocator); }
  Array(const Array &) = delete;
  Array &operator=(const Array &) = delete;
};

bool save(const std::string &path, const LstmExample::View<float> &view) {
  char message[256];
  if (rnnrt_npy_save(path.c_str(), RNNRT_DTYPE_F32, view.rank, view.dims, view.data, message,
                     sizeof message) == RNNRT_STATUS_OK)
    return true;
  std::fprintf(stderr, "aot_lstm_cpp: %s\n", message);
  return false;
}
} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s EXAMPLE_DIR OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  std::string in = argv[1], out = argv[2];
  Array inputs(in + "/inputs.npy"), lengths(in + "/sequence_length.npy");
  for (const Array *array : {&inputs, &lengths})
    if (!array->error.empty()) {
      std::fprintf(stderr, "aot_lstm_cpp: %s\n", array->error.c_str());
      return 1;
    }
  int64_t T = inputs.array.shape[0], B = inputs.array.shape[1];

  LstmExample model(B);
  if (!model.ok()) {
    std::fprintf(stderr, "aot_lstm_cpp: cannot create an instance: %s\n", model.error().c_str());
    return 1;
  }
  // The state inputs stay unset: the instance's (zero) state.
  model.set_inputs(static_cast<const float *>(inputs.array.data), T);
  model.set_sequence_length(static_cast<const int32_t *>(lengths.array.data));
  if (model.run() != RNNRT_STATUS_OK) {
    std::fprintf(stderr, "aot_lstm_cpp: %s\n", model.error().c_str());
    return 1;
  }
  LstmExample::View<float> outputs = model.output_outputs();
  bool ok = save(out + "/outputs.npy", outputs) &&
            save(out + "/final_state/0/c.npy", model.output_final_state_0_c()) &&
            save(out + "/final_state/0/h.npy", model.output_final_state_0_h()) &&
            save(out + "/final_state/1/c.npy", model.output_final_state_1_c()) &&
            save(out + "/final_state/1/h.npy", model.output_final_state_1_h());
  std::printf("aot_lstm_cpp: T=%lld B=%lld, %zu outputs, outputs[0,0,0:3] = %.6f %.6f %.6f\n",
              static_cast<long long>(T), static_cast<long long>(B), outputs.size(), outputs.data[0],
              outputs.data[1], outputs.data[2]);
  return ok ? 0 : 1;
}
