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
    I32EnumAttrCase<"linear", 7>,
    I32EnumAttrCase<"hard_sigmoid", 8>,
    I32EnumAttrCase<"leaky_relu", 9>,
    I32EnumAttrCase<"thresholded_relu", 10>,
    I32EnumAttrCase<"scaled_tanh", 11>,
    I32EnumAttrCase<"affine", 12>
  ]> {
  let cppNamespace = "::mlir::rnn";
  let genSpecializedAttr = 0;
}

def Rnn_ActivationAttr : AttrDef<Rnn_Dialect, "Activation"> {
  let mnemonic = "activation";
  let summary = "An elementwise function with its parameters";
  let description = [{
    `#rnn.activation<KIND>` or `#rnn.activation<KIND, alpha = A, beta = B>`.
    The parameterized kinds, with their defaults (ONNX's):
    `elu` α·(eˣ−1) for x ≤ 0 (α = 1); `hard_sigmoid` clamp(αx+β, 0, 1)
    (α = 0.2, β = 0.5: Keras 2; Keras 3 uses α = 1/6); `leaky_relu` αx for x < 0
    (α = 0.01); `thresholded_relu` x for x > α else 0 (α = 1); `scaled_tanh`
    α·tanh(βx) (α = β = 1); `affine` αx+β (α = 1, β = 0). The others ignore
    α and β.
  }];
  let parameters = (ins "::mlir::rnn::Activation":$kind,
                        APFloatParameter<"alpha">:$alpha,
                        APFloatParameter<"beta">:$beta);
  let builders = [
    AttrBuilder<(ins "::mlir::rnn::Activation":$kind), [{
      auto [alpha, beta] = defaultParameters(kind);
      return $_get($_ctxt, kind, ::llvm::APFloat(alpha), ::llvm::APFloat(beta));
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let extraClassDeclaration = [{
    /// ONNX's default (alpha, beta) for `kind`.
    static std::pair<float, float> defaultParameters(::mlir::rnn::Activation kind);
    float getAlphaValue() const { return getAlpha().convertToFloat(); }
    float getBetaValue() const { return getBeta().convertToFloat(); }
  }];
}

#endif // RNNC_DIALECT_RNN_IR_RNNATTRS_TD
