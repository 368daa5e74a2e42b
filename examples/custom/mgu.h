// The minimal gated unit (MGU; Zhou et al., 2016, "Minimal Gated Unit for
// Recurrent Neural Networks"), a cell no framework ships, as an rnnc custom
// cell:
//   f  = sigmoid(x W_f + h U_f + b_f)
//   c  = tanh(x W_h + (f * h) U_h + b_h)
//   h' = (1 - f) * h + f * c            (output and state)
// weights: W_f [D, H], U_f [H, H], b_f [H], W_h [D, H], U_h [H, H], b_h [H].
#ifndef RNNC_EXAMPLES_CUSTOM_MGU_H
#define RNNC_EXAMPLES_CUSTOM_MGU_H

#include "rnnc/rnnc.h"

inline rnnc::Cell MinimalGatedUnit(rnnc::ModelBuilder &builder, int64_t inputs, int64_t units,
                                   const std::vector<rnnc::Tensor> &weights) {
  rnnc::CustomCellSpec spec;
  spec.input_features = inputs;
  spec.state_features = {units};
  spec.output_features = units;
  spec.weights = weights;
  return builder.CustomCell(spec, [](rnnc::ModelBuilder &b, rnnc::Tensor x,
                                     const std::vector<rnnc::Tensor> &states,
                                     const std::vector<rnnc::Tensor> &w) {
    // One builder call per statement: the order of the model's ops then does
    // not depend on the C++ compiler's order of evaluating arguments.
    rnnc::Tensor h = states[0];
    rnnc::Tensor hUf = b.matmul(h, w[1]);
    rnnc::Tensor xWf = b.matmul(x, w[0]);
    rnnc::Tensor f = b.sigmoid(b.add(b.add(xWf, hUf), w[2]));
    rnnc::Tensor fh = b.mul(f, h);
    rnnc::Tensor fhUh = b.matmul(fh, w[4]);
    rnnc::Tensor xWh = b.matmul(x, w[3]);
    rnnc::Tensor c = b.tanh(b.add(b.add(xWh, fhUh), w[5]));
    rnnc::Tensor one = b.constant({1.0f}, {});
    rnnc::Tensor fc = b.mul(f, c);
    rnnc::Tensor keep = b.mul(b.sub(one, f), h);
    rnnc::Tensor next = b.add(keep, fc);
    return rnnc::CellStep{next, {next}};
  });
}

#endif // RNNC_EXAMPLES_CUSTOM_MGU_H
