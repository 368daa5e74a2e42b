// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="project-inputs-above-bytes=0 halide-projection=1" --canonicalize --cse | FileCheck %s
// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="project-inputs-above-bytes=0 halide-projection=1 threads=2" --canonicalize --cse | FileCheck %s --check-prefix=THREADS
// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="project-inputs-above-bytes=0" --canonicalize --cse | FileCheck %s --check-prefix=LOOPS

// halide-projection: the hoisted input projection of a GRU (gates and
// candidate joined: 12 columns) is one call of the Halide pipeline, given the
// sequence's address and strides, the joined kernel in its given (unpacked)
// layout, the joined bias and the projection buffer, all as indices. The
// buffer follows the input's layout, batch-major here: [B, T, 12], the
// pipeline's "steps" are the rows of dimension 0.

func.func @gru(%x: tensor<?x?x3xf32>) -> tensor<?x?x4xf32> {
  %k = arith.constant dense<0.1> : tensor<7x8xf32>
  %b = arith.constant dense<0.0> : tensor<8xf32>
  %ck = arith.constant dense<0.2> : tensor<7x4xf32>
  %cb = arith.constant dense<0.0> : tensor<4xf32>
  %cell = rnn.gru_cell %k, %b, %ck, %cb {num_units = 4 : i64}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<7x4xf32>, tensor<4xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// CHECK:       func.func private @rnnrt_halide_project_inputs(index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @gru
// CHECK-DAG:     %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG:     %[[T:.*]] = tensor.dim %arg0, %c1
// CHECK:         %[[PROJ:.*]] = memref.alloc(%[[B]], %[[T]]) : memref<?x?x12xf32>
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[XS:.*]]:3 = memref.extract_strided_metadata
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:2, %[[KS:.*]]:2 = memref.extract_strided_metadata %{{.*}} : memref<3x12xf32
// CHECK:         call @rnnrt_halide_project_inputs(%{{.*}}, %[[B]], %[[T]], %c3, %[[XS]]#0, %[[XS]]#1, %{{.*}}, %[[KS]]#0, %c12, %{{.*}}, %{{.*}})
// CHECK-NOT:     call @rnnrt_halide_project_inputs
// CHECK:         scf.for

// Two threads: each projects its half of the rows, [i*B/2, (i+1)*B/2).
// THREADS-LABEL: func.func @gru
// THREADS:         scf.parallel (%[[I:.*]]) = (%c0) to (%c2) step (%c1) {
// THREADS:           %[[A:.*]] = arith.muli %[[I]], %[[B:.*]] : index
// THREADS:           %[[FIRST:.*]] = arith.divui %[[A]], %c2 : index
// THREADS:           %[[NEXT:.*]] = arith.addi %[[I]], %c1 : index
// THREADS:           %[[C:.*]] = arith.muli %[[NEXT]], %[[B]] : index
// THREADS:           %[[LAST:.*]] = arith.divui %[[C]], %c2 : index
// THREADS:           %[[COUNT:.*]] = arith.subi %[[LAST]], %[[FIRST]] : index
// THREADS:           call @rnnrt_halide_project_inputs(%{{.*}}, %[[COUNT]], %{{.*}}, %c3,

// LOOPS-NOT: rnnrt_halide_project_inputs
