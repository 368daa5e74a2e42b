/* open(2)'s O_NOFOLLOW and O_CLOEXEC, fdopen, fstat (POSIX.1-2008). */
#define _POSIX_C_SOURCE 200809L

#include "rnnrt/npy.h"

#include "message.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dtype_descr(rnnrt_dtype_t dtype) {
  switch (dtype) {
  case RNNRT_DTYPE_F32:
    return "<f4";
  case RNNRT_DTYPE_I32:
    return "<i4";
  case RNNRT_DTYPE_I64:
    return "<i8";
  case RNNRT_DTYPE_BOOL:
    return "|b1";
  }
  return NULL;
}

/* A cursor over the header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 */
typedef struct {
  const char *p;
  const char *end;
} cursor_t;

static void skip_space(cursor_t *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    ++c->p;
}

static int expect_char(cursor_t *c, char ch) {
  skip_space(c);
  if (c->p < c->end && *c->p == ch) {
    ++c->p;
    return 1;
  }
  return 0;
}

/* Reads a quoted string into `out` (at most `capacity` - 1 characters). */
static int read_string(cursor_t *c, char *out, size_t capacity) {
  skip_space(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
    return 0;
  char quote = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != quote) {
    if (n + 1 >= capacity)
      return 0;
    out[n++] = *c->p++;
  }
  if (c->p >= c->end)
    return 0;
  ++c->p;
  out[n] = '\0';
  return 1;
}

static int read_word(cursor_t *c, const char *word) {
  skip_space(c);
  size_t len = strlen(word);
  if ((size_t)(c->end - c->p) >= len && strncmp(c->p, word, len) == 0) {
    c->p += len;
    return 1;
  }
  return 0;
}

/* Reads a tuple of non-negative integers such as (), (3,), (2, 3). */
static int read_shape(cursor_t *c, int64_t *shape, int32_t *rank, char *message, size_t capacity,
                      rnnrt_status_t *status) {
  if (!expect_char(c, '('))
    return 0;
  *rank = 0;
  for (;;) {
    skip_space(c);
    if (expect_char(c, ')'))
      return 1;
    if (*rank >= RNNRT_MAX_RANK) {
      *status = rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT,
                           "shape has more than %d dimensions", RNNRT_MAX_RANK);
      return 0;
    }
    skip_space(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') {
      if (c->p < c->end && *c->p == '-')
        *status = rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT,
                             "shape has a negative dimension");
      return 0;
    }
    int64_t value = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
      if (value > (INT64_MAX - 9) / 10) {
        *status =
            rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT, "shape dimension is too large");
        return 0;
      }
      value = value * 10 + (*c->p++ - '0');
    }
    shape[(*rank)++] = value;
    if (!expect_char(c, ',')) {
      if (!expect_char(c, ')'))
        return 0;
      return 1;
    }
  }
}

