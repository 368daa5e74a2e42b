// RUN: rnnc-opt %s --convert-rnn-to-loops --split-input-file | FileCheck %s
// RUN: rnnc-opt %s --convert-rnn-to-loops=vector-matmuls=false --split-input-file | FileCheck %s --check-prefix=LINALG

// A custom cell's step is inlined for the whole batch in a loop over time; a
// Keras mask picks, row by row, the new state or the carried one and the new
// output or the last one; go_backwards reads step T - 1 - t, writes output t.
// The step's matmul with the weights is the built-in cells' vector matmul:
// the weights packed (a constant: in the column groups' order), a broadcast
// of each input feature times a weight vector accumulated in registers, the
// rows read in place (a view of the input's buffer); the elementwise ops on its result (here the mask's
// selects) run in its epilogue on the accumulators, and only what the step
// yields is stored. Without vector-matmuls (the GPU) it all stays linalg.

// CHECK-LABEL: func.func @minimal
// CHECK:         %[[T:.*]] = tensor.dim %arg0, %c1
// CHECK:         scf.for %[[t:.*]] = %c0{{.*}} to %[[T]] step %c1{{.*}} iter_args(%[[OUT:.*]] = %{{.*}}, %[[H:.*]] = %{{.*}}, %[[LAST:.*]] = %{{.*}})
// CHECK:           %[[IN:.*]] = arith.subi %{{.*}}, %[[t]] : index
// CHECK:           %[[VALID:.*]] = tensor.extract_slice %arg1[0, %[[IN]]]
// CHECK:           %[[XS:.*]] = bufferization.to_memref %arg0 read_only
// CHECK:           %[[ROWS:.*]] = memref.subview %[[XS]][0, %[[IN]], 0]
// CHECK:           %[[INIT:.*]] = bufferization.to_memref %[[H]] read_only
// CHECK:           %[[VALIDROWS:.*]] = bufferization.to_memref %[[VALID]] read_only
// CHECK:           %[[NEWH:.*]] = memref.alloc
// CHECK:           %[[NEWOUT:.*]] = memref.alloc
// CHECK:           scf.for
// CHECK:             vector.{{(masked)?}}load %[[INIT]]
// CHECK:             scf.for
// CHECK:               memref.load %[[ROWS]]
// CHECK:               vector.broadcast
// CHECK:               vector.fma
// CHECK:             memref.load %[[VALIDROWS]]
// CHECK:             arith.select %{{.*}} : vector<16xi1>, vector<16xf32>
// CHECK:             memref.load %[[VALIDROWS]]
// CHECK:             arith.select %{{.*}} : vector<16xi1>, vector<16xf32>
// CHECK:             vector.{{(masked)?}}store {{.*}}%[[NEWH]][
// CHECK:             vector.{{(masked)?}}store {{.*}}%[[NEWOUT]][
// CHECK-NOT:       linalg.matmul
// CHECK-NOT:       linalg.generic
// CHECK:           %[[NEWHT:.*]] = bufferization.to_tensor %[[NEWH]]
// CHECK:           %[[NEWOUTT:.*]] = bufferization.to_tensor %[[NEWOUT]]
// CHECK:           tensor.insert_slice %[[NEWOUTT]] into %[[OUT]][0, %[[t]], 0]
// CHECK:           scf.yield %{{.*}}, %[[NEWHT]], %[[NEWOUTT]]
// LINALG-LABEL:  func.func @minimal
// LINALG:          linalg.matmul ins(%{{.*}}, %arg2
// LINALG:          linalg.generic
// LINALG:          arith.select
func.func @minimal(%x: tensor<?x?x3xf32>, %mask: tensor<?x?xi1>, %w: tensor<3x4xf32>) -> tensor<?x?x4xf32> {
  %cell = rnn.custom_cell(%w : tensor<3x4xf32>)
      attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%in: tensor<?x3xf32>, %h: tensor<?x4xf32>, %k: tensor<3x4xf32>):
    %n = linalg.matmul ins(%in, %k : tensor<?x3xf32>, tensor<3x4xf32>) outs(%h : tensor<?x4xf32>) -> tensor<?x4xf32>
    rnn.yield %n, %n : tensor<?x4xf32>, tensor<?x4xf32>
  }
  %y, %s = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) mask(%mask : tensor<?x?xi1>) {go_backwards}
      -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}


// -----

// The input projection rnn-hoist-input-projection puts before a sequence, a
// [T, B, D] x [D, N] contraction, is the same vector matmul over T * B rows
// (row r is [r / B, r % B]), its weights (a constant) packed; the step's
// matmul with weights given at run time reads them as given.

