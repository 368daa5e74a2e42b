// An LSTM of 256 units over 256 inputs: the recurrent matmul sums over
// k = 256 (auto lanes: 8).
func.func @lstm256(%inputs: tensor<?x?x256xf32>) -> tensor<?x?x256xf32> {
  %kernel = arith.constant dense<0.01> : tensor<512x1024xf32>
  %bias = arith.constant dense<0.1> : tensor<1024xf32>
  %cell = rnn.lstm_cell %kernel, %bias {num_units = 256 : i64}
      : tensor<512x1024xf32>, tensor<1024xf32>
  %outputs, %c, %h = rnn.dynamic_rnn %cell(%inputs : tensor<?x?x256xf32>) {time_major}
      -> tensor<?x?x256xf32>, tensor<?x256xf32>, tensor<?x256xf32>
  return %outputs : tensor<?x?x256xf32>
}
