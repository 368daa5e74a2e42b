// RUN: rnnc-opt %s --rnnc-guard-tensor-indices --split-input-file | FileCheck %s

// A computed index runs the read only in range; the check names the op.
// The constant index inside the static dimension is not checked.
// CHECK-LABEL: func.func @extract(
// CHECK-SAME: %[[T:[a-z0-9]*]]: tensor<?x4xf32>, %[[I:[a-z0-9]*]]: index
// CHECK: %[[DIM:.*]] = tensor.dim %[[T]], %{{c0[_0-9]*}}
// CHECK: %[[GE:.*]] = arith.cmpi sge, %[[I]], %{{c0[_0-9]*}}
// CHECK: %[[LT:.*]] = arith.cmpi slt, %[[I]], %[[DIM]]
// CHECK: %[[OK:.*]] = arith.andi %[[GE]], %[[LT]]
// CHECK-NOT: arith.cmpi
// CHECK: cf.assert %[[OK]], "{{.*}}: tensor.extract index out of range of its tensor (a value the model computes)"
// CHECK: %[[R:.*]] = scf.if %[[OK]] -> (f32) {
// CHECK: %[[V:.*]] = tensor.extract %[[T]][%[[I]], %c1]
// CHECK: scf.yield %[[V]]
// CHECK: } else {
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: scf.yield %[[Z]]
// CHECK: return %[[R]]
func.func @extract(%t: tensor<?x4xf32>, %i: index) -> f32 {
  %c1 = arith.constant 1 : index
  %v = tensor.extract %t[%i, %c1] : tensor<?x4xf32>
  return %v : f32
}

// -----

// An insert out of range leaves the tensor as it was.
// CHECK-LABEL: func.func @insert(
// CHECK-SAME: %[[T:[a-z0-9]*]]: tensor<8xi32>, %[[I:[a-z0-9]*]]: index
// CHECK: %[[GE:.*]] = arith.cmpi sge, %[[I]]
// CHECK: %[[LT:.*]] = arith.cmpi slt, %[[I]], %c8
// CHECK: %[[OK:.*]] = arith.andi %[[GE]], %[[LT]]
// CHECK: cf.assert %[[OK]], "{{.*}}: tensor.insert index out of range
// CHECK: scf.if %[[OK]] -> (tensor<8xi32>) {
// CHECK: tensor.insert
// CHECK: } else {
// CHECK: scf.yield %[[T]]
func.func @insert(%t: tensor<8xi32>, %i: index, %v: i32) -> tensor<8xi32> {
  %r = tensor.insert %v into %t[%i] : tensor<8xi32>
  return %r : tensor<8xi32>
}

// -----

// Constant indices within static sizes need no check.
// CHECK-LABEL: func.func @static(
// CHECK-NOT: cf.assert
// CHECK-NOT: scf.if
// CHECK: tensor.extract
func.func @static(%t: tensor<3x4xf32>) -> f32 {
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %v = tensor.extract %t[%c2, %c3] : tensor<3x4xf32>
  return %v : f32
}

// -----

