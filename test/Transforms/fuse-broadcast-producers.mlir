// RUN: rnnc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(rnnc-fuse-broadcast-producers))' | FileCheck %s

// A step's length mask over the batch, read by two masked selects over
// [batch, units], is recomputed in each: no [batch] mask remains.
// CHECK-LABEL: func.func @length_mask
// CHECK-NOT: tensor<?xi1>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%arg1, %arg2, %arg3 : tensor<?xi32>, tensor<?x8xf32>, tensor<?x8xf32>)
// CHECK: arith.cmpi slt, %arg0
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%arg1, %arg2 : tensor<?xi32>, tensor<?x8xf32>)
// CHECK: arith.cmpi slt, %arg0
// CHECK-NOT: tensor<?xi1>
#rows = affine_map<(d0) -> (d0)>
#row = affine_map<(d0, d1) -> (d0)>
#all = affine_map<(d0, d1) -> (d0, d1)>
func.func @length_mask(%t: i32, %lengths: tensor<?xi32>, %new: tensor<?x8xf32>,
                       %old: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %b = tensor.dim %lengths, %c0 : tensor<?xi32>
  %init = tensor.empty(%b) : tensor<?xi1>
  %mask = linalg.generic {indexing_maps = [#rows, #rows], iterator_types = ["parallel"]}
      ins(%lengths : tensor<?xi32>) outs(%init : tensor<?xi1>) {
  ^bb0(%length: i32, %out: i1):
    %active = arith.cmpi slt, %t, %length : i32
    linalg.yield %active : i1
  } -> tensor<?xi1>
  %e0 = tensor.empty(%b) : tensor<?x8xf32>
  %kept = linalg.generic {indexing_maps = [#row, #all, #all, #all], iterator_types = ["parallel", "parallel"]}
      ins(%mask, %new, %old : tensor<?xi1>, tensor<?x8xf32>, tensor<?x8xf32>) outs(%e0 : tensor<?x8xf32>) {
  ^bb0(%m: i1, %n: f32, %o: f32, %out: f32):
    %s = arith.select %m, %n, %o : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  %e1 = tensor.empty(%b) : tensor<?x8xf32>
  %zeroed = linalg.generic {indexing_maps = [#row, #all, #all], iterator_types = ["parallel", "parallel"]}
      ins(%mask, %new : tensor<?xi1>, tensor<?x8xf32>) outs(%e1 : tensor<?x8xf32>) {
  ^bb0(%m: i1, %n: f32, %out: f32):
    %s = arith.select %m, %n, %zero : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  return %kept, %zeroed : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// A producer of as many dimensions as its consumer, or a costly one, stays.
// CHECK-LABEL: func.func @kept
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%arg0 : tensor<?x8xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<?x8xf32>)
#all2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @kept(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%b) : tensor<?x8xf32>
  %y = linalg.generic {indexing_maps = [#all2, #all2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) {
  ^bb0(%v: f32, %out: f32):
    %w = math.exp %v : f32
    linalg.yield %w : f32
  } -> tensor<?x8xf32>
  %e2 = tensor.empty(%b) : tensor<?x8xf32>
  %z = linalg.generic {indexing_maps = [#all2, #all2, #all2], iterator_types = ["parallel", "parallel"]}
      ins(%y, %x : tensor<?x8xf32>, tensor<?x8xf32>) outs(%e2 : tensor<?x8xf32>) {
  ^bb0(%v: f32, %u: f32, %out: f32):
    %w = arith.addf %v, %u : f32
    linalg.yield %w : f32
  } -> tensor<?x8xf32>
  return %y, %z : tensor<?x8xf32>, tensor<?x8xf32>
}
