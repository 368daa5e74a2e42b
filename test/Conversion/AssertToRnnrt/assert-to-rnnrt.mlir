// RUN: rnnc-opt %s --convert-assert-to-rnnrt --split-input-file | FileCheck %s

// In the entry (the runtime's exec first), a failed check calls the exec's
// fail (field 3) with the message; the code goes on.
// CHECK: llvm.mlir.global internal constant @rnnc_check_1("row out of range\00")
// CHECK-LABEL: func.func @entry(
// CHECK-SAME: %[[EXEC:[a-z0-9]*]]: !llvm.ptr, %[[OK:[a-z0-9]*]]: i1
// CHECK: %[[FAILED:.*]] = arith.xori %[[OK]], %true
// CHECK: scf.if %[[FAILED]] {
// CHECK: %[[MESSAGE:.*]] = llvm.mlir.addressof @rnnc_check_1
// CHECK: %[[SELF_SLOT:.*]] = llvm.getelementptr %[[EXEC]][0]
// CHECK: %[[SELF:.*]] = llvm.load %[[SELF_SLOT]]
// CHECK: %[[FAIL_SLOT:.*]] = llvm.getelementptr %[[EXEC]][3]
// CHECK: %[[FAIL:.*]] = llvm.load %[[FAIL_SLOT]]
// CHECK: llvm.call %[[FAIL]](%[[SELF]], %[[MESSAGE]]) : !llvm.ptr, (!llvm.ptr, !llvm.ptr) -> ()
// CHECK: }
// CHECK-NOT: cf.assert
// CHECK: return
func.func @entry(%exec: !llvm.ptr, %ok: i1) attributes {rnnc.exec} {
  cf.assert %ok, "row out of range"
  return
}

// -----

// Without the runtime's exec (GPU kernels) the check is dropped.
// CHECK-LABEL: func.func @kernel(
// CHECK-NOT: cf.assert
// CHECK: return
func.func @kernel(%ok: i1) {
  cf.assert %ok, "row out of range"
  return
}
