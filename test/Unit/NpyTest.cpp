// The runtime's .npy reader and writer: round trips and every rejection path.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "rnnrt/npy.h"

namespace {

std::string tempPath(const std::string &name) { return ::testing::TempDir() + "rnnc_npy_" + name; }

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// A version 1.0 file with `header` (padded) followed by `data`.
std::string npyBytes(const std::string &header, const std::string &data) {
  std::string h = header;
  while ((10 + h.size() + 1) % 64 != 0)
    h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += (char)(h.size() & 0xff);
  out += (char)(h.size() >> 8);
  return out + h + data;
}

struct Loaded {
  rnnrt_allocator_t allocator = rnnrt_allocator_system();
  rnnrt_npy_array_t array{};
  char message[256] = "";
  rnnrt_status_t status;
  explicit Loaded(const std::string &path) {
    status = rnnrt_npy_load(path.c_str(), &allocator, &array, message, sizeof message);
  }
  ~Loaded() { rnnrt_npy_release(&array, &allocator); }
};

TEST(Npy, RoundTripsEveryDtype) {
  const float f[6] = {1.5f, -2.0f, 0.0f, 3.25f, 1e-30f, -7.0f};
  const int32_t i32[3] = {0, -5, 2147483647};
  const int64_t i64[2] = {-1, 1LL << 40};
  const int64_t shape23[2] = {2, 3}, shape3[1] = {3}, shape2[1] = {2};
  struct {
    rnnrt_dtype_t dtype;
    int32_t rank;
    const int64_t *shape;
    const void *data;
    size_t bytes;
  } cases[] = {{RNNRT_DTYPE_F32, 2, shape23, f, sizeof f},
               {RNNRT_DTYPE_I32, 1, shape3, i32, sizeof i32},
               {RNNRT_DTYPE_I64, 1, shape2, i64, sizeof i64}};
  for (auto &c : cases) {
    std::string path = tempPath(std::string("roundtrip_") + rnnrt_dtype_name(c.dtype) + ".npy");
    char message[256];
    ASSERT_EQ(
        rnnrt_npy_save(path.c_str(), c.dtype, c.rank, c.shape, c.data, message, sizeof message),
        RNNRT_STATUS_OK)
        << message;
    Loaded loaded(path);
    ASSERT_EQ(loaded.status, RNNRT_STATUS_OK) << loaded.message;
    EXPECT_EQ(loaded.array.dtype, c.dtype);
    ASSERT_EQ(loaded.array.rank, c.rank);
    for (int32_t d = 0; d < c.rank; ++d)
      EXPECT_EQ(loaded.array.shape[d], c.shape[d]);
    ASSERT_EQ(loaded.array.data_bytes, c.bytes);
    EXPECT_EQ(0, memcmp(loaded.array.data, c.data, c.bytes));
    std::ifstream tmp(path + ".tmp");
    EXPECT_FALSE(tmp.good()) << "the temporary file must be renamed away";
  }
}

TEST(Npy, ReadsScalarsEmptyArraysAndVersion2Headers) {
  std::string scalar = tempPath("scalar.npy");
  float value = 4.5f;
  writeBytes(scalar, npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                              std::string(reinterpret_cast<char *>(&value), 4)));
  Loaded s(scalar);
  ASSERT_EQ(s.status, RNNRT_STATUS_OK) << s.message;
  EXPECT_EQ(s.array.rank, 0);
  EXPECT_EQ(*static_cast<float *>(s.array.data), 4.5f);

  std::string empty = tempPath("empty.npy");
  writeBytes(empty, npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (0, 3), }", ""));
  Loaded e(empty);
  ASSERT_EQ(e.status, RNNRT_STATUS_OK) << e.message;
  EXPECT_EQ(e.array.data_bytes, 0u);

  std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }\n";
  std::string v2 = std::string("\x93NUMPY\x02\x00", 8);
  uint32_t len = (uint32_t)header.size();
  v2.append(reinterpret_cast<char *>(&len), 4);
  int64_t one = 1;
  v2 += header + std::string(reinterpret_cast<char *>(&one), 8);
  std::string path = tempPath("v2.npy");
  writeBytes(path, v2);
  Loaded l(path);
  ASSERT_EQ(l.status, RNNRT_STATUS_OK) << l.message;
  EXPECT_EQ(*static_cast<int64_t *>(l.array.data), 1);
}