// CHECK-LABEL: func.func @projected
// CHECK:         %[[X:.*]] = bufferization.to_memref %arg0 read_only
// CHECK:         arith.muli
// CHECK:         %[[PACKED:.*]] = arith.constant dense<{{.*}}> : tensor<48xf32>
// CHECK:         %[[W:.*]] = bufferization.to_memref %[[PACKED]] read_only
// CHECK:         scf.for
// CHECK:           arith.divui
// CHECK:           arith.remui
// CHECK:           memref.load %[[X]]
// CHECK:           vector.{{(masked)?}}load %[[W]]
// CHECK:           vector.fma
// CHECK-NOT:     linalg.generic {{.*}}"reduction"
// CHECK:         %[[U:.*]] = bufferization.to_memref %arg1 read_only
// CHECK:         scf.for
// CHECK:           vector.{{(masked)?}}load %[[U]]
// CHECK:           vector.fma
// LINALG-LABEL:  func.func @projected
// LINALG:          linalg.generic {{.*}}"reduction"
func.func @projected(%x: tensor<?x?x3xf32>, %u: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]]> : tensor<3x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = tensor.dim %x, %c0 : tensor<?x?x3xf32>
  %b = tensor.dim %x, %c1 : tensor<?x?x3xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty(%t, %b) : tensor<?x?x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>, affine_map<(d0, d1, d2, d3) -> (d3, d2)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x, %w : tensor<?x?x3xf32>, tensor<3x8xf32>) outs(%init : tensor<?x?x8xf32>) {
  ^bb0(%a: f32, %k: f32, %acc: f32):
    %m = arith.mulf %a, %k : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x?x8xf32>
  %cell = rnn.custom_cell(%u : tensor<8x8xf32>)
      attributes {input_features = 8 : i64, state_features = array<i64: 8>, output_features = 8 : i64} {
  ^bb0(%in: tensor<?x8xf32>, %h: tensor<?x8xf32>, %k: tensor<8x8xf32>):
    %n = linalg.matmul ins(%h, %k : tensor<?x8xf32>, tensor<8x8xf32>) outs(%in : tensor<?x8xf32>) -> tensor<?x8xf32>
    rnn.yield %n, %n : tensor<?x8xf32>, tensor<?x8xf32>
  }
  %y, %s = rnn.dynamic_rnn %cell(%p : tensor<?x?x8xf32>) {time_major} -> tensor<?x?x8xf32>, tensor<?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

// A gated cell: the matmul's result sliced into two gates of 4 units, which
// an elementwise op combines with the input. The constant kernel is packed
// gate-interleaved (one 16-unit panel holding both gates' columns, zero
// padded: 4 rows x 2 gates x 16), so that one group of accumulators holds
// both gates of the same units; the gate math runs on them as vectors and
// only the new state is stored.

// CHECK-LABEL: func.func @gated
// CHECK:         %[[PACKED:.*]] = arith.constant dense<{{.*}}> : tensor<128xf32>
// CHECK:         %[[K:.*]] = bufferization.to_memref %[[PACKED]] read_only
// CHECK:         scf.for
// CHECK:           %[[NEW:.*]] = memref.alloc
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               vector.load %[[K]]
// CHECK:               vector.fma
// CHECK:             math.exp %{{.*}} : vector<16xf32>
// CHECK:             math.tanh %{{.*}} : vector<16xf32>
// CHECK:             arith.mulf %{{.*}} : vector<16xf32>
// CHECK:             vector.maskedstore %[[NEW]]
// CHECK-NOT:       linalg.generic
// CHECK:           bufferization.to_tensor %[[NEW]]
// LINALG-LABEL:  func.func @gated
// LINALG:          linalg.matmul
// LINALG:          tensor.extract_slice
// LINALG:          linalg.generic
func.func @gated(%x: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  %w = arith.constant dense<[[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]]> : tensor<4x8xf32>
  %cell = rnn.custom_cell(%w : tensor<4x8xf32>)
      attributes {input_features = 4 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%in: tensor<?x4xf32>, %h: tensor<?x4xf32>, %k: tensor<4x8xf32>):
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %rows = tensor.dim %h, %c0 : tensor<?x4xf32>
    %empty = tensor.empty(%rows) : tensor<?x8xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x8xf32>) -> tensor<?x8xf32>
    %g = linalg.matmul ins(%h, %k : tensor<?x4xf32>, tensor<4x8xf32>) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
    %n = tensor.dim %g, %c0 : tensor<?x8xf32>
    %f = tensor.extract_slice %g[0, 0] [%n, 4] [1, 1] : tensor<?x8xf32> to tensor<?x4xf32>
    %c = tensor.extract_slice %g[0, 4] [%n, 4] [1, 1] : tensor<?x8xf32> to tensor<?x4xf32>
    %out = tensor.empty(%n) : tensor<?x4xf32>
    %new = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%f, %c, %in : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) outs(%out : tensor<?x4xf32>) {
    ^bb0(%a: f32, %b: f32, %xi: f32, %o: f32):
      %one = arith.constant 1.0 : f32
      %neg = arith.negf %a : f32
      %e = math.exp %neg : f32
      %d = arith.addf %e, %one : f32
      %sig = arith.divf %one, %d : f32
      %t = math.tanh %b : f32
      %y = arith.addf %t, %xi : f32
      %m = arith.mulf %sig, %y : f32
      linalg.yield %m : f32
    } -> tensor<?x4xf32>
    rnn.yield %new, %new : tensor<?x4xf32>, tensor<?x4xf32>
  }
  %y, %s = rnn.dynamic_rnn %cell(%x : tensor<?x?x4xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// An operand of the epilogue computed after the matmul without depending on
// it (here a slice of the projected input, as when a cell computes x W after
// h U) moves before the matmul: the elementwise op still runs in the
// matmul's epilogue.

// CHECK-LABEL: func.func @input_after_matmul
// CHECK:         scf.for
// CHECK:           tensor.extract_slice
// CHECK:           scf.for
// CHECK:             vector.fma
// CHECK:           math.tanh %{{.*}} : vector<16xf32>
// CHECK-NOT:       linalg.generic
// CHECK:           scf.yield
func.func @input_after_matmul(%x: tensor<?x?x8xf32>) -> tensor<?x?x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %cell = rnn.custom_cell(%w : tensor<4x4xf32>)
      attributes {input_features = 8 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%in: tensor<?x8xf32>, %h: tensor<?x4xf32>, %k: tensor<4x4xf32>):
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %rows = tensor.dim %h, %c0 : tensor<?x4xf32>
    %empty = tensor.empty(%rows) : tensor<?x4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x4xf32>) -> tensor<?x4xf32>
    %g = linalg.matmul ins(%h, %k : tensor<?x4xf32>, tensor<4x4xf32>) outs(%init : tensor<?x4xf32>) -> tensor<?x4xf32>
    %n = tensor.dim %in, %c0 : tensor<?x8xf32>
    %p = tensor.extract_slice %in[0, 4] [%n, 4] [1, 1] : tensor<?x8xf32> to tensor<?x4xf32>
    %new = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%p, %g : tensor<?x4xf32>, tensor<?x4xf32>) outs(%empty : tensor<?x4xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %s = arith.addf %a, %b : f32
      %t = math.tanh %s : f32
      linalg.yield %t : f32
    } -> tensor<?x4xf32>
    rnn.yield %new, %new : tensor<?x4xf32>, tensor<?x4xf32>
  }
  %y, %s = rnn.dynamic_rnn %cell(%x : tensor<?x?x8xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// The sum of a matmul of the step input and one of the state, both from zero
// and read by nothing else (a cell whose input projection is not hoisted: a
// small input weight here), plus a bias row: one vector matmul of two terms,
// the state's k loop then the input's on the same accumulators, which start
// from the bias (as the built-in cells' fused input and recurrent matmul),
// the rest in its epilogue.

// CHECK-LABEL: func.func @two_terms
// CHECK:         %[[B:.*]] = bufferization.to_memref %arg1 read_only
// CHECK:         scf.for
// CHECK:           %[[START:.*]] = vector.{{(masked)?}}load %[[B]]
// CHECK:           %[[H:.*]]:4 = scf.for {{.*}} to %c4{{.*}} step {{.*}} iter_args(%{{.*}} = %[[START]],
// CHECK:             vector.fma
// CHECK:           scf.for {{.*}} to %c3{{.*}} step {{.*}} iter_args(%{{.*}} = %[[H]]#0,
// CHECK:             vector.fma
// CHECK:           math.tanh %{{.*}} : vector<16xf32>
// CHECK-NOT:       linalg.matmul
// CHECK-NOT:       linalg.generic
// CHECK:           scf.yield
func.func @two_terms(%x: tensor<?x?x3xf32>, %bias_row: tensor<4xf32>) -> tensor<?x?x4xf32> {
  %w = arith.constant dense<0.5> : tensor<3x4xf32>
  %u = arith.constant dense<0.25> : tensor<4x4xf32>
  %cell = rnn.custom_cell(%w, %u, %bias_row : tensor<3x4xf32>, tensor<4x4xf32>, tensor<4xf32>)
      attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%in: tensor<?x3xf32>, %h: tensor<?x4xf32>, %wk: tensor<3x4xf32>, %uk: tensor<4x4xf32>, %bias: tensor<4xf32>):
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %rows = tensor.dim %h, %c0 : tensor<?x4xf32>
    %empty = tensor.empty(%rows) : tensor<?x4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x4xf32>) -> tensor<?x4xf32>
    %hu = linalg.matmul ins(%h, %uk : tensor<?x4xf32>, tensor<4x4xf32>) outs(%init : tensor<?x4xf32>) -> tensor<?x4xf32>
    %xw = linalg.matmul ins(%in, %wk : tensor<?x3xf32>, tensor<3x4xf32>) outs(%init : tensor<?x4xf32>) -> tensor<?x4xf32>
    %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%xw, %hu : tensor<?x4xf32>, tensor<?x4xf32>) outs(%empty : tensor<?x4xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    } -> tensor<?x4xf32>
    %biased = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%sum, %bias : tensor<?x4xf32>, tensor<4xf32>) outs(%empty : tensor<?x4xf32>) {
    ^bb0(%a: f32, %c: f32, %o: f32):
      %s = arith.addf %a, %c : f32
      linalg.yield %s : f32
    } -> tensor<?x4xf32>
    %new = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%biased : tensor<?x4xf32>) outs(%empty : tensor<?x4xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = math.tanh %a : f32
      linalg.yield %t : f32
    } -> tensor<?x4xf32>
    rnn.yield %new, %new : tensor<?x4xf32>, tensor<?x4xf32>
  }
  %y, %s = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// The same two terms sliced into gates, each gate's math its own op, the
