
func.func @custom_cell_yield_type() {
  // expected-error @+1 {{yielded state 0 must be tensor<?x4xf32>, got 'tensor<?x3xf32>'}}
  %cell = rnn.custom_cell attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%x: tensor<?x3xf32>, %h: tensor<?x4xf32>):
    rnn.yield %h, %x : tensor<?x4xf32>, tensor<?x3xf32>
  }
  return
}