rnnrt_status_t rnnrt_npy_load(const char *path, const rnnrt_allocator_t *allocator,
                              rnnrt_npy_array_t *out, char *message, size_t capacity) {
  if (!path || !allocator || !allocator->alloc || !out)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "rnnrt_npy_load: path, allocator and out must not be NULL");
  memset(out, 0, sizeof(*out));
  /* Only a regular file has a size to bound what is read: a FIFO or a device
   * could feed any number of bytes, or (opened without O_NONBLOCK) block. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_IO_ERROR, "cannot open '%s': %s", path,
                      strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return rnnrt_fail(message, capacity, RNNRT_STATUS_IO_ERROR, "'%s' is not a regular file",
                      path);
  }
  FILE *file = fdopen(fd, "rb");
  if (!file) {
    close(fd);
    return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  }

  rnnrt_status_t status = RNNRT_STATUS_BAD_FORMAT;
  char *header = NULL;
  void *data = NULL;
  unsigned char preamble[12];
  if (fread(preamble, 1, 8, file) != 8 || memcmp(preamble, "\x93NUMPY", 6) != 0) {
    rnnrt_fail(message, capacity, status, "'%s' is not a .npy file (bad magic)", path);
    goto done;
  }
  unsigned major = preamble[6];
  size_t header_len;
  if (major == 1) {
    if (fread(preamble + 8, 1, 2, file) != 2) {
      rnnrt_fail(message, capacity, status, "'%s': truncated header", path);
      goto done;
    }
    header_len = (size_t)preamble[8] | ((size_t)preamble[9] << 8);
  } else if (major == 2 || major == 3) {
    if (fread(preamble + 8, 1, 4, file) != 4) {
      rnnrt_fail(message, capacity, status, "'%s': truncated header", path);
      goto done;
    }
    header_len = (size_t)preamble[8] | ((size_t)preamble[9] << 8) | ((size_t)preamble[10] << 16) |
                 ((size_t)preamble[11] << 24);
  } else {
    rnnrt_fail(message, capacity, status, "'%s': unsupported .npy format version %u", path, major);
    goto done;
  }
  if (header_len > (1u << 20)) {
    rnnrt_fail(message, capacity, status, "'%s': header of %zu bytes is too large", path,
               header_len);
    goto done;
  }
  header = malloc(header_len + 1);
  if (!header) {
    status = rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
    goto done;
  }
  if (fread(header, 1, header_len, file) != header_len) {
    rnnrt_fail(message, capacity, status, "'%s': truncated header", path);
    goto done;
  }
  header[header_len] = '\0';

  cursor_t c = {header, header + header_len};
  int have_descr = 0, have_order = 0, have_shape = 0;
  char descr[16] = {0};
  if (!expect_char(&c, '{')) {
    rnnrt_fail(message, capacity, status, "'%s': header is not a dict", path);
    goto done;
  }
  for (;;) {
    char key[32];
    if (expect_char(&c, '}'))
      break;
    if (!read_string(&c, key, sizeof key) || !expect_char(&c, ':')) {
      rnnrt_fail(message, capacity, status, "'%s': malformed header", path);
      goto done;
    }
    if (strcmp(key, "descr") == 0) {
      if (!read_string(&c, descr, sizeof descr)) {
        rnnrt_fail(message, capacity, status, "'%s': malformed 'descr'", path);
        goto done;
      }
      have_descr = 1;
    } else if (strcmp(key, "fortran_order") == 0) {
      if (read_word(&c, "True")) {
        rnnrt_fail(message, capacity, status,
                   "'%s' is in Fortran order; save it in C order (numpy.ascontiguousarray)", path);
        goto done;
      }
      if (!read_word(&c, "False")) {
        rnnrt_fail(message, capacity, status, "'%s': malformed 'fortran_order'", path);
        goto done;
      }
      have_order = 1;
    } else if (strcmp(key, "shape") == 0) {
      rnnrt_status_t shape_status = RNNRT_STATUS_OK;
      if (!read_shape(&c, out->shape, &out->rank, message, capacity, &shape_status)) {
        if (shape_status == RNNRT_STATUS_OK)
          rnnrt_fail(message, capacity, status, "'%s': malformed 'shape'", path);
        else {
          char reason[128];
          snprintf(reason, sizeof reason, "%s", message ? message : "");
          rnnrt_fail(message, capacity, status, "'%s': %s", path, reason);
        }
        goto done;
      }
      have_shape = 1;
    } else {
      rnnrt_fail(message, capacity, status, "'%s': unexpected header key '%s'", path, key);
      goto done;
    }
    if (!expect_char(&c, ',')) {
      if (!expect_char(&c, '}')) {
        rnnrt_fail(message, capacity, status, "'%s': malformed header", path);
        goto done;
      }
      break;
    }
  }
  if (!have_descr || !have_order || !have_shape) {
    rnnrt_fail(message, capacity, status, "'%s': header lacks 'descr', 'fortran_order' or 'shape'",
               path);
    goto done;
  }
  if (strcmp(descr, "<f4") == 0)
    out->dtype = RNNRT_DTYPE_F32;
  else if (strcmp(descr, "<i4") == 0)
    out->dtype = RNNRT_DTYPE_I32;
  else if (strcmp(descr, "<i8") == 0)
    out->dtype = RNNRT_DTYPE_I64;
  else if (strcmp(descr, "|b1") == 0)
    out->dtype = RNNRT_DTYPE_BOOL;
  else {
    rnnrt_fail(message, capacity, status,
               "'%s' has dtype '%s'; only little-endian float32 ('<f4'), int32 ('<i4'), int64 "
               "('<i8') and bool ('|b1') are supported",
               path, descr);
    goto done;
  }

  size_t count = 1, element = rnnrt_dtype_size(out->dtype);
  for (int32_t i = 0; i < out->rank; ++i) {
    if (out->shape[i] != 0 && count > SIZE_MAX / element / (size_t)out->shape[i]) {
      rnnrt_fail(message, capacity, status, "'%s': shape is too large", path);
      goto done;
    }
    count *= (size_t)out->shape[i];
  }
  out->data_bytes = count * element;
  /* In a regular file the data must be there: a header claiming more is
   * refused before anything that size is allocated (pipes cannot tell). */
  long start = ftell(file);
  if (start >= 0 && fseek(file, 0, SEEK_END) == 0) {
    long end = ftell(file);
    if (fseek(file, start, SEEK_SET) != 0) {
      status = rnnrt_fail(message, capacity, RNNRT_STATUS_IO_ERROR, "'%s': cannot seek", path);
      goto done;
    }
    if (end >= start && (unsigned long)(end - start) < out->data_bytes) {
      rnnrt_fail(message, capacity, status,
                 "'%s': data is shorter than the shape needs (%zu bytes)", path, out->data_bytes);
      goto done;
    }
  }
  data = allocator->alloc(allocator->self, out->data_bytes == 0 ? element : out->data_bytes, 64);
  if (!data) {
    status = rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY,
                        "'%s': cannot allocate %zu bytes", path, out->data_bytes);
    goto done;
  }
  if (fread(data, 1, out->data_bytes, file) != out->data_bytes) {
    rnnrt_fail(message, capacity, status, "'%s': data is shorter than the shape needs (%zu bytes)",
               path, out->data_bytes);
    goto done;
  }
  if (fgetc(file) != EOF) {
    rnnrt_fail(message, capacity, status, "'%s': data is longer than the shape says", path);
    goto done;
  }
  out->data = data;
  data = NULL;
  status = RNNRT_STATUS_OK;

