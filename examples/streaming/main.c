/* Streaming with the AOT LSTM: a long sequence fed in chunks, with the state
 * kept by the instance between calls, gives the one-shot result; resetting
 * one row's state restarts that row alone.
 *
 *   streaming        exits 0 and prints "streaming: ok" when both hold. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lstm_example.h"

enum { T = 40, B = 3, I = 4, H = 8, CHUNK = 7 };

static float inputs[T][B][I];
static float one_shot[T][B][H];
static float chunked[T][B][H];

static lstm_example_t *create(int keep_state) {
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = B;
  options.keep_state = keep_state;
  lstm_example_t *model = NULL;
  char message[256];
  if (lstm_example_create(&options, &model, message, sizeof message) != RNNRT_STATUS_OK) {
    fprintf(stderr, "streaming: cannot create an instance: %s\n", message);
    exit(1);
  }
  return model;
}

static void run(lstm_example_t *model, int64_t steps, const float *x, float *y) {
  if (lstm_example_run(model, steps, x, NULL, NULL, NULL, NULL, NULL, y, (size_t)(steps * B * H),
                       NULL, 0, NULL, 0, NULL, 0, NULL, 0) != RNNRT_STATUS_OK) {
    fprintf(stderr, "streaming: %s\n", lstm_example_last_error(model));
    exit(1);
  }
}

static float max_difference(const float *a, const float *b, size_t n) {
  float worst = 0;
  for (size_t i = 0; i < n; ++i)
    worst = fmaxf(worst, fabsf(a[i] - b[i]));
  return worst;
}

int main(void) {
  unsigned seed = 12345;
  for (int t = 0; t < T; ++t)
    for (int b = 0; b < B; ++b)
      for (int i = 0; i < I; ++i) {
        seed = seed * 1103515245u + 12345u;
        inputs[t][b][i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
      }

  lstm_example_t *whole = create(0);
  run(whole, T, &inputs[0][0][0], &one_shot[0][0][0]);

  lstm_example_t *stream = create(1);
  for (int t = 0; t < T; t += CHUNK) {
    int steps = T - t < CHUNK ? T - t : CHUNK;
    run(stream, steps, &inputs[t][0][0], &chunked[t][0][0]);
  }
  float chunk_error = max_difference(&one_shot[0][0][0], &chunked[0][0][0], sizeof one_shot / 4);
  printf("streaming: %d steps in chunks of %d, max |chunked - one-shot| = %g\n", T, CHUNK,
         chunk_error);

  /* Reset row 1 and feed the first 10 steps again: row 1 must equal a fresh
   * run of those steps, rows 0 and 2 continue from their state. */
  uint8_t rows[B] = {0, 1, 0};
  float continued[10][B][H];
  lstm_example_reset_state(stream, rows, B);
  run(stream, 10, &inputs[0][0][0], &continued[0][0][0]);
  float reset_error = 0, kept_difference = 0;
  for (int t = 0; t < 10; ++t)
    for (int h = 0; h < H; ++h) {
      reset_error = fmaxf(reset_error, fabsf(continued[t][1][h] - one_shot[t][1][h]));
      kept_difference = fmaxf(kept_difference, fabsf(continued[t][0][h] - one_shot[t][0][h]));
    }
  printf("streaming: after resetting row 1, max |row 1 - fresh| = %g, row 0 differs from a "
         "fresh start by %g\n",
         reset_error, kept_difference);

  lstm_example_destroy(whole);
  lstm_example_destroy(stream);
  if (chunk_error > 1e-5f || reset_error > 1e-5f || kept_difference < 1e-4f) {
    printf("streaming: FAILED\n");
    return 1;
  }
  printf("streaming: ok\n");
  return 0;
}
