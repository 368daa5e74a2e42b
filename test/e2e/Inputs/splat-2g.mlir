// An LSTM of 8192 units whose splat kernel is 2 GiB: compiling it peaks at
// about 4.3 GB resident (resource-limits.test).
func.func @huge(%x: tensor<?x?x8192xf32>) -> tensor<?x?x8192xf32> {
  %k = arith.constant dense<0.1> : tensor<16384x32768xf32>
  %b = arith.constant dense<0.0> : tensor<32768xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 8192 : i64}
      : tensor<16384x32768xf32>, tensor<32768xf32>
  %y, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x8192xf32>) {time_major}
      -> tensor<?x?x8192xf32>, tensor<?x8192xf32>, tensor<?x8192xf32>
  return %y : tensor<?x?x8192xf32>
}