struct BadCase {
  const char *name;
  std::string bytes;
  const char *message;
};

TEST(Npy, RejectsMalformedFiles) {
  const std::string f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::string eight(8, '\0');
  std::vector<BadCase> cases = {
      {"empty", "", "bad magic"},
      {"magic", "PK\x03\x04 zip file", "bad magic"},
      {"version", std::string("\x93NUMPY\x07\x00", 8), "unsupported .npy format version 7"},
      {"short_header", std::string("\x93NUMPY\x01\x00\x50\x00{'descr'", 17), "truncated header"},
      {"not_dict", npyBytes("['descr', '<f4']", eight), "header is not a dict"},
      {"missing_key", npyBytes("{'descr': '<f4', 'shape': (2,), }", eight),
       "header lacks 'descr', 'fortran_order' or 'shape'"},
      {"extra_key",
       npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", eight),
       "unexpected header key 'x'"},
      {"fortran", npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", eight),
       "Fortran order"},
      {"big_endian", npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", eight),
       "has dtype '>f4'"},
      {"float64", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", eight),
       "has dtype '<f8'"},
      {"object", npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", eight),
       "has dtype '|O'"},
      {"negative", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", eight),
       "negative dimension"},
      {"huge",
       npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
                eight),
       "too large"},
      {"overflow",
       npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                eight),
       "shape is too large"},
      {"rank9",
       npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", eight),
       "more than 8 dimensions"},
      {"bad_shape", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", eight),
       "malformed 'shape'"},
      {"short_data", npyBytes(f4, std::string(7, '\0')), "data is shorter than the shape needs"},
      // 1.4 TB claimed, 8 bytes there: refused before allocating (found by the fuzzer).
      {"claims_terabytes",
       npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (29999999999, 3, 4), }", eight),
       "data is shorter than the shape needs"},
      {"long_data", npyBytes(f4, std::string(9, '\0')), "data is longer than the shape says"},
  };
  for (const BadCase &c : cases) {
    std::string path = tempPath(std::string("bad_") + c.name + ".npy");
    writeBytes(path, c.bytes);
    Loaded loaded(path);
    EXPECT_EQ(loaded.status, RNNRT_STATUS_BAD_FORMAT) << c.name << ": " << loaded.message;
    EXPECT_NE(std::string(loaded.message).find(c.message), std::string::npos)
        << c.name << ": got '" << loaded.message << "'";
    EXPECT_EQ(loaded.array.data, nullptr) << c.name;
  }
}

TEST(Npy, RejectsBadArguments) {
  rnnrt_allocator_t allocator = rnnrt_allocator_system();
  rnnrt_npy_array_t array;
  char message[128];
  EXPECT_EQ(rnnrt_npy_load(nullptr, &allocator, &array, message, sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_npy_load("x.npy", nullptr, &array, message, sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_npy_load("x.npy", &allocator, nullptr, nullptr, 0),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_npy_load(tempPath("does_not_exist.npy").c_str(), &allocator, &array, message,
                           sizeof message),
            RNNRT_STATUS_IO_ERROR);
  EXPECT_NE(std::string(message).find("cannot open"), std::string::npos);

  const int64_t shape[1] = {2};
  EXPECT_EQ(rnnrt_npy_save(tempPath("null.npy").c_str(), RNNRT_DTYPE_F32, 1, shape, nullptr,
                           message, sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(rnnrt_npy_save(tempPath("rank.npy").c_str(), RNNRT_DTYPE_F32, 9, shape, message,
                           message, sizeof message),
            RNNRT_STATUS_INVALID_ARGUMENT);
  float data[2] = {1, 2};
  EXPECT_EQ(rnnrt_npy_save("/nonexistent-dir/x.npy", RNNRT_DTYPE_F32, 1, shape, data, message,
                           sizeof message),
            RNNRT_STATUS_IO_ERROR);
  EXPECT_STREQ(rnnrt_status_name(RNNRT_STATUS_BAD_FORMAT), "RNNRT_STATUS_BAD_FORMAT");
}

} // namespace
