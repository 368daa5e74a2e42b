/* Runs the wide-input LSTM (wide-input-lstm.mlir) on inputs of ones, whose
 * units all follow one scalar recurrence, and checks every output against it. */
#include <math.h>
#include <stdio.h>

#include "wide.h"

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

int main(void) {
  enum { T = 5, B = 2, I = 1100, H = 64 };
  static float inputs[T * B * I];
  for (int i = 0; i < T * B * I; ++i)
    inputs[i] = 1.0f;
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = B;
  rnnrt_instance_t *instance = NULL;
  char message[256];
  rnnrt_tensor_t x = {inputs, RNNRT_DTYPE_F32, 3, {T, B, I}};
  rnnrt_tensor_t y;
  if (rnnrt_instance_create(wide_model(), &options, &instance, message, sizeof message) ||
      rnnrt_instance_run(instance, &x, 1) || rnnrt_instance_output(instance, 0, &y)) {
    fprintf(stderr, "run_wide: %s%s\n", instance ? "" : message,
            instance ? rnnrt_instance_last_error(instance) : "");
    return 1;
  }
  const float *out = y.data;
  float c = 0.0f, h = 0.0f, worst = 0.0f;
  for (int t = 0; t < T; ++t) {
    /* Every gate: bias 0.1 + I ones and H equal states times 0.001. */
    float z = 0.1f + 0.001f * (I + H * h);
    c = sigmoid(z + 1.0f) * c + sigmoid(z) * tanhf(z);
    h = sigmoid(z) * tanhf(c);
    for (int i = 0; i < B * H; ++i)
      worst = fmaxf(worst, fabsf(out[t * B * H + i] - h));
  }
  rnnrt_instance_destroy(instance);
  printf("max difference %g\n", worst);
  return worst < 1e-5f ? 0 : 1;
}
