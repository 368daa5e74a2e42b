// An LSTM of 65536 units as a few lines of text: its splat kernel would take
// 64 GiB once compiled. rnnc refuses it under the default --memory-limit.
func.func @huge(%x: tensor<?x?x3xf32>) -> tensor<?x?x65536xf32> {
  %k = arith.constant dense<0.1> : tensor<65539x262144xf32>
  %b = arith.constant dense<0.0> : tensor<262144xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 65536 : i64}
      : tensor<65539x262144xf32>, tensor<262144xf32>
  %y, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) {time_major}
      -> tensor<?x?x65536xf32>, tensor<?x65536xf32>, tensor<?x65536xf32>
  return %y : tensor<?x?x65536xf32>
}
