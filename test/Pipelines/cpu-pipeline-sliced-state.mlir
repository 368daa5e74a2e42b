// RUN: rnnc-opt %s --rnnc-cpu-pipeline | FileCheck %s

// An initial state that is a slice of a larger tensor (an ONNX LSTM's h0/c0
// are [layers, B, H]): the time loop carries a copy of it in a buffer of its
// own (a strided slice as the loop's buffer failed bufferization: "memref.alloc
// op symbol operand count does not equal memref symbol count").
// CHECK-LABEL: llvm.func @sliced_state(
// CHECK:         llvm.return
func.func @sliced_state(%x: tensor<?x?x4xf32>, %h0: tensor<2x?x6xf32>) -> tensor<?x?x6xf32> {
  %c1 = arith.constant 1 : index
  %b = tensor.dim %h0, %c1 : tensor<2x?x6xf32>
  %k = arith.constant dense<0.1> : tensor<10x6xf32>
  %bias = arith.constant dense<0.0> : tensor<6xf32>
  %cell = rnn.basic_rnn_cell %k, %bias {num_units = 6 : i64} : tensor<10x6xf32>, tensor<6xf32>
  %slice = tensor.extract_slice %h0[1, 0, 0] [1, %b, 6] [1, 1, 1] : tensor<2x?x6xf32> to tensor<?x6xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x4xf32>) initial_state(%slice : tensor<?x6xf32>) {time_major}
      -> tensor<?x?x6xf32>, tensor<?x6xf32>
  return %y : tensor<?x?x6xf32>
}
