#ifndef RNNC_DIALECT_RNN_IR_RNNTYPES_TD
#define RNNC_DIALECT_RNN_IR_RNNTYPES_TD

include "rnnc/Dialect/Rnn/IR/RnnBase.td"

def Rnn_CellType : TypeDef<Rnn_Dialect, "Cell"> {
  let mnemonic = "cell";
  let summary = "A recurrent cell: its equations, options and weights";
  let description = [{
    A value of type `!rnn.cell` stands for a configured cell object (TensorFlow's
    `RNNCell`). It is produced by a cell op and consumed by `rnn.multi_rnn_cell`
    or `rnn.dynamic_rnn`; it never exists at run time.
  }];
}

#endif // RNNC_DIALECT_RNN_IR_RNNTYPES_TD
