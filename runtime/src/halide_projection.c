/* Adapts plain pointers and strides to the Halide pipeline's buffer descriptors. */
#include "rnnrt/halide.h"

#include <HalideRuntime.h>
#include <stdint.h>

#include "rnnrt_input_projection.h"

static halide_buffer_t float_buffer(const float *host, halide_dimension_t *dims, int dimensions) {
  halide_buffer_t buffer = {0};
  buffer.host = (uint8_t *)(uintptr_t)host; /* Halide never writes inputs */
  buffer.type.code = halide_type_float;
  buffer.type.bits = 32;
  buffer.type.lanes = 1;
  buffer.dimensions = dimensions;
  buffer.dim = dims;
  return buffer;
}

static void set_dim(halide_dimension_t *dim, int64_t extent, int64_t stride) {
  dim->min = 0;
  dim->extent = (int32_t)extent;
  dim->stride = (int32_t)stride;
  dim->flags = 0;
}

/* One Halide call over `slabs` slabs of `rows` rows each. The buffers meet
 * the pipeline's constraints (unit inner strides) by construction; its one
 * failure mode is a failed malloc of a kernel panel (depth x 32 floats), which
 * Halide's runtime reports on stderr, like the kernels' own unchecked
 * temporaries (docs/performance.md, "Halide"). */
static void project(const float *inputs, int64_t slabs, int64_t slab_stride, int64_t rows,
                    int64_t row_stride, int64_t depth, const float *kernel, int64_t kernel_stride,
                    int64_t columns, const float *bias, float *projected) {
  halide_dimension_t input_dims[3], kernel_dims[2], bias_dims[1], projected_dims[3];
  set_dim(&input_dims[0], depth, 1);
  set_dim(&input_dims[1], rows, row_stride);
  set_dim(&input_dims[2], slabs, slab_stride);
  set_dim(&kernel_dims[0], columns, 1);
  set_dim(&kernel_dims[1], depth, kernel_stride);
  set_dim(&bias_dims[0], columns, 1);
  set_dim(&projected_dims[0], columns, 1);
  set_dim(&projected_dims[1], rows, columns);
  set_dim(&projected_dims[2], slabs, rows * columns);
  halide_buffer_t input_buffer = float_buffer(inputs, input_dims, 3);
  halide_buffer_t kernel_buffer = float_buffer(kernel, kernel_dims, 2);
  halide_buffer_t bias_buffer = float_buffer(bias, bias_dims, 1);
  halide_buffer_t projected_buffer = float_buffer(projected, projected_dims, 3);
  rnnrt_input_projection(&input_buffer, &kernel_buffer, &bias_buffer, &projected_buffer);
}

void rnnrt_halide_project_inputs(const float *inputs, int64_t steps, int64_t batch, int64_t depth,
                                 int64_t time_stride, int64_t batch_stride, const float *kernel,
                                 int64_t kernel_stride, int64_t columns, const float *bias,
                                 float *projected) {
  /* Halide's extents and strides are 32-bit; a time step larger than that is
   * projected one step per call. Uniformly strided rows (one batch row, or
   * time-major dense rows) are one slab so that register tiles span steps. */
  if (time_stride > INT32_MAX || batch * columns > INT32_MAX) {
    for (int64_t t = 0; t < steps; ++t)
      project(inputs + t * time_stride, 1, 0, batch, batch_stride, depth, kernel, kernel_stride,
              columns, bias, projected + t * batch * columns);
  } else if (batch == 1 || time_stride == batch * batch_stride) {
    project(inputs, 1, 0, steps * batch, batch == 1 ? time_stride : batch_stride, depth, kernel,
            kernel_stride, columns, bias, projected);
  } else {
    project(inputs, steps, time_stride, batch, batch_stride, depth, kernel, kernel_stride, columns,
            bias, projected);
  }
}
