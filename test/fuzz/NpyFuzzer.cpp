// libFuzzer target: arbitrary bytes as a .npy file through rnnrt_npy_load
// (magic, version, header dictionary, shape, dtype, data size).
#include "rnnrt/npy.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = "/tmp/rnnc-npy-fuzz-" + std::to_string(getpid()) + ".npy";
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file)
    return 0;
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  static const rnnrt_allocator_t allocator = rnnrt_allocator_system();
  rnnrt_npy_array_t array{};
  char message[256];
  if (rnnrt_npy_load(path.c_str(), &allocator, &array, message, sizeof message) == RNNRT_STATUS_OK)
    rnnrt_npy_release(&array, &allocator);
  return 0;
}
