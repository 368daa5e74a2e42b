// Reading .npy files that test generators (Python) wrote.
#ifndef RNNC_TEST_UNIT_NPYFILE_H
#define RNNC_TEST_UNIT_NPYFILE_H

#include "rnnrt/npy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

/// A float32 .npy file as a vector (a test failure and an empty vector if it
/// cannot be read).
inline std::vector<float> loadNpy(const std::string &path) {
  rnnrt_allocator_t allocator = rnnrt_allocator_system();
  rnnrt_npy_array_t array;
  char message[256];
  if (rnnrt_npy_load(path.c_str(), &allocator, &array, message, sizeof message) !=
      RNNRT_STATUS_OK) {
    ADD_FAILURE() << message;
    return {};
  }
  const float *data = static_cast<const float *>(array.data);
  std::vector<float> values(data, data + array.data_bytes / sizeof(float));
  rnnrt_npy_release(&array, &allocator);
  return values;
}

#endif // RNNC_TEST_UNIT_NPYFILE_H
