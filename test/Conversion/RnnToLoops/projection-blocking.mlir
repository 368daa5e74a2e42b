// RUN: rnnc-opt %s --convert-rnn-to-loops="project-inputs-above-bytes=0" --canonicalize --cse --mlir-elide-elementsattrs-if-larger=4 | FileCheck %s

// A batch of 1 runs each step's matmuls one row at a time with all 8
// accumulators on the columns (128 gate columns in one group). The hoisted
// projection has T * B rows: it is blocked as a large batch is, 4 rows
// sharing each load of 4 column blocks, so its input rows of each kernel are
// packed apart, in 64-column groups, and the steps read only the recurrent rows.

// CHECK-LABEL: func.func @gru_batch_one
// Gates: 32 input rows x 128 columns, then 64 recurrent rows x 128.
// CHECK:         %[[GATES_IN:.*]] = bufferization.to_memref %{{.*}} : memref<4096xf32
// CHECK:         %[[GATES_REC:.*]] = bufferization.to_memref %{{.*}} : memref<8192xf32
// Candidate: 32 input rows x 64 columns, then 64 recurrent rows x 64.
// CHECK:         %[[CAND_IN:.*]] = bufferization.to_memref %{{.*}} : memref<2048xf32
// CHECK:         %[[CAND_REC:.*]] = bufferization.to_memref %{{.*}} : memref<4096xf32
// The gates' projection: two 64-column groups, blocks of 4 of the 10 rows.
// CHECK:         scf.for %[[G:.*]] = %c0 to %c2 step %c1
// CHECK:           scf.for %{{.*}} = %c0 to %c8 step %c4
// CHECK:             scf.for %[[K:.*]] = %c0 to %c32 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:               %[[GROUP:.*]] = arith.muli %[[G]], %c2048
// CHECK:               %[[ROW:.*]] = arith.muli %[[K]], %c64
// CHECK:               %[[AT:.*]] = arith.addi %[[GROUP]], %[[ROW]]
// CHECK:               vector.load %[[GATES_IN]][%[[AT]]]
// The two rows left over, one at a time.
// CHECK:           scf.for %{{.*}} = %c8 to %c10 step %c1
// The candidate's projection: one 64-column group.
// CHECK:         scf.for %{{.*}} = %c0 to %c8 step %c4
// CHECK:           scf.for %{{.*}} = %c0 to %c32 step %c1
// CHECK:             vector.load %[[CAND_IN]]
// Each step: the gate matmul over the 64 recurrent rows, 8 accumulators.
// CHECK:         scf.for %{{.*}} = %c0 to %c10 step %c1
// CHECK:           scf.for %[[KR:.*]] = %c0 to %c64 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             %[[RROW:.*]] = arith.muli %[[KR]], %c128
// CHECK:             vector.load %[[GATES_REC]][%[[RROW]]]
// CHECK:           vector.load %[[CAND_REC]]
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
