// RUN: rnnc-opt %s --rnn-hoist-input-projection --split-input-file | FileCheck %s

// Two matmuls of the step input by weights (the MGU's x W_f and x W_h) become
// one contraction of every step's input by the weights side by side, before
// the sequence; the step slices its columns out of the projected row. The
// recurrent matmul stays in the step.

// CHECK-LABEL: func.func @two_gates
// CHECK-SAME:    (%[[X:.*]]: tensor<?x?x3xf32>, %[[WF:.*]]: tensor<3x8xf32>, %[[WH:.*]]: tensor<3x8xf32>, %[[U:.*]]: tensor<8x8xf32>)
// CHECK:         %[[W0:.*]] = tensor.insert_slice %[[WF]] into %{{.*}}[0, 0] [3, 8] [1, 1] : tensor<3x8xf32> into tensor<3x16xf32>
// CHECK:         %[[W:.*]] = tensor.insert_slice %[[WH]] into %[[W0]][0, 8] [3, 8] [1, 1] : tensor<3x8xf32> into tensor<3x16xf32>
// CHECK:         %[[P:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[W]] : tensor<?x?x3xf32>, tensor<3x16xf32>)
// CHECK:         rnn.custom_cell
// CHECK-SAME:      input_features = 16
// CHECK:         ^bb0(%[[ROW:.*]]: tensor<?x16xf32>, %[[H:.*]]: tensor<?x8xf32>,
// CHECK-NOT:       linalg.matmul ins(%[[ROW]]
// CHECK:           tensor.extract_slice %[[ROW]][0, 0] [%{{.*}}, 8] [1, 1] : tensor<?x16xf32> to tensor<?x8xf32>
// CHECK:           tensor.extract_slice %[[ROW]][0, 8] [%{{.*}}, 8] [1, 1] : tensor<?x16xf32> to tensor<?x8xf32>
// CHECK:           linalg.matmul ins(%[[H]]
// CHECK:         rnn.dynamic_rnn %{{.*}}(%[[P]] : tensor<?x?x16xf32>)
func.func @two_gates(%x: tensor<?x?x3xf32>, %wf: tensor<3x8xf32>, %wh: tensor<3x8xf32>, %u: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
  %cell = rnn.custom_cell(%wf, %wh, %u : tensor<3x8xf32>, tensor<3x8xf32>, tensor<8x8xf32>)
      attributes {input_features = 3 : i64, state_features = array<i64: 8>, output_features = 8 : i64} {
  ^bb0(%in: tensor<?x3xf32>, %h: tensor<?x8xf32>, %a: tensor<3x8xf32>, %b: tensor<3x8xf32>, %r: tensor<8x8xf32>):
    %c0 = arith.constant 0 : index
    %rows = tensor.dim %in, %c0 : tensor<?x3xf32>
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty(%rows) : tensor<?x8xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x8xf32>) -> tensor<?x8xf32>
    %f = linalg.matmul ins(%in, %a : tensor<?x3xf32>, tensor<3x8xf32>) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
    %c = linalg.matmul ins(%in, %b : tensor<?x3xf32>, tensor<3x8xf32>) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
    %s = arith.addf %f, %c : tensor<?x8xf32>
    %n = linalg.matmul ins(%h, %r : tensor<?x8xf32>, tensor<8x8xf32>) outs(%s : tensor<?x8xf32>) -> tensor<?x8xf32>
    rnn.yield %n, %n : tensor<?x8xf32>, tensor<?x8xf32>
  }
  %y, %state = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x8xf32>, tensor<?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// The step input feeds something other than a matmul: nothing moves.

