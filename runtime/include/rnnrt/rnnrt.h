/* The rnnrt runtime: everything a program linking rnnc-compiled models needs.
 * C11, no dependencies beyond the C library. Reference: docs/runtime.md. */
#ifndef RNNRT_RNNRT_H
#define RNNRT_RNNRT_H

#include "rnnrt/cuda.h"
#include "rnnrt/model.h"
#include "rnnrt/npy.h"
#include "rnnrt/status.h"

#endif /* RNNRT_RNNRT_H */
