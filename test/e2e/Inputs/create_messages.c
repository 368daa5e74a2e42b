/* NAME_create of a model compiled without state (nostate.h): the messages of
 * its failures, then a plain instance. */
#include <stdio.h>

#include "nostate.h"

int main(void) {
  rnnrt_instance_options_t options;
  rnnrt_instance_options_initialize(&options);
  nostate_t *m = NULL;
  char message[256] = "";
  rnnrt_status_t status = nostate_create(&options, &m, message, sizeof message);
  printf("no batch: %s: %s\n", rnnrt_status_name(status), message);
  options.batch = 2;
  options.keep_state = 1;
  status = nostate_create(&options, &m, message, sizeof message);
  printf("keep_state: %s: %s\n", rnnrt_status_name(status), message);
  options.keep_state = 0;
  status = nostate_create(&options, &m, NULL, 0);
  printf("plain: %s\n", rnnrt_status_name(status));
  nostate_destroy(m);
  return 0;
}
