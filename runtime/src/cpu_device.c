#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "message.h"

#define RNNRT_ALIGNMENT 64

/* Under AddressSanitizer the arena's unused bytes (a block's tail past what
 * the kernel asked for, freed blocks, the rest of the arena) are poisoned,
 * so that the kernel's out-of-bounds accesses are still reported as they
 * were with malloc's red zones. */
#if defined(__SANITIZE_ADDRESS__)
#define RNNRT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RNNRT_ASAN 1
#endif
#endif
#ifdef RNNRT_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(data, bytes) ASAN_POISON_MEMORY_REGION(data, bytes)
#define UNPOISON(data, bytes) ASAN_UNPOISON_MEMORY_REGION(data, bytes)
#else
#define POISON(data, bytes) ((void)(data), (void)(bytes))
#define UNPOISON(data, bytes) ((void)(data), (void)(bytes))
#endif

/* A piece of the workspace the kernel took in the current call. */
typedef struct workspace_block {
  unsigned char *data;
  uint64_t bytes;
  int in_use;
  int spilled; /* from the allocator: the arena was full */
} workspace_block_t;

/* The kernel's memory comes from one arena, carved afresh each call:
 * a block freed in the call is reused by a later allocation it fits (a time
 * loop's per-step buffers), so a call carves what is live at once, which the
 * model's heap bound covers. The arena is reserved before the kernel runs,
 * sized for the call's bound (or what an earlier call needed); allocations
 * past it (a bound that did not hold) spill to the allocator and size the
 * arena of the next call. In the steady state a call allocates nothing. */
typedef struct cpu_device {
  rnnrt_allocator_t allocator;
  rnnrt_kernel_fn kernel;
  rnnrt_cpu_exec_t exec;
  unsigned char *arena; /* 64-byte aligned */
  uint64_t arena_bytes;
  int arena_owned;    /* else the caller's workspace */
  uint64_t carved;    /* bytes of the arena this call took */
  uint64_t spilled;   /* bytes this call took from the allocator */
  uint64_t needed;    /* the most any call took */
  uint64_t last_used; /* what the last call took */
  workspace_block_t *blocks;
  uint32_t num_blocks, block_capacity;
  atomic_flag lock; /* the kernel's threads may allocate at once */
  int failed;       /* the model's code reported a failed check this call */
  char error[256];
} cpu_device_t;

static void lock(cpu_device_t *cpu) {
  while (atomic_flag_test_and_set_explicit(&cpu->lock, memory_order_acquire))
    ;
}

static void unlock(cpu_device_t *cpu) { atomic_flag_clear_explicit(&cpu->lock, memory_order_release); }

static uint64_t round_up(uint64_t bytes) {
  uint64_t size = bytes == 0 ? RNNRT_ALIGNMENT : bytes;
  return size > UINT64_MAX - RNNRT_ALIGNMENT ? UINT64_MAX
                                             : (size + RNNRT_ALIGNMENT - 1) & ~(uint64_t)63;
}

static int grow_blocks(cpu_device_t *cpu) {
  uint32_t capacity = cpu->block_capacity ? 2 * cpu->block_capacity : 64;
  rnnrt_allocator_t *a = &cpu->allocator;
  workspace_block_t *grown = a->alloc(a->self, capacity * sizeof *grown, RNNRT_ALIGNMENT);
  if (!grown)
    return 0;
  if (cpu->num_blocks > 0)
    memcpy(grown, cpu->blocks, cpu->num_blocks * sizeof *grown);
  a->free(a->self, cpu->blocks);
  cpu->blocks = grown;
  cpu->block_capacity = capacity;
  return 1;
}

