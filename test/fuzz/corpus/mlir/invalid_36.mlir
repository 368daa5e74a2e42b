
func.func @custom_cell_arguments(%w: tensor<3x4xf32>) {
  // expected-error @+1 {{the step takes the input, 1 state(s) and 1 weight(s): 3 block arguments, got 2}}
  %cell = rnn.custom_cell(%w : tensor<3x4xf32>)
      attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%x: tensor<?x3xf32>, %h: tensor<?x4xf32>):
    rnn.yield %h, %h : tensor<?x4xf32>, tensor<?x4xf32>
  }
  return
}

