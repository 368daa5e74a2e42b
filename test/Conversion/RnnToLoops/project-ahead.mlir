// RUN: rnnc-opt %s --convert-rnn-to-loops="project-inputs-above-bytes=0 vector-width=4" --canonicalize --cse --mlir-elide-elementsattrs-if-larger=4 | FileCheck %s
// RUN: rnnc-opt %s --convert-rnn-to-loops="project-inputs-above-bytes=0 vector-width=4 project-ahead=0" --canonicalize --cse --mlir-elide-elementsattrs-if-larger=4 | FileCheck %s --check-prefix=BEFORE

// project-ahead: at a batch of 1, the hoisted projection of the first block
// of 4 steps (row-block) runs before the time loop; step s projects the next
// block's 4 steps in its share s % 4 of the 3 column groups (16 columns: 4
// vectors of 4, the projection's grouping), in the same k loop as its own
// recurrent row (input depth = units = 48): 4 + 16 accumulators.

// CHECK-LABEL: func.func @rnn_batch_one
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<10x1x48xf32>
// CHECK:         %[[H:.*]] = memref.alloc() : memref<1x48xf32>
// CHECK:         %[[PRE:.*]] = memref.alloc() : memref<1x48xf32>
// CHECK:         %[[PROJ:.*]] = memref.alloc() : memref<10x1x48xf32>
// The first block: steps 0-3, one block of 4 rows per column group.
// CHECK:         scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:           scf.for %{{.*}} = %c0 to %c48 step %c1 iter_args({{([^,]*, ){15}[^,]*}}) ->
// CHECK:           vector.store %{{.*}}, %[[PROJ]][%c3, %c0, %{{.*}}]
// CHECK:         scf.for %[[S:.*]] = %c0 to %c10 step %c1
// The next block's first step, this step's share of the groups.
// CHECK:           %[[BLOCK:.*]] = arith.divui %[[S]], %c4
// CHECK:           %[[NEXTBLOCK:.*]] = arith.addi %[[BLOCK]], %c1
// CHECK:           %[[NEXT:.*]] = arith.muli %[[NEXTBLOCK]], %c4
// CHECK:           %[[SHARE:.*]] = arith.remui %[[S]], %c4
// CHECK:           %[[SCALED:.*]] = arith.muli %[[SHARE]], %c3
// CHECK:           %[[BEGIN:.*]] = arith.divui %[[SCALED]], %c4
// CHECK:           %[[SHARE1:.*]] = arith.addi %[[SHARE]], %c1
// CHECK:           %[[SCALED1:.*]] = arith.muli %[[SHARE1]], %c3
// CHECK:           %[[END:.*]] = arith.divui %[[SCALED1]], %c4
// Past the last step (9), the last one's projection again.
// CHECK:           %[[T0:.*]] = arith.minsi %[[NEXT]], %c9
// CHECK:           %[[N1:.*]] = arith.addi %[[NEXT]], %c1
// CHECK:           %[[T1:.*]] = arith.minsi %[[N1]], %c9
// CHECK:           %[[N2:.*]] = arith.addi %[[NEXT]], %c2
// CHECK:           %[[T2:.*]] = arith.minsi %[[N2]], %c9
// CHECK:           %[[N3:.*]] = arith.addi %[[NEXT]], %c3
// CHECK:           %[[T3:.*]] = arith.minsi %[[N3]], %c9
// CHECK:           scf.for %[[G:.*]] = %c0 to %c3 step %c1
// CHECK:             %[[FROM:.*]] = arith.cmpi uge, %[[G]], %[[BEGIN]]
// CHECK:             %[[BELOW:.*]] = arith.cmpi ult, %[[G]], %[[END]]
// CHECK:             %[[INSIDE:.*]] = arith.andi %[[FROM]], %[[BELOW]]
// CHECK:             scf.if %[[INSIDE]] {
// The step's row starts from its projection, the next block's rows from the bias.
// CHECK:               vector.load %[[PROJ]][%[[S]], %c0, %{{.*}}]
// CHECK:               scf.for %[[K:.*]] = %c0 to %c48 step %c1 iter_args({{([^,]*, ){19}[^,]*}}) ->
// CHECK:                 memref.load %[[H]][%c0, %[[K]]]
// CHECK:                 tensor.extract %{{.*}}[%[[T0]], %c0, %[[K]]]
// CHECK:                 tensor.extract %{{.*}}[%[[T3]], %c0, %[[K]]]
// CHECK-COUNT-16:        vector.fma
// CHECK:                 scf.yield
// CHECK:               vector.store %{{.*}}, %[[PRE]][%c0,
// CHECK:               vector.store %{{.*}}, %[[PROJ]][%[[T0]], %c0,
// CHECK:               vector.store %{{.*}}, %[[PROJ]][%[[T3]], %c0,
// CHECK:             } else {
// CHECK:               scf.for %{{.*}} = %c0 to %c48 step %c1 iter_args({{([^,]*, ){3}[^,]*}}) ->
// CHECK-NOT:             tensor.extract
// CHECK:                 scf.yield
// CHECK:               vector.store %{{.*}}, %[[PRE]][%c0,
// CHECK-NOT:           %[[PROJ]]
// CHECK:             }

// Without it, all 10 steps' projection before the time loop, the steps'
// matmuls over groups of 8 vectors.
// BEFORE-LABEL: func.func @rnn_batch_one
// BEFORE:         scf.for %{{.*}} = %c0 to %c3 step %c1
// BEFORE:           scf.for %{{.*}} = %c0 to %c8 step %c4
// BEFORE:           scf.for %{{.*}} = %c8 to %c10 step %c1
// BEFORE:         scf.for %{{.*}} = %c0 to %c10 step %c1
// BEFORE-NOT:       scf.if
// BEFORE-NOT:       tensor.extract
// BEFORE:           scf.for %{{.*}} = %c0 to %c48 step %c1 iter_args({{([^,]*, ){7}[^,]*}}) ->
func.func @rnn_batch_one(%x: tensor<10x1x48xf32>) -> tensor<10x1x48xf32> {
  %k = arith.constant dense<0.5> : tensor<96x48xf32>
  %b = arith.constant dense<0.0> : tensor<48xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 48 : i64} : tensor<96x48xf32>, tensor<48xf32>
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<10x1x48xf32>) {time_major}
      -> tensor<10x1x48xf32>, tensor<1x48xf32>
  return %out : tensor<10x1x48xf32>
}