/* exec->alloc: the smallest free block it fits, else a new one. */
static void *workspace_alloc(void *self, uint64_t bytes) {
  cpu_device_t *cpu = self;
  uint64_t size = round_up(bytes);
  void *result = NULL;
  lock(cpu);
  workspace_block_t *best = NULL;
  for (uint32_t i = 0; i < cpu->num_blocks; ++i) {
    workspace_block_t *block = &cpu->blocks[i];
    if (!block->in_use && block->bytes >= size && (!best || block->bytes < best->bytes))
      best = block;
  }
  if (best) {
    best->in_use = 1;
    result = best->data;
    UNPOISON(result, bytes);
  } else if (cpu->num_blocks < cpu->block_capacity || grow_blocks(cpu)) {
    workspace_block_t block = {NULL, size, 1, 0};
    if (size <= cpu->arena_bytes - cpu->carved) {
      block.data = cpu->arena + cpu->carved;
      cpu->carved += size;
    } else if (size <= SIZE_MAX) {
      block.data = cpu->allocator.alloc(cpu->allocator.self, (size_t)size, RNNRT_ALIGNMENT);
      block.spilled = 1;
      cpu->spilled += block.data ? size : 0;
    }
    if (block.data) {
      cpu->blocks[cpu->num_blocks++] = block;
      UNPOISON(block.data, bytes);
      POISON(block.data + bytes, size - bytes);
    }
    result = block.data;
  }
  unlock(cpu);
  return result;
}

/* exec->free, and the release of a kernel result. */
static void workspace_free(void *self, void *pointer) {
  cpu_device_t *cpu = self;
  lock(cpu);
  for (uint32_t i = 0; i < cpu->num_blocks; ++i)
    if (cpu->blocks[i].data == pointer) {
      cpu->blocks[i].in_use = 0;
      POISON(pointer, cpu->blocks[i].bytes);
      break;
    }
  unlock(cpu);
}

/* exec->fail: the first failed check of the call names the call's error. */
static void workspace_fail(void *self, const char *message) {
  cpu_device_t *cpu = self;
  lock(cpu);
  if (!cpu->failed) {
    cpu->failed = 1;
    snprintf(cpu->error, sizeof cpu->error, "%s", message);
  }
  unlock(cpu);
}

/* Forgets the last call's blocks (none is in use between calls). */
static void workspace_reset(cpu_device_t *cpu) {
  for (uint32_t i = 0; i < cpu->num_blocks; ++i)
    if (cpu->blocks[i].spilled) {
      UNPOISON(cpu->blocks[i].data, cpu->blocks[i].bytes);
      cpu->allocator.free(cpu->allocator.self, cpu->blocks[i].data);
    }
  cpu->num_blocks = 0;
  cpu->carved = cpu->spilled = 0;
  POISON(cpu->arena, cpu->arena_bytes);
}

static void *cpu_alloc(void *device, size_t bytes) {
  cpu_device_t *cpu = device;
  size_t size = bytes == 0 ? 1 : bytes;
  void *p = cpu->allocator.alloc(cpu->allocator.self, size, RNNRT_ALIGNMENT);
  if (p)
    memset(p, 0, size);
  return p;
}

static void cpu_free(void *device, void *data) {
  cpu_device_t *cpu = device;
  cpu->allocator.free(cpu->allocator.self, data);
}

static rnnrt_status_t cpu_copy(void *device, void *to, const void *from, size_t bytes) {
  (void)device;
  if (bytes > 0)
    memmove(to, from, bytes);
  return RNNRT_STATUS_OK;
}

static rnnrt_status_t cpu_fill(void *device, void *to, int value, size_t bytes) {
  (void)device;
  memset(to, value, bytes);
  return RNNRT_STATUS_OK;
}

