/* The hoisted input projection as a Halide AOT pipeline (librnnrt_halide).
 *
 * Kernels compiled with `rnnc compile --projection halide` call this instead
 * of their own matmul; link rnnrt_halide (rnnc_add_model(... PROJECTION halide)
 * does). Stateless: safe to call from several threads at once. */
#ifndef RNNRT_HALIDE_H
#define RNNRT_HALIDE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* projected[t][b][c] = bias[c] + sum_k inputs[t * time_stride + b * batch_stride + k] *
 *                                      kernel[k * kernel_stride + c]
 * for t < steps, b < batch, c < columns, k < depth; `projected` is dense
 * [steps, batch, columns]. Strides count floats. */
void rnnrt_halide_project_inputs(const float *inputs, int64_t steps, int64_t batch, int64_t depth,
                                 int64_t time_stride, int64_t batch_stride, const float *kernel,
                                 int64_t kernel_stride, int64_t columns, const float *bias,
                                 float *projected);

#ifdef __cplusplus
}
#endif

#endif /* RNNRT_HALIDE_H */
