// RUN: rnnc-opt %s --finalize-memref-to-llvm --convert-func-to-llvm --reconcile-unrealized-casts --convert-malloc-to-rnnrt --split-input-file --verify-diagnostics | FileCheck %s

// The entry's heap memory comes from the exec of its first argument (self,
// alloc, free), inside OpenMP regions too; malloc and free are gone.
// CHECK-LABEL: module
// CHECK-NOT: llvm.func @malloc
// CHECK-NOT: llvm.func @free
// CHECK: llvm.func @entry(%[[EXEC:[a-z0-9]*]]: !llvm.ptr,
// CHECK: %[[SELF_SLOT:.*]] = llvm.getelementptr %[[EXEC]][0]
// CHECK: %[[SELF:.*]] = llvm.load %[[SELF_SLOT]]
// CHECK: %[[ALLOC_SLOT:.*]] = llvm.getelementptr %[[EXEC]][1]
// CHECK: %[[ALLOC:.*]] = llvm.load %[[ALLOC_SLOT]]
// CHECK: llvm.call %[[ALLOC]](%[[SELF]], %{{.*}}) : !llvm.ptr, (!llvm.ptr, i64) -> !llvm.ptr
// CHECK: omp.parallel
// CHECK: llvm.getelementptr %[[EXEC]][1]
// CHECK: llvm.call
// CHECK: %[[FREE_SLOT:.*]] = llvm.getelementptr %[[EXEC]][2]
// CHECK: %[[FREE:.*]] = llvm.load %[[FREE_SLOT]]
// CHECK: llvm.call %[[FREE]](%{{.*}}, %{{.*}}) : !llvm.ptr, (!llvm.ptr, !llvm.ptr) -> ()
// CHECK-NOT: @malloc
// CHECK-NOT: @free
module {
  func.func @entry(%exec: !llvm.ptr, %n: index) -> memref<?xf32> attributes {rnnc.exec} {
    %a = memref.alloc(%n) : memref<?xf32>
    omp.parallel {
      %t = memref.alloc(%n) : memref<?xf32>
      memref.dealloc %t : memref<?xf32>
      omp.terminator
    }
    %b = memref.alloc(%n) {alignment = 64 : i64} : memref<?xf32>
    memref.dealloc %b : memref<?xf32>
    return %a : memref<?xf32>
  }
}

// -----

// Only the entry receives the exec: heap memory anywhere else is refused.
module {
  func.func @helper(%n: index) -> memref<?xf32> {
    // expected-error @+1 {{heap memory outside the model's entry function}}
    %a = memref.alloc(%n) : memref<?xf32>
    return %a : memref<?xf32>
  }
}
