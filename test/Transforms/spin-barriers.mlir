// RUN: rnnc-opt %s --rnnc-spin-barriers | FileCheck %s

// The barriers of a marked team (rnnc-hoist-parallel-region's) spin on a
// counter and a flag on the caller's stack, zeroed before the team starts;
// each thread keeps its own sense; a team of more threads than processors
// keeps omp.barrier. Other teams keep omp.barrier.

// CHECK:       func.func private @sched_yield() -> i32
// CHECK-LABEL: func.func @team(
// CHECK:         %[[SHARED:.*]] = memref.alloca() {alignment = 64 : i64} : memref<2xi32>
// CHECK:         memref.store %[[ZERO:.*]], %[[SHARED]][%[[C0:.*]]] : memref<2xi32>
// CHECK:         memref.store %[[ZERO]], %[[SHARED]][%[[C1:.*]]] : memref<2xi32>
// CHECK:         omp.parallel {
// CHECK:           %[[OWN:.*]] = memref.alloca() : memref<1xi32>
// CHECK:           memref.store %{{.*}}, %[[OWN]]
// The team's own size, asked for once.
// CHECK:           %[[SIZE:.*]] = func.call @omp_get_num_threads()
// CHECK-NOT:       func.call @omp_get_num_threads()
// CHECK:           %[[LAST:.*]] = arith.subi %[[SIZE]], %[[ONE:.*]] : i32
// CHECK:           %[[ADDRESS:.*]] = memref.extract_aligned_pointer_as_index %[[SHARED]]
// CHECK:           %[[ADDRESS64:.*]] = arith.index_cast %[[ADDRESS]] : index to i64
// CHECK:           %[[BASE:.*]] = llvm.inttoptr %[[ADDRESS64]]
// CHECK:           %[[FLAG:.*]] = llvm.getelementptr %[[BASE]][1] : (!llvm.ptr) -> !llvm.ptr, i32
// More threads than processors: libomp's barrier.
// CHECK:           %[[PROCS:.*]] = func.call @omp_get_num_procs()
// CHECK:           %[[SPINNING:.*]] = arith.cmpi sle, %[[SIZE]], %[[PROCS]]
// CHECK:           scf.for
// CHECK:             memref.store
// CHECK-NOT:         omp.barrier
// CHECK:             scf.if %[[SPINNING]] {
// CHECK:             %[[PREVIOUS:.*]] = memref.load %[[OWN]]
// CHECK:             %[[SENSE:.*]] = arith.xori %[[PREVIOUS]], %[[ONE]]
// CHECK:             memref.store %[[SENSE]], %[[OWN]]
// CHECK:             %[[ARRIVED:.*]] = memref.atomic_rmw addi %[[ONE]], %[[SHARED]]
// CHECK:             %[[IS_LAST:.*]] = arith.cmpi eq, %[[ARRIVED]], %[[LAST]]
// CHECK:             scf.if %[[IS_LAST]] {
// CHECK:               memref.atomic_rmw assign %{{.*}}, %[[SHARED]]
// CHECK:               llvm.store %[[SENSE]], %[[FLAG]] atomic release
// CHECK:             } else {
// CHECK:               scf.while
// CHECK:                 %[[NOW:.*]] = llvm.load %[[FLAG]] atomic acquire
// CHECK:                 %[[WAITING:.*]] = arith.cmpi ne, %[[NOW]], %[[SENSE]]
// CHECK:                 scf.condition(%[[WAITING]])
// CHECK:               } do {
// CHECK:                 llvm.call_intrinsic "llvm.x86.sse2.pause"()
// CHECK:                 scf.if
// CHECK:                   func.call @sched_yield()
// CHECK:             } else {
// CHECK-NEXT:          omp.barrier
// CHECK-NEXT:        }
// CHECK:           omp.terminator
// CHECK-NOT:     rnnc.spin_barriers
// CHECK:         omp.parallel {
// CHECK-NEXT:      omp.barrier
func.func private @omp_get_num_threads() -> i32

func.func @team(%steps: index, %buffer: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  omp.parallel {
    %size = func.call @omp_get_num_threads() : () -> i32
    scf.for %t = %c0 to %steps step %c1 {
      memref.store %one, %buffer[%c0] : memref<4xf32>
      omp.barrier
    }
    omp.terminator
  } {rnnc.spin_barriers}
  omp.parallel {
    omp.barrier
    omp.terminator
  }
  return
}
