// An LSTM whose input weights (1100 x 256 floats, 1.1 MiB) are above the
// default 1 MiB at which rnnc hoists the input projection out of the time loop.
func.func @wide(%inputs: tensor<?x?x1100xf32>) -> tensor<?x?x64xf32> {
  %kernel = arith.constant dense<0.001> : tensor<1164x256xf32>
  %bias = arith.constant dense<0.1> : tensor<256xf32>
  %cell = rnn.lstm_cell %kernel, %bias {num_units = 64 : i64}
      : tensor<1164x256xf32>, tensor<256xf32>
  %outputs, %c, %h = rnn.dynamic_rnn %cell(%inputs : tensor<?x?x1100xf32>) {time_major}
      -> tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>
  return %outputs : tensor<?x?x64xf32>
}
