/* Internal: what marks functions the runtime's files share but librnnrt.so
 * does not export. */
#ifndef RNNRT_SRC_INTERNAL_H
#define RNNRT_SRC_INTERNAL_H

#define RNNRT_INTERNAL __attribute__((visibility("hidden")))

#endif /* RNNRT_SRC_INTERNAL_H */
