#ifndef RNNC_DIALECT_RNN_IR_RNNATTRS_TD
#define RNNC_DIALECT_RNN_IR_RNNATTRS_TD

include "rnnc/Dialect/Rnn/IR/RnnBase.td"

def Rnn_Activation : I32EnumAttr<"Activation", "elementwise activation function", [
    I32EnumAttrCase<"tanh", 0>,
    I32EnumAttrCase<"sigmoid", 1>,
    I32EnumAttrCase<"relu", 2>,
    I32EnumAttrCase<"relu6", 3>,
    I32EnumAttrCase<"elu", 4>,
    I32EnumAttrCase<"softsign", 5>,
    I32EnumAttrCase<"softplus", 6>,
    I32EnumAttrCase<"linear", 7>
  ]> {
  let cppNamespace = "::mlir::rnn";
  let genSpecializedAttr = 0;
}

def Rnn_ActivationAttr : EnumAttr<Rnn_Dialect, Rnn_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // RNNC_DIALECT_RNN_IR_RNNATTRS_TD