// sizes taken from the step input's rows (as the C++ builder writes an LSTM
// as a custom cell, `x W + h U` with W's rows the input's): the accumulated
// matmul has both its left operand's rows and its init's, so the slices take
// all rows and every op runs in the epilogue; only the new state is stored.

// CHECK-LABEL: func.func @two_terms_gated
// CHECK:         scf.for
// CHECK:           %[[NEW:.*]] = memref.alloc
// CHECK:           scf.for
// CHECK:             vector.fma
// CHECK:           scf.for
// CHECK:             vector.fma
// CHECK:           math.exp %{{.*}} : vector<16xf32>
// CHECK:           math.tanh %{{.*}} : vector<16xf32>
// CHECK:           vector.maskedstore %[[NEW]]
// CHECK-NOT:       linalg.matmul
// CHECK-NOT:       linalg.generic
// CHECK:           scf.yield
func.func @two_terms_gated(%x: tensor<?x?x3xf32>) -> tensor<?x?x4xf32> {
  %w = arith.constant dense<0.5> : tensor<3x8xf32>
  %u = arith.constant dense<0.25> : tensor<4x8xf32>
  %cell = rnn.custom_cell(%w, %u : tensor<3x8xf32>, tensor<4x8xf32>)
      attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%in: tensor<?x3xf32>, %h: tensor<?x4xf32>, %wk: tensor<3x8xf32>, %uk: tensor<4x8xf32>):
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %rows = tensor.dim %in, %c0 : tensor<?x3xf32>
    %empty = tensor.empty(%rows) : tensor<?x8xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x8xf32>) -> tensor<?x8xf32>
    %xw = linalg.matmul ins(%in, %wk : tensor<?x3xf32>, tensor<3x8xf32>) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
    %hu = linalg.matmul ins(%h, %uk : tensor<?x4xf32>, tensor<4x8xf32>) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
    %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%xw, %hu : tensor<?x8xf32>, tensor<?x8xf32>) outs(%empty : tensor<?x8xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    } -> tensor<?x8xf32>
    %f = tensor.extract_slice %sum[0, 0] [%rows, 4] [1, 1] : tensor<?x8xf32> to tensor<?x4xf32>
    %c = tensor.extract_slice %sum[0, 4] [%rows, 4] [1, 1] : tensor<?x8xf32> to tensor<?x4xf32>
    %out = tensor.empty(%rows) : tensor<?x4xf32>
    %gate = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%f : tensor<?x4xf32>) outs(%out : tensor<?x4xf32>) {
    ^bb0(%a: f32, %o: f32):
      %one = arith.constant 1.0 : f32
      %neg = arith.negf %a : f32
      %e = math.exp %neg : f32
      %d = arith.addf %e, %one : f32
      %sig = arith.divf %one, %d : f32
      linalg.yield %sig : f32
    } -> tensor<?x4xf32>
    %candidate = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%c : tensor<?x4xf32>) outs(%out : tensor<?x4xf32>) {
    ^bb0(%a: f32, %o: f32):
      %t = math.tanh %a : f32
      linalg.yield %t : f32
    } -> tensor<?x4xf32>
    %new = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
        ins(%gate, %candidate : tensor<?x4xf32>, tensor<?x4xf32>) outs(%out : tensor<?x4xf32>) {
    ^bb0(%a: f32, %b: f32, %o: f32):
      %m = arith.mulf %a, %b : f32
      linalg.yield %m : f32
    } -> tensor<?x4xf32>
    rnn.yield %new, %new : tensor<?x4xf32>, tensor<?x4xf32>
  }
  %y, %s = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}