// CHECK-LABEL: func.func @not_only_matmuls
// CHECK-NOT:     linalg.generic
// CHECK:         rnn.custom_cell
// CHECK-SAME:      input_features = 8
// CHECK:         rnn.dynamic_rnn %{{.*}}(%arg0 : tensor<?x?x8xf32>)
func.func @not_only_matmuls(%x: tensor<?x?x8xf32>, %u: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
  %cell = rnn.custom_cell(%u : tensor<8x8xf32>)
      attributes {input_features = 8 : i64, state_features = array<i64: 8>, output_features = 8 : i64} {
  ^bb0(%in: tensor<?x8xf32>, %h: tensor<?x8xf32>, %r: tensor<8x8xf32>):
    %n = linalg.matmul ins(%h, %r : tensor<?x8xf32>, tensor<8x8xf32>) outs(%in : tensor<?x8xf32>) -> tensor<?x8xf32>
    rnn.yield %n, %n : tensor<?x8xf32>, tensor<?x8xf32>
  }
  %y, %state = rnn.dynamic_rnn %cell(%x : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>, tensor<?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// Weights that are row blocks of constants (rnn-decompose-cells splits a
// built-in cell's kernels into input and recurrent rows) are joined into one
// constant, which the lowering packs at compile time: here the input rows
// [0, 2) of a GRU's gates kernel and of its candidate kernel.

// CHECK-LABEL: func.func @constant_blocks
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 5.000000e+00], [3.000000e+00, 4.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// CHECK-NOT:     tensor.insert_slice
// CHECK:         linalg.generic {{.*}} ins(%arg0, %[[W]] : tensor<?x?x2xf32>, tensor<2x3xf32>)
func.func @constant_blocks(%x: tensor<?x?x2xf32>) -> tensor<?x?x1xf32> {
  %gates = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [7.0, 8.0]]> : tensor<3x2xf32>
  %cand = arith.constant dense<[[5.0], [6.0], [9.0]]> : tensor<3x1xf32>
  %gx = tensor.extract_slice %gates[0, 0] [2, 2] [1, 1] : tensor<3x2xf32> to tensor<2x2xf32>
  %cx = tensor.extract_slice %cand[0, 0] [2, 1] [1, 1] : tensor<3x1xf32> to tensor<2x1xf32>
  %cell = rnn.custom_cell(%gx, %cx : tensor<2x2xf32>, tensor<2x1xf32>)
      attributes {input_features = 2 : i64, state_features = array<i64: 1>, output_features = 1 : i64} {
  ^bb0(%in: tensor<?x2xf32>, %h: tensor<?x1xf32>, %a: tensor<2x2xf32>, %b: tensor<2x1xf32>):
    %c0 = arith.constant 0 : index
    %rows = tensor.dim %in, %c0 : tensor<?x2xf32>
    %zero = arith.constant 0.0 : f32
    %e2 = tensor.empty(%rows) : tensor<?x2xf32>
    %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2xf32>) -> tensor<?x2xf32>
    %e1 = tensor.empty(%rows) : tensor<?x1xf32>
    %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x1xf32>) -> tensor<?x1xf32>
    %g = linalg.matmul ins(%in, %a : tensor<?x2xf32>, tensor<2x2xf32>) outs(%i2 : tensor<?x2xf32>) -> tensor<?x2xf32>
    %c = linalg.matmul ins(%in, %b : tensor<?x2xf32>, tensor<2x1xf32>) outs(%i1 : tensor<?x1xf32>) -> tensor<?x1xf32>
    %g0 = tensor.extract_slice %g[0, 0] [%rows, 1] [1, 1] : tensor<?x2xf32> to tensor<?x1xf32>
    %s = arith.addf %g0, %c : tensor<?x1xf32>
    %n = arith.addf %s, %h : tensor<?x1xf32>
    rnn.yield %n, %n : tensor<?x1xf32>, tensor<?x1xf32>
  }
  %y, %state = rnn.dynamic_rnn %cell(%x : tensor<?x?x2xf32>) -> tensor<?x?x1xf32>, tensor<?x1xf32>
  return %y : tensor<?x?x1xf32>
}

// -----

