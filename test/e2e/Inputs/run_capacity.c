/* NAME_run with output counts (nostate.h: outputs [T, B, 8] and four final
 * states, skipped): too small a
 * count fails before anything is copied, the exact one copies. */
#include <stdio.h>

#include "nostate.h"

enum { T = 3, B = 2 };

int main(void) {
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  options.batch = B;
  nostate_t *m = NULL;
  if (nostate_create(&options, &m, NULL, 0) != RNNRT_STATUS_OK)
    return 1;
  float inputs[T * B * 4], outputs[T * B * 8];
  for (int i = 0; i < T * B * 4; ++i)
    inputs[i] = 0.5f;
  for (int i = 0; i < T * B * 8; ++i)
    outputs[i] = -7.0f;
  rnnrt_status_t status =
      nostate_run(m, T, inputs, NULL, outputs, T * B * 8 - 1, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
  printf("short: %s: %s; untouched: %d\n", rnnrt_status_name(status), nostate_last_error(m),
         outputs[0] == -7.0f && outputs[T * B * 8 - 1] == -7.0f);
  status = nostate_run(m, T, inputs, NULL, outputs, T * B * 8, NULL, 0, NULL, 0, NULL, 0, NULL, 0);
  printf("exact: %s; written: %d\n", rnnrt_status_name(status), outputs[0] != -7.0f);
  nostate_destroy(m);
  return 0;
}
