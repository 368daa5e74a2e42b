#ifndef RNNC_DIALECT_RNN_IR_RNNDIALECT_H
#define RNNC_DIALECT_RNN_IR_RNNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "rnnc/Dialect/Rnn/IR/RnnOpsDialect.h.inc"

#endif // RNNC_DIALECT_RNN_IR_RNNDIALECT_H