static rnnrt_status_t cpu_run(void *device, void *const *args, uint64_t workspace_bytes) {
  cpu_device_t *cpu = device;
  workspace_reset(cpu);
  if (cpu->arena_owned) {
    uint64_t want = workspace_bytes > cpu->needed ? workspace_bytes : cpu->needed;
    if (want > cpu->arena_bytes) {
      void *grown = want <= SIZE_MAX ? cpu->allocator.alloc(cpu->allocator.self, (size_t)want,
                                                            RNNRT_ALIGNMENT)
                                     : NULL;
      if (!grown) {
        snprintf(cpu->error, sizeof cpu->error,
                 "out of memory for the kernel's workspace of %llu bytes",
                 (unsigned long long)want);
        return RNNRT_STATUS_OUT_OF_MEMORY;
      }
      UNPOISON(cpu->arena, cpu->arena_bytes);
      cpu->allocator.free(cpu->allocator.self, cpu->arena);
      cpu->arena = grown;
      cpu->arena_bytes = want;
      POISON(cpu->arena, cpu->arena_bytes);
    }
  } else if (workspace_bytes > cpu->arena_bytes) {
    snprintf(cpu->error, sizeof cpu->error,
             "this call needs a workspace of %llu bytes but the instance was given %llu "
             "(rnnrt_instance_workspace_size)",
             (unsigned long long)workspace_bytes, (unsigned long long)cpu->arena_bytes);
    return RNNRT_STATUS_LIMIT_EXCEEDED;
  }
  cpu->failed = 0;
  cpu->kernel(&cpu->exec, args);
  cpu->last_used = cpu->carved + cpu->spilled;
  if (cpu->last_used > cpu->needed)
    cpu->needed = cpu->last_used;
  return cpu->failed ? RNNRT_STATUS_INVALID_ARGUMENT : RNNRT_STATUS_OK;
}

static void cpu_release(void *device, void *result) { workspace_free(device, result); }

static const char *cpu_error(void *device) { return ((cpu_device_t *)device)->error; }

static uint64_t cpu_workspace_used(void *device) { return ((cpu_device_t *)device)->last_used; }

static void cpu_destroy(void *device) {
  cpu_device_t *cpu = device;
  if (!cpu)
    return;
  rnnrt_allocator_t a = cpu->allocator;
  workspace_reset(cpu);
  UNPOISON(cpu->arena, cpu->arena_bytes);
  if (cpu->arena_owned)
    a.free(a.self, cpu->arena);
  a.free(a.self, cpu->blocks);
  a.free(a.self, cpu);
}

const rnnrt_device_ops_t *rnnrt_cpu_device_ops(void) {
  static const rnnrt_device_ops_t ops = {
      cpu_alloc,   cpu_free,  cpu_copy,    cpu_copy,           cpu_copy,     cpu_fill,
      cpu_run,     cpu_release, cpu_error, cpu_workspace_used, cpu_destroy,
  };
  return &ops;
}

rnnrt_status_t rnnrt_cpu_device_create(const rnnrt_model_t *model,
                                       const rnnrt_instance_options_t *options,
                                       const rnnrt_allocator_t *allocator, void **out_device,
                                       char *message, size_t capacity) {
  if (!model->kernel)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT,
                      "model '%s' is a CPU model without a kernel", model->name);
  cpu_device_t *cpu = allocator->alloc(allocator->self, sizeof *cpu, RNNRT_ALIGNMENT);
  if (!cpu)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  memset(cpu, 0, sizeof *cpu);
  atomic_flag_clear(&cpu->lock);
  cpu->allocator = *allocator;
  cpu->kernel = model->kernel;
  cpu->exec = (rnnrt_cpu_exec_t){cpu, workspace_alloc, workspace_free, workspace_fail};
  cpu->arena_owned = options->workspace == NULL;
  if (!cpu->arena_owned) {
    /* Blocks are carved at multiples of 64 bytes from an aligned start. */
    uintptr_t start = (uintptr_t)options->workspace;
    uintptr_t aligned = (start + RNNRT_ALIGNMENT - 1) & ~(uintptr_t)(RNNRT_ALIGNMENT - 1);
    uint64_t skipped = aligned - start;
    cpu->arena = (unsigned char *)aligned;
    cpu->arena_bytes = options->workspace_bytes > skipped ? options->workspace_bytes - skipped : 0;
  }
  /* The block table of a typical call, so that the first call allocates it
   * no more than the next ones do. */
  if (!grow_blocks(cpu)) {
    allocator->free(allocator->self, cpu);
    return rnnrt_fail(message, capacity, RNNRT_STATUS_OUT_OF_MEMORY, "out of memory");
  }
  *out_device = cpu;
  return RNNRT_STATUS_OK;
}
