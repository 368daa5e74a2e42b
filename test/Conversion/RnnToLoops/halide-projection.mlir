// RUN: rnnc-opt %s --convert-rnn-to-loops="project-inputs-above-bytes=0 halide-projection=1" --canonicalize --cse | FileCheck %s
// RUN: rnnc-opt %s --convert-rnn-to-loops="project-inputs-above-bytes=0 halide-projection=1 threads=2" --canonicalize --cse | FileCheck %s --check-prefix=THREADS
// RUN: rnnc-opt %s --convert-rnn-to-loops="project-inputs-above-bytes=0" --canonicalize --cse | FileCheck %s --check-prefix=LOOPS

// halide-projection: the hoisted input projection of a GRU (gates, then the
// candidate) is two calls of the Halide pipeline, each given the sequence's
// address and strides, the kernel in its given (unpacked) layout, the bias and
// the [T, B, columns] projection buffer, all as indices. Batch-major input:
// the time stride is the sequence's second.

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
// CHECK-DAG:     %[[T:.*]] = tensor.dim %arg0, %c1
// CHECK-DAG:     %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[XS:.*]]:3 = memref.extract_strided_metadata
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:2, %[[KS:.*]]:2 = memref.extract_strided_metadata
// CHECK:         call @rnnrt_halide_project_inputs(%{{.*}}, %[[T]], %[[B]], %c3, %[[XS]]#1, %[[XS]]#0, %{{.*}}, %[[KS]]#0, %c8, %{{.*}}, %{{.*}})
// CHECK:         call @rnnrt_halide_project_inputs(%{{.*}}, %[[T]], %[[B]], %c3, %[[XS]]#1, %[[XS]]#0, %{{.*}}, %{{.*}}, %c4, %{{.*}}, %{{.*}})
// CHECK:         scf.for

// Two threads: each projects its half of the steps, [i*T/2, (i+1)*T/2).
// THREADS-LABEL: func.func @gru
// THREADS:         scf.parallel (%[[I:.*]]) = (%c0) to (%c2) step (%c1) {
// THREADS:           %[[A:.*]] = arith.muli %[[I]], %[[T:.*]] : index
// THREADS:           %[[FIRST:.*]] = arith.divui %[[A]], %c2 : index
// THREADS:           %[[NEXT:.*]] = arith.addi %[[I]], %c1 : index
// THREADS:           %[[C:.*]] = arith.muli %[[NEXT]], %[[T]] : index
// THREADS:           %[[LAST:.*]] = arith.divui %[[C]], %c2 : index
// THREADS:           %[[COUNT:.*]] = arith.subi %[[LAST]], %[[FIRST]] : index
// THREADS:           call @rnnrt_halide_project_inputs(%{{.*}}, %[[COUNT]], %{{.*}}, %c3,
// THREADS:         scf.parallel

// LOOPS-NOT: rnnrt_halide_project_inputs