done:
  if (data && allocator->free)
    allocator->free(allocator->self, data);
  free(header);
  fclose(file);
  return status;
}

void rnnrt_npy_release(rnnrt_npy_array_t *array, const rnnrt_allocator_t *allocator) {
  if (!array || !allocator || !allocator->free)
    return;
  allocator->free(allocator->self, array->data);
  array->data = NULL;
}

rnnrt_status_t rnnrt_npy_save(const char *path, rnnrt_dtype_t dtype, int32_t rank,
                              const int64_t *shape, const void *data, char *message,
                              size_t capacity) {
  const char *descr = dtype_descr(dtype);
  if (!path || !descr || rank < 0 || rank > RNNRT_MAX_RANK || (rank > 0 && !shape))
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "rnnrt_npy_save: bad path, dtype, rank or shape");
  size_t count = 1;
  char dims[RNNRT_MAX_RANK * 24 + 4] = "";
  size_t used = 0;
  for (int32_t i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                        "rnnrt_npy_save: negative dimension");
    count *= (size_t)shape[i];
    used += (size_t)snprintf(dims + used, sizeof dims - used, "%lld%s", (long long)shape[i],
                             rank == 1 ? "," : (i + 1 < rank ? ", " : ""));
  }
  if (count > 0 && !data)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT,
                      "rnnrt_npy_save: data is NULL");

  char header[512];
  int len = snprintf(header, sizeof header,
                     "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, dims);
  /* Pad with spaces so that magic + length + header + '\n' is a multiple of 64. */
  size_t total = 10 + (size_t)len + 1;
  size_t padded = (total + 63) / 64 * 64;
  size_t header_len = padded - 10;
  memset(header + len, ' ', header_len - 1 - (size_t)len);
  header[header_len - 1] = '\n';

  /* The temporary is created exclusively and never through a link: a file or
   * symlink planted at its name is left alone and the next name tried. */
  size_t tmp_len = strlen(path) + 16;
  char *tmp = malloc(tmp_len);
  if (!tmp)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  int fd = -1;
  for (unsigned attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    snprintf(tmp, tmp_len, "%s.tmp%u", path, attempt);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  FILE *file = fd < 0 ? NULL : fdopen(fd, "wb");
  if (!file) {
    rnnrt_status_t s = rnnrt_fail(message, capacity, RNNRT_STATUS_IO_ERROR,
                                  "cannot create '%s': %s", tmp, strerror(errno));
    if (fd >= 0) {
      close(fd);
      remove(tmp);
    }
    free(tmp);
    return s;
  }
  unsigned char preamble[10] = {0x93,
                                'N',
                                'U',
                                'M',
                                'P',
                                'Y',
                                1,
                                0,
                                (unsigned char)(header_len & 0xff),
                                (unsigned char)(header_len >> 8)};
  size_t bytes = count * rnnrt_dtype_size(dtype);
  int ok = fwrite(preamble, 1, sizeof preamble, file) == sizeof preamble &&
           fwrite(header, 1, header_len, file) == header_len &&
           (bytes == 0 || fwrite(data, 1, bytes, file) == bytes);
  ok = (fclose(file) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    rnnrt_status_t s = rnnrt_fail(message, capacity, RNNRT_STATUS_IO_ERROR, "cannot write '%s': %s",
                                  path, strerror(errno));
    remove(tmp);
    free(tmp);
    return s;
  }
  free(tmp);
  return RNNRT_STATUS_OK;
}
