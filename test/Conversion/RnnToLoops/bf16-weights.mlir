// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="weight-precision=bf16" --canonicalize --cse --split-input-file | FileCheck %s
// RUN: not rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="weight-precision=f16" --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// weight-precision=bf16: the packed weights are bf16 constants, rounded to
// nearest even: 1 + 2^-8 lies halfway between bf16 1.0 (even) and
// 1.0078125, and rounds to 1.0; 1 + 3 * 2^-8 halfway between 1.0078125 (odd)
// and 1.015625, to 1.015625. Each weight vector is loaded as bf16 and widened
// to f32 before the FMAs; the bias stays f32.

// CHECK-LABEL: func.func @ties_to_even
// CHECK-DAG:     arith.constant dense<1.000000e+00> : tensor<48xbf16>
// CHECK-DAG:     arith.constant dense<1.000000e+00> : tensor<256xbf16>
// CHECK-DAG:     arith.constant dense<2.500000e-01> : tensor<16xf32>
// CHECK:         %[[W:.*]] = vector.load %{{.*}} : memref<256xbf16, strided<[1], offset: ?>>, vector<16xbf16>
// CHECK:         %[[WIDE:.*]] = arith.extf %[[W]] : vector<16xbf16> to vector<16xf32>
// CHECK:         vector.fma %{{.*}}, %[[WIDE]], %{{.*}} : vector<16xf32>
func.func @ties_to_even(%x: tensor<?x?x3xf32>) -> tensor<?x?x16xf32> {
  %k = arith.constant dense<1.00390625> : tensor<19x16xf32>
  %b = arith.constant dense<0.25> : tensor<16xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 16 : i64} : tensor<19x16xf32>, tensor<16xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x16xf32>, tensor<?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// CHECK-LABEL: func.func @ties_up_to_even
// CHECK-DAG:     arith.constant dense<1.015630e+00> : tensor<48xbf16>
// CHECK-DAG:     arith.constant dense<1.015630e+00> : tensor<256xbf16>
func.func @ties_up_to_even(%x: tensor<?x?x3xf32>) -> tensor<?x?x16xf32> {
  %k = arith.constant dense<1.01171875> : tensor<19x16xf32>
  %b = arith.constant dense<0.25> : tensor<16xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 16 : i64} : tensor<19x16xf32>, tensor<16xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x16xf32>, tensor<?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// BAD: error: weight-precision must be f32, bf16 or int8, not 'f16'
