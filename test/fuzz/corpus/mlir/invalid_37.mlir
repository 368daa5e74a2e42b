
func.func @custom_cell_input_type() {
  // expected-error @+1 {{the step input must be tensor<?x3xf32>, got 'tensor<?x5xf32>'}}
  %cell = rnn.custom_cell attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%x: tensor<?x5xf32>, %h: tensor<?x4xf32>):
    rnn.yield %h, %h : tensor<?x4xf32>, tensor<?x4xf32>
  }
  return
}

