/* rnnc-barrier-balance: how long two threads wait for each other at a barrier
 * per step when each does the same work, the shape of a batch-1 LSTM step at
 * H = 256 on two threads (each thread a GEMV over its own 512 KiB of weights,
 * then a spinning barrier, thread 0 copies the new h, a second barrier).
 * With both cores running at the same speed the waits are a few percent; a
 * share far above that says one core was slower during the round (on a
 * shared VM: another tenant on it), which no kernel can make up for.
 *
 *   rnnc-barrier-balance [ROUNDS]     (1000 steps a round; default 10 rounds)
 *
 * Prints per round the time per step and each thread's share of it spent
 * waiting at the barriers (docs/performance.md, "Profiles"). */
#include <immintrin.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kDepth = 256, kColumns = 512, kUnits = 256, kSteps = 1000 };

/* A sense-reversing barrier that spins, as rnnc-spin-barriers' does. */
typedef struct {
  atomic_int arrived;
  atomic_int sense;
} barrier_t;

static void barrier_wait(barrier_t *barrier, int threads, int *local_sense) {
  int sense = !*local_sense;
  *local_sense = sense;
  if (atomic_fetch_add_explicit(&barrier->arrived, 1, memory_order_acq_rel) == threads - 1) {
    atomic_store_explicit(&barrier->arrived, 0, memory_order_relaxed);
    atomic_store_explicit(&barrier->sense, sense, memory_order_release);
  } else {
    while (atomic_load_explicit(&barrier->sense, memory_order_acquire) != sense)
      __builtin_ia32_pause();
  }
}

/* out = the sum of the four quarters of h @ w over this thread's kColumns
 * columns (like an LSTM's gates becoming units), in column groups of 8 zmm
 * accumulators as rnnc's batch-1 matmuls do; w is packed group by group. */
__attribute__((target("avx512f"))) static void gemv(const float *w, const float *h, float *out) {
  enum { kGroup = 128 };
  __m512 sums[kColumns / kGroup][8];
  for (int g = 0; g < kColumns / kGroup; ++g) {
    const float *panel = w + g * kDepth * kGroup;
    __m512 acc[8];
    for (int i = 0; i < 8; ++i)
      acc[i] = _mm512_setzero_ps();
    for (int k = 0; k < kDepth; ++k) {
      __m512 x = _mm512_set1_ps(h[k]);
      for (int i = 0; i < 8; ++i)
        acc[i] = _mm512_fmadd_ps(x, _mm512_load_ps(panel + k * kGroup + 16 * i), acc[i]);
    }
    for (int i = 0; i < 8; ++i)
      sums[g][i] = acc[i];
  }
  for (int i = 0; i < 8; ++i)
    _mm512_storeu_ps(out + 16 * i, _mm512_add_ps(_mm512_add_ps(sums[0][i], sums[1][i]),
                                                 _mm512_add_ps(sums[2][i], sums[3][i])));
}

static double seconds(void) { return omp_get_wtime(); }

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 10;
  if (rounds < 1) {
    fprintf(stderr, "usage: rnnc-barrier-balance [ROUNDS]\n");
    return 2;
  }
  if (!__builtin_cpu_supports("avx512f")) {
    fprintf(stderr, "rnnc-barrier-balance: needs AVX-512\n");
    return 1;
  }
  float *weights[2];
  for (int t = 0; t < 2; ++t) {
    weights[t] = aligned_alloc(64, sizeof(float) * kDepth * kColumns);
    if (!weights[t]) {
      fprintf(stderr, "rnnc-barrier-balance: out of memory\n");
      return 1;
    }
    for (int i = 0; i < kDepth * kColumns; ++i)
      weights[t][i] = 1e-4f * (float)(i % 7);
  }
  static float h[kUnits] __attribute__((aligned(64))), next[kUnits] __attribute__((aligned(64)));
  for (int i = 0; i < kUnits; ++i)
    h[i] = 0.01f;
  barrier_t barrier = {0, 0};
  printf("2 threads, %d steps a round, each thread %zu KiB of weights a step\n", kSteps,
         sizeof(float) * kDepth * kColumns / 1024);
  for (int round = 0; round < rounds; ++round) {
    double total[2] = {0, 0}, waited[2] = {0, 0};
#pragma omp parallel num_threads(2)
    {
      int me = omp_get_thread_num(), local_sense = 0;
      double start = seconds();
      for (int step = 0; step < kSteps; ++step) {
        gemv(weights[me], h, next + me * kUnits / 2);
        double arrived = seconds();
        barrier_wait(&barrier, 2, &local_sense);
        waited[me] += seconds() - arrived;
        if (me == 0)
          memcpy(h, next, sizeof h);
        arrived = seconds();
        barrier_wait(&barrier, 2, &local_sense);
        waited[me] += seconds() - arrived;
      }
      total[me] = seconds() - start;
    }
    printf("round %d: %.2f us a step; waiting at the barriers: thread 0 %.1f%%, thread 1 %.1f%%\n",
           round, 1e6 * total[0] / kSteps, 100 * waited[0] / total[0], 100 * waited[1] / total[1]);
  }
  printf("(h[0] = %g)\n", h[0]);
  return 0;
}