// A slice at a computed offset of a computed size: checked, and out of
// range emptied (offset 0, size 0); the static dimension needs no check.
// CHECK-LABEL: func.func @extract_slice(
// CHECK-SAME: %[[T:[a-z0-9]*]]: tensor<?x4xf32>, %[[O:[a-z0-9]*]]: index, %[[N:[a-z0-9]*]]: index
// CHECK: %[[DIM:.*]] = tensor.dim %[[T]], %{{c0[_0-9]*}}
// CHECK-DAG: arith.cmpi sge, %[[O]], %{{c0[_0-9]*}}
// CHECK-DAG: arith.cmpi slt, %[[O]], %[[DIM]]
// CHECK-DAG: arith.cmpi sle
// CHECK-DAG: arith.cmpi eq, %[[N]], %{{c0[_0-9]*}}
// CHECK-DAG: arith.cmpi sge, %[[N]], %{{c0[_0-9]*}}
// CHECK: cf.assert %[[OK:.*]], "{{.*}}: tensor.extract_slice reaches outside its tensor (offsets, sizes or strides the model computes)"
// CHECK-DAG: %[[SO:.*]] = arith.select %[[OK]], %[[O]], %{{c0[_0-9]*}}
// CHECK-DAG: %[[SN:.*]] = arith.select %[[OK]], %[[N]], %{{c0[_0-9]*}}
// CHECK: %[[R:.*]] = tensor.extract_slice %[[T]][%[[SO]], 0] [%[[SN]], 4] [1, 1]
// CHECK: return %[[R]]
func.func @extract_slice(%t: tensor<?x4xf32>, %o: index, %n: index) -> tensor<?x4xf32> {
  %r = tensor.extract_slice %t[%o, 0] [%n, 4] [1, 1] : tensor<?x4xf32> to tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// A slice of static sizes is read with run-time sizes (0 out of range)
// into zeros of its shape.
// CHECK-LABEL: func.func @extract_static_slice(
// CHECK-SAME: %[[T:[a-z0-9]*]]: tensor<?x4xf32>, %[[O:[a-z0-9]*]]: index
// CHECK: cf.assert %[[OK:[^,]*]], "{{.*}}: tensor.extract_slice reaches outside
// CHECK: %[[SO:.*]] = arith.select %[[OK]], %[[O]], %{{c0[_0-9]*}}
// CHECK: %[[ROWS:.*]] = arith.select %[[OK]], %{{c1[_0-9]*}}, %{{c0[_0-9]*}}
// CHECK: %[[COLS:.*]] = arith.select %[[OK]], %{{c4[_0-9]*}}, %{{c0[_0-9]*}}
// CHECK: %[[PART:.*]] = tensor.extract_slice %[[T]][%[[SO]], 0] [%[[ROWS]], %[[COLS]]] [1, 1] : tensor<?x4xf32> to tensor<?x?xf32>
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4xf32>)
// CHECK: %[[WHOLE:.*]] = tensor.insert_slice %[[PART]] into %[[ZEROS]][0, 0] [%[[ROWS]], %[[COLS]]] [1, 1]
// CHECK: %[[ROW:.*]] = tensor.extract_slice %[[WHOLE]][0, 0] [1, 4] [1, 1] : tensor<1x4xf32> to tensor<4xf32>
// CHECK: return %[[ROW]]
func.func @extract_static_slice(%t: tensor<?x4xf32>, %o: index) -> tensor<4xf32> {
  %r = tensor.extract_slice %t[%o, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// An insert's source must have the sizes it is inserted with; out of range
// both are cut to size 0.
// CHECK-LABEL: func.func @insert_slice(
// CHECK-SAME: %[[T:[a-z0-9]*]]: tensor<?x4xf32>, %[[S:[a-z0-9]*]]: tensor<?x4xf32>, %[[O:[a-z0-9]*]]: index, %[[N:[a-z0-9]*]]: index
// CHECK: %[[SDIM:.*]] = tensor.dim %[[S]], %{{c0[_0-9]*}}
// CHECK: %[[SAME:.*]] = arith.cmpi eq, %[[SDIM]], %[[N]]
// CHECK: %[[OK:.*]] = arith.andi %{{.*}}, %[[SAME]]
// CHECK: cf.assert %[[OK]], "{{.*}}: tensor.insert_slice reaches outside its tensor
// CHECK-DAG: %[[SO:.*]] = arith.select %[[OK]], %[[O]], %{{c0[_0-9]*}}
// CHECK-DAG: %[[SN:.*]] = arith.select %[[OK]], %[[N]], %{{c0[_0-9]*}}
// CHECK: %[[CUT:.*]] = tensor.extract_slice %[[S]][0, 0] [%[[SN]], 4] [1, 1]
// CHECK: tensor.insert_slice %[[CUT]] into %[[T]][%[[SO]], 0] [%[[SN]], 4] [1, 1]
func.func @insert_slice(%t: tensor<?x4xf32>, %s: tensor<?x4xf32>, %o: index, %n: index) -> tensor<?x4xf32> {
  %r = tensor.insert_slice %s into %t[%o, 0] [%n, 4] [1, 1] : tensor<?x4xf32> into tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// A rank-reduced source of static sizes is inserted at full rank, cut to
// run-time sizes.
// CHECK-LABEL: func.func @insert_static_slice(
// CHECK-SAME: %[[T:[a-z0-9]*]]: tensor<?x4xf32>, %[[S:[a-z0-9]*]]: tensor<4xf32>, %[[O:[a-z0-9]*]]: index
// CHECK: cf.assert %[[OK:[^,]*]], "{{.*}}: tensor.insert_slice reaches outside
// CHECK: %[[SO:.*]] = arith.select %[[OK]], %[[O]], %{{c0[_0-9]*}}
// CHECK: %[[FULL:.*]] = tensor.insert_slice %[[S]] into %{{.*}}[0, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<1x4xf32>
// CHECK: %[[DYN:.*]] = tensor.cast %[[FULL]] : tensor<1x4xf32> to tensor<?x?xf32>
// CHECK: %[[ROWS:.*]] = arith.select %[[OK]], %{{c1[_0-9]*}}, %{{c0[_0-9]*}}
// CHECK: %[[COLS:.*]] = arith.select %[[OK]], %{{c4[_0-9]*}}, %{{c0[_0-9]*}}
// CHECK: %[[CUT:.*]] = tensor.extract_slice %[[DYN]][0, 0] [%[[ROWS]], %[[COLS]]] [1, 1]
// CHECK: tensor.insert_slice %[[CUT]] into %[[T]][%[[SO]], 0] [%[[ROWS]], %[[COLS]]] [1, 1] : tensor<?x?xf32> into tensor<?x4xf32>
func.func @insert_static_slice(%t: tensor<?x4xf32>, %s: tensor<4xf32>, %o: index) -> tensor<?x4xf32> {
  %r = tensor.insert_slice %s into %t[%o, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// Whole dimensions and constants within static sizes need no check.
// CHECK-LABEL: func.func @provable_slices(
// CHECK-NOT: cf.assert
// CHECK-NOT: arith.select
// CHECK: return
func.func @provable_slices(%t: tensor<?x4xf32>, %s: tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %t, %c0 : tensor<?x4xf32>
  %a = tensor.extract_slice %t[0, 1] [%d, 2] [1, 2] : tensor<?x4xf32> to tensor<?x2xf32>
  %ds = tensor.dim %s, %c0 : tensor<?x2xf32>
  %n = tensor.dim %t, %c0 : tensor<?x4xf32>
  %b = tensor.insert_slice %a into %t[0, 2] [%n, 2] [1, 1] : tensor<?x2xf32> into tensor<?x4xf32>
  return %a, %b : tensor<?x2xf32>, tensor<?x4xf32>
}

// -----

// Two sequences over one input have its T and B (rnn.dynamic_rnn's value
// bounds): their concatenation needs no check.
// CHECK-LABEL: func.func @concatenated_sequences(
// CHECK-NOT: cf.assert
// CHECK: return
func.func @concatenated_sequences(%x: tensor<?x?x3xf32>) -> tensor<?x?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %k = arith.constant dense<0.1> : tensor<7x4xf32>
  %bias = arith.constant dense<0.0> : tensor<4xf32>
  %cf = rnn.basic_rnn_cell %k, %bias {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %cb = rnn.basic_rnn_cell %k, %bias {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %yf, %hf = rnn.dynamic_rnn %cf(%x : tensor<?x?x3xf32>) {time_major} -> tensor<?x?x4xf32>, tensor<?x4xf32>
  %yb, %hb = rnn.dynamic_rnn %cb(%x : tensor<?x?x3xf32>) {time_major, reverse} -> tensor<?x?x4xf32>, tensor<?x4xf32>
  %t = tensor.dim %yf, %c0 : tensor<?x?x4xf32>
  %b = tensor.dim %yf, %c1 : tensor<?x?x4xf32>
  %e = tensor.empty(%t, %b) : tensor<?x?x8xf32>
  %j0 = tensor.insert_slice %yf into %e[0, 0, 0] [%t, %b, 4] [1, 1, 1] : tensor<?x?x4xf32> into tensor<?x?x8xf32>
  %j = tensor.insert_slice %yb into %j0[0, 0, 4] [%t, %b, 4] [1, 1, 1] : tensor<?x?x4xf32> into tensor<?x?x8xf32>
  return %j : tensor<?x?x8xf32>
}
