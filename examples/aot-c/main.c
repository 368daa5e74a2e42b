/* A C program linking the bundled LSTM compiled ahead of time.
 *
 *   aot_lstm EXAMPLE_DIR OUTPUT_DIR
 *
 * reads EXAMPLE_DIR/inputs.npy [T, B, 4] and sequence_length.npy [B], runs
 * the model through its generated header, and writes outputs.npy and
 * final_state/<layer>/<c|h>.npy to OUTPUT_DIR (which must exist, with a
 * final_state/0 and final_state/1 directory). */
#include <stdio.h>
#include <stdlib.h>

#include "lstm_example.h"
#include "rnnrt/npy.h"

static int load(const char *dir, const char *name, rnnrt_npy_array_t *array) {
  char path[1024], message[256];
  rnnrt_allocator_t allocator = rnnrt_allocator_system();
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (rnnrt_npy_load(path, &allocator, array, message, sizeof message) != RNNRT_STATUS_OK) {
    fprintf(stderr, "aot_lstm: %s: %s\n", path, message);
    return 0;
  }
  return 1;
}

static int save(const char *dir, const char *name, int32_t rank, const int64_t *shape,
                const float *data) {
  char path[1024], message[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (rnnrt_npy_save(path, RNNRT_DTYPE_F32, rank, shape, data, message, sizeof message) !=
      RNNRT_STATUS_OK) {
    fprintf(stderr, "aot_lstm: %s\n", message);
    return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s EXAMPLE_DIR OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  rnnrt_allocator_t allocator = rnnrt_allocator_system();
  rnnrt_npy_array_t inputs, lengths;
  if (!load(argv[1], "inputs.npy", &inputs) || !load(argv[1], "sequence_length.npy", &lengths))
    return 1;
  int64_t T = inputs.shape[0], B = inputs.shape[1], H = 8;

  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = B;
  lstm_example_t *model = NULL;
  char message[256];
  rnnrt_status_t status = lstm_example_create(&options, &model, message, sizeof message);
  if (status != RNNRT_STATUS_OK) {
    fprintf(stderr, "aot_lstm: cannot create an instance: %s\n", message);
    return 1;
  }
  float *outputs = malloc(sizeof(float) * T * B * H);
  float *states = malloc(sizeof(float) * 4 * B * H);
  /* State inputs NULL: the instance's (zero) state. */
  size_t state_count = (size_t)(B * H);
  status = lstm_example_run(model, T, inputs.data, lengths.data, NULL, NULL, NULL, NULL, outputs,
                            (size_t)(T * B * H), states, state_count, states + B * H, state_count,
                            states + 2 * B * H, state_count, states + 3 * B * H, state_count);
  if (status != RNNRT_STATUS_OK) {
    fprintf(stderr, "aot_lstm: %s\n", lstm_example_last_error(model));
    return 1;
  }
  int64_t output_shape[3] = {T, B, H}, state_shape[2] = {B, H};
  const char *state_names[4] = {"final_state/0/c.npy", "final_state/0/h.npy", "final_state/1/c.npy",
                                "final_state/1/h.npy"};
  int ok = save(argv[2], "outputs.npy", 3, output_shape, outputs);
  for (int i = 0; i < 4 && ok; ++i)
    ok = save(argv[2], state_names[i], 2, state_shape, states + i * B * H);
  printf("aot_lstm: T=%lld B=%lld outputs[0,0,0:3] = %.6f %.6f %.6f\n", (long long)T, (long long)B,
         outputs[0], outputs[1], outputs[2]);
  lstm_example_destroy(model);
  free(outputs);
  free(states);
  rnnrt_npy_release(&inputs, &allocator);
  rnnrt_npy_release(&lengths, &allocator);
  return ok ? 0 : 1;
}
