// RUN: rnnc compile %s --emit=asm --cpu=x86-64-v4 --name net -o - | FileCheck %s --check-prefix=AVX512
// RUN: rnnc compile %s --emit=asm --cpu=x86-64-v3 --name net -o - | FileCheck %s --check-prefix=AVX2
// RUN: rnnc compile %s --emit=llvm --cpu=x86-64-v4 --name net -o - | FileCheck %s --check-prefix=IR
// RUN: rnnc compile %s --emit=obj --cpu=x86-64-v4 --name net -o %t.o && llvm-objdump -d %t.o | FileCheck %s --check-prefix=OBJ
// RUN: llvm-nm --extern-only --defined-only %t.o | FileCheck %s --check-prefix=SYMBOLS

// The object defines one external symbol, the descriptor accessor; the model
// code is internal under the model's prefix.
// SYMBOLS:     T net_model
// SYMBOLS-NOT: {{.}}

// The emitted machine code (the model function, inlined into the kernel
// entry) computes the gate matmuls and the gate math in SIMD
// registers: packed FMAs on zmm (AVX-512) or ymm (AVX2), packed min/max for
// the clips and packed multiplies for the sigmoid/tanh polynomials.

// AVX512-LABEL: {{^}}net_kernel:
// AVX512-DAG:   vbroadcastss {{.*}}%zmm
// AVX512-DAG:   vfmadd{{[0-9]+}}ps {{.*}}%zmm{{[0-9]+}}, %zmm{{[0-9]+}}, %zmm{{[0-9]+}}
// AVX512-DAG:   vmulps {{.*}}%zmm
// AVX512-DAG:   vmaxps {{.*}}%zmm
// AVX512-DAG:   vminps {{.*}}%zmm

// AVX2-LABEL: {{^}}net_kernel:
// AVX2-DAG:   vfmadd{{[0-9]+}}ps {{.*}}%ymm{{[0-9]+}}, %ymm{{[0-9]+}}, %ymm{{[0-9]+}}
// AVX2-DAG:   vmulps {{.*}}%ymm
// AVX2-NOT:   %zmm

// IR-LABEL: define {{.*}} @net_kernel(
// IR:         call <16 x float> @llvm.fmuladd.v16f32(
// IR-NOT:     call float @tanhf
// IR-NOT:     call float @expf

// OBJ: vfmadd{{[0-9]+}}ps {{.*}}%zmm
func.func @lstm(%x: tensor<?x?x3xf32>, %len: tensor<?xi32>)
    -> (tensor<?x?x20xf32>, tensor<?x20xf32>, tensor<?x20xf32>) {
  %k = arith.constant dense<0.1> : tensor<23x80xf32>
  %b = arith.constant dense<0.0> : tensor<80xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 20 : i64, cell_clip = 2.0 : f32}
      : tensor<23x80xf32>, tensor<80xf32>
  %out, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) sequence_length(%len : tensor<?xi32>)
      {time_major} -> tensor<?x?x20xf32>, tensor<?x20xf32>, tensor<?x20xf32>
  return %out, %c, %h : tensor<?x?x20xf32>, tensor<?x20xf32>, tensor<?x20xf32>
}
