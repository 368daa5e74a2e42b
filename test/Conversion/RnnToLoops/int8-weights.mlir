// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="weight-precision=int8" --canonicalize --cse | FileCheck %s
// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="weight-precision=bf16 bf16-dot-products=true" --canonicalize --cse | FileCheck %s --check-prefix=PAIRS
// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="weight-precision=int8 threads=2" --canonicalize --cse | FileCheck %s --check-prefix=THREADS

// weight-precision=int8: every weight 1.00390625, so each column's scale is
// 1.00390625 / 127 and every weight 127. The input rows (3, padded to 4) and
// the recurrent ones (16) are packed four rows of a column together, the
// padding zero; each column's sum of s8 weights (3 * 127, 16 * 127) serves
// the zero point. Each step's rows are quantized per row (roundeven, u8),
// then four bytes of a row are broadcast and multiplied with 64 weight bytes
// into 16 i32 lanes (the form rnnc-x86-dot-products lowers), and the sums
// dequantized onto the f32 accumulators.
// CHECK-LABEL: func.func @rnn
// CHECK-DAG:     arith.constant dense<[127, 127, 127, 0, 127, 127, 127, 0,
// CHECK-DAG:     arith.constant dense<127> : tensor<256xi8>
// CHECK-DAG:     arith.constant dense<3.810000e+02> : tensor<16xf32>
// CHECK-DAG:     arith.constant dense<2.032000e+03> : tensor<16xf32>
// CHECK-DAG:     arith.constant dense<0.00790477357> : tensor<16xf32>
// CHECK:         math.roundeven %{{.*}} : vector<16xf32>
// CHECK:         arith.fptoui %{{.*}} : vector<16xf32> to vector<16xi8>
// CHECK:         %[[FOUR:.*]] = vector.load %{{.*}} : memref<?x16xi8>, vector<4xi8>
// CHECK:         vector.bitcast %[[FOUR]] : vector<4xi8> to vector<1xi32>
// CHECK:         %[[W:.*]] = vector.load %{{.*}} : memref<256xi8, strided<[1], offset: ?>>, vector<64xi8>
// CHECK:         arith.extsi %[[W]] : vector<64xi8> to vector<64xi32>
// CHECK:         arith.extui %{{.*}} : vector<64xi8> to vector<64xi32>
// CHECK:         vector.shape_cast %{{.*}} : vector<64xi32> to vector<16x4xi32>
// CHECK:         vector.multi_reduction <add>, %{{.*}} [1] : vector<16x4xi32> to vector<16xi32>
// CHECK:         arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>

// bf16-dot-products: the weights in bf16, two rows of a column together (the
// input rows' padding zero); each step's rows rounded to bf16, two of a row
// broadcast and multiplied with 32 weights into 16 f32 lanes.
// PAIRS-LABEL: func.func @rnn
// PAIRS-DAG:     arith.constant dense<1.000000e+00> : tensor<256xbf16>
// PAIRS:         arith.truncf %{{.*}} : vector<16xf32> to vector<16xbf16>
// PAIRS:         %[[TWO:.*]] = vector.load %{{.*}} : memref<?x16xbf16>, vector<2xbf16>
// PAIRS:         vector.bitcast %[[TWO]] : vector<2xbf16> to vector<1xi32>
// PAIRS:         vector.load %{{.*}} : memref<256xbf16, strided<[1], offset: ?>>, vector<32xbf16>
// PAIRS:         arith.extf %{{.*}} : vector<32xbf16> to vector<32xf32>
// PAIRS:         vector.multi_reduction <add>, %{{.*}} [1] : vector<16x2xf32> to vector<16xf32>
// threads=2: one parallel loop over the rows quantizes both terms' (the
// input's 3 features, the state's 16), so each step has one barrier before
// the matmul, not one per term (its one column group runs on one thread).
// THREADS-LABEL: func.func @rnn
// THREADS:         scf.parallel
// THREADS:           memref.store %{{.*}} : memref<?x2xf32>
// THREADS-NOT:       scf.reduce
// THREADS:           memref.store %{{.*}} : memref<?x2xf32>
// THREADS-NOT:       scf.reduce
// THREADS:           memref.store %{{.*}} : memref<?x2xf32>
// THREADS-NOT:       scf.reduce
// THREADS:           memref.store %{{.*}} : memref<?x2xf32>
// THREADS:           scf.reduce
// THREADS-NEXT:    }
// THREADS-NOT:     scf.parallel
// THREADS:         arith.extui
// THREADS-NOT:     scf.parallel
func.func @rnn(%x: tensor<?x?x3xf32>) -> tensor<?x?x16xf32> {
  %k = arith.constant dense<1.00390625> : tensor<19x16xf32>
  %b = arith.constant dense<0.25> : tensor<16xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 16 : i64} : tensor<19x16xf32>, tensor<16xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x16xf32>, tensor<?x16xf32>
  return %y : tensor<?x?x16xf32>
}
