/* Links the LSTM that rnnc_add_model compiled at build time and runs it once
 * on a constant input; prints the first output values. */
#include <stdio.h>

#include "lstm_example.h"

int main(void) {
  enum { T = 4, B = 2 };
  float inputs[T * B * 4], outputs[T * B * 8];
  for (int i = 0; i < T * B * 4; ++i)
    inputs[i] = 0.25f;
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = B;
  lstm_example_t *model = NULL;
  char message[256];
  if (lstm_example_create(&options, &model, message, sizeof message) != RNNRT_STATUS_OK) {
    fprintf(stderr, "consumer: %s\n", message);
    return 1;
  }
  if (lstm_example_run(model, T, inputs, NULL, NULL, NULL, NULL, NULL, outputs, T * B * 8, NULL, 0,
                       NULL, 0, NULL, 0, NULL, 0) != RNNRT_STATUS_OK) {
    fprintf(stderr, "consumer: %s\n", lstm_example_last_error(model));
    return 1;
  }
  printf("consumer: %s on %s, outputs[0:3] = %.6f %.6f %.6f\n", lstm_example_model()->name,
         lstm_example_model()->target, outputs[0], outputs[1], outputs[2]);
  lstm_example_destroy(model);
  return 0;
}
