// The C++ class of a generated header (nostate.h): creation and run failures
// say why; views are empty before a run and shaped after one.
#include <cstdio>

#include "nostate.h"

int main() {
  Nostate unbatched;
  std::printf("no batch: ok=%d: %s\n", unbatched.ok(), unbatched.error().c_str());
  Nostate model(2);
  std::printf("before: %zu elements\n", model.output_outputs().size());
  float inputs[3 * 2 * 4] = {};
  model.set_inputs(inputs, 3);
  model.set_sequence_length(nullptr);
  rnnrt_status_t status = model.run();
  Nostate::View<float> outputs = model.output_outputs();
  std::printf("run: %s, [%lld, %lld, %lld]\n", rnnrt_status_name(status),
              static_cast<long long>(outputs.dims[0]), static_cast<long long>(outputs.dims[1]),
              static_cast<long long>(outputs.dims[2]));
  model.set_inputs(nullptr, 3);
  status = model.run();
  std::printf("no inputs: %s: %s\n", rnnrt_status_name(status), model.error().c_str());
  return 0;
}
