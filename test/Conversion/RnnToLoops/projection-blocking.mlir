// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="project-inputs-above-bytes=0" --canonicalize --cse --mlir-elide-elementsattrs-if-larger=4 | FileCheck %s

// A batch of 1 runs each step's matmuls one row at a time with all 8
// accumulators on the columns (128 gate columns in one group). The hoisted
// projection has T * B rows: it is blocked as a large batch is, 4 rows
// sharing each load of 4 column blocks, so its kernel (the gates' and the
// candidate's input rows joined: 32 x 192) is packed apart, in 64-column
// groups, and the steps read only the recurrent rows.

// CHECK-LABEL: func.func @gru_batch_one
// Recurrent rows: candidate 64 x 64, gates 64 x 128; the joined input rows.
// CHECK-DAG:     %[[CAND_REC:.*]] = arith.constant dense<2.500000e-01> : tensor<4096xf32>
// CHECK-DAG:     %[[GATES_REC:.*]] = arith.constant dense<5.000000e-01> : tensor<8192xf32>
// CHECK-DAG:     %[[IN:.*]] = arith.constant dense_resource<__elided__> : tensor<6144xf32>
// CHECK:         %[[PROJ:.*]] = memref.alloc() : memref<10x1x192xf32>
// CHECK:         %[[IN_BUF:.*]] = bufferization.to_memref %[[IN]] read_only
// The projection: three 64-column groups, blocks of 4 of the 10 rows.
// CHECK:         scf.for %[[G:.*]] = %c0 to %c3 step %c1
// CHECK:           scf.for %{{.*}} = %c0 to %c8 step %c4
// CHECK:             scf.for %[[K:.*]] = %c0 to %c32 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:               %[[GROUP:.*]] = arith.muli %[[G]], %c2048
// CHECK:               %[[ROW:.*]] = arith.muli %[[K]], %c64
// CHECK:               %[[AT:.*]] = arith.addi %[[GROUP]], %[[ROW]]
// CHECK:               vector.load %[[IN_BUF]][%[[AT]]]
// CHECK:             vector.store %{{.*}}, %[[PROJ]]
// The two rows left over, one at a time.
// CHECK:           scf.for %{{.*}} = %c8 to %c10 step %c1
// Each step: the gate matmul over the 64 recurrent rows, 8 accumulators,
// then the candidate's, 4.
// CHECK:         %[[GATES_BUF:.*]] = bufferization.to_memref %[[GATES_REC]]
// CHECK:         %[[CAND_BUF:.*]] = bufferization.to_memref %[[CAND_REC]]
// CHECK:         scf.for %{{.*}} = %c0 to %c10 step %c1
// CHECK:           scf.for %[[KR:.*]] = %c0 to %c64 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             %[[RROW:.*]] = arith.muli %[[KR]], %c128
// CHECK:             vector.load %[[GATES_BUF]][%[[RROW]]]
// CHECK:           scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             vector.load %[[CAND_BUF]]
func.func @gru_batch_one(%x: tensor<10x1x32xf32>) -> tensor<10x1x64xf32> {
  %gk = arith.constant dense<0.5> : tensor<96x128xf32>
  %gb = arith.constant dense<0.0> : tensor<128xf32>
  %ck = arith.constant dense<0.25> : tensor<96x64xf32>
  %cb = arith.constant dense<0.0> : tensor<64xf32>
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 64 : i64}
      : tensor<96x128xf32>, tensor<128xf32>, tensor<96x64xf32>, tensor<64xf32>
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<10x1x32xf32>) {time_major}
      -> tensor<10x1x64xf32>, tensor<1x64xf32>
  return %out : tensor<10x1x64xf32>
}
