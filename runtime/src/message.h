/* Internal: formatting failure messages into caller buffers. */
#ifndef RNNRT_SRC_MESSAGE_H
#define RNNRT_SRC_MESSAGE_H

#include "rnnrt/status.h"

#include "internal.h"

/* Writes the printf-style message into `message` (when not NULL) and returns
 * `status`. */
RNNRT_INTERNAL rnnrt_status_t rnnrt_fail(char *message, size_t capacity, rnnrt_status_t status,
                                         const char *format, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* RNNRT_SRC_MESSAGE_H */