// A bias added to a projected gate, after the recurrent matmul
// ((x W + h U) + b, the form of the builders' and decomposed cells' gates) or
// directly (x V + c), moves into the projection's initial value: each row of
// projections starts from the biases side by side ([b, c] as one constant), and
// the step no longer adds them.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @biases
// CHECK:         %[[B:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK:         %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<3xf32>) outs(%{{.*}} : tensor<?x?x3xf32>) dimensions = [0, 1]
// CHECK:         %[[P:.*]] = linalg.generic {{.*}} outs(%[[INIT]] : tensor<?x?x3xf32>)
// CHECK:         rnn.custom_cell
// CHECK:           %[[WU:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x2xf32>, tensor<?x2xf32>)
// CHECK-NOT:       tensor<?x2xf32>, tensor<2xf32>)
// CHECK:           %[[G:.*]] = math.tanh %[[WU]]
// CHECK:           rnn.yield %[[G]], %[[G]]
// CHECK:         rnn.dynamic_rnn %{{.*}}(%[[P]] : tensor<?x?x3xf32>)
func.func @biases(%x: tensor<?x?x2xf32>, %u: tensor<2x2xf32>) -> tensor<?x?x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2xf32>
  %v = arith.constant dense<0.25> : tensor<2x1xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %cell = rnn.custom_cell(%w, %u, %b, %v : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x1xf32>)
      attributes {input_features = 2 : i64, state_features = array<i64: 2>, output_features = 2 : i64} {
  ^bb0(%in: tensor<?x2xf32>, %h: tensor<?x2xf32>, %wk: tensor<2x2xf32>, %uk: tensor<2x2xf32>, %bias: tensor<2xf32>, %vk: tensor<2x1xf32>):
    %c0 = arith.constant 0 : index
    %rows = tensor.dim %in, %c0 : tensor<?x2xf32>
    %zero = arith.constant 0.0 : f32
    %c = arith.constant dense<3.0> : tensor<1xf32>
    %e2 = tensor.empty(%rows) : tensor<?x2xf32>
    %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2xf32>) -> tensor<?x2xf32>
    %e1 = tensor.empty(%rows) : tensor<?x1xf32>
    %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x1xf32>) -> tensor<?x1xf32>
    %xw = linalg.matmul ins(%in, %wk : tensor<?x2xf32>, tensor<2x2xf32>) outs(%i2 : tensor<?x2xf32>) -> tensor<?x2xf32>
    %hu = linalg.matmul ins(%h, %uk : tensor<?x2xf32>, tensor<2x2xf32>) outs(%i2 : tensor<?x2xf32>) -> tensor<?x2xf32>
    %xv = linalg.matmul ins(%in, %vk : tensor<?x2xf32>, tensor<2x1xf32>) outs(%i1 : tensor<?x1xf32>) -> tensor<?x1xf32>
    %sum = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%xw, %hu : tensor<?x2xf32>, tensor<?x2xf32>) outs(%e2 : tensor<?x2xf32>) {
    ^bb0(%p: f32, %q: f32, %o: f32):
      %r = arith.addf %p, %q : f32
      linalg.yield %r : f32
    } -> tensor<?x2xf32>
    %biased = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%sum, %bias : tensor<?x2xf32>, tensor<2xf32>) outs(%e2 : tensor<?x2xf32>) {
    ^bb0(%p: f32, %q: f32, %o: f32):
      %r = arith.addf %q, %p : f32
      linalg.yield %r : f32
    } -> tensor<?x2xf32>
    %vc = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%xv, %c : tensor<?x1xf32>, tensor<1xf32>) outs(%e1 : tensor<?x1xf32>) {
    ^bb0(%p: f32, %q: f32, %o: f32):
      %r = arith.addf %p, %q : f32
      linalg.yield %r : f32
    } -> tensor<?x1xf32>
    %g = math.tanh %biased : tensor<?x2xf32>
    rnn.yield %g, %g : tensor<?x2xf32>, tensor<?x2xf32>
  }
  %y, %state = rnn.dynamic_rnn %cell(%x : tensor<?x?x2xf32>) -> tensor<?x?x2xf32>, tensor<?x2xf32>
  return %y : tensor<?x?x2xf32>
}

// -----

// A projected gate read twice keeps its bias in the step: moving it would
// change the other reader.

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @projection_read_twice
// CHECK:         linalg.fill
// CHECK-NOT:     linalg.broadcast
// CHECK:         rnn.custom_cell
// CHECK:           ins(%{{.*}}, %{{.*}} : tensor<?x2xf32>, tensor<2xf32>)
func.func @projection_read_twice(%x: tensor<?x?x2xf32>) -> tensor<?x?x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %cell = rnn.custom_cell(%w, %b : tensor<2x2xf32>, tensor<2xf32>)
      attributes {input_features = 2 : i64, state_features = array<i64: 2>, output_features = 2 : i64} {
  ^bb0(%in: tensor<?x2xf32>, %h: tensor<?x2xf32>, %wk: tensor<2x2xf32>, %bias: tensor<2xf32>):
    %c0 = arith.constant 0 : index
    %rows = tensor.dim %in, %c0 : tensor<?x2xf32>
    %zero = arith.constant 0.0 : f32
    %e2 = tensor.empty(%rows) : tensor<?x2xf32>
    %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2xf32>) -> tensor<?x2xf32>
    %xw = linalg.matmul ins(%in, %wk : tensor<?x2xf32>, tensor<2x2xf32>) outs(%i2 : tensor<?x2xf32>) -> tensor<?x2xf32>
    %biased = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%xw, %bias : tensor<?x2xf32>, tensor<2xf32>) outs(%e2 : tensor<?x2xf32>) {
    ^bb0(%p: f32, %q: f32, %o: f32):
      %r = arith.addf %p, %q : f32
      linalg.yield %r : f32
    } -> tensor<?x2xf32>
    %n = arith.mulf %biased, %xw : tensor<?x2xf32>
    rnn.yield %n, %n : tensor<?x2xf32>, tensor<?x2xf32>
  }
  %y, %state = rnn.dynamic_rnn %cell(%x : tensor<?x?x2xf32>) -> tensor<?x?x2xf32>, tensor<?x2xf32>
  return %y : tensor<?x?x2xf32>
}
