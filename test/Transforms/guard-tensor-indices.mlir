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
