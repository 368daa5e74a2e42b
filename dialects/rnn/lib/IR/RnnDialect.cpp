#include "rnnc/Dialect/Rnn/IR/RnnDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "rnnc/Dialect/Rnn/IR/RnnOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::rnn;

#include "rnnc/Dialect/Rnn/IR/RnnOpsDialect.cpp.inc"
#include "rnnc/Dialect/Rnn/IR/RnnOpsEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "rnnc/Dialect/Rnn/IR/RnnOpsAttrDefs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "rnnc/Dialect/Rnn/IR/RnnOpsTypes.cpp.inc"

void RnnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "rnnc/Dialect/Rnn/IR/RnnOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "rnnc/Dialect/Rnn/IR/RnnOpsTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "rnnc/Dialect/Rnn/IR/RnnOpsAttrDefs.cpp.inc"
      >();
}
