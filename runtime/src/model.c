#include "rnnrt/cuda.h"
#include "rnnrt/model.h"

#include <string.h>

#include "message.h"

/* rnnc emits a descriptor's dtype as a 32-bit integer. */
_Static_assert(sizeof(rnnrt_dtype_t) == sizeof(int32_t), "rnnrt_dtype_t must be 32 bits");

uint32_t rnnrt_abi_version(void) { return RNNRT_ABI_VERSION; }

static rnnrt_status_t verify_tensors(const rnnrt_model_t *model, const rnnrt_tensor_info_t *infos,
                                     uint32_t count, uint32_t pair_count, const char *kind,
                                     char *message, size_t capacity) {
  if (count > 0 && !infos)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT, "model '%s' has no %s table",
                      model->name, kind);
  for (uint32_t i = 0; i < count; ++i) {
    const rnnrt_tensor_info_t *info = &infos[i];
    if (!info->name || info->rank < 0 || info->rank > RNNRT_MAX_RANK ||
        (info->rank > 0 && !info->dims) || rnnrt_dtype_size(info->dtype) == 0 ||
        info->role < RNNRT_ROLE_DATA || info->role > RNNRT_ROLE_INDICES ||
        info->pair >= (int32_t)pair_count)
      return rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT,
                        "model '%s': %s %u has a malformed description", model->name, kind, i);
    for (int32_t d = 0; d < info->rank; ++d)
      if (info->dims[d] < 0 && -1 - info->dims[d] >= (int64_t)model->num_symbols)
        return rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT,
                          "model '%s': %s '%s' refers to an unknown run-time size", model->name,
                          kind, info->name);
  }
  return RNNRT_STATUS_OK;
}

/* 1 when this CPU has the x86 feature `name` (LLVM's spelling, `length`
 * bytes), 0 when it lacks it, -1 when this runtime cannot tell. */
static int cpu_has_feature(const char *name, size_t length) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
#define RNNRT_CPU_FEATURE(spelling)                                                         \
  if (length == sizeof(spelling) - 1 && memcmp(name, spelling, length) == 0)                \
    return __builtin_cpu_supports(spelling) != 0;
  RNNRT_CPU_FEATURE("avx")
  RNNRT_CPU_FEATURE("avx2")
  RNNRT_CPU_FEATURE("fma")
  RNNRT_CPU_FEATURE("f16c")
  RNNRT_CPU_FEATURE("avx512f")
  RNNRT_CPU_FEATURE("avx512bw")
  RNNRT_CPU_FEATURE("avx512dq")
  RNNRT_CPU_FEATURE("avx512vl")
  RNNRT_CPU_FEATURE("avx512vnni")
  RNNRT_CPU_FEATURE("avx512bf16")
#undef RNNRT_CPU_FEATURE
#endif
  (void)name;
  (void)length;
  return -1;
}

static rnnrt_status_t verify_cpu_features(const rnnrt_model_t *model, char *message,
                                          size_t capacity) {
  const char *list = model->required_cpu_features;
  while (*list) {
    size_t length = strcspn(list, ",");
    int has = cpu_has_feature(list, length);
    if (has < 0)
      return rnnrt_fail(message, capacity, RNNRT_STATUS_UNSUPPORTED_CPU,
                        "model '%s' needs the CPU feature '%.*s', which this runtime cannot check",
                        model->name, (int)length, list);
    if (has == 0)
      return rnnrt_fail(message, capacity, RNNRT_STATUS_UNSUPPORTED_CPU,
                        "model '%s' was compiled for CPU '%s' and needs '%.*s', which this CPU "
                        "lacks (compile it with --cpu naming this CPU, or x86-64-v3 for AVX2)",
                        model->name, model->target, (int)length, list);
    list += length + (list[length] == ',');
  }
  return RNNRT_STATUS_OK;
}

rnnrt_status_t rnnrt_model_verify(const rnnrt_model_t *model, char *message, size_t capacity) {
  if (!model)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INVALID_ARGUMENT, "model is NULL");
  if (model->abi_version != RNNRT_ABI_VERSION)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_INCOMPATIBLE_VERSION,
                      "model was compiled for runtime ABI version %u; this runtime implements "
                      "version %u",
                      model->abi_version, RNNRT_ABI_VERSION);
  if (!model->name || !model->weight_precision || !model->required_cpu_features ||
      !model->target || (model->num_symbols > 0 && !model->symbols) ||
      model->batch_symbol >= (int32_t)model->num_symbols || model->max_batch < 0)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT, "malformed model descriptor");
  if (model->device == RNNRT_DEVICE_CPU ? !model->kernel : model->device != RNNRT_DEVICE_CUDA)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT,
                      "model '%s' has no kernel for device %d", model->name, model->device);
  if (model->device == RNNRT_DEVICE_CUDA) {
    const rnnrt_cuda_code_t *cuda = model->cuda;
    if (!cuda || !cuda->kernel || !cuda->ptx || (cuda->num_kernels > 0 && !cuda->kernel_names) ||
        (cuda->cubin_size > 0 && !cuda->cubin))
      return rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT,
                        "model '%s' has a malformed CUDA code table", model->name);
  }
  if (model->device == RNNRT_DEVICE_CPU) {
    rnnrt_status_t status = verify_cpu_features(model, message, capacity);
    if (status != RNNRT_STATUS_OK)
      return status;
  }
  if (model->num_heap_terms > 0 && !model->heap_terms)
    return rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT,
                      "model '%s' has no heap term table", model->name);
  for (uint32_t t = 0; t < model->num_heap_terms; ++t) {
    const rnnrt_memory_term_t *term = &model->heap_terms[t];
    int malformed = term->num_factors < 0 || term->num_factors > RNNRT_MAX_RANK;
    for (int32_t f = 0; !malformed && f < term->num_factors; ++f)
      malformed = term->factors[f] < 0 || term->factors[f] >= (int32_t)model->num_symbols;
    if (malformed)
      return rnnrt_fail(message, capacity, RNNRT_STATUS_BAD_FORMAT,
                        "model '%s': heap term %u is malformed", model->name, t);
  }
  rnnrt_status_t status = verify_tensors(model, model->inputs, model->num_inputs,
                                         model->num_outputs, "input", message, capacity);
  if (status != RNNRT_STATUS_OK)
    return status;
  return verify_tensors(model, model->outputs, model->num_outputs, model->num_inputs, "output",
                        message, capacity);
}

static int32_t find_tensor(const rnnrt_tensor_info_t *infos, uint32_t count, const char *name) {
  if (!infos || !name)
    return -1;
  for (uint32_t i = 0; i < count; ++i)
    if (strcmp(infos[i].name, name) == 0)
      return (int32_t)i;
  return -1;
}

int32_t rnnrt_model_find_input(const rnnrt_model_t *model, const char *name) {
  return model ? find_tensor(model->inputs, model->num_inputs, name) : -1;
}

int32_t rnnrt_model_find_output(const rnnrt_model_t *model, const char *name) {
  return model ? find_tensor(model->outputs, model->num_outputs, name) : -1;
}
