
func.func @custom_cell_yield() {
  %cell = rnn.custom_cell attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%x: tensor<?x3xf32>, %h: tensor<?x4xf32>):
    // expected-error @+1 {{must yield the output and 1 state(s), got 1 values}}
    rnn.yield %h : tensor<?x4xf32>
  }
  return
}

