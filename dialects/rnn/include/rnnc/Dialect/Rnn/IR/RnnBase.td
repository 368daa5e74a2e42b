#ifndef RNNC_DIALECT_RNN_IR_RNNBASE_TD
#define RNNC_DIALECT_RNN_IR_RNNBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Rnn_Dialect : Dialect {
  let name = "rnn";
  let cppNamespace = "::mlir::rnn";
  let summary = "Recurrent neural networks with the semantics of tf.nn.dynamic_rnn";
  let description = [{
    The `rnn` dialect describes recurrent networks the way TensorFlow's
    `tf.nn.dynamic_rnn` does: cell values (`rnn.lstm_cell`, `rnn.gru_cell`,
    `rnn.basic_rnn_cell`, stacked by `rnn.multi_rnn_cell`) are applied over a
    sequence by `rnn.dynamic_rnn`. Weights are ordinary tensor operands (function
    arguments or dense constants) in TensorFlow's layout; see docs/dialect.md.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
}

class Rnn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Rnn_Dialect, mnemonic, traits>;

#endif // RNNC_DIALECT_RNN_IR_RNNBASE_TD
